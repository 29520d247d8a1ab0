"""Proof of Authority's snapshot: who the validators are as of one block, after EIP-225
("Clique") and go-ethereum's `consensus/clique/snapshot.go`. The engine that uses it is
`minichain.consensus.poa` (geth's `clique.go`).

A snapshot holds the sorted validators, who sealed the recent blocks and the votes still open.
Applying a block to it (`Snapshot.apply`) gives the next snapshot:

- the sealer is remembered, so that no validator seals more than one of any floor(N/2)+1
  consecutive blocks (N validators);
- a block may carry its sealer's vote to add (authorize) or drop one address. A validator has at
  most one vote per candidate: a new one replaces the old. Votes are counted per candidate in a
  `Tally`; when more than half of the validators agree (votes > N/2), the candidate is added or
  dropped and every vote on it is forgotten. A dropped validator's own votes go too;
- every `epoch` blocks, at a checkpoint, all open votes are forgotten.

Differences from EIP-225, for readability: a vote travels in the block's `extra` field as one byte
(1 = add, 0 = drop) and the candidate's 20-byte address, instead of re-using `coinbase` and
`nonce`, and the sealer is named in `coinbase`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Protocol

from minichain import crypto
from minichain.block import BlockHeader
from minichain.errors import InvalidBlock
from minichain.language import say

__all__ = [
    "InvalidVote",
    "Snapshot",
    "Snapshots",
    "Tally",
    "Vote",
    "decode_vote",
    "encode_vote",
    "sorted_addresses",
]


# -- a vote, as a block carries it ---------------------------------------------------------------

class InvalidVote(InvalidBlock):
    """The block's `extra` field is neither empty nor a well-formed vote."""

    def __init__(self, extra: bytes):
        super().__init__(say(
            "the block's extra data ({size} bytes) is not a vote: a vote is 1 byte "
            "(1 = add, 0 = drop) followed by a 20-byte address.", size=len(extra)))


def encode_vote(candidate: str, authorize: bool) -> bytes:
    """A block's extra data carrying a vote to add (authorize=True) or drop `candidate`."""
    return bytes([1 if authorize else 0]) + crypto.address_bytes(candidate)


def decode_vote(extra: bytes) -> tuple[str, bool] | None:
    """(candidate, authorize) from a block's extra data; None if it carries no vote."""
    if not extra:
        return None
    if len(extra) != 21 or extra[0] not in (0, 1):
        raise InvalidVote(extra)
    return crypto.to_checksum_address(extra[1:]), extra[0] == 1


def sorted_addresses(addresses: Iterable[str]) -> list[str]:
    """The distinct addresses in validator order (case-insensitive, as geth sorts signers)."""
    return sorted(set(addresses), key=str.lower)


# -- votes counted (geth's Vote and Tally) -------------------------------------------------------

@dataclass(frozen=True)
class Vote:
    """One validator's wish to add (authorize=True) or drop a candidate, cast in block `height`."""

    signer: str
    candidate: str
    authorize: bool
    height: int


@dataclass(frozen=True)
class Tally:
    """The open votes on one candidate: all to add it (authorize=True) or all to drop it."""

    authorize: bool
    votes: int


# -- the snapshot --------------------------------------------------------------------------------

@dataclass
class Snapshot:
    """The validators, recent sealers and open votes as of one block (geth's clique.Snapshot)."""

    height: int
    block_hash: bytes
    validators: list[str]
    recents: dict[int, str] = field(default_factory=dict)  # height -> who sealed it
    votes: list[Vote] = field(default_factory=list)
    tally: dict[str, Tally] = field(default_factory=dict)  # candidate -> its open votes

    @property
    def window(self) -> int:
        """A validator may seal at most one of any `window` consecutive blocks."""
        return len(self.validators) // 2 + 1

    def in_turn(self, height: int, signer: str) -> bool:
        """Is it `signer`'s turn to seal block `height`? (the validators take turns in order)"""
        return self.validators.index(signer) == height % len(self.validators) \
            if signer in self.validators else False

    def last_sealed(self, signer: str, height: int) -> int | None:
        """The block within the window before `height` that `signer` sealed, if any."""
        for seen, who in self.recents.items():
            if who == signer and seen > height - self.window:
                return seen
        return None

    def valid_vote(self, candidate: str, authorize: bool) -> bool:
        """A vote makes sense only to add an outsider or to drop a validator."""
        return (candidate in self.validators) != authorize

    def copy(self) -> Snapshot:
        """An independent copy (votes and tallies are immutable, so the containers suffice)."""
        return Snapshot(self.height, self.block_hash, list(self.validators), dict(self.recents),
                        list(self.votes), dict(self.tally))

    def apply(self, header: BlockHeader, epoch: int, vote: tuple[str, bool] | None) -> Snapshot:
        """The snapshot after `header` (already verified), which carries `vote` (candidate,
        authorize) or None; this one is left unchanged. A checkpoint forgets the open votes
        first."""
        snap = self.copy()
        snap.height, snap.block_hash = header.height, header.hash
        height, signer = header.height, header.coinbase
        if height % epoch == 0:
            snap.votes, snap.tally = [], {}
        snap.recents.pop(height - snap.window, None)
        snap.recents[height] = signer
        if vote is not None:
            candidate, authorize = vote
            snap._count(Vote(signer, candidate, authorize, height))
        return snap

    # -- counting votes --------------------------------------------------------------------------
    def _cast(self, candidate: str, authorize: bool) -> bool:
        if not self.valid_vote(candidate, authorize):
            return False
        old = self.tally.get(candidate)
        if old is not None:
            self.tally[candidate] = replace(old, votes=old.votes + 1)
        else:
            self.tally[candidate] = Tally(authorize, 1)
        return True

    def _uncast(self, candidate: str, authorize: bool) -> None:
        tally = self.tally.get(candidate)
        if tally is None or tally.authorize != authorize:
            return
        if tally.votes > 1:
            self.tally[candidate] = replace(tally, votes=tally.votes - 1)
        else:
            del self.tally[candidate]

    def _count(self, vote: Vote) -> None:
        """Count `vote`; if its candidate now has a majority, add or drop it."""
        candidate = vote.candidate
        for i, old in enumerate(self.votes):  # a new vote on the same candidate replaces the old
            if old.signer == vote.signer and old.candidate == candidate:
                self._uncast(old.candidate, old.authorize)
                del self.votes[i]
                break
        if self._cast(candidate, vote.authorize):
            self.votes.append(vote)
        tally = self.tally.get(candidate)
        if tally is None or tally.votes <= len(self.validators) // 2:
            return
        if tally.authorize:
            self.validators = sorted_addresses(self.validators + [candidate])
        else:
            self.validators = [v for v in self.validators if v != candidate]
            self.recents.pop(vote.height - self.window, None)  # the window shrank
            for old in [v for v in self.votes if v.signer == candidate]:
                self._uncast(old.candidate, old.authorize)
                self.votes.remove(old)
        self.votes = [v for v in self.votes if v.candidate != candidate]
        self.tally.pop(candidate, None)


# -- snapshots of a chain, remembered (geth's recent-snapshot cache) -----------------------------

class _Headers(Protocol):
    def ancestors(self, header: BlockHeader) -> Iterable[BlockHeader]: ...


class Snapshots:
    """Each block's snapshot, computed once from the nearest remembered ancestor (or from the
    genesis block's validator list) and remembered by block hash."""

    def __init__(self, epoch: int, genesis_validators: Callable[[BlockHeader], list[str]],
                 vote_of: Callable[[BlockHeader], tuple[str, bool] | None]):
        self.epoch = epoch
        self._genesis_validators = genesis_validators
        self._vote_of = vote_of
        self._by_hash: dict[bytes, Snapshot] = {}

    def at(self, chain: _Headers, header: BlockHeader) -> Snapshot:
        """Validators and votes as of `header` (after applying it)."""
        pending: list[BlockHeader] = []
        for ancestor in chain.ancestors(header):
            if ancestor.hash in self._by_hash:
                snap = self._by_hash[ancestor.hash]
                break
            if ancestor.height == 0:
                snap = Snapshot(0, ancestor.hash,
                                sorted_addresses(self._genesis_validators(ancestor)))
                self._by_hash[ancestor.hash] = snap
                break
            pending.append(ancestor)
        for ancestor in reversed(pending):
            snap = snap.apply(ancestor, self.epoch, self._vote_of(ancestor))
            self._by_hash[ancestor.hash] = snap
        return snap
