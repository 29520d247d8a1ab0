"""Side-by-side timing helpers shared by the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(rounds: int, *contenders: Callable[[], object]) -> list[float]:
    """Run the contenders alternately `rounds` times; return each one's fastest time (seconds)."""
    best = [float("inf")] * len(contenders)
    for _ in range(rounds):
        for i, run in enumerate(contenders):
            start = time.perf_counter()
            run()
            best[i] = min(best[i], time.perf_counter() - start)
    return best
