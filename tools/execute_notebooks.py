"""Re-execute every lesson notebook in the project's environment and normalise its metadata.

    .venv/bin/python tools/execute_notebooks.py            # every lessons/*.ipynb
    .venv/bin/python tools/execute_notebooks.py lessons/01-fingerprints-and-tamper-evidence.ipynb
    .venv/bin/python tools/execute_notebooks.py lessons/zh_CN   # every notebook in a folder

Each notebook runs top to bottom with nbclient on the kernel "python3" from the directory it lives
in (lessons/zh_CN/ for the Chinese edition); its outputs are kept (strict nbval compares against
them). What varies from run to run or from machine to machine is removed: execution timings, how
the kernel happened to split printed text into pieces, cell ids are renumbered deterministically
(from the file's name, so a Chinese lesson's cells keep the ids of its English one, by which its
translation catalog is keyed), the kernel spec is set to "python3" and the language info to a
fixed minimum. Widget state written by nbclient is kept (so the views render when the notebook
is opened), but its model ids are random on every run, so they are replaced by ids derived from
the notebook's name and the order the widgets were made in: re-executing an unchanged lesson
gives a byte-identical file.

Prints each notebook's execution time; exits non-zero if any notebook fails or takes longer than
the per-lesson budget (--budget, 20 s by default).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE = {"name": "python", "pygments_lexer": "ipython3"}


def normalise(nb: nbformat.NotebookNode, stem: str) -> nbformat.NotebookNode:
    """Drop the parts of a freshly executed notebook that change on every run."""
    nb.metadata = nbformat.from_dict({
        "kernelspec": KERNEL,
        "language_info": LANGUAGE,
        **({"widgets": nb.metadata["widgets"]} if "widgets" in nb.metadata else {}),
    })
    for number, cell in enumerate(nb.cells):
        cell.id = f"{stem[:40]}-{number:02d}"
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        coalesce_streams(cell)
    return nb


def coalesce_streams(cell: nbformat.NotebookNode) -> None:
    """Join neighbouring stdout (or stderr) pieces of a cell into one output: the kernel flushes
    a long print in pieces when the machine is busy, and the file must not depend on that."""
    merged: list[nbformat.NotebookNode] = []
    for output in cell.get("outputs", []):
        if (output.output_type == "stream" and merged and merged[-1].output_type == "stream"
                and merged[-1].name == output.name):
            merged[-1].text += output.text
        else:
            merged.append(output)
    if "outputs" in cell:
        cell.outputs = merged


def stable_widget_ids(text: str, nb: nbformat.NotebookNode, stem: str) -> str:
    """`text` (the notebook's JSON) with every widget model id replaced by a deterministic one."""
    state = nb.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for number, model_id in enumerate(state):
        text = text.replace(json.dumps(model_id),
                            json.dumps(uuid.uuid5(uuid.NAMESPACE_URL, f"{stem}/{number}").hex))
        text = text.replace(f'"IPY_MODEL_{model_id}"',
                            f'"IPY_MODEL_{uuid.uuid5(uuid.NAMESPACE_URL, f"{stem}/{number}").hex}"')
    return nbformat.writes(nbformat.reads(text, as_version=4))  # keys sorted by the new ids


def execute(path: Path, timeout: int) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            record_timing=False)
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    normalise(nb, path.stem)
    nbformat.validate(nb)
    text = stable_widget_ids(nbformat.writes(nb), nb, path.stem)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return seconds


def shown(path: Path) -> str:
    """The notebook's path from the project's folder (both editions have the same file names)."""
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks, or folders of notebooks, to execute "
                             "(default: lessons/*.ipynb)")
    parser.add_argument("--timeout", type=int, default=60, help="seconds per cell")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="seconds a whole notebook may take")
    args = parser.parse_args(argv)
    paths = [notebook for path in args.notebooks or [ROOT / "lessons"]
             for notebook in (sorted(path.glob("*.ipynb")) if path.is_dir() else [path])]
    failed = False
    for path in paths:
        try:
            seconds = execute(path, args.timeout)
        except Exception as error:  # noqa: BLE001 - report and go on with the next notebook
            print(f"FAILED {shown(path)}: {type(error).__name__}: {error}", file=sys.stderr)
            failed = True
            continue
        over = seconds > args.budget
        failed |= over
        print(f"{seconds:6.1f} s  {shown(path)}" + ("  (over budget)" if over else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
