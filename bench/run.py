"""Run every benchmark in this folder (bench_*.py) and print its figures.

    make bench              # or: .venv/bin/python bench/run.py [name ...]

Each benchmark measures minichain and a bare baseline side by side in the same run, alternating
them a few times and keeping each one's best, and prints the ratio: machines are noisy, ratios
measured together are not.
"""

from __future__ import annotations

import importlib
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> None:
    sys.path.insert(0, str(HERE))
    print(f"machine: {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}, {platform.system()}")
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if names and name not in names:
            continue
        print(f"\n== {name} ==")
        importlib.import_module(path.stem).main()


if __name__ == "__main__":
    main(sys.argv[1:])
