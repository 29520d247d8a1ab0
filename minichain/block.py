"""Blocks: a header that commits to a list of transactions and to the state they lead to.

The header links to its parent by hash (the chain), commits to the transactions with a Merkle
root, to the resulting balances with a state root and to what each transaction did with a
receipts root (as Ethereum's header does, yellow paper section 4.3), carries the
consensus engine's fields, and is identified by the double SHA-256 of its encoding, as in
Bitcoin. The nonce comes last among the hashed fields before the seal, so a miner can hash the
fixed prefix once and only the nonce changes (Bitcoin whitepaper, section 4).

A block of a Byzantine-fault-tolerant chain also carries the commit seals of the validators
that agreed on it (`minichain.consensus.bft`). They sign the block's hash, so, as in QBFT, the
hash does not cover them: every node that saw a quorum agree holds the same block.

This module also holds the checks a block can pass or fail on its own: Merkle root (checklist
item 3), duplicate transactions (4) and size (5).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from minichain import crypto, merkle
from minichain.computed_once import computed_once
from minichain.encoding import Reader, Writer
from minichain.errors import (
    BYTES,
    TRANSACTIONS,
    BlockTooLarge,
    DuplicateTransaction,
    MalformedData,
    MerkleRootMismatch,
)
from minichain.language import say
from minichain.transaction import Transaction

__all__ = ["ZERO_ADDRESS", "ZERO_HASH", "Block", "BlockHeader", "check_block_body"]

ZERO_HASH = bytes(32)
ZERO_ADDRESS = crypto.to_checksum_address(bytes(20))
_MAGIC = "minichain-block"


@dataclass(frozen=True)
class BlockHeader:
    """What a block says about itself; its hash is the block's identity."""

    parent_hash: bytes
    height: int
    timestamp: int
    tx_root: bytes
    state_root: bytes
    receipts_root: bytes  # Merkle root over the receipts' committed parts (Receipt.committed)
    difficulty: int  # PoW: the compact target "bits"; PoA: 2 in turn, 1 out of turn
    coinbase: str  # who produced the block and receives the reward and fees
    reward: int  # subsidy plus fees, as claimed by the producer
    extra: bytes = b""  # engine data: PoA's validator list at checkpoints, or a vote
    nonce: int = 0  # PoW: the number the miner varies
    seal: bytes = field(default=b"", repr=False)  # PoA: signer's public key and signature

    def prefix_bytes(self) -> bytes:
        """Every hashed field before the nonce: the part a miner hashes once."""
        return (
            Writer()
            .text(_MAGIC)
            .raw(self.parent_hash, 32)
            .uint(self.height, 8)
            .uint(self.timestamp, 8)
            .raw(self.tx_root, 32)
            .raw(self.state_root, 32)
            .raw(self.receipts_root, 32)
            .uint(self.difficulty, 4)
            .text(self.coinbase)
            .uint(self.reward, 8)
            .bytes(self.extra)
            .getvalue()
        )

    def sealing_bytes(self) -> bytes:
        """What a PoA signer signs: everything except the seal."""
        return self.prefix_bytes() + Writer().uint(self.nonce, 8).getvalue()

    def serialize(self) -> bytes:
        return self.sealing_bytes() + Writer().bytes(self.seal).getvalue()

    @classmethod
    def deserialize(cls, data: bytes) -> BlockHeader:
        r = Reader(data, "block header")
        header = cls._read(r)
        r.finish()
        # Decoding is strict, so the header encodes back to exactly these bytes: its hash is
        # theirs, and a node that reads a block need not encode the header again to name it.
        header.__dict__["hash"] = _double_sha256(bytes(data))
        return header

    @classmethod
    def _read(cls, r: Reader) -> BlockHeader:
        if r.text() != _MAGIC:
            raise MalformedData(say("the data is not a minichain block header"))
        return cls(
            parent_hash=r.raw(32), height=r.uint(8), timestamp=r.uint(8), tx_root=r.raw(32),
            state_root=r.raw(32), receipts_root=r.raw(32), difficulty=r.uint(4),
            coinbase=r.text(), reward=r.uint(8),
            extra=r.bytes(), nonce=r.uint(8), seal=r.bytes(),
        )

    @computed_once
    def hash(self) -> bytes:
        """The block's id: double SHA-256 of the full header."""
        return _double_sha256(self.serialize())

    def with_nonce(self, nonce: int) -> BlockHeader:
        return replace(self, nonce=nonce)

    def with_seal(self, seal: bytes) -> BlockHeader:
        return replace(self, seal=seal)


@dataclass(frozen=True)
class Block:
    """A header and the transactions it commits to, in order."""

    header: BlockHeader
    transactions: tuple[Transaction, ...] = ()
    commit_seals: tuple[bytes, ...] = ()  # BFT only: validators' signatures of the block hash

    @property
    def hash(self) -> bytes:
        return self.header.hash

    @property
    def height(self) -> int:
        return self.header.height

    @property
    def parent_hash(self) -> bytes:
        return self.header.parent_hash

    def serialize(self) -> bytes:
        w = Writer().bytes(self.header.serialize()).uint(len(self.transactions), 4)
        for tx in self.transactions:
            w.bytes(tx.serialize())
        if self.commit_seals:  # written only when there are some: other engines' blocks as ever
            w.uint(len(self.commit_seals), 4)
            for seal in self.commit_seals:
                w.bytes(seal)
        return w.getvalue()

    @computed_once
    def size(self) -> int:
        return len(self.serialize())

    @classmethod
    def deserialize(cls, data: bytes) -> Block:
        r = Reader(data, "block")
        header = BlockHeader.deserialize(r.bytes())
        count = r.uint(4)
        transactions = tuple(Transaction.deserialize(r.bytes()) for _ in range(count))
        seals: tuple[bytes, ...] = ()
        if not r.at_end():
            seals = tuple(r.bytes() for _ in range(r.uint(4)))
            if not seals:
                raise MalformedData(say(
                    "the block data lists no commit seals where it says it has"))
        r.finish()
        block = cls(header, transactions, seals)
        block.__dict__["size"] = len(data)  # strict decoding: these are its canonical bytes
        return block

    def txids(self) -> list[bytes]:
        return [tx.txid for tx in self.transactions]

    def merkle_proof(self, index: int) -> merkle.MerkleProof:
        """Proof that transaction `index` is in this block (checked against header.tx_root)."""
        return merkle.merkle_proof(self.txids(), index)


def _double_sha256(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def transactions_root(transactions: tuple[Transaction, ...] | list[Transaction]) -> bytes:
    """The Merkle root over the transactions' ids."""
    return merkle.merkle_root([tx.txid for tx in transactions])


def check_block_body(block: Block, *, max_block_size: int, max_block_transactions: int) -> None:
    """Checklist 4, 5 and 3: no duplicates, within limits, Merkle root matches."""
    seen: set[bytes] = set()
    for tx in block.transactions:
        if tx.txid in seen:
            raise DuplicateTransaction(tx.txid)
        seen.add(tx.txid)
    if len(block.transactions) > max_block_transactions:
        raise BlockTooLarge(TRANSACTIONS, len(block.transactions), max_block_transactions)
    if block.size > max_block_size:
        raise BlockTooLarge(BYTES, block.size, max_block_size)
    actual = transactions_root(block.transactions)
    if actual != block.header.tx_root:
        raise MerkleRootMismatch(block.header.tx_root, actual)
