"""The event log: what happened in a simulated network, when, and where — as plain data.

Every block found, every BFT vote sent, every block a node stored (on its main chain or beside it), every change of a
node's tip, every block refused, and every partition, crash and restart becomes one `Event`. The
metrics (`minichain.network.metrics`) are computed from this log alone, lessons print it, and two
runs with the same seed produce the very same log.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import NamedTuple

from minichain.language import say, translate

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
        """One line of the log in the reader's language: when, where, what (and the detail)."""
        what = _happened(self.kind, self.height, self.block)
        if self.detail:
            what = say("{what} — {detail}", what=what, detail=_shown_detail(self.detail))
        if self.node is not None:
            what = say("node {node!r}: {what}", node=self.node, what=what)
        return say("{time:10.3f} s  {event}", time=self.time, event=what)


# The log keeps each event's detail as the network wrote it, in English ("extended", "round 2",
# "3 links restored"), the same in every language, so that code can compare it; a refusal's
# reason is the refusal's own message. `Event.__str__` shows it in the reader's language.

def _happened(kind: str, height: int | None, block: bytes | None) -> str:
    """What happened, with the block it happened to."""
    if block is None:
        return _kind(kind)
    values = dict(height=height, block=block.hex()[:8])
    if kind == EventKind.FOUND:
        return say("found block {height} ({block}…)", **values)
    if kind == EventKind.PREPARE:
        return say("prepare block {height} ({block}…)", **values)
    if kind == EventKind.COMMIT:
        return say("commit block {height} ({block}…)", **values)
    if kind == EventKind.TIP:
        return say("tip block {height} ({block}…)", **values)
    if kind == EventKind.STORED:
        return say("stored block {height} ({block}…)", **values)
    if kind == EventKind.ORPHAN:
        return say("orphan block {height} ({block}…)", **values)
    if kind == EventKind.REJECTED:
        return say("rejected block {height} ({block}…)", **values)
    if kind == EventKind.PUBLISH:
        return say("publish block {height} ({block}…)", **values)
    # TRANSLATORS: {kind} is one of the kinds of event of the network's log, already translated
    return say("{kind} block {height} ({block}…)", kind=_kind(kind), **values)


def _kind(kind: str) -> str:
    """The kind of an event as the log names it."""
    # TRANSLATORS: the kinds of event in a simulated network's log
    names = {
        EventKind.FOUND: translate("found"),
        EventKind.PREPARE: translate("prepare"),
        EventKind.COMMIT: translate("commit"),
        EventKind.TIP: translate("tip"),
        EventKind.STORED: translate("stored"),
        EventKind.ORPHAN: translate("orphan"),
        EventKind.REJECTED: translate("rejected"),
        EventKind.PUBLISH: translate("publish"),
        EventKind.TRANSACTION: translate("transaction"),
        EventKind.PARTITION: translate("partition"),
        EventKind.HEAL: translate("heal"),
        EventKind.CUT: translate("cut"),
        EventKind.CRASH: translate("crash"),
        EventKind.RESTART: translate("restart"),
    }
    return names.get(kind, kind)


def _shown_detail(detail: str) -> str:
    """An event's detail as the network wrote it, in the reader's language."""
    if detail == "extended":
        # TRANSLATORS: a node's main chain grew by the block (event log)
        return translate("extended")
    if detail == "reorganised":
        # TRANSLATORS: a node switched to another branch ending in the block (event log)
        return translate("reorganised")
    if detail == "secret":
        # TRANSLATORS: the attacker mined the block on his secret branch (event log)
        return translate("secret")
    if match := re.fullmatch(r"proposed in round (\d+)", detail):
        return say("proposed in round {round}", round=int(match[1]))
    if match := re.fullmatch(r"round (\d+)", detail):
        return say("round {round}", round=int(match[1]))
    if match := re.fullmatch(r"(\d+) secret blocks", detail):
        return say("{count} secret blocks", count=int(match[1]))
    if match := re.fullmatch(r"(\d+) groups of ([\d, ]+) nodes; (\d+) links cut", detail):
        # TRANSLATORS: what goes between the items of a list ("a, b, c")
        sizes = translate(", ").join(match[2].split(", "))
        return say("{groups} groups of {sizes} nodes; {cut} links cut", groups=int(match[1]),
                   sizes=sizes, cut=int(match[3]))
    if match := re.fullmatch(r"link (.+)–(.+) cut", detail):
        return say("link {a}–{b} cut", a=match[1], b=match[2])
    if match := re.fullmatch(r"(\d+) links restored", detail):
        return say("{count} links restored", count=int(match[1]))
    return detail
