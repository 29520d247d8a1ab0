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

**Validators are voted in and out** (QBFT's validator selection by block header): the proposer
may put one vote in its block's extra data, after the round number, to add or drop one address.
Votes are counted as Clique counts them (`minichain.consensus.poa_snapshot`): when more than half
of the current validators agree, the set changes **from the next block on** — the block that
carries the deciding vote is still proposed and committed by the old set. Every `epoch` blocks
the open votes are forgotten (Besu's `epochlength`).

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
from minichain.consensus.poa import Proposals, decode_validators, encode_validators
from minichain.consensus.poa_snapshot import Snapshots, decode_vote, encode_vote, sorted_addresses
from minichain.consensus.signer_seal import SEAL_SIZE, check_validators, seal_problem, signed_by
from minichain.errors import InvalidBlock, TimestampInFuture, TimestampTooEarly, short
from minichain.language import say

if TYPE_CHECKING:
    from minichain.wallet import Wallet

__all__ = [
    "BadCommitSeal",
    "BadProposerSeal",
    "ByzantineFaultTolerance",
    "CommitSealFromNonValidator",
    "DuplicateCommitSeal",
    "FaultTolerance",
    "NoValidatorsLeft",
    "NotBftExtra",
    "TooFewCommitSeals",
    "ValidatorSet",
    "WrongProposer",
    "WrongWeight",
    "commit_message",
    "commit_seals",
    "fault_tolerance",
    "quorum",
]

COMMIT = b"minichain-commit"


def quorum(validators: int) -> int:
    """How many validators must commit a block: ⌈2n/3⌉ (the QBFT specification's quorum)."""
    return math.ceil(2 * validators / 3)


def commit_message(block_hash: bytes) -> bytes:
    """What a validator signs to commit a block."""
    return COMMIT + block_hash


@dataclass(frozen=True)
class FaultTolerance:
    """How many of n members a consensus survives: crash-fault-tolerant ordering (Raft: a leader
    orders, a majority acknowledges) survives `crashes` members that stop; Byzantine fault
    tolerance (this engine) survives `liars` members that stop *or* lie."""

    members: int
    crashes: int
    liars: int


def fault_tolerance(members: int) -> FaultTolerance:
    """Raft needs 2f + 1 members to survive f crashes (a majority, f + 1, is still up and any two
    majorities overlap); BFT needs 3f + 1 to survive f liars (two quorums of ⌈2n/3⌉ overlap in
    at least f + 1 members, so in at least one honest one). Ongaro and Ousterhout, "In Search of
    an Understandable Consensus Algorithm", 2014; Castro and Liskov, "Practical Byzantine Fault
    Tolerance", 1999."""
    if members < 1:
        raise ValueError(say("a consensus needs at least one member"))
    return FaultTolerance(members, crashes=(members - 1) // 2, liars=(members - 1) // 3)


# -- what can be wrong with a block --------------------------------------------------------------

class WrongProposer(InvalidBlock):
    """The block was proposed by a validator whose turn it was not, at that height and round."""

    def __init__(self, height: int, round_: int, proposer: str, expected: str):
        super().__init__(say("block {height} in round {round} must be proposed by {expected}, "
                             "not by {proposer}: validators propose in turn.", height=height,
                             round=round_, expected=short(expected), proposer=short(proposer)))


class BadProposerSeal(InvalidBlock):
    """The proposer's own signature of the header is missing, or not the proposer's."""

    def __init__(self, why: str):
        super().__init__(say("the proposer's seal is not valid: {why}.", why=why))


class TooFewCommitSeals(InvalidBlock):
    """Fewer validators committed the block than a quorum: it is not final, so not valid."""

    def __init__(self, have: int, need: int, validators: int):
        super().__init__(say("the block carries {have} commit seal(s), but {need} of the "
                             "{validators} validators must commit a block before it is final.",
                             have=have, need=need, validators=validators))


class CommitSealFromNonValidator(InvalidBlock):
    """A commit seal was made by a key that is not one of the validators'."""

    def __init__(self, signer: str):
        super().__init__(say("a commit seal is signed by {signer}, who is not a validator.",
                             signer=short(signer)))


class DuplicateCommitSeal(InvalidBlock):
    """One validator's commit seal appears twice: it would be counted twice towards a quorum."""

    def __init__(self, signer: str):
        super().__init__(say("validator {signer} committed the block twice; each validator "
                             "counts once towards the quorum.", signer=short(signer)))


class BadCommitSeal(InvalidBlock):
    """A commit seal is malformed, or signs another block."""

    def __init__(self, signer: str | None, why: str):
        if signer is None:
            message = say("a commit seal is not valid: {why}.", why=why)
        else:
            message = say("the commit seal of {signer} is not valid: {why}.",
                          signer=short(signer), why=why)
        super().__init__(message)


class WrongWeight(InvalidBlock):
    """A BFT block's difficulty field, its weight in fork choice, must be 1: blocks are final,
    so no branch is ever heavier than another."""

    def __init__(self, difficulty: int):
        super().__init__(say("a BFT block's difficulty is 1 (every final block weighs the "
                             "same), not {difficulty}.", difficulty=difficulty))


class NotBftExtra(InvalidBlock):
    """The header's extra data is not a round number, with or without a vote."""

    def __init__(self, size: int):
        super().__init__(say("a BFT block's extra data is its 4-byte round number, followed by "
                             "a 21-byte vote or nothing; it is not {size} bytes.", size=size))


class NoValidatorsLeft(InvalidBlock):
    """The validators voted the last of themselves out: nobody may propose another block."""

    def __init__(self, height: int):
        super().__init__(say("no validators are left to propose block {height}: the last one "
                             "was voted out, so the chain has stopped.", height=height))


# -- who decides a block -------------------------------------------------------------------------

@dataclass(frozen=True)
class ValidatorSet:
    """The validators who propose and commit one block, in their sorted order."""

    members: tuple[str, ...]

    def __contains__(self, address: object) -> bool:
        return address in self.members

    def __len__(self) -> int:
        return len(self.members)

    @property
    def faults_tolerated(self) -> int:
        """f: how many validators may lie or crash while blocks stay safe and keep coming."""
        return (len(self.members) - 1) // 3

    @property
    def quorum(self) -> int:
        """How many must commit a block before it is final."""
        return quorum(len(self.members))

    def proposer(self, height: int, round_: int = 0) -> str:
        """Who proposes block `height` in `round_`: validator (height + round) mod n."""
        if not self.members:
            raise NoValidatorsLeft(height)
        return self.members[(height + round_) % len(self.members)]

    def round_of(self, height: int, proposer: str) -> int:
        """The first round of `height` in which `proposer` proposes (0 if it never does)."""
        if not self.members:
            raise NoValidatorsLeft(height)
        return next((r for r in range(len(self.members))
                     if self.proposer(height, r) == proposer), 0)


# -- the engine ----------------------------------------------------------------------------------

@dataclass
class ByzantineFaultTolerance(ConsensusEngine):
    """QBFT-style consensus: n = 3f + 1 validators, proposers in turn, final blocks, validators
    voted in and out."""

    validators: tuple[str, ...] = ()  # the genesis block's validators
    period: int = 5  # seconds between blocks at least (QBFT's block period)
    epoch: int = 30_000  # blocks after which open votes are forgotten (Besu's epochlength)

    name = "byzantine fault tolerance"
    producer_schedule = "rounds"

    def __post_init__(self) -> None:
        check_validators(self.validators, "BFT")
        if len(set(self.validators)) != len(self.validators):
            raise ValueError("each validator may be listed once")
        if self.period < 1:
            raise ValueError("the block period must be at least 1 second")
        if self.epoch < 1:
            raise ValueError("the epoch must be at least 1 block")
        self.validators = tuple(sorted_addresses(self.validators))
        self.block_interval = self.period
        self.proposals: Proposals = {}
        self._snapshots = Snapshots(self.epoch, lambda genesis: decode_validators(genesis.extra),
                                    self._vote_of)

    # -- who decides -----------------------------------------------------------------------------
    def validator_set(self, chain: HeaderSource, parent: BlockHeader) -> ValidatorSet:
        """The validators who propose and commit the block after `parent`."""
        return ValidatorSet(tuple(self._snapshots.at(chain, parent).validators))

    def propose(self, by: str, candidate: str, authorize: bool) -> None:
        """Make validator `by` vote, in the blocks it proposes, to add or drop `candidate`."""
        self.proposals.setdefault(by, {})[candidate] = authorize

    def discard(self, by: str, candidate: str) -> None:
        self.proposals.get(by, {}).pop(candidate, None)

    @staticmethod
    def round_of(header: BlockHeader) -> int:
        """The round in which the block was agreed (0 unless proposers had to be replaced)."""
        if len(header.extra) not in (4, 4 + 21):
            raise NotBftExtra(len(header.extra))
        return int.from_bytes(header.extra[:4], "big")

    @staticmethod
    def _vote_of(header: BlockHeader) -> tuple[str, bool] | None:
        return decode_vote(header.extra[4:])

    # -- consensus rules -------------------------------------------------------------------------
    def genesis_fields(self) -> dict:
        return {"difficulty": 1, "extra": encode_validators(list(self.validators))}

    def verify_header(self, chain: HeaderSource, header: BlockHeader, parent: BlockHeader,
                      now: int) -> None:
        """Time, then the round and vote, the proposer for the round and its seal; commit seals
        are checked with the whole block (`verify_block`)."""
        earliest = parent.timestamp + self.period
        if header.timestamp < earliest:
            raise TimestampTooEarly(header.timestamp, earliest,
                                    say("blocks must be at least {seconds} seconds apart",
                                        seconds=self.period))
        if header.timestamp > now:
            raise TimestampInFuture(header.timestamp, now)
        round_ = self.round_of(header)
        self._vote_of(header)
        expected = self.validator_set(chain, parent).proposer(header.height, round_)
        if header.coinbase != expected:
            raise WrongProposer(header.height, round_, header.coinbase, expected)
        if header.difficulty != 1:
            raise WrongWeight(header.difficulty)
        self._verify_proposer_seal(header, getattr(chain, "signatures", None))

    @staticmethod
    def _verify_proposer_seal(header: BlockHeader, cache: crypto.SignatureCache | None) -> None:
        problem = seal_problem(header, cache, proposed=True)
        if problem:
            raise BadProposerSeal(problem)

    def verify_block(self, chain: HeaderSource, block: Block) -> None:
        """A quorum of distinct validators (of the set at the block's parent) committed exactly
        this block."""
        validators = self.validator_set(chain, chain.header(block.header.parent_hash))
        cache = getattr(chain, "signatures", None)
        verify = crypto.verify if cache is None else cache.verify
        message = commit_message(block.hash)
        signers: set[str] = set()
        for seal in block.commit_seals:
            if len(seal) != SEAL_SIZE:
                raise BadCommitSeal(None, say("it is {size} bytes, not {expected}",
                                              size=len(seal), expected=SEAL_SIZE))
            key, signature = seal[:crypto.PUBLIC_KEY_SIZE], seal[crypto.PUBLIC_KEY_SIZE:]
            signer = crypto.address_from_public_key(key)
            if signer not in validators:
                raise CommitSealFromNonValidator(signer)
            if signer in signers:
                raise DuplicateCommitSeal(signer)
            if not verify(key, message, signature):
                raise BadCommitSeal(signer, say("its signature does not sign this block (it "
                                                "may commit another block at this height)"))
            signers.add(signer)
        if len(signers) < validators.quorum:
            raise TooFewCommitSeals(len(signers), validators.quorum, len(validators))

    def weight(self, header: BlockHeader) -> int:
        return 1

    def is_final(self, header: BlockHeader) -> bool:
        """Every valid BFT block is final: a quorum committed it."""
        return True

    def sealing_cost(self, chain: HeaderSource, headers: Sequence[BlockHeader]) -> SealingCost:
        """The proposer's signature and at least a quorum of commit seals a block; no puzzle."""
        signatures = sum(1 + self.validator_set(chain, chain.header(h.parent_hash)).quorum
                         for h in headers)
        tip = self.validator_set(chain, headers[-1]) if headers else ValidatorSet(self.validators)
        return SealingCost(hashes=0, signatures=signatures, validators=len(tip))

    # -- producing blocks (a node that holds validator keys) -------------------------------------
    def choose_producer(self, chain: HeaderSource, parent: BlockHeader,
                        candidates: list[str]) -> str | None:
        """The proposer of round 0, if this node holds its key."""
        proposer = self.validator_set(chain, parent).proposer(parent.height + 1)
        return proposer if proposer in candidates else None

    def prepare(self, chain: HeaderSource, parent: BlockHeader, producer: str,
                timestamp: int) -> dict:
        """The round in which `producer` proposes, and the first of its votes that still makes
        sense (to add an outsider or drop a validator)."""
        height = parent.height + 1
        round_ = self.validator_set(chain, parent).round_of(height, producer)
        snap = self._snapshots.at(chain, parent)
        wishes = self.proposals.get(producer, {})
        valid = [c for c in sorted_addresses(wishes) if snap.valid_vote(c, wishes[c])]
        vote = encode_vote(valid[0], wishes[valid[0]]) if valid else b""
        return {"timestamp": max(timestamp, parent.timestamp + self.period), "difficulty": 1,
                "extra": round_.to_bytes(4, "big") + vote}

    def seal(self, header: BlockHeader, producer: Wallet | None) -> BlockHeader:
        if producer is None:
            raise ValueError(say("a BFT block must be proposed with a validator's wallet"))
        return signed_by(header, producer)

    def finish(self, chain: HeaderSource, block: Block, wallets: Iterable[Wallet]) -> Block:
        """The block with the commit seals of every validator (of the set at its parent) among
        `wallets`."""
        validators = self.validator_set(chain, chain.header(block.header.parent_hash))
        return Block(block.header, block.transactions, commit_seals(block, [
            w for w in wallets if w.address in validators]))


def commit_seals(block: Block, validators: Iterable[Wallet]) -> tuple[bytes, ...]:
    """The commit seals `validators` give `block`, in address order."""
    message = commit_message(block.hash)
    return tuple(w.public_key + w.sign(message)
                 for w in sorted(validators, key=lambda w: w.address.lower()))

