"""One height of a BFT network, read from its event log: who proposed, who voted, and when the
block became final on each validator (the votes of QBFT's propose → prepare → commit, as
`minichain.network.bft_rounds` sends them and records them in the log).

Plain data, so that lessons can print it and the vote view (`minichain.widgets.vote_round`)
can lay it out; two runs with the same seed give the same rounds.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from minichain.consensus.bft import ByzantineFaultTolerance
from minichain.network.events import Event, EventKind

if TYPE_CHECKING:
    from minichain.network.network import Network

__all__ = ["ValidatorVotes", "VoteRound", "final_heights", "vote_round"]


@dataclass(frozen=True)
class ValidatorVotes:
    """When one validator took each step at the height (seconds into the simulation; None if
    it never did: it was down, cut off, or the round ended first)."""

    validator: Hashable
    proposed: float | None
    prepared: float | None
    committed: float | None
    final: float | None


@dataclass(frozen=True)
class VoteRound:
    """How the block at one height was decided."""

    height: int
    block: bytes  # the block that became final (the first one, if liars made two)
    proposer: Hashable
    round: int  # the round in which it was proposed (0 unless proposers were replaced)
    proposed_at: float
    votes: tuple[ValidatorVotes, ...]  # one per validator, in the order given

    @property
    def committed(self) -> int:
        """How many validators signed a commit seal for the block."""
        return sum(v.committed is not None for v in self.votes)

    @property
    def final_after(self) -> float | None:
        """Seconds from the proposal until the block was final on the last validator that
        finalized it."""
        times = [v.final for v in self.votes if v.final is not None]
        return max(times) - self.proposed_at if times else None


def final_heights(log: Iterable[Event]) -> list[int]:
    """The heights at which some node added a final block proposed in the log."""
    proposed = {e.block for e in log if e.kind == EventKind.FOUND}
    return sorted({e.height for e in log if e.kind == EventKind.TIP and e.block in proposed
                   and e.height is not None})


def vote_round(network: Network, height: int) -> VoteRound:
    """The round that decided `height` on a BFT network, with each validator's steps (the
    validators in the order they were added); ValueError if no block became final there."""
    events = [e for e in network.log if e.height == height]
    tip = next((e for e in events if e.kind == EventKind.TIP), None)
    found = next((e for e in events if e.kind == EventKind.FOUND and tip is not None
                  and e.block == tip.block), None)
    if tip is None or found is None:
        raise ValueError(f"no block proposed in this network became final at height {height}")
    steps: dict[str, dict[Hashable, float]] = {
        kind: {} for kind in (EventKind.FOUND, EventKind.PREPARE, EventKind.COMMIT, EventKind.TIP)}
    for e in events:
        if e.block == tip.block and e.kind in steps:
            steps[e.kind].setdefault(e.node, e.time)
    votes = tuple(ValidatorVotes(v, *(steps[kind].get(v) for kind in steps))
                  for v in network.validators)
    header = network.chain(tip.node).block(height).header
    return VoteRound(height, tip.block, found.node, ByzantineFaultTolerance.round_of(header),
                     found.time, votes)
