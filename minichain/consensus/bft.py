"""Byzantine fault tolerance with final blocks, as consortium chains run it today (QBFT).

QBFT ("QBFT Blockchain Consensus Protocol Specification", Enterprise Ethereum Alliance, 2021;
Hyperledger Besu and GoQuorum) and its relatives (IBFT 2.0; Tendermint, "The latest gossip on
BFT consensus", Buchman, Kwon and Milosevic, 2018) let n = 3f + 1 known validators agree on each
block even if f of them lie or crash:

* **A proposer per height and round**, in turn: the validators sorted by address, the proposer of
  round r at height h is validator (h + r) mod n. A silent or faulty proposer is replaced by the
  next one in a new round (the network's round change; `minichain.network`).
* **Votes in two phases**, prepare then commit; a validator commits only after a quorum prepared,
  and a block is final once a quorum of ⌈2n/3⌉ validators signed a commit seal for it. Two quorums
  share at least f + 1 validators, one of them honest, and an honest validator never commits two
  blocks at one height: so no two conflicting blocks can both be final while at most f are faulty.
* **Commit seals in the block.** Each seal is a validator's public key and its signature of
  `b"minichain-commit" + block hash`. The block hash does not cover the seals (as in QBFT), so
  every node that saw a quorum holds the same block, and anyone — a node joining late, a program
  reading a chain file — checks finality against the validator set with signatures alone.

Final means final: a node never replaces a final block. A second final block at the same height
can only exist if more than f validators signed two blocks, and is reported as that evidence
(`ConflictingFinalBlocks`, in `minichain.chain`). What can go wrong is that the chain *stops*
when more than f validators are unreachable — never that it forks.

This engine checks blocks and, for a node that holds enough validator keys itself (a one-node
lesson chain), seals them at once; the message rounds over a network are the network's part.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from minichain import crypto
from minichain.block import Block, BlockHeader
from minichain.consensus.engine import ConsensusEngine, HeaderSource, SealingCost
from minichain.consensus.poa import encode_validators
from minichain.consensus.poa_snapshot import sorted_addresses
from minichain.consensus.signer_seal import SEAL_SIZE, check_validators, seal_problem, signed_by
from minichain.errors import InvalidBlock, TimestampInFuture, TimestampTooEarly, short

if TYPE_CHECKING:
    from minichain.wallet import Wallet

__all__ = [
    "BadCommitSeal",
    "BadProposerSeal",
    "ByzantineFaultTolerance",
    "CommitSealFromNonValidator",
    "DuplicateCommitSeal",
    "NotBftExtra",
    "TooFewCommitSeals",
    "WrongProposer",
    "WrongWeight",
    "commit_message",
    "commit_seals",
    "quorum",
]

COMMIT = b"minichain-commit"


def quorum(validators: int) -> int:
    """How many validators must commit a block: ⌈2n/3⌉ (the QBFT specification's quorum)."""
    return math.ceil(2 * validators / 3)


def commit_message(block_hash: bytes) -> bytes:
    """What a validator signs to commit a block."""
    return COMMIT + block_hash


# -- what can be wrong with a block --------------------------------------------------------------

class WrongProposer(InvalidBlock):
    """The block was proposed by a validator whose turn it was not, at that height and round."""

    def __init__(self, height: int, round_: int, proposer: str, expected: str):
        super().__init__(f"block {height} in round {round_} must be proposed by {short(expected)}"
                         f", not by {short(proposer)}: validators propose in turn.")


class BadProposerSeal(InvalidBlock):
    """The proposer's own signature of the header is missing, or not the proposer's."""

    def __init__(self, why: str):
        super().__init__(f"the proposer's seal is not valid: {why}.")


class TooFewCommitSeals(InvalidBlock):
    """Fewer validators committed the block than a quorum: it is not final, so not valid."""

    def __init__(self, have: int, need: int, validators: int):
        super().__init__(f"the block carries {have} commit seal(s), but {need} of the "
                         f"{validators} validators must commit a block before it is final.")


class CommitSealFromNonValidator(InvalidBlock):
    """A commit seal was made by a key that is not one of the validators'."""

    def __init__(self, signer: str):
        super().__init__(f"a commit seal is signed by {short(signer)}, who is not a validator.")


class DuplicateCommitSeal(InvalidBlock):
    """One validator's commit seal appears twice: it would be counted twice towards a quorum."""

    def __init__(self, signer: str):
        super().__init__(f"validator {short(signer)} committed the block twice; each validator "
                         "counts once towards the quorum.")


class BadCommitSeal(InvalidBlock):
    """A commit seal is malformed, or signs another block."""

    def __init__(self, signer: str | None, why: str):
        who = "a commit seal" if signer is None else f"the commit seal of {short(signer)}"
        super().__init__(f"{who} is not valid: {why}.")


class WrongWeight(InvalidBlock):
    """A BFT block's difficulty field, its weight in fork choice, must be 1: blocks are final,
    so no branch is ever heavier than another."""

    def __init__(self, difficulty: int):
        super().__init__(f"a BFT block's difficulty is 1 (every final block weighs the same), "
                         f"not {difficulty}.")


class NotBftExtra(InvalidBlock):
    """The header's extra data is not a round number (or, at genesis, the validator list)."""

    def __init__(self, size: int):
        super().__init__(f"a BFT block's extra data is its 4-byte round number, not {size} bytes.")


# -- the engine ----------------------------------------------------------------------------------

@dataclass
class ByzantineFaultTolerance(ConsensusEngine):
    """QBFT-style consensus: n = 3f + 1 validators, proposers in turn, final blocks."""

    validators: tuple[str, ...] = ()
    period: int = 5  # seconds between blocks at least (QBFT's block period)

    name = "byzantine fault tolerance"
    producer_schedule = "rounds"

    def __post_init__(self) -> None:
        check_validators(self.validators, "BFT")
        if len(set(self.validators)) != len(self.validators):
            raise ValueError("each validator may be listed once")
        if self.period < 1:
            raise ValueError("the block period must be at least 1 second")
        self.validators = tuple(sorted_addresses(self.validators))
        self.block_interval = self.period

    # -- who, how many ---------------------------------------------------------------------------
    @property
    def faults_tolerated(self) -> int:
        """f: how many validators may lie or crash while blocks stay safe and keep coming."""
        return (len(self.validators) - 1) // 3

    @property
    def quorum(self) -> int:
        return quorum(len(self.validators))

    def proposer(self, height: int, round_: int = 0) -> str:
        """Who proposes block `height` in `round_` (round-robin over the sorted validators)."""
        return self.validators[(height + round_) % len(self.validators)]

    @staticmethod
    def round_of(header: BlockHeader) -> int:
        """The round in which the block was agreed (0 unless proposers had to be replaced)."""
        if len(header.extra) != 4:
            raise NotBftExtra(len(header.extra))
        return int.from_bytes(header.extra, "big")

    # -- consensus rules -------------------------------------------------------------------------
    def genesis_fields(self) -> dict:
        return {"difficulty": 1, "extra": encode_validators(list(self.validators))}

    def verify_header(self, chain: HeaderSource, header: BlockHeader, parent: BlockHeader,
                      now: int) -> None:
        """Time, then the proposer for the block's round and its seal; commit seals are checked
        with the whole block (`verify_block`)."""
        earliest = parent.timestamp + self.period
        if header.timestamp < earliest:
            raise TimestampTooEarly(header.timestamp, earliest,
                                    f"blocks must be at least {self.period} seconds apart")
        if header.timestamp > now:
            raise TimestampInFuture(header.timestamp, now)
        round_ = self.round_of(header)
        expected = self.proposer(header.height, round_)
        if header.coinbase != expected:
            raise WrongProposer(header.height, round_, header.coinbase, expected)
        if header.difficulty != 1:
            raise WrongWeight(header.difficulty)
        self._verify_proposer_seal(header, getattr(chain, "signatures", None))

    @staticmethod
    def _verify_proposer_seal(header: BlockHeader, cache: crypto.SignatureCache | None) -> None:
        problem = seal_problem(header, cache)
        if problem:
            raise BadProposerSeal(problem.replace("after it was sealed", "after it was proposed"))

    def verify_block(self, chain: HeaderSource, block: Block) -> None:
        """A quorum of distinct validators committed exactly this block."""
        cache = getattr(chain, "signatures", None)
        verify = crypto.verify if cache is None else cache.verify
        message = commit_message(block.hash)
        signers: set[str] = set()
        for seal in block.commit_seals:
            if len(seal) != SEAL_SIZE:
                raise BadCommitSeal(None, f"it is {len(seal)} bytes, not {SEAL_SIZE}")
            key, signature = seal[:crypto.PUBLIC_KEY_SIZE], seal[crypto.PUBLIC_KEY_SIZE:]
            signer = crypto.address_from_public_key(key)
            if signer not in self.validators:
                raise CommitSealFromNonValidator(signer)
            if signer in signers:
                raise DuplicateCommitSeal(signer)
            if not verify(key, message, signature):
                raise BadCommitSeal(signer, "its signature does not sign this block (it may "
                                            "commit another block at this height)")
            signers.add(signer)
        if len(signers) < self.quorum:
            raise TooFewCommitSeals(len(signers), self.quorum, len(self.validators))

    def weight(self, header: BlockHeader) -> int:
        return 1

    def is_final(self, header: BlockHeader) -> bool:
        """Every valid BFT block is final: a quorum committed it."""
        return True

    def sealing_cost(self, chain: HeaderSource, headers: Sequence[BlockHeader]) -> SealingCost:
        """The proposer's signature and at least a quorum of commit seals a block; no puzzle."""
        return SealingCost(hashes=0, signatures=(1 + self.quorum) * len(headers),
                           validators=len(self.validators))

    # -- producing blocks (a node that holds validator keys) -------------------------------------
    def choose_producer(self, chain: HeaderSource, parent: BlockHeader,
                        candidates: list[str]) -> str | None:
        """The proposer of round 0, if this node holds its key."""
        proposer = self.proposer(parent.height + 1)
        return proposer if proposer in candidates else None

    def prepare(self, chain: HeaderSource, parent: BlockHeader, producer: str,
                timestamp: int) -> dict:
        height = parent.height + 1
        round_ = next((r for r in range(len(self.validators))
                       if self.proposer(height, r) == producer), 0)
        return {"timestamp": max(timestamp, parent.timestamp + self.period), "difficulty": 1,
                "extra": round_.to_bytes(4, "big")}

    def seal(self, header: BlockHeader, producer: Wallet | None) -> BlockHeader:
        if producer is None:
            raise ValueError("a BFT block must be proposed with a validator's wallet")
        return signed_by(header, producer)

    def finish(self, block: Block, wallets: Iterable[Wallet]) -> Block:
        """The block with the commit seals of every validator among `wallets`."""
        return Block(block.header, block.transactions, commit_seals(block, [
            w for w in wallets if w.address in self.validators]))


def commit_seals(block: Block, validators: Iterable[Wallet]) -> tuple[bytes, ...]:
    """The commit seals `validators` give `block`, in address order."""
    message = commit_message(block.hash)
    return tuple(w.public_key + w.sign(message)
                 for w in sorted(validators, key=lambda w: w.address.lower()))

