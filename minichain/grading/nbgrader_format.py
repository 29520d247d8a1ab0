"""nbgrader's cell metadata, read as nbgrader reads it, so its assignments grade here unchanged.

nbgrader marks each cell of a source notebook in `metadata.nbgrader` (schema version 3, see
nbgrader's documentation, "Creating and grading assignments" and "nbgrader.api"):

| metadata                          | nbgrader calls it           | here                        |
|-----------------------------------|-----------------------------|-----------------------------|
| `solution: true`                  | an autograded answer        | an answer cell              |
| `grade: true`, code               | autograder tests            | a test (points if it runs)  |
| `grade: true, solution: true`     | a manually graded answer    | a written answer            |
| `task: true`                      | a manually graded task      | a written answer (the cells |
|                                   |                             | the trainee adds after it)  |
| `locked: true` (or none of these) | read-only / ordinary cell   | the exercise's own cell     |

`grade_id` names the question and `points` (possibly 0.5) is its weight. Notebooks saved in
nbformat 4.0-4.4 have no cell ids; a cell then gets a stable one from its `grade_id`, or from
its position (`position-7`), in the source and in every submission alike.

In the release, an answer's solution is replaced as nbgrader's `ClearSolutions` replaces it:
`# YOUR CODE HERE` / `raise NotImplementedError()` in code, `YOUR ANSWER HERE` in markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["CODE_STUB", "TEXT_STUB", "NbgraderCell", "code_stub", "nbgrader_cell", "stable_ids"]

CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
TEXT_STUB = "YOUR ANSWER HERE"
_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class NbgraderCell:
    """What a cell's nbgrader metadata says it is."""

    role: str            # "answer", "test", "written", "task" or "locked"
    name: str            # its grade_id ("" if none)
    points: float        # 0 unless graded


def nbgrader_cell(cell: dict[str, Any]) -> NbgraderCell | None:
    """The cell's nbgrader role, or None for a cell without nbgrader metadata."""
    metadata = cell.get("metadata")
    marks = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    if not isinstance(marks, dict):
        return None
    name = marks.get("grade_id") if isinstance(marks.get("grade_id"), str) else ""
    points = marks.get("points", 0)
    points = float(points) if isinstance(points, (int, float)) and points >= 0 else 0.0
    if marks.get("task"):
        return NbgraderCell("task", name, points)
    if marks.get("grade") and marks.get("solution"):
        return NbgraderCell("written", name, points)
    if marks.get("grade"):
        return NbgraderCell("test" if cell.get("cell_type") == "code" else "locked", name,
                            points)
    if marks.get("solution"):
        return NbgraderCell("answer", name, 0.0)
    return NbgraderCell("locked", name, 0.0)


def stable_ids(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cells, each with an id: its own, else its grade_id, else its position.

    The cells are returned as shallow copies where an id was added; ids already present are
    kept as they are (a notebook with duplicated ids is the caller's to refuse)."""
    taken = {cell.get("id") for cell in cells if isinstance(cell.get("id"), str)}
    result = []
    for position, cell in enumerate(cells):
        if isinstance(cell.get("id"), str):
            result.append(cell)
            continue
        marks = nbgrader_cell(cell)
        wanted = _ID_CHARACTERS.sub("-", marks.name)[:64] if marks and marks.name else ""
        if not wanted or wanted in taken:
            wanted = f"position-{position}"
        taken.add(wanted)
        result.append({**cell, "id": wanted})
    return result


def code_stub(indent: str) -> list[str]:
    """nbgrader's placeholder for a code solution, at the solution's indentation."""
    return [indent + line for line in CODE_STUB]
