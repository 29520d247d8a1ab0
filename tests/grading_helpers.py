"""Submissions for the grading tests: a trainee's notebook, made from an exercise and changed."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from minichain.grading.exercise import Exercise

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "exercises" / "source").glob("*.ipynb"))
EXERCISE_01 = ROOT / "exercises" / "source" / "01-fingerprints-and-tamper-evidence.ipynb"


def cell(notebook: dict[str, Any], question: str, role: str) -> dict[str, Any]:
    """The cell of `question` with `role` ("answer" or "check")."""
    for one in notebook["cells"]:
        if one.get("id", "").startswith(f"{question}-{role}"):
            return one
    raise KeyError(f"{question}-{role}")


def set_answer(notebook: dict[str, Any], question: str, code: str) -> dict[str, Any]:
    cell(notebook, question, "answer")["source"] = code
    return notebook


def solved(source: Path = EXERCISE_01) -> dict[str, Any]:
    return Exercise.read(source).solved()


def released(source: Path = EXERCISE_01) -> dict[str, Any]:
    return Exercise.read(source).release()


def answer_code(notebook: dict[str, Any], question: str) -> str:
    source = cell(notebook, question, "answer")["source"]
    return "".join(source) if isinstance(source, list) else source


def with_line(notebook: dict[str, Any], question: str, line: str, *, before: bool = False
              ) -> dict[str, Any]:
    """The notebook with `line` added after (or before) the answer of `question`."""
    one = cell(notebook, question, "answer")
    code = answer_code(notebook, question)
    one["source"] = f"{line}\n{code}" if before else f"{code}\n{line}"
    return notebook


def write(folder: Path, name: str, content: dict[str, Any] | str | bytes) -> Path:
    path = folder / f"{name}.ipynb"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content)
    else:
        path.write_text(json.dumps(content))
    return path


def copy_of(notebook: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(notebook)


def grade_right_and_unanswered(source: Path, tmp_path: Path) -> tuple[int, Path]:
    """`minichain grade` on a class of two: the solution ("right") and the release untouched
    ("unanswered"); the exit code and the folder the grades went to."""
    from minichain import cli

    folder = tmp_path / "submissions"
    folder.mkdir()
    write(folder, "right", solved(source))
    write(folder, "unanswered", released(source))
    graded = tmp_path / "graded"
    return cli.main(["grade", str(source), str(folder), "--out", str(graded), "-j", "2"]), graded
