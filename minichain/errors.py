"""Everything a node can refuse, each with a message that teaches.

Every rejection is a subclass of `ValidationError` whose message is one plain sentence naming
what is wrong and the value at fault. Transaction rules follow the transaction checklist and block
rules the block checklist of DESIGN.md section 3 (after Bitcoin's CheckTransaction/CheckBlock and
Ethereum's yellow paper, section 6); the numbers in the class docstrings are those checklists'.
Rules of a particular consensus engine live beside it, in `minichain.consensus`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from minichain.clock import date_text
from minichain.language import say, translate
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

# What a refusal is about, where one refusal has several whole messages: the caller names it
# by one of these keys, and the refusal picks its sentence (never a word glued into one).
AMOUNT_PLUS_FEE = "amount plus fee"  # AmountOutOfRange, beside "amount", "fee", "nonce"...
TRANSACTIONS, BYTES = "transactions", "bytes"  # BlockTooLarge
STATE_CHANGES, RECEIPTS = "state changes", "receipts"  # RememberedResultDiffers


def short(value: str | bytes) -> str:
    """A value as a message shows it: a hash by its first digits '7b0c4e1f…', an address by its
    name in the address book in use (`minichain.names`), else by its short form '0x3F2a…9c1D'."""
    if isinstance(value, bytes):
        return value.hex()[:12] + "…"
    return name_of(value)


def listed(values: Iterable[str]) -> str:
    """Names (or other short values) one after the other, as a message lists them:
    'bank, logistics, platform' (in Chinese 银行、物流公司、平台)."""
    return translate(", ").join(values)


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
        super().__init__(say(
            "the signature is not in canonical form ({reason}); only low-S signatures with "
            "1 ≤ r, s < n are accepted, so nobody can alter a transaction's id without the key.",
            reason=reason))


class WrongChain(InvalidTransaction):
    """Checklist 3: the transaction was signed for another chain (EIP-155 replay protection)."""

    def __init__(self, chain_id: int, expected: int):
        super().__init__(say(
            "the transaction was signed for chain {chain_id}, but this is chain {expected}; "
            "a payment signed for one chain cannot be replayed on another.",
            chain_id=chain_id, expected=expected))


class NonceAlreadyUsed(InvalidTransaction):
    """Checklist 4 (too low): this nonce was already used by the sender; a replay."""

    def __init__(self, sender: str, nonce: int, next_nonce: int):
        super().__init__(say(
            "nonce {nonce} was already used by {sender}; the next valid nonce is {next_nonce}.",
            nonce=nonce, sender=short(sender), next_nonce=next_nonce))


class TransactionAlreadyInChain(NonceAlreadyUsed):
    """Checklist 8: this very transaction is already in a block (a replay of it)."""

    def __init__(self, txid: bytes, height: int, sender: str, nonce: int):
        InvalidTransaction.__init__(self, say(
            "transaction {txid} is already in block {height}: its nonce {nonce} was already "
            "used by {sender}, so it cannot be paid twice.",
            txid=short(txid), height=height, nonce=nonce, sender=short(sender)))


class TransactionAlreadyPending(InvalidTransaction):
    """Checklist 8: this very transaction is already waiting in the mempool."""

    def __init__(self, txid: bytes):
        super().__init__(say(
            "transaction {txid} is already waiting in the mempool; sending it again changes "
            "nothing.", txid=short(txid)))


class NonceTooHigh(InvalidTransaction):
    """Checklist 4 (too high): a gap; earlier transactions of the sender are missing."""

    def __init__(self, sender: str, nonce: int, next_nonce: int):
        super().__init__(say(
            "nonce {nonce} of {sender} leaves a gap: the next valid nonce is {next_nonce}, so "
            "the transactions in between must come first.",
            nonce=nonce, sender=short(sender), next_nonce=next_nonce))


class InsufficientFunds(InvalidTransaction):
    """Checklist 5: balance smaller than amount plus fee.

    `waiting` is what the sender's payments already waiting in the mempool will spend; the
    mempool counts it against the balance (a second spend of the same coins is refused there),
    and the message says so."""

    def __init__(self, sender: str, balance: int, amount: int, fee: int, *, waiting: int = 0):
        values = dict(sender=short(sender), balance=balance, total=amount + fee, amount=amount,
                      fee=fee)
        if not waiting:
            super().__init__(say(
                "{sender} has {balance} but tries to spend {total} ({amount} plus a fee of "
                "{fee}).", **values))
        else:
            super().__init__(say(
                "{sender} has {balance}, of which only {left} is left after the payments "
                "already waiting in the mempool, but tries to spend {total} ({amount} plus a "
                "fee of {fee}).", left=balance - waiting, **values))


def _out_of_range(field: str, value: object, limit: int) -> str:
    """AmountOutOfRange's sentence for the field at fault."""
    if field == "amount":
        return say("the amount {value!r} is not allowed: it must be a whole number from 0 to "
                   "{limit}.", value=value, limit=limit)
    if field == "fee":
        return say("the fee {value!r} is not allowed: it must be a whole number from 0 to "
                   "{limit}.", value=value, limit=limit)
    if field == "nonce":
        return say("the nonce {value!r} is not allowed: it must be a whole number from 0 to "
                   "{limit}.", value=value, limit=limit)
    if field == "chain id":
        return say("the chain id {value!r} is not allowed: it must be a whole number from 0 to "
                   "{limit}.", value=value, limit=limit)
    if field == AMOUNT_PLUS_FEE:
        return say("the amount plus fee {value!r} is not allowed: it must be a whole number "
                   "from 0 to {limit}.", value=value, limit=limit)
    return say("the {field} {value!r} is not allowed: it must be a whole number from 0 to "
               "{limit}.", field=field, value=value, limit=limit)


class AmountOutOfRange(InvalidTransaction):
    """Checklist 6: an amount or fee that is not a non-negative integer within the supply.

    `field` is "amount", "fee", "nonce", "chain id" or AMOUNT_PLUS_FEE."""

    def __init__(self, field: str, value: object, limit: int):
        super().__init__(_out_of_range(field, value, limit))


class TransactionTooLarge(InvalidTransaction):
    """Checklist 7: the encoded transaction exceeds the size limit."""

    def __init__(self, size: int, limit: int):
        super().__init__(say("the transaction is {size} bytes; the limit is {limit} bytes.",
                             size=size, limit=limit))


class InvalidRecipient(InvalidTransaction):
    """Checklist 9: the recipient is not a well-formed, checksummed address."""

    def __init__(self, problem: str):
        super().__init__(say("the recipient is not valid: {problem}.", problem=problem))


class TransactionCannotBeRead(InvalidTransaction):
    """Checking the transaction failed in a way no rule foresaw; it is refused, nothing changes."""

    def __init__(self, problem: BaseException):
        super().__init__(say("the transaction could not be checked ({kind}), so it is refused; "
                             "nothing was changed", kind=type(problem).__name__))


# -- blocks --------------------------------------------------------------------------------------

class InvalidBlock(ValidationError):
    """A block breaks a rule of the block checklist or of its consensus engine."""


class UnknownParent(InvalidBlock):
    """Checklist 1: the block builds on a block this node has never seen."""

    def __init__(self, parent_hash: bytes):
        super().__init__(say(
            "the block's parent {parent} is unknown here; blocks must arrive after the block "
            "they build on.", parent=short(parent_hash)))


class WrongHeight(InvalidBlock):
    """Checklist 2: the height is not the parent's height plus one."""

    def __init__(self, height: int, parent_height: int):
        super().__init__(say(
            "the block says it is at height {height}, but its parent is at height "
            "{parent_height}, so it must be {expected}.",
            height=height, parent_height=parent_height, expected=parent_height + 1))


class MerkleRootMismatch(InvalidBlock):
    """Checklist 3: the transactions do not hash to the Merkle root in the header."""

    def __init__(self, header_root: bytes, actual_root: bytes):
        super().__init__(say(
            "the header's Merkle root is {header_root} but the transactions hash to "
            "{actual_root}: a transaction was added, removed or changed.",
            header_root=short(header_root), actual_root=short(actual_root)))


class DuplicateTransaction(InvalidBlock):
    """Checklist 4: the same transaction appears twice in one block."""

    def __init__(self, txid: bytes):
        super().__init__(say("transaction {txid} appears more than once in the block.",
                             txid=short(txid)))


class BlockTooLarge(InvalidBlock):
    """Checklist 5: too many bytes (`what` is BYTES) or too many transactions (TRANSACTIONS)."""

    def __init__(self, what: str, value: int, limit: int):
        if what == TRANSACTIONS:
            message = say("the block has {value} transactions; the limit is {limit}.",
                          value=value, limit=limit)
        else:
            message = say("the block has {value} bytes; the limit is {limit}.",
                          value=value, limit=limit)
        super().__init__(message)


class InvalidCoinbase(InvalidBlock):
    """The producer's address in the header (who is paid) is not a well-formed address."""

    def __init__(self, problem: str):
        super().__init__(say("the block's coinbase is not valid: {problem}.", problem=problem))


class TimestampTooEarly(InvalidBlock):
    """Checklist 7: the block's time is not after what its consensus requires; `rule` is the
    consensus's rule, a sentence of its own (a message)."""

    def __init__(self, timestamp: int, earliest: int, rule: str):
        super().__init__(say(
            "the block's time {time} is too early: {rule}, so it must be at least {earliest}.",
            time=date_text(timestamp), rule=rule, earliest=date_text(earliest)))


class TimestampInFuture(InvalidBlock):
    """Checklist 7: the block's time is further in the future than allowed."""

    def __init__(self, timestamp: int, latest: int):
        super().__init__(say(
            "the block's time {time} is in the future: the latest time accepted now is "
            "{latest}.", time=date_text(timestamp), latest=date_text(latest)))


class WrongReward(InvalidBlock):
    """Checklist 8: the producer claims a reward other than the subsidy plus the fees."""

    def __init__(self, claimed: int, subsidy: int, fees: int):
        super().__init__(say(
            "the block claims a reward of {claimed}, but the subsidy is {subsidy} and the fees "
            "are {fees}, so the reward must be {expected}.",
            claimed=claimed, subsidy=subsidy, fees=fees, expected=subsidy + fees))


class BlockHasInvalidTransaction(InvalidBlock):
    """Checklist 9: a transaction fails when the block is applied in order."""

    def __init__(self, index: int, txid: bytes, reason: InvalidTransaction):
        self.index = index
        self.reason = reason
        super().__init__(say("transaction {index} ({txid}) of the block is invalid: {reason}",
                             index=index, txid=short(txid), reason=reason))


class StateRootMismatch(InvalidBlock):
    """Checklist 10: the state after executing the block is not the one the header commits to."""

    def __init__(self, header_root: bytes, actual_root: bytes):
        super().__init__(say(
            "the header commits to state {header_root}, but executing the block gives "
            "{actual_root}.", header_root=short(header_root), actual_root=short(actual_root)))


class ReceiptsRootMismatch(InvalidBlock):
    """Checklist 10: what the transactions did is not what the header's receipts root says."""

    def __init__(self, header_root: bytes, actual_root: bytes):
        super().__init__(say(
            "the header commits to receipts {header_root}, but executing the block gives "
            "receipts {actual_root}.",
            header_root=short(header_root), actual_root=short(actual_root)))


class BlockCannotBeExecuted(InvalidBlock):
    """Executing the block failed in a way no rule foresaw; it is refused, nothing changes."""

    def __init__(self, problem: BaseException):
        super().__init__(say("the block could not be executed ({kind}), so it is refused; "
                             "nothing was changed.", kind=type(problem).__name__))


class RememberedResultDiffers(InvalidBlock):
    """Re-executing a block gives other results than the ones kept for it (a damaged file):
    `what` is STATE_CHANGES or RECEIPTS."""

    def __init__(self, what: str):
        if what == RECEIPTS:
            message = say("executing the block again gives other receipts than the ones kept "
                          "for it: what was kept was changed or damaged.")
        else:
            message = say("executing the block again gives other state changes than the ones "
                          "kept for it: what was kept was changed or damaged.")
        super().__init__(message)


class ConflictingFinalBlocks(InvalidBlock):
    """Two different blocks at one height are both final: more validators signed two blocks
    than the chain can tolerate. Both blocks are kept on the error as the evidence."""

    def __init__(self, final: Block, conflicting: Block):
        self.blocks = (final, conflicting)
        super().__init__(say(
            "block {conflicting} claims to be final at height {height}, where block {final} is "
            "already final: more validators than the chain tolerates signed two blocks at one "
            "height. Both blocks are the evidence; the final block stays.",
            conflicting=short(conflicting.hash), height=final.height, final=short(final.hash)))


class WouldReplaceFinalBlock(InvalidBlock):
    """A block would replace a block that is already final."""

    def __init__(self, height: int):
        super().__init__(say("the block would replace block {height}, which is final; final "
                             "blocks are never replaced.", height=height))
