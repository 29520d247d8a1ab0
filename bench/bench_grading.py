"""Seconds per graded submission: a class of 30 hands in exercise 01, graded with -j 1 and -j 2.

Each submission is executed in a fresh, limited kernel of its own and then scored by a clean
worker process (minichain.grading.grader), so most of the time is the kernel's start. The
baseline beside it is bare nbclient executing the same notebook once per submission (kernel
start included, nothing checked): the part of the work no grader can skip. DESIGN.md measured
nbgrader 0.9.6 autograde at about 4 s per small submission, serially.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from minichain.grading.exercise import Exercise
from minichain.grading.grader import grade

SOURCE = Path(__file__).resolve().parent.parent / "exercises" / "source" / \
    "01-fingerprints-and-tamper-evidence.ipynb"
SUBMISSIONS = 30
BASELINE_RUNS = 5


def _class(folder: Path) -> list[Path]:
    """30 trainees: most answer everything, every fifth hands in the release unanswered."""
    exercise = Exercise.read(SOURCE)
    right, empty = exercise.solved(), exercise.release()
    paths = []
    for n in range(SUBMISSIONS):
        path = folder / f"trainee-{n:02d}.ipynb"
        path.write_text(json.dumps(empty if n % 5 == 4 else right))
        paths.append(path)
    return paths


def _bare(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=30, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute(
                       stderr=subprocess.DEVNULL)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as folder:
        root = Path(folder)
        paths = _class(root)
        start = time.perf_counter()
        for path in paths[:BASELINE_RUNS]:
            _bare(path)
        bare = (time.perf_counter() - start) / BASELINE_RUNS
        timings = {}
        for jobs in (1, 2):
            start = time.perf_counter()
            results = grade(SOURCE, paths, root / f"graded-j{jobs}", jobs=jobs)
            timings[jobs] = (time.perf_counter() - start) / len(paths)
            totals = sorted({r.total for r in results})
            assert totals == [0, 4] and all(r.status == "ok" for r in results), totals
    print(f"{SUBMISSIONS} submissions of exercise 01 (3 questions, 11 cells), each in its own "
          "kernel")
    print(f"  bare nbclient execution, no checks     {bare:6.2f} s per notebook")
    for jobs, seconds in timings.items():
        print(f"  minichain grade -j {jobs}                    {seconds:6.2f} s per submission  "
              f"(x{seconds / bare:.2f} the bare run; {seconds * SUBMISSIONS:.0f} s for the "
              "class)")
    print(f"  speed-up of -j 2 over -j 1             x{timings[1] / timings[2]:.2f}")


if __name__ == "__main__":
    main()
