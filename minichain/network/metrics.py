"""Measuring a simulated network from its event log, as plain data for lessons and widgets.

- Propagation: the delay of a block to a node is the time the node stored it minus the time it
  was found. `propagation_percentiles` summarises every (block, node) delay; `time_to_reach`
  gives, per block, the time until a fraction of the nodes had it — the measure of Decker and
  Wattenhofer ("Information propagation in the Bitcoin network", 2013) and of SimBlock.
- Stale blocks: blocks that were found but are not on the main chain the honest nodes agree on
  (Bitcoin's "stale" or, loosely, "orphan" blocks; Gervais et al., "On the security and
  performance of proof of work blockchains", 2016). Only blocks buried `settled` blocks deep
  are counted, because the fate of the newest ones is not decided yet.
- Convergence: after a moment (a partition heals, a node restarts), the time until every honest
  node that is up has the same tip.
- Tip history: when each node's tip changed, to which height and block.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, NamedTuple

from minichain.network.events import EventKind

if TYPE_CHECKING:
    from minichain.network.network import Network

__all__ = ["FoundBlock", "Metrics", "percentile"]


class FoundBlock(NamedTuple):
    """A block as its producer found it."""

    time: float
    node: Hashable
    block: bytes
    height: int


def percentile(values: Iterable[float], p: float) -> float:
    """The p-th percentile (0–100) with linear interpolation between ranks, like NumPy's default;
    NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class Metrics:
    """Figures about one network, computed from its log and its nodes' chains."""

    def __init__(self, network: Network):
        self.network = network

    # -- blocks found and where they went --------------------------------------------------------
    def found_blocks(self, miner: Hashable | None = None) -> list[FoundBlock]:
        """Every block produced, in order, optionally only those of one miner."""
        return [FoundBlock(e.time, e.node, e.block, e.height) for e in self.network.log
                if e.kind == EventKind.FOUND and (miner is None or e.node == miner)]

    def arrivals(self) -> dict[bytes, dict[Hashable, float]]:
        """For each block, when each node first stored it (its producer: when it was found)."""
        seen: dict[bytes, dict[Hashable, float]] = {}
        for event in self.network.log:
            if event.kind in (EventKind.FOUND, EventKind.TIP, EventKind.STORED):
                seen.setdefault(event.block, {}).setdefault(event.node, event.time)
        return seen

    def _found_between(self, start: float, end: float) -> list[FoundBlock]:
        return [b for b in self.found_blocks() if start <= b.time <= end]

    def propagation_delays(self, start: float = 0.0, end: float = math.inf) -> list[float]:
        """Seconds from a block's discovery to its arrival at each other node that got it, for
        the blocks found between `start` and `end` (e.g. to leave out a partition)."""
        arrivals = self.arrivals()
        delays = []
        for found in self._found_between(start, end):
            for node, time in arrivals.get(found.block, {}).items():
                if node != found.node:
                    delays.append(time - found.time)
        return delays

    def propagation_percentiles(self, percentiles: Iterable[float] = (50, 90, 99, 100),
                                start: float = 0.0, end: float = math.inf) -> dict[float, float]:
        """{p: seconds}: p % of block deliveries took at most that long (blocks found between
        `start` and `end`)."""
        delays = self.propagation_delays(start, end)
        return {p: percentile(delays, p) for p in percentiles}

    def time_to_reach(self, fraction: float = 0.9, start: float = 0.0, end: float = math.inf
                      ) -> dict[bytes, float | None]:
        """For each block found between `start` and `end`, the seconds until `fraction` of all
        nodes had it (None if it never got that far, as a stale block often does not)."""
        arrivals = self.arrivals()
        needed = max(1, math.ceil(fraction * len(self.network.nodes)))
        result: dict[bytes, float | None] = {}
        for found in self._found_between(start, end):
            times = sorted(arrivals.get(found.block, {}).values())
            result[found.block] = times[needed - 1] - found.time if len(times) >= needed else None
        return result

    # -- stale blocks ----------------------------------------------------------------------------
    def reference_tip(self):
        """The honest nodes' common tip; if they disagree, the most common one (the heaviest
        among equally common ones). Returns (node, block)."""
        honest = [n for n in self.network.nodes if n.honest and n.up] or \
            [n for n in self.network.nodes if n.honest]
        counts = Counter(n.chain.tip.hash for n in honest)
        best = max(honest, key=lambda n: (counts[n.chain.tip.hash], n.chain.total_weight()))
        return best, best.chain.tip

    def stale_blocks(self, *, settled: int = 6, miner: Hashable | None = None
                     ) -> list[FoundBlock]:
        """Blocks found at least `settled` blocks below the reference tip that are not on its
        main chain."""
        node, tip = self.reference_tip()
        return [b for b in self.found_blocks(miner) if b.height <= tip.height - settled
                and not node.chain.is_main_chain(b.block)]

    def stale_rate(self, *, settled: int = 6, miner: Hashable | None = None) -> float:
        """The share of settled blocks (optionally one miner's) that are stale; NaN if none has
        settled yet."""
        node, tip = self.reference_tip()
        considered = [b for b in self.found_blocks(miner) if b.height <= tip.height - settled]
        if not considered:
            return math.nan
        stale = sum(1 for b in considered if not node.chain.is_main_chain(b.block))
        return stale / len(considered)

    # -- agreement -------------------------------------------------------------------------------
    def convergence_time(self, since: float) -> float | None:
        """Seconds from `since` until every honest node that was up had the same tip (0 if they
        already agreed then); None if that has not happened yet."""
        network = self.network
        honest = {n.name for n in network.nodes if n.honest}
        genesis = network.nodes[0].chain.genesis.hash
        tips = dict.fromkeys(honest, genesis)
        up = set(honest)

        def agree() -> bool:
            return len({tips[name] for name in up}) <= 1

        log = network.log
        i = 0
        while i < len(log) and log[i].time <= since:
            self._replay(log[i], tips, up, honest)
            i += 1
        if agree():
            return 0.0
        while i < len(log):
            time = log[i].time
            while i < len(log) and log[i].time == time:  # everything that happens at one instant
                self._replay(log[i], tips, up, honest)
                i += 1
            if agree():
                return time - since
        return None

    @staticmethod
    def _replay(event, tips: dict, up: set, honest: set) -> None:
        if event.node not in honest:
            return
        if event.kind == EventKind.TIP:
            tips[event.node] = event.block
        elif event.kind == EventKind.CRASH:
            up.discard(event.node)
        elif event.kind == EventKind.RESTART:
            up.add(event.node)

    def tip_history(self, node: Hashable) -> list[tuple[float, int, str]]:
        """(time, height, short hash) each time the node's tip changed, starting with genesis."""
        return [(time, height, block.hex()[:8])
                for time, height, block in self.network.node(node).tip_history]

    # -- everything at once ----------------------------------------------------------------------
    def summary(self) -> dict[str, object]:
        """The headline figures of a run."""
        percentiles = self.propagation_percentiles((50, 90))
        node, tip = self.reference_tip()
        return {
            "simulated seconds": round(self.network.now, 3),
            "nodes": len(self.network.nodes),
            "blocks found": len(self.found_blocks()),
            "main chain height": tip.height,
            "stale blocks": len(self.stale_blocks(settled=0)),
            "median propagation (s)": round(percentiles[50], 3),
            "90th percentile propagation (s)": round(percentiles[90], 3),
            "honest nodes agree": self.network.converged(),
        }
