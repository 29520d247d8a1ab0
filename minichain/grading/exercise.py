"""Exercise notebooks: the instructor's source, the trainee's release, and what is graded.

An instructor writes one source notebook per exercise (`exercises/source/NN-name.ipynb`) with
nbgrader's markers, so instructors who know nbgrader feel at home:

- An **answer cell** holds the solution between `### BEGIN SOLUTION` and `### END SOLUTION`.
  Each line `name = value` in it becomes `name = ...  # your answer here` in the release;
  other solution lines are left out.
- A **check cell** starts with the line `# Check q1 (2 points)`: the question's name and its
  points. It calls `check("q1", answer, ...)` (minichain.grading.checks) for the checks the
  trainee sees, and may hold more between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`,
  which the release removes. The answer cells of a question are those between the previous
  check cell and its own. A question scores its points when every check in its cell passes.
- A **written answer** is a markdown cell whose first line is `**Written answer q4 (2
  points)**` (any heading or bold around it): a question a person grades. The rest of the cell
  is the model answer for the instructor; the release keeps only the first line and a line to
  replace. `minichain grade` lists each trainee's text in `written-answers.csv`
  (minichain.grading.by_hand).
- Every other cell (markdown, setup code) is released as it is.

The release ends with one cell of its own, "Handing in" (`hand_in_cell`): save, hand in the
file as it is, and in the browser edition (JupyterLite, where saved work stays in the browser)
File > Download, which saves the notebook and downloads it as nbformat JSON. It is written in
the language of the source's edition, told by its folder alone (Chinese for
exercises/zh_CN/source, `edition`), so a release is the same file on every machine. The grader
ignores it, as it ignores any markdown cell that is not the exercise's. nbgrader's own sources
are released without it, as nbgrader releases them.

nbgrader's own cell metadata is read too (minichain.grading.nbgrader_format): its answer,
test, manually graded and task cells, and its `grade_id` and `points`; a test cell scores its
points when it runs without an error after the trainee's code, as nbgrader's autograder
scores it, so answers may define functions and classes there.

Every cell has a stable id (nbformat 4.5; in older notebooks one is made from the nbgrader
`grade_id` or the cell's position); the release keeps it and records it again in the cell's
metadata (`metadata.minichain.cell`), which is how a submission's cells are matched to the
source's when it is graded, whatever the trainee moved, deleted or copied.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minichain.grading.answer_key import seal_answers
from minichain.grading.nbgrader_format import TEXT_STUB, code_stub, nbgrader_cell, stable_ids
from minichain.language import say, speaking

__all__ = ["HAND_IN", "Exercise", "ExerciseError", "Question", "SubmissionProblem", "edition",
           "read_submission", "released_json"]

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CHECK_LINE = re.compile(r"#\s*Check\s+(?P<name>[A-Za-z_]\w*)\s*\((?P<points>\d+)\s+points?\)\s*$")
WRITTEN_LINE = re.compile(r"^[#*_\s]*Written answer\s+(?P<name>[A-Za-z_]\w*)\s*"
                          r"\((?P<points>\d+)\s+points?\)[*_\s:]*$")
WRITTEN_PLACEHOLDER = "Write your answer here, in place of this line."
ASSIGNMENT = re.compile(r"^(?P<indent>\s*)(?P<names>[A-Za-z_]\w*(\s*,\s*[A-Za-z_]\w*)*)\s*=(?!=)")
PLACEHOLDER = "...  # your answer here"
HAND_IN = "hand-in"  # the id and role of the release's last cell, how to hand the notebook in
MAX_SUBMISSION_BYTES = 20_000_000


class ExerciseError(Exception):
    """A source notebook that cannot be used (a problem for the instructor)."""


class SubmissionProblem(Exception):
    """A submission file that cannot be read as a notebook (costs that trainee every point)."""


@dataclass
class Question:
    """One graded question. `kind` says who decides: "data" (minichain's checks, on the
    answers as data), "test" (an nbgrader test cell that runs without an error) or "written"
    (a person, from the text the trainee wrote)."""

    name: str
    points: float
    check_cell: int                                   # index into the source's cells
    answer_cells: list[int] = field(default_factory=list)
    answer_names: list[str] = field(default_factory=list)
    title: str = ""                                   # the heading above it, if any
    kind: str = "data"
    model_answer: str = ""                            # for a written answer: the source's text

    @property
    def by_hand(self) -> bool:
        return self.kind == "written"


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _region(lines: list[str], begin: str, end: str) -> tuple[int, int] | None:
    """The line numbers of the begin and end markers, or None."""
    starts = [i for i, line in enumerate(lines) if line.strip() == begin]
    if not starts:
        return None
    ends = [i for i, line in enumerate(lines) if line.strip() == end and i > starts[0]]
    if len(starts) != 1 or len(ends) != 1:
        raise ExerciseError(say("each cell may hold one {begin} ... {end} region", begin=begin,
                                end=end))
    return starts[0], ends[0]


class Exercise:
    """A parsed source notebook."""

    def __init__(self, notebook: dict[str, Any], name: str = "exercise", language: str = "en"):
        self.notebook = notebook
        self.name = name
        self.language = language                      # of the edition: what the release says
        cells = notebook.get("cells", []) if isinstance(notebook, dict) else []
        self.cells: list[dict[str, Any]] = stable_ids(cells) if isinstance(cells, list) else []
        self.questions: list[Question] = []
        # "text", "setup", "answer", "check", and for nbgrader's cells "test", "written", "task"
        self.roles: list[str] = []
        self._parse()

    @classmethod
    def read(cls, path: str | Path) -> Exercise:
        path = Path(path)
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ExerciseError(say("there is no exercise source at {path}.", path=path)) from None
        except IsADirectoryError:
            raise ExerciseError(say("{path} is a folder, not an exercise source notebook.",
                                    path=path)) from None
        except (UnicodeDecodeError, ValueError):
            raise ExerciseError(say("{path} is not a notebook (not valid JSON).",
                                    path=path)) from None
        try:
            return cls(notebook, path.stem, edition(path))
        except ExerciseError as problem:
            raise ExerciseError(say("{path} cannot be used as an exercise source: {problem}",
                                    path=path, problem=problem)) from None

    # -- parsing -------------------------------------------------------------------------------
    def _parse(self) -> None:
        if not self.cells:
            raise ExerciseError(say("it has no cells"))
        ids = [cell.get("id") for cell in self.cells]
        if len(set(ids)) != len(ids):
            raise ExerciseError(say("every cell needs its own id (two cells have the same)"))
        self.pending: list[int] = []
        self.pending_names: list[str] = []
        self.title = ""
        for index, cell in enumerate(self.cells):
            self.roles.append(self._role(index, cell))
        if self.pending and not self.from_nbgrader:
            raise ExerciseError(say("an answer cell has no check cell after it"))
        if not self.questions:
            raise ExerciseError(say("it has no check cell (a line `# Check q1 (2 points)`)"))
        del self.pending, self.pending_names, self.title

    @property
    def from_nbgrader(self) -> bool:
        """Whether the source marks its cells with nbgrader's metadata."""
        return any(nbgrader_cell(cell) for cell in self.cells)

    def _role(self, index: int, cell: dict[str, Any]) -> str:
        text = _source(cell)
        lines = text.splitlines()
        marks = nbgrader_cell(cell)
        if cell.get("cell_type") != "code":
            if marks and marks.role in ("written", "task"):
                return self._written(index, marks.role, marks.name, marks.points,
                                     "" if marks.role == "task" else text)
            written = WRITTEN_LINE.match(lines[0]) if lines else None
            if written:
                return self._written(index, "written", written["name"],
                                     int(written["points"]), "\n".join(lines[1:]).strip())
            headings = [line.lstrip("#").strip() for line in lines if line.startswith("## ")]
            self.title = headings[0] if headings else self.title
            return "text"
        try:
            ast.parse(text)
        except SyntaxError as error:
            raise ExerciseError(say("cell {cell} is not plain Python ({error})", cell=cell["id"],
                                    error=error.msg)) from None
        check = CHECK_LINE.match(lines[0]) if lines else None
        if check:
            return self._check(index, cell, lines, check["name"], int(check["points"]))
        if marks and marks.role == "written":
            return self._written(index, "written", marks.name, marks.points, text)
        if marks and marks.role == "test":
            return self._test(index, cell, lines, marks.name, marks.points)
        if _region(lines, BEGIN_SOLUTION, END_SOLUTION) or (marks and marks.role == "answer"):
            return self._answer(index, cell, lines, nbgrader=marks is not None)
        return "setup"

    def _add(self, question: Question) -> None:
        if not question.name:
            raise ExerciseError(say("a graded cell ({cell}) has no name (nbgrader's grade_id)",
                                    cell=self.cells[question.check_cell]["id"]))
        if any(q.name == question.name for q in self.questions):
            raise ExerciseError(say("question {question} is checked twice",
                                    question=question.name))
        # "(2 points)" in English, "（2 分）" in the Chinese edition's headings
        stated = re.search(r"[(（](\d+(?:\.\d+)?) ?(?:points?|分)[)）]", question.title)
        if stated and question.kind == "data" and float(stated[1]) != question.points:
            raise ExerciseError(say("question {question}'s heading says {stated} points, its "
                                    "check cell {points:g}", question=question.name,
                                    stated=stated[1], points=question.points))
        self.questions.append(question)
        self.pending, self.pending_names, self.title = [], [], ""

    def _check(self, index: int, cell: dict[str, Any], lines: list[str], name: str,
               points: int) -> str:
        if _region(lines, BEGIN_SOLUTION, END_SOLUTION):
            raise ExerciseError(say("check cell {cell} holds a solution", cell=cell["id"]))
        if not self.pending:
            raise ExerciseError(say("question {question} has no answer cell before it",
                                    question=name))
        _region(lines, BEGIN_HIDDEN, END_HIDDEN)
        try:
            seal_answers(_without_hidden("\n".join(lines)), "check")
        except ValueError as problem:
            raise ExerciseError(say("check cell {cell}: {problem}", cell=cell["id"],
                                    problem=problem)) from None
        self._add(Question(name, points, index, self.pending, self.pending_names, self.title))
        return "check"

    def _test(self, index: int, cell: dict[str, Any], lines: list[str], name: str,
              points: float) -> str:
        if _region(lines, BEGIN_SOLUTION, END_SOLUTION):
            raise ExerciseError(say("test cell {cell} holds a solution", cell=cell["id"]))
        _region(lines, BEGIN_HIDDEN, END_HIDDEN)
        self._add(Question(name, points, index, self.pending, [], self.title, kind="test"))
        return "test"

    def _written(self, index: int, role: str, name: str, points: float, model: str) -> str:
        self._add(Question(name, points, index, [], [], self.title, kind="written",
                           model_answer=model))
        return role

    def _answer(self, index: int, cell: dict[str, Any], lines: list[str], nbgrader: bool) -> str:
        region = _region(lines, BEGIN_SOLUTION, END_SOLUTION)
        start, end = region if region else (-1, len(lines))
        found = [n.strip() for line in lines[start + 1:end]
                 if (m := ASSIGNMENT.match(line)) for n in m["names"].split(",")]
        if not found and not nbgrader:
            raise ExerciseError(say("the solution in cell {cell} assigns no answer (write it as "
                                    "`name = value`)", cell=cell["id"]))
        self.pending.append(index)
        self.pending_names.extend(n for n in found if n not in self.pending_names)
        return "answer"

    @property
    def max_points(self) -> int:
        return sum(q.points for q in self.questions)

    def question_of(self, index: int) -> Question | None:
        for question in self.questions:
            if index == question.check_cell or index in question.answer_cells:
                return question
        return None

    # -- release -------------------------------------------------------------------------------
    def release(self) -> dict[str, Any]:
        """The trainee's notebook: solutions replaced by placeholders, hidden tests removed."""
        released = copy.deepcopy(self.notebook)
        released["cells"] = copy.deepcopy(self.cells)
        released["nbformat"], released["nbformat_minor"] = 4, max(
            5, int(released.get("nbformat_minor") or 0))
        for index, (cell, role) in enumerate(zip(released["cells"], self.roles)):
            metadata = cell.setdefault("metadata", {})
            metadata.pop("nbgrader", None)
            metadata["minichain"] = {"cell": cell["id"], "role": role}
            cell["source"] = self.released_code(index)
            if cell.get("cell_type") == "code":
                cell["outputs"], cell["execution_count"] = [], None
        if not self.from_nbgrader:
            released["cells"].append(self.hand_in_cell())
        return released

    def hand_in_cell(self) -> dict[str, Any]:
        """The release's last cell: how to hand the notebook in, on a computer, in the browser
        edition (where File > Download is the way out of the browser's storage) and on a class
        server (saved into handed-in/, where the course service collects it), in the edition's
        language."""
        taken, cell_id, n = {cell.get("id") for cell in self.cells}, HAND_IN, 1
        while cell_id in taken:                       # a source's own cell called "hand-in"
            n += 1
            cell_id = f"{HAND_IN}-{n}"
        with speaking(self.language):
            text = say("## Handing in\n\n"
                       "When you have answered every question, save the notebook (**File ▸ Save "
                       "Notebook**, or Ctrl + S) and hand in the notebook file as it is, the way "
                       "your instructor asks. Only your answers are graded.\n\n"
                       "In the **browser edition** (the course site, nothing installed), your "
                       "work is saved in this browser only: choose **File ▸ Download** (it saves "
                       "the notebook first) and hand in the file your browser puts in your "
                       "Downloads folder.\n\n"
                       "On a **class server** (you signed in to JupyterHub): choose **File ▸ Save "
                       "Notebook As…** and save it into the folder `handed-in/`, keeping its "
                       "name (`handed-in/` followed by the name it has now). You may hand in "
                       "again until the deadline; the last copy counts.")
        return {"cell_type": "markdown", "id": cell_id,
                "metadata": {"minichain": {"cell": cell_id, "role": HAND_IN}}, "source": text}

    def solved(self) -> dict[str, Any]:
        """The release with every answer filled in with the solution: a trainee who got
        everything right (for tests and demonstrations)."""
        solved = self.release()
        for cell, role, original in zip(solved["cells"], self.roles, self.cells):
            if role in ("answer", "written"):
                lines = _source(original).splitlines()
                region = _region(lines, BEGIN_SOLUTION, END_SOLUTION)
                if region:
                    start, end = region
                    lines = lines[:start] + lines[start + 1:end] + lines[end + 1:]
                cell["source"] = "\n".join(lines)
        return solved

    # -- grading -------------------------------------------------------------------------------
    def answer_code(self, index: int, names: list[str]) -> str:
        """An answer cell's source with its solution replaced by the submitted values."""
        lines = _source(self.cells[index]).splitlines()
        start, end = _region(lines, BEGIN_SOLUTION, END_SOLUTION)  # type: ignore[misc]
        indent = re.match(r"\s*", lines[start]).group(0)  # type: ignore[union-attr]
        injected = [f"{indent}{name} = __submitted__[{name!r}]" for name in names]
        return "\n".join(lines[:start] + injected + lines[end + 1:])

    def code(self, index: int) -> str:
        return _source(self.cells[index])

    def released_code(self, index: int) -> str:
        """What the trainee's notebook holds in this cell before they change anything."""
        cell = self.cells[index]
        text = _source(cell)
        role = self.roles[index]
        if role == "answer" or (role == "written" and cell.get("cell_type") == "code"):
            return _released_answer(text)
        if role == "written":
            first = text.splitlines()[0] if text.strip() else ""
            return f"{first}\n\n{WRITTEN_PLACEHOLDER}" if WRITTEN_LINE.match(first) else \
                TEXT_STUB
        if role == "check":
            question = self.question_of(index).name  # type: ignore[union-attr]
            salt = hashlib.sha256(f"{self.name}/{question}".encode()).hexdigest()[:12]
            return seal_answers(_without_hidden(text), salt)
        if role == "test":
            return _without_hidden(text)
        return text

    def unanswered(self, index: int, text: str) -> bool:
        """Whether a written answer's cell still holds only what the release put there."""
        released = self.released_code(index).strip()
        return not text.strip() or text.strip() == released or \
            text.strip() == released.splitlines()[0].strip()


def _released_answer(text: str) -> str:
    """The answer cell with its solution replaced: `name = ...  # your answer here` for each
    answer the solution assigns, else nbgrader's `# YOUR CODE HERE` stub; a cell without
    markers (nbgrader's whole-cell solutions) is replaced as a whole."""
    lines = text.splitlines()
    region = _region(lines, BEGIN_SOLUTION, END_SOLUTION)
    start, end = region if region else (-1, len(lines))
    solution = lines[start + 1:end]
    placeholders = [f"{m['indent']}{m['names']} = {PLACEHOLDER}"
                    for line in solution if (m := ASSIGNMENT.match(line))]
    if not placeholders:
        indent = re.match(r"\s*", lines[start] if region else "").group(0)  # type: ignore
        placeholders = code_stub(indent)
    return "\n".join(lines[:max(start, 0)] + placeholders + lines[end + 1:])


def _without_hidden(text: str) -> str:
    lines = text.splitlines()
    region = _region(lines, BEGIN_HIDDEN, END_HIDDEN)
    if region is None:
        return text
    return "\n".join(lines[:region[0]] + lines[region[1] + 1:]).rstrip("\n")


def edition(path: str | Path) -> str:
    """The language of the edition a source belongs to, from its folder alone: "zh_CN" for a
    source in a folder named zh_CN or inside one (exercises/zh_CN/source), else "en". Never
    MINICHAIN_LANG or the locale (unlike language_of_folder), so a release, and the check that
    it is up to date, are the same on every machine."""
    return "zh_CN" if "zh_CN" in Path(path).resolve().parent.parts else "en"


def released_json(exercise: Exercise) -> str:
    """The release as the exact text written to disk (stable, so a test can compare it)."""
    return json.dumps(exercise.release(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def read_submission(path: str | Path) -> list[dict[str, Any]]:
    """A submission's cells, each with an id (nbformat 4.0-4.4 have none: see
    nbgrader_format.stable_ids); raises SubmissionProblem saying, plainly, why it cannot be
    read."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_SUBMISSION_BYTES:
            raise SubmissionProblem(say("the file is {size:,} bytes, more than the {most:,} a "
                                        "notebook may have", size=size,
                                        most=MAX_SUBMISSION_BYTES))
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SubmissionProblem(say("the file does not exist")) from None
    except IsADirectoryError:
        raise SubmissionProblem(say("it is a folder, not a notebook")) from None
    except PermissionError:
        raise SubmissionProblem(say("the file cannot be read (permission denied)")) from None
    try:
        notebook = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SubmissionProblem(say("it is not a notebook: not text (UTF-8)")) from None
    except (ValueError, RecursionError) as error:  # RecursionError: nested beyond reason
        line = getattr(error, "lineno", None)
        raise SubmissionProblem(
            say("it is not a notebook: the file is damaged (not valid JSON, line {line})",
                line=line) if line else
            say("it is not a notebook: the file is damaged (not valid JSON)")) from None
    if not isinstance(notebook, dict) or "cells" not in notebook:
        raise SubmissionProblem(say("it is not a notebook: valid JSON, but without notebook "
                                    "cells"))
    version = notebook.get("nbformat")
    if version != 4:
        raise SubmissionProblem(say("it is saved in notebook format {version}; the grader reads "
                                    "format 4 (what JupyterLab 3 and 4 save)",
                                    version=repr(version)))
    cells = notebook["cells"]
    if not isinstance(cells, list) or not all(_cell_shape(c) for c in cells):
        raise SubmissionProblem(say("it is not a notebook: its cells are damaged"))
    return stable_ids(cells)


def _cell_shape(cell: object) -> bool:
    """A cell as nbformat 4 writes it, as far as grading reads it: a dictionary whose id (if
    any) is text and whose source is text or a list of lines of text."""
    if not isinstance(cell, dict) or not isinstance(cell.get("id", ""), str):
        return False
    source = cell.get("source", "")
    return isinstance(source, str) or (isinstance(source, list)
                                       and all(isinstance(line, str) for line in source))
