"""A discrete-event scheduler: simulated time jumps from one event to the next.

Nothing happens between two events, so a simulated day costs only as much as the events in it
(the design of SimBlock and BlockSim, and of every discrete-event simulator since Simula).
Events at the same instant run in the order they were scheduled — a sequence number breaks
ties — and every random choice of the simulation comes from seeded `random.Random` instances,
so the same seed gives the same run, event for event, on every machine.

A scheduled event can be cancelled (a miner that crashes will not find its block after all); it
stays in the queue, marked, and is skipped without moving the clock — the "mark as removed"
recipe of Python's heapq documentation.

A node that gossips puts one message on each of its links at once (`at_all`). Such a batch is
kept sorted and enters the queue one event at a time, its earliest, as `heapq.merge` merges
sorted runs: the queue stays a dozen times shorter than the messages in flight, and the events
run in exactly the order they would have had one by one (by time, then by when they were
scheduled).

A run allocates a few short-lived objects per message and creates (almost) no reference cycles,
yet CPython's cyclic garbage collector would scan every long-lived object — every node's chain,
every link — each time enough of them had survived a young collection: in a network of a
thousand nodes that was over a quarter of the run, and its share grows with the network. So while
events run, the collector's thresholds are raised (`gc.set_threshold`, Python's `gc` module
documentation; CPython's "Garbage collector design" in its developer guide): young objects are
still collected, the full scans wait until the run is over. Reference counting frees everything
else as before, so what the run computes does not change, only how often Python looks for cycles.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

__all__ = ["Scheduler", "fewer_collections"]

_ACTION = 2  # a queue entry is [time, order, action or None if cancelled, args, rest]
_REST = 4  # a batch's events after this one, (time, order, args) latest first; or None
# Collector thresholds while events run: a young collection every 100,000 allocations, the full
# one (which scans every long-lived object) practically never before the run ends.
RUN_THRESHOLDS = (100_000, 50, 1_000)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the cyclic garbage collector's thresholds for the block, then put back the ones it
    had (a collector switched off, or thresholds already higher, are left as they are)."""
    saved = gc.get_threshold()
    if saved[0] == 0:  # automatic collection switched off by the caller: nothing to raise
        yield
        return
    gc.set_threshold(*(max(mine, theirs) for mine, theirs in zip(RUN_THRESHOLDS, saved)))
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def _time(event: tuple) -> float:
    return event[0]


class Scheduler:
    """A queue of actions ordered by simulated time (seconds since the start)."""

    def __init__(self, on_time: Callable[[float], float | None] | None = None):
        self.now = 0.0
        self.processed = 0  # events run so far
        self._queue: list[list] = []  # entries [time, order, action, args, rest], a heap
        self._order = itertools.count()
        # Told when the clock moves, before the events run; it may return the time until which
        # it need not be told again (None: every move).
        self._on_time = on_time
        self._wake = -math.inf if on_time is not None else math.inf
        self._stopped = False

    def at(self, time: float, action: Callable, *args) -> list:
        """Run `action(*args)` at simulated time `time` (not earlier than now); returns a handle
        for `cancel`."""
        if time < self.now:
            raise ValueError(f"cannot schedule at {time} s: it is already {self.now} s")
        entry = [time, next(self._order), action, args, None]
        heapq.heappush(self._queue, entry)
        return entry

    def at_all(self, times: Sequence[float], action: Callable, args: Sequence[tuple]) -> None:
        """Run `action(*args[i])` at `times[i]` for every i: the same as calling `at` for each in
        turn, kept in the queue as one entry until its events run (they cannot be cancelled)."""
        if not times:
            return
        if min(times) < self.now:
            raise ValueError(f"cannot schedule at {min(times)} s: it is already {self.now} s")
        order = self._order
        batch = [(time, next(order), arguments) for time, arguments in zip(times, args)]
        # Latest first, so the earliest is popped from the end; the sort is stable, so reversing
        # first puts events of the same instant in the order they were scheduled from the end.
        batch.reverse()
        batch.sort(key=_time, reverse=True)
        time, number, arguments = batch.pop()
        heapq.heappush(self._queue, [time, number, action, arguments, batch or None])

    def after(self, delay: float, action: Callable, *args) -> list:
        """Run `action(*args)` `delay` seconds from now; returns a handle for `cancel`."""
        return self.at(self.now + delay, action, *args)

    @staticmethod
    def cancel(handle: list | None) -> None:
        """Make a scheduled event do nothing (if it has not run yet)."""
        if handle is not None:
            handle[_ACTION] = None

    def __len__(self) -> int:
        """Events waiting to run (cancelled ones included until they reach the front)."""
        return sum(1 + len(entry[_REST] or ()) for entry in self._queue)

    @property
    def next_time(self) -> float | None:
        self._drop_cancelled()
        return self._queue[0][0] if self._queue else None

    def _drop_cancelled(self) -> None:
        while self._queue and self._queue[0][_ACTION] is None:  # never a batch: none cancelled
            heapq.heappop(self._queue)

    def _tell(self, time: float) -> None:
        """Tell `on_time` the clock moved to `time`; note when it wants to hear again."""
        wake = self._on_time(time)
        self._wake = time if wake is None else wake

    def stop(self) -> None:
        """End the current `run` after the event that is running now."""
        self._stopped = True

    def run(self, until: float = math.inf, *, stop_when: Callable[[], bool] | None = None) -> int:
        """Run events in time order up to and including time `until`, or until `stop()` is called
        or `stop_when()` turns true; returns how many events ran. With a finite `until` and no
        early stop, the clock ends at `until`."""
        with fewer_collections():
            return self._run(until, stop_when)

    def _run(self, until: float, stop_when: Callable[[], bool] | None) -> int:
        queue, pop, replace = self._queue, heapq.heappop, heapq.heapreplace
        self._stopped = False
        ran = 0
        while queue and queue[0][0] <= until:
            entry = queue[0]
            time, _, action, args, rest = entry
            if rest:  # the batch's next event takes this one's place, in the same entry
                entry[0], entry[1], entry[3] = rest.pop()
                if not rest:
                    entry[_REST] = None
                replace(queue, entry)
            else:
                pop(queue)
            if action is None:  # cancelled
                continue
            if time != self.now:
                self.now = time
                if time >= self._wake:
                    self._tell(time)
            action(*args)
            ran += 1
            if self._stopped or (stop_when is not None and stop_when()):
                break
        else:
            if until != math.inf and until > self.now:
                self.now = until
                if until >= self._wake:
                    self._tell(until)
        self.processed += ran
        return ran
