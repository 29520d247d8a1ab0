"""A simulated clock, so that lessons and tests give the same blocks on every machine.

Block timestamps are part of what is hashed, so a real clock would make every run different.
The chain reads time only from its clock; the simulated one moves only when told to (or when a
block is produced, which takes one block interval of simulated time).
"""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["DAY", "GENESIS_TIME", "SimulatedClock", "date_text"]

GENESIS_TIME = 1_767_225_600  # 2026-01-01 00:00:00 UTC, in seconds since 1970
DAY = 24 * 60 * 60  # seconds


def date_text(timestamp: int) -> str:
    """A block time as a person reads it, '2026-01-01 00:00:35 UTC' (or the bare number, if it
    is no date at all)."""
    try:
        return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return str(timestamp)


class SimulatedClock:
    """Seconds since 1970 that advance only when asked."""

    def __init__(self, start: int = GENESIS_TIME):
        self._now = int(start)

    def now(self) -> int:
        return self._now

    def advance(self, seconds: int) -> int:
        """Let `seconds` pass; returns the new time."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += int(seconds)
        return self._now

    def advance_to(self, timestamp: int) -> int:
        """Move forward to `timestamp` if it is later than now."""
        self._now = max(self._now, int(timestamp))
        return self._now

    def __repr__(self) -> str:
        return f"SimulatedClock(now={self._now})"
