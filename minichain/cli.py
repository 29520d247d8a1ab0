"""The `minichain` command.

    minichain lab      open JupyterLab on the lessons (what `make lab` runs)
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["main"]

LESSONS = Path(__file__).resolve().parent.parent / "lessons"


def _lab(args: argparse.Namespace) -> int:
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or shutil.which("jupyter")
    if jupyter is None:
        print("minichain: JupyterLab is not installed here; run `make lab` from the project "
              "folder, which installs it.", file=sys.stderr)
        return 2
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"minichain: there is no lessons folder at {folder}.", file=sys.stderr)
        return 2
    return subprocess.call([jupyter, "lab", f"--ServerApp.root_dir={folder}"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minichain", description="A teaching blockchain for e-commerce: lessons and tools.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    lab = commands.add_parser("lab", help="open JupyterLab on the lessons",
                              description="Open JupyterLab on the lessons folder.")
    lab.add_argument("folder", nargs="?", default=str(LESSONS),
                     help="the folder to open (default: the project's lessons/)")
    lab.set_defaults(run=_lab)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
