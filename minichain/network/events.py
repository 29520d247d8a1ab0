"""The event log: what happened in a simulated network, when, and where — as plain data.

Every block found, every BFT vote sent, every block a node stored (on its main chain or beside it), every change of a
node's tip, every block refused, and every partition, crash and restart becomes one `Event`. The
metrics (`minichain.network.metrics`) are computed from this log alone, lessons print it, and two
runs with the same seed produce the very same log.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import NamedTuple

__all__ = ["Event", "EventKind"]


class EventKind:
    """The kinds of event in the log."""

    FOUND = "found"  # a miner or validator produced a block (it is also on its tip)
    PREPARE = "prepare"  # a BFT validator voted that a proposal is valid (detail: the round)
    COMMIT = "commit"  # a BFT validator signed its commit seal for a block (detail: the round)
    TIP = "tip"  # a node's main chain now ends at this block (detail: extended or reorganised)
    STORED = "stored"  # a node stored a valid block on a side branch; its tip did not move
    ORPHAN = "orphan"  # a block arrived before its parent; the node waits for the parent
    REJECTED = "rejected"  # a node refused a block (detail: the reason)
    PUBLISH = "publish"  # an attacker sent out his secret branch (block: its tip)
    TRANSACTION = "transaction"  # a transaction was submitted to a node
    PARTITION = "partition"  # links between groups of nodes were cut
    HEAL = "heal"  # every cut link works again
    CUT = "cut"  # one link was cut (node and detail: its two ends)
    CRASH = "crash"  # a node went down
    RESTART = "restart"  # a node came back with the blocks it had stored


class Event(NamedTuple):
    """One thing that happened at `time` seconds into the simulation."""

    time: float
    kind: str
    node: Hashable | None = None
    block: bytes | None = None
    height: int | None = None
    detail: str = ""

    def __str__(self) -> str:
        where = "" if self.node is None else f"node {self.node!r}: "
        what = self.kind
        if self.block is not None:
            what += f" block {self.height} ({self.block.hex()[:8]}…)"
        detail = f" — {self.detail}" if self.detail else ""
        return f"{self.time:10.3f} s  {where}{what}{detail}"
