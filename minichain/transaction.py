"""Signed transactions in the account model (like Ethereum's, yellow paper section 4.2).

A transaction says: the holder of this public key pays `amount` to `recipient`, offers `fee` to
whoever includes it in a block, and this is their payment number `nonce` on chain `chain_id`.
Everything but the signature is signed, so changing any field breaks the signature. The chain id
inside the signed bytes stops a payment signed for one chain from being replayed on another
(EIP-155); the nonce stops it from being replayed on the same chain.

This module holds the rules a transaction can be checked against on its own (checklist items
2, 3, 6, 7, 9 and the signature of item 1). Rules that need the chain's state (nonce, balance,
duplicates) are applied by `minichain.state` and `minichain.chain`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, replace

from minichain import crypto
from minichain.computed_once import computed_once
from minichain.encoding import Reader, Writer
from minichain.language import say
from minichain.params import ChainParams
from minichain.errors import (
    AMOUNT_PLUS_FEE,
    AmountOutOfRange,
    BadSignature,
    InvalidRecipient,
    MalformedData,
    NonCanonicalSignature,
    TransactionTooLarge,
    WrongChain,
)

__all__ = ["Transaction", "check_transaction"]

_NUMBERS = struct.Struct(">QQQI")  # amount, fee, nonce (8 bytes each) and chain id (4 bytes)


@dataclass(frozen=True)
class Transaction:
    """A payment (optionally carrying data) signed by the sender."""

    sender_key: bytes
    recipient: str
    amount: int
    fee: int
    nonce: int
    chain_id: int
    data: bytes = b""
    signature: bytes = field(default=b"", repr=False)

    # -- encoding --------------------------------------------------------------------------------
    def signing_bytes(self) -> bytes:
        """The canonical bytes the sender signs: every field except the signature."""
        return self._signing_bytes

    @computed_once
    def _signing_bytes(self) -> bytes:
        # encoded once per transaction (it is immutable): its id, its size and its signature
        # check all need it
        return (
            Writer()
            .text("minichain-tx")
            .bytes(self.sender_key)
            .text(self.recipient)
            .uint(self.amount, 8)
            .uint(self.fee, 8)
            .uint(self.nonce, 8)
            .uint(self.chain_id, 4)
            .bytes(self.data)
            .getvalue()
        )

    def serialize(self) -> bytes:
        """The canonical bytes of the whole signed transaction."""
        return self._serialized

    @computed_once
    def _serialized(self) -> bytes:
        return Writer().bytes(self.signing_bytes()).bytes(self.signature).getvalue()

    @classmethod
    def deserialize(cls, data: bytes) -> Transaction:
        """Decode `serialize()` output; raises MalformedData for anything else."""
        outer = Reader(data, "transaction")
        signed, signature = outer.bytes(), outer.bytes()
        outer.finish()
        r = Reader(signed, "transaction")
        if r.text() != "minichain-tx":
            raise MalformedData(say("the data is not a minichain transaction"))
        sender_key, recipient = r.bytes(), r.text()
        amount, fee, nonce, chain_id = r.unpack(_NUMBERS)
        fields = dict(sender_key=sender_key, recipient=recipient, amount=amount, fee=fee,
                      nonce=nonce, chain_id=chain_id, data=r.bytes(), signature=signature)
        r.finish()
        # Every field read has the type the dataclass declares, so the fields are set as its
        # frozen __init__ would set them (it goes through object.__setattr__ once per field, a
        # fifth of a node's decoding time). Decoding is strict (fixed widths, exact lengths,
        # strict UTF-8, nothing left over), so the bytes just read are exactly what encoding the
        # transaction would give: keep them rather than encode it again for its id and its
        # signature check.
        tx = object.__new__(cls)
        vars(tx).update(fields, _serialized=bytes(data), _signing_bytes=signed)
        return tx

    # -- identity --------------------------------------------------------------------------------
    @computed_once
    def txid(self) -> bytes:
        """The transaction's id: SHA-256 of its full encoding, signature included."""
        return crypto.sha256(self.serialize())

    @computed_once
    def size(self) -> int:
        """Encoded size in bytes."""
        return len(self.serialize())

    @computed_once
    def sender(self) -> str:
        """The sender's address, derived from the public key."""
        return crypto.address_from_public_key(self.sender_key)

    # -- building --------------------------------------------------------------------------------
    def with_sender(self, sender_key: bytes) -> Transaction:
        return replace(self, sender_key=sender_key, signature=b"")

    def with_signature(self, signature: bytes) -> Transaction:
        return replace(self, signature=signature)

    def altered(self, **changes: object) -> Transaction:
        """The attacker's story: this signed transaction with some fields changed and its
        signature kept, as a forger in the middle would send it (`BadSignature` refuses it)."""
        return replace(self, **changes)

    def __str__(self) -> str:
        return say("{sender} pays {amount} to {recipient} (fee {fee}, nonce {nonce})",
                   sender=crypto.address_from_public_key(self.sender_key), amount=self.amount,
                   recipient=self.recipient, fee=self.fee, nonce=self.nonce)


def check_transaction(tx: Transaction, params: ChainParams,
                      signatures: crypto.SignatureCache | None = None) -> None:
    """The stateless checks against the chain's parameters, cheapest first; raises the
    matching InvalidTransaction."""
    _check_fields(tx, params.max_money)
    if tx.chain_id != params.chain_id:
        raise WrongChain(tx.chain_id, params.chain_id)
    problem = crypto.address_problem(tx.recipient)
    if problem:
        raise InvalidRecipient(problem)
    if tx.size > params.max_transaction_size:
        raise TransactionTooLarge(tx.size, params.max_transaction_size)
    _check_signature(tx, signatures)


def _check_fields(tx: Transaction, max_money: int) -> None:
    amount, fee, nonce, chain_id = tx.amount, tx.fee, tx.nonce, tx.chain_id
    if type(amount) is int and type(fee) is int and type(nonce) is int \
            and type(chain_id) is int and amount >= 0 and fee >= 0 \
            and amount + fee <= max_money and 0 <= nonce < 2**64 and 0 <= chain_id < 2**32:
        return  # every field in range (checked for every payment a node sees, so first)
    for name, value, limit in (
        ("amount", tx.amount, max_money),
        ("fee", tx.fee, max_money),
        ("nonce", tx.nonce, 2**64 - 1),
        ("chain id", tx.chain_id, 2**32 - 1),
    ):
        if type(value) is not int or not 0 <= value <= limit:
            raise AmountOutOfRange(name, value, limit)
    if tx.amount + tx.fee > max_money:
        raise AmountOutOfRange(AMOUNT_PLUS_FEE, tx.amount + tx.fee, max_money)


def _check_signature(tx: Transaction, signatures: crypto.SignatureCache | None) -> None:
    problem = _canonical_problem(tx.signature)
    if problem:
        raise NonCanonicalSignature(problem)
    message = tx.signing_bytes()
    verify = crypto.verify if signatures is None else signatures.verify
    ok = verify(tx.sender_key, message, tx.signature)
    if not ok:
        raise BadSignature(crypto.address_from_public_key(tx.sender_key))


def _canonical_problem(signature: bytes) -> str | None:
    if len(signature) != crypto.SIGNATURE_SIZE:
        return say("it is {size} bytes, not {expected}", size=len(signature),
                   expected=crypto.SIGNATURE_SIZE)
    r, s = signature[:32], signature[32:]  # compared as 32-byte big-endian numbers
    if not crypto.ZERO_32 < r < crypto.ORDER_32:
        return say("r is out of range")
    if not crypto.ZERO_32 < s < crypto.ORDER_32:
        return say("s is out of range")
    if s > crypto.HALF_ORDER_32:
        return say("s is in the upper half of the range (high-S)")
    return None
