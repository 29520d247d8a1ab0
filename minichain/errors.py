"""Everything a node can refuse, each with a message that teaches.

Every rejection is a subclass of `ValidationError` whose message is one plain sentence naming
what is wrong and the value at fault. Transaction rules follow the transaction checklist and block
rules the block checklist of DESIGN.md section 3 (after Bitcoin's CheckTransaction/CheckBlock and
Ethereum's yellow paper, section 6); the numbers in the class docstrings are those checklists'.
Rules of a particular consensus engine live beside it, in `minichain.consensus`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from minichain.clock import date_text
from minichain.language import say
from minichain.names import name_of

if TYPE_CHECKING:
    from minichain.block import Block

__all__ = [
    "AmountOutOfRange",
    "BadSignature",
    "BlockCannotBeExecuted",
    "BlockHasInvalidTransaction",
    "BlockTooLarge",
    "ConflictingFinalBlocks",
    "DuplicateTransaction",
    "InsufficientFunds",
    "InvalidBlock",
    "InvalidCoinbase",
    "InvalidRecipient",
    "InvalidTransaction",
    "MalformedData",
    "MerkleRootMismatch",
    "NonCanonicalSignature",
    "NonceAlreadyUsed",
    "NonceTooHigh",
    "ReceiptsRootMismatch",
    "RememberedResultDiffers",
    "StateRootMismatch",
    "TimestampInFuture",
    "TimestampTooEarly",
    "TransactionAlreadyInChain",
    "TransactionAlreadyPending",
    "TransactionCannotBeRead",
    "TransactionTooLarge",
    "UnknownParent",
    "ValidationError",
    "WrongChain",
    "WrongHeight",
    "WouldReplaceFinalBlock",
    "WrongReward",
    "short",
]


def short(value: str | bytes) -> str:
    """A value as a message shows it: a hash by its first digits '7b0c4e1f…', an address by its
    name in the address book in use (`minichain.names`), else by its short form '0x3F2a…9c1D'."""
    if isinstance(value, bytes):
        return value.hex()[:12] + "…"
    return name_of(value)


class ValidationError(Exception):
    """Something was refused because it breaks a rule of the chain."""


class MalformedData(ValidationError):
    """Bytes that do not decode to a transaction or block."""


# -- transactions --------------------------------------------------------------------------------

class InvalidTransaction(ValidationError):
    """A transaction breaks a rule of the transaction checklist."""


class BadSignature(InvalidTransaction):
    """Checklist 1: the signature is not the sender's signature of this transaction."""

    def __init__(self, sender: str):
        super().__init__(say(
            "the signature does not match sender {sender}: the payment was changed after it was "
            "signed, or signed with another key.", sender=short(sender)))


class NonCanonicalSignature(InvalidTransaction):
    """Checklist 2: r or s is out of range, or s is in the upper half (high-S)."""

    def __init__(self, reason: str):
        super().__init__(
            f"the signature is not in canonical form ({reason}); only low-S signatures with "
            "1 ≤ r, s < n are accepted, so nobody can alter a transaction's id without the key."
        )


class WrongChain(InvalidTransaction):
    """Checklist 3: the transaction was signed for another chain (EIP-155 replay protection)."""

    def __init__(self, chain_id: int, expected: int):
        super().__init__(
            f"the transaction was signed for chain {chain_id}, but this is chain {expected}; "
            "a payment signed for one chain cannot be replayed on another."
        )


class NonceAlreadyUsed(InvalidTransaction):
    """Checklist 4 (too low): this nonce was already used by the sender; a replay."""

    def __init__(self, sender: str, nonce: int, next_nonce: int):
        super().__init__(
            f"nonce {nonce} was already used by {short(sender)}; the next valid nonce is "
            f"{next_nonce}."
        )


class TransactionAlreadyInChain(NonceAlreadyUsed):
    """Checklist 8: this very transaction is already in a block (a replay of it)."""

    def __init__(self, txid: bytes, height: int, sender: str, nonce: int):
        InvalidTransaction.__init__(
            self,
            f"transaction {short(txid)} is already in block {height}: its nonce {nonce} was "
            f"already used by {short(sender)}, so it cannot be paid twice.",
        )


class TransactionAlreadyPending(InvalidTransaction):
    """Checklist 8: this very transaction is already waiting in the mempool."""

    def __init__(self, txid: bytes):
        super().__init__(
            f"transaction {short(txid)} is already waiting in the mempool; sending it again "
            "changes nothing."
        )


class NonceTooHigh(InvalidTransaction):
    """Checklist 4 (too high): a gap; earlier transactions of the sender are missing."""

    def __init__(self, sender: str, nonce: int, next_nonce: int):
        super().__init__(
            f"nonce {nonce} of {short(sender)} leaves a gap: the next valid nonce is "
            f"{next_nonce}, so the transactions in between must come first."
        )


class InsufficientFunds(InvalidTransaction):
    """Checklist 5: balance smaller than amount plus fee.

    `waiting` is what the sender's payments already waiting in the mempool will spend; the
    mempool counts it against the balance (a second spend of the same coins is refused there),
    and the message says so."""

    def __init__(self, sender: str, balance: int, amount: int, fee: int, *, waiting: int = 0):
        has = f"has {balance}" if not waiting else (
            f"has {balance}, of which only {balance - waiting} is left after the payments "
            f"already waiting in the mempool,")
        super().__init__(
            f"{short(sender)} {has} but tries to spend {amount + fee} "
            f"({amount} plus a fee of {fee})."
        )


class AmountOutOfRange(InvalidTransaction):
    """Checklist 6: an amount or fee that is not a non-negative integer within the supply."""

    def __init__(self, field: str, value: object, limit: int):
        super().__init__(
            f"the {field} {value!r} is not allowed: it must be a whole number from 0 to {limit}."
        )


class TransactionTooLarge(InvalidTransaction):
    """Checklist 7: the encoded transaction exceeds the size limit."""

    def __init__(self, size: int, limit: int):
        super().__init__(f"the transaction is {size} bytes; the limit is {limit} bytes.")


class InvalidRecipient(InvalidTransaction):
    """Checklist 9: the recipient is not a well-formed, checksummed address."""

    def __init__(self, problem: str):
        super().__init__(f"the recipient is not valid: {problem}.")


class TransactionCannotBeRead(InvalidTransaction):
    """Checking the transaction failed in a way no rule foresaw; it is refused, nothing changes."""

    def __init__(self, problem: BaseException):
        super().__init__(f"the transaction could not be checked ({type(problem).__name__}), so "
                         "it is refused; nothing was changed")


# -- blocks --------------------------------------------------------------------------------------

class InvalidBlock(ValidationError):
    """A block breaks a rule of the block checklist or of its consensus engine."""


class UnknownParent(InvalidBlock):
    """Checklist 1: the block builds on a block this node has never seen."""

    def __init__(self, parent_hash: bytes):
        super().__init__(
            f"the block's parent {short(parent_hash)} is unknown here; blocks must arrive "
            "after the block they build on."
        )


class WrongHeight(InvalidBlock):
    """Checklist 2: the height is not the parent's height plus one."""

    def __init__(self, height: int, parent_height: int):
        super().__init__(
            f"the block says it is at height {height}, but its parent is at height "
            f"{parent_height}, so it must be {parent_height + 1}."
        )


class MerkleRootMismatch(InvalidBlock):
    """Checklist 3: the transactions do not hash to the Merkle root in the header."""

    def __init__(self, header_root: bytes, actual_root: bytes):
        super().__init__(
            f"the header's Merkle root is {short(header_root)} but the transactions hash to "
            f"{short(actual_root)}: a transaction was added, removed or changed."
        )


class DuplicateTransaction(InvalidBlock):
    """Checklist 4: the same transaction appears twice in one block."""

    def __init__(self, txid: bytes):
        super().__init__(f"transaction {short(txid)} appears more than once in the block.")


class BlockTooLarge(InvalidBlock):
    """Checklist 5: too many bytes or too many transactions."""

    def __init__(self, what: str, value: int, limit: int):
        super().__init__(f"the block has {value} {what}; the limit is {limit}.")


class InvalidCoinbase(InvalidBlock):
    """The producer's address in the header (who is paid) is not a well-formed address."""

    def __init__(self, problem: str):
        super().__init__(f"the block's coinbase is not valid: {problem}.")


class TimestampTooEarly(InvalidBlock):
    """Checklist 7: the block's time is not after what its consensus requires."""

    def __init__(self, timestamp: int, earliest: int, rule: str):
        super().__init__(
            f"the block's time {date_text(timestamp)} is too early: {rule}, so it must be at least "
            f"{date_text(earliest)}."
        )


class TimestampInFuture(InvalidBlock):
    """Checklist 7: the block's time is further in the future than allowed."""

    def __init__(self, timestamp: int, latest: int):
        super().__init__(
            f"the block's time {date_text(timestamp)} is in the future: the latest time accepted now "
            f"is {date_text(latest)}."
        )


class WrongReward(InvalidBlock):
    """Checklist 8: the producer claims a reward other than the subsidy plus the fees."""

    def __init__(self, claimed: int, subsidy: int, fees: int):
        super().__init__(
            f"the block claims a reward of {claimed}, but the subsidy is {subsidy} and the fees "
            f"are {fees}, so the reward must be {subsidy + fees}."
        )


class BlockHasInvalidTransaction(InvalidBlock):
    """Checklist 9: a transaction fails when the block is applied in order."""

    def __init__(self, index: int, txid: bytes, reason: InvalidTransaction):
        self.index = index
        self.reason = reason
        super().__init__(f"transaction {index} ({short(txid)}) of the block is invalid: {reason}")


class StateRootMismatch(InvalidBlock):
    """Checklist 10: the state after executing the block is not the one the header commits to."""

    def __init__(self, header_root: bytes, actual_root: bytes):
        super().__init__(
            f"the header commits to state {short(header_root)}, but executing the block gives "
            f"{short(actual_root)}."
        )


class ReceiptsRootMismatch(InvalidBlock):
    """Checklist 10: what the transactions did is not what the header's receipts root says."""

    def __init__(self, header_root: bytes, actual_root: bytes):
        super().__init__(
            f"the header commits to receipts {short(header_root)}, but executing the block gives "
            f"receipts {short(actual_root)}."
        )


class BlockCannotBeExecuted(InvalidBlock):
    """Executing the block failed in a way no rule foresaw; it is refused, nothing changes."""

    def __init__(self, problem: BaseException):
        super().__init__(f"the block could not be executed ({type(problem).__name__}), so it is "
                         "refused; nothing was changed.")


class RememberedResultDiffers(InvalidBlock):
    """Re-executing a block gives other results than the ones kept for it (a damaged file)."""

    def __init__(self, what: str):
        super().__init__(f"executing the block again gives other {what} than the ones kept for "
                         "it: what was kept was changed or damaged.")


class ConflictingFinalBlocks(InvalidBlock):
    """Two different blocks at one height are both final: more validators signed two blocks
    than the chain can tolerate. Both blocks are kept on the error as the evidence."""

    def __init__(self, final: Block, conflicting: Block):
        self.blocks = (final, conflicting)
        super().__init__(
            f"block {short(conflicting.hash)} claims to be final at height {final.height}, where "
            f"block {short(final.hash)} is already final: more validators than the chain "
            "tolerates signed two blocks at one height. Both blocks are the evidence; the final "
            "block stays.")


class WouldReplaceFinalBlock(InvalidBlock):
    """A block would replace a block that is already final."""

    def __init__(self, height: int):
        super().__init__(f"the block would replace block {height}, which is final; final "
                         "blocks are never replaced.")
