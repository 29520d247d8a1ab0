"""Proof of Authority, after EIP-225 ("Clique"): the engine, as go-ethereum's
`consensus/clique/clique.go`. The snapshot it keeps (validators, recent sealers, votes and their
tally; geth's `snapshot.go`) is `minichain.consensus.poa_snapshot`.

A fixed, sorted list of validators takes turns sealing blocks. The validator whose turn it is
seals "in turn" (weight 2); any other may seal "out of turn" (weight 1) if the in-turn one is
slow. No validator may seal more than one of any floor(N/2)+1 consecutive blocks, so a single
validator can never run the chain alone.

Validators are voted in and out: a block may carry its sealer's vote to add or drop one address,
and when more than half of the validators agree, the list changes. Every `epoch` blocks a
checkpoint block lists the current validators and all pending votes are forgotten.

A header is checked in stages, in this order: its timestamp (at least `period` seconds after its
parent, not in the future), its extra data (the validator list at a checkpoint, else at most one
vote), its seal (the coinbase's signature), its signer (a validator that has not sealed too
recently) and its difficulty (2 in turn, 1 out of turn).

Differences from EIP-225, for readability: a block is sealed with the signer's public key and
signature (rather than a recoverable signature in `extraData`), the sealer is named in the
`coinbase` field (and receives the fees), and a vote travels in `extra` as one byte (1 = add,
0 = drop) and the candidate's 20-byte address, instead of re-using `coinbase` and `nonce`.
The voting rules themselves follow go-ethereum's `consensus/clique/snapshot.go`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from minichain import crypto
from minichain.block import BlockHeader
from minichain.consensus.engine import ConsensusEngine, HeaderSource, SealingCost
from minichain.consensus.signer_seal import SEAL_SIZE, check_validators, seal_problem, signed_by
from minichain.consensus.poa_snapshot import (
    InvalidVote,
    Snapshot,
    Snapshots,
    Tally,
    Vote,
    decode_vote,
    encode_vote,
    sorted_addresses,
)
from minichain.errors import InvalidBlock, TimestampInFuture, TimestampTooEarly, short
from minichain.errors import listed as listed_names
from minichain.language import say

if TYPE_CHECKING:
    from minichain.wallet import Wallet

__all__ = [
    "DIFF_IN_TURN",
    "DIFF_NO_TURN",
    "SEAL_SIZE",
    "BadSeal",
    "CheckpointMismatch",
    "InvalidVote",
    "ProofOfAuthority",
    "Proposals",
    "SealedTooRecently",
    "Snapshot",
    "Tally",
    "UnauthorizedSigner",
    "Vote",
    "WrongTurnDifficulty",
    "decode_validators",
    "decode_vote",
    "encode_validators",
    "encode_vote",
]

DIFF_IN_TURN = 2
DIFF_NO_TURN = 1

# This node's own intentions, not consensus state: validator -> candidate -> authorize (True to
# add the candidate, False to drop it). The votes blocks actually carry are counted in Snapshot.
Proposals = dict[str, dict[str, bool]]


# -- what can go wrong ---------------------------------------------------------------------------

class UnauthorizedSigner(InvalidBlock):
    """Checklist 6 (PoA): the block is sealed by someone who is not a validator."""

    def __init__(self, signer: str, validators: list[str]):
        super().__init__(say(
            "{signer} is not a validator of this chain, so it may not seal blocks "
            "(validators: {validators}).",
            signer=short(signer), validators=listed_names(short(v) for v in validators)))


class SealedTooRecently(InvalidBlock):
    """A validator sealed again before floor(N/2)+1 blocks had passed."""

    def __init__(self, signer: str, last_height: int, height: int, window: int):
        super().__init__(say(
            "{signer} already sealed block {last_height}; a validator may seal only one of any "
            "{window} consecutive blocks, so its next chance is block {next_height}, not block "
            "{height}.", signer=short(signer), last_height=last_height, window=window,
            next_height=last_height + window, height=height))


class WrongTurnDifficulty(InvalidBlock):
    """Checklist 6 (PoA): difficulty must be 2 for the in-turn validator and 1 for any other."""

    def __init__(self, signer: str, difficulty: int, expected: int):
        if expected == DIFF_IN_TURN:
            message = say("{signer} seals this block in turn, so its difficulty must be "
                          "{expected}, not {difficulty}.",
                          signer=short(signer), expected=expected, difficulty=difficulty)
        else:
            message = say("{signer} seals this block out of turn, so its difficulty must be "
                          "{expected}, not {difficulty}.",
                          signer=short(signer), expected=expected, difficulty=difficulty)
        super().__init__(message)


class BadSeal(InvalidBlock):
    """Checklist 6 (PoA): the seal is not the coinbase's valid signature of the header."""

    def __init__(self, reason: str):
        super().__init__(say("the block's seal is not valid: {reason}.", reason=reason))


class CheckpointMismatch(InvalidBlock):
    """Checklist 6 (PoA): a checkpoint block must list exactly the current validators."""

    def __init__(self, height: int, listed: list[str], expected: list[str]):
        super().__init__(say(
            "checkpoint block {height} lists validators [{listed}] but the validators are "
            "[{expected}].", height=height, listed=listed_names(short(a) for a in listed),
            expected=listed_names(short(a) for a in expected)))


# -- the validator list a checkpoint block carries ----------------------------------------------

def encode_validators(validators: list[str]) -> bytes:
    """A checkpoint block's extra data: the validators' 20-byte addresses, in order."""
    return b"".join(crypto.address_bytes(v) for v in validators)


def decode_validators(extra: bytes) -> list[str]:
    """The validators listed in a checkpoint block's extra data."""
    return [crypto.to_checksum_address(extra[i:i + 20]) for i in range(0, len(extra), 20)]


# -- the engine ----------------------------------------------------------------------------------

def _turn_difficulty(snap: Snapshot, height: int, signer: str) -> int:
    """The difficulty `signer` must give block `height`: 2 in turn, 1 out of turn."""
    return DIFF_IN_TURN if snap.in_turn(height, signer) else DIFF_NO_TURN


@dataclass
class ProofOfAuthority(ConsensusEngine):
    """Clique: validators seal in turn; votes change who the validators are."""

    validators: tuple[str, ...] = ()
    period: int = 5  # minimum seconds between blocks
    epoch: int = 30_000  # blocks between checkpoints (EIP-225's default)

    name = "proof of authority"
    producer_schedule = "turns"

    def __post_init__(self) -> None:
        check_validators(self.validators, "proof-of-authority")
        self.block_interval = self.period
        if self.epoch < 1:
            raise ValueError("the epoch must be at least 1 block")
        self.proposals: Proposals = {}
        self._snapshots = Snapshots(self.epoch, lambda genesis: decode_validators(genesis.extra),
                                    self._vote_of)

    def sealing_cost(self, chain: HeaderSource, headers: Sequence[BlockHeader]) -> SealingCost:
        """One signature a block, no puzzle; only the validators of the tip's snapshot may seal."""
        tip = headers[-1] if headers else None
        validators = len(self.snapshot(chain, tip).validators) if tip else len(self.validators)
        return SealingCost(hashes=0, signatures=len(headers), validators=validators)

    # -- votes this node's validators will cast --------------------------------------------------
    def propose(self, by: str, candidate: str, authorize: bool) -> None:
        """Make validator `by` vote, in the blocks it seals, to add or drop `candidate`."""
        self.proposals.setdefault(by, {})[candidate] = authorize

    def discard(self, by: str, candidate: str) -> None:
        self.proposals.get(by, {}).pop(candidate, None)

    # -- snapshots -------------------------------------------------------------------------------
    def snapshot(self, chain: HeaderSource, header: BlockHeader) -> Snapshot:
        """Validators and votes as of `header` (after applying it)."""
        return self._snapshots.at(chain, header)

    def _vote_of(self, header: BlockHeader) -> tuple[str, bool] | None:
        """The vote a block carries (a checkpoint carries the validator list instead)."""
        return None if header.height % self.epoch == 0 else decode_vote(header.extra)

    # -- consensus rules -------------------------------------------------------------------------
    def genesis_fields(self) -> dict:
        return {"difficulty": DIFF_IN_TURN,
                "extra": encode_validators(sorted_addresses(self.validators))}

    def verify_header(self, chain: HeaderSource, header: BlockHeader, parent: BlockHeader,
                      now: int) -> None:
        """Checklist 6 (seal) and 7 (timestamp), stage by stage; the first failure is raised."""
        self._verify_timestamp(header, parent, now)
        snap = self.snapshot(chain, parent)
        self._verify_extra(snap, header)
        self._verify_seal(header, getattr(chain, "signatures", None))
        self._verify_signer(snap, header)
        self._verify_difficulty(snap, header)

    def _verify_timestamp(self, header: BlockHeader, parent: BlockHeader, now: int) -> None:
        """At least `period` seconds after the parent, and not ahead of this node's clock."""
        earliest = parent.timestamp + self.period
        if header.timestamp < earliest:
            raise TimestampTooEarly(
                header.timestamp, earliest,
                say("blocks must be at least {seconds} seconds apart", seconds=self.period))
        if header.timestamp > now:
            raise TimestampInFuture(header.timestamp, now)

    def _verify_extra(self, snap: Snapshot, header: BlockHeader) -> None:
        """A checkpoint lists exactly the current validators; any other block carries at most
        one well-formed vote."""
        if header.height % self.epoch == 0:
            listed = decode_validators(header.extra) if len(header.extra) % 20 == 0 else []
            if header.extra != encode_validators(snap.validators):
                raise CheckpointMismatch(header.height, listed, snap.validators)
        else:
            decode_vote(header.extra)

    @staticmethod
    def _verify_seal(header: BlockHeader, cache: crypto.SignatureCache | None) -> None:
        """The seal is the coinbase's public key and its signature of the header."""
        problem = seal_problem(header, cache)
        if problem:
            raise BadSeal(problem)

    @staticmethod
    def _verify_signer(snap: Snapshot, header: BlockHeader) -> None:
        """The sealer is a validator and has not sealed another of the last `window` blocks."""
        signer = header.coinbase
        if signer not in snap.validators:
            raise UnauthorizedSigner(signer, snap.validators)
        last = snap.last_sealed(signer, header.height)
        if last is not None:
            raise SealedTooRecently(signer, last, header.height, snap.window)

    @staticmethod
    def _verify_difficulty(snap: Snapshot, header: BlockHeader) -> None:
        """2 if the sealer is in turn, 1 otherwise."""
        expected = _turn_difficulty(snap, header.height, header.coinbase)
        if header.difficulty != expected:
            raise WrongTurnDifficulty(header.coinbase, header.difficulty, expected)

    def weight(self, header: BlockHeader) -> int:
        return header.difficulty

    # -- producing blocks ------------------------------------------------------------------------
    def choose_producer(self, chain: HeaderSource, parent: BlockHeader,
                        candidates: list[str]) -> str | None:
        """The in-turn validator if this node holds its key, else any that may seal now."""
        snap = self.snapshot(chain, parent)
        height = parent.height + 1
        allowed = [c for c in sorted_addresses(candidates)
                   if c in snap.validators and snap.last_sealed(c, height) is None]
        in_turn = [c for c in allowed if snap.in_turn(height, c)]
        return (in_turn or allowed or [None])[0]

    def prepare(self, chain: HeaderSource, parent: BlockHeader, producer: str,
                timestamp: int) -> dict:
        snap = self.snapshot(chain, parent)
        height = parent.height + 1
        if height % self.epoch == 0:
            extra = encode_validators(snap.validators)
        else:
            wishes = self.proposals.get(producer, {})
            valid = [c for c in sorted_addresses(wishes) if snap.valid_vote(c, wishes[c])]
            extra = encode_vote(valid[0], wishes[valid[0]]) if valid else b""
        return {
            "timestamp": max(timestamp, parent.timestamp + self.period),
            "difficulty": _turn_difficulty(snap, height, producer),
            "extra": extra,
        }

    def seal(self, header: BlockHeader, producer: Wallet | None) -> BlockHeader:
        if producer is None:
            raise ValueError(say("a proof-of-authority block must be sealed with a validator's "
                                 "wallet"))
        return signed_by(header, producer)
