"""A discrete-event scheduler: simulated time jumps from one event to the next.

Nothing happens between two events, so a simulated day costs only as much as the events in it
(the design of SimBlock and BlockSim, and of every discrete-event simulator since Simula).
Events at the same instant run in the order they were scheduled — a sequence number breaks
ties — and every random choice of the simulation comes from seeded `random.Random` instances,
so the same seed gives the same run, event for event, on every machine.

A scheduled event can be cancelled (a miner that crashes will not find its block after all); it
stays in the queue, marked, and is skipped without moving the clock — the "mark as removed"
recipe of Python's heapq documentation.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable

__all__ = ["Scheduler"]

_ACTION = 2  # position of the action in a queue entry [time, order, action, args]


class Scheduler:
    """A queue of actions ordered by simulated time (seconds since the start)."""

    def __init__(self, on_time: Callable[[float], None] | None = None):
        self.now = 0.0
        self.processed = 0  # events run so far
        self._queue: list[list] = []  # [time, order, action or None if cancelled, args]
        self._order = itertools.count()
        self._on_time = on_time  # told each time the clock moves, before the events run
        self._stopped = False

    def at(self, time: float, action: Callable, *args) -> list:
        """Run `action(*args)` at simulated time `time` (not earlier than now); returns a handle
        for `cancel`."""
        if time < self.now:
            raise ValueError(f"cannot schedule at {time} s: it is already {self.now} s")
        entry = [time, next(self._order), action, args]
        heapq.heappush(self._queue, entry)
        return entry

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
        return len(self._queue)

    @property
    def next_time(self) -> float | None:
        self._drop_cancelled()
        return self._queue[0][0] if self._queue else None

    def _drop_cancelled(self) -> None:
        while self._queue and self._queue[0][_ACTION] is None:
            heapq.heappop(self._queue)

    def stop(self) -> None:
        """End the current `run` after the event that is running now."""
        self._stopped = True

    def run(self, until: float = math.inf, *, stop_when: Callable[[], bool] | None = None) -> int:
        """Run events in time order up to and including time `until`, or until `stop()` is called
        or `stop_when()` turns true; returns how many events ran. With a finite `until` and no
        early stop, the clock ends at `until`."""
        queue, pop, on_time = self._queue, heapq.heappop, self._on_time
        self._stopped = False
        ran = 0
        while queue and queue[0][0] <= until:
            time, _, action, args = pop(queue)
            if action is None:  # cancelled
                continue
            if time != self.now:
                self.now = time
                if on_time is not None:
                    on_time(time)
            action(*args)
            ran += 1
            if self._stopped or (stop_when is not None and stop_when()):
                break
        else:
            if until != math.inf and until > self.now:
                self.now = until
                if on_time is not None:
                    on_time(until)
        self.processed += ran
        return ran
