"""Questions a person grades: what the trainee wrote, and the sheet the instructor fills in.

nbgrader calls them manually graded answers and tasks ("Creating and grading assignments",
nbgrader's documentation); here a source marks one with a markdown cell whose first line is
`**Written answer q4 (2 points)**`, or with nbgrader's own metadata. `minichain grade` cannot
judge "explain to your manager why …", so it writes every trainee's text into one sheet,

    trainee, question, max points, answer, model answer, points, comment

which the instructor opens in a spreadsheet program and fills in (points and, if they like,
a comment). `minichain merge-written DIR` (minichain.grading.gradebook) then adds those points
to `grades.csv` and the feedback pages. An answer left empty scores 0 at once, as nbgrader
scores a manually graded cell the trainee did not change, and is not on the sheet.

Reading the sheet back loses nothing: a row that cannot be used (points that are not a number,
more than the question is worth, a trainee or question the class does not have) stops the
merge with the row named, before any file is changed. Grading the class again keeps the points
already filled in for answers whose text did not change.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minichain.grading.results import GradebookError, GradeResult, QuestionResult, points_text
from minichain.language import say

__all__ = ["COLUMNS", "SHEET", "SheetError", "SheetRow", "give_points", "read_sheet",
           "sheet_rows", "sheet_text", "written_result"]

SHEET = "written-answers.csv"
COLUMNS = ("trainee", "question", "max points", "answer", "model answer", "points", "comment")
MAX_ANSWER_CHARACTERS = 20_000          # a spreadsheet cell holds at most 32,767


class SheetError(GradebookError):
    """The instructor's sheet cannot be merged; the message names the row and what to fix."""


@dataclass
class SheetRow:
    trainee: str
    question: str
    max_points: float
    answer: str
    model_answer: str = ""
    points: float | None = None          # None: not read yet
    comment: str = ""


def written_result(exercise: Any, question: Any, text: str, notes: list[str]) -> QuestionResult:
    """A written question's result straight after grading: waiting for the instructor, or 0
    at once if the trainee left the answer as released."""
    answer = text.strip()[:MAX_ANSWER_CHARACTERS]
    if exercise.unanswered(question.check_cell, text):
        return QuestionResult(question.name, 0, question.points, say("no answer was written."),
                              list(notes), by_hand=True, graded=True, answer="")
    return QuestionResult(question.name, 0, question.points, "", list(notes), by_hand=True,
                          graded=False, answer=answer)


def sheet_rows(results: list[GradeResult], models: dict[str, str]) -> list[SheetRow]:
    """One row per written answer to read, with the points and comment already given."""
    rows = []
    for result in results:
        for question in result.questions:
            if not question.by_hand or (question.graded and not question.answer):
                continue
            rows.append(SheetRow(result.trainee, question.name, question.max_points,
                                 question.answer, models.get(question.name, ""),
                                 question.points if question.graded else None,
                                 question.comment))
    return rows


def give_points(question: QuestionResult, row: SheetRow) -> None:
    """The instructor's points (and comment) for one written answer."""
    if row.points is not None:
        question.points, question.graded = row.points, True
        question.comment, question.message = row.comment, ""


def sheet_text(rows: list[SheetRow]) -> str:
    """The sheet as CSV (written with a byte-order mark, so spreadsheets read Chinese text)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.trainee, row.question, points_text(row.max_points), row.answer,
                         row.model_answer, "" if row.points is None else points_text(row.points),
                         row.comment])
    return out.getvalue()


def read_sheet(path: Path) -> list[SheetRow]:
    """The sheet as the instructor saved it; raises SheetError naming the first bad row."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SheetError(say("there is no {sheet} in {folder}: grade the class first "
                             "(minichain grade … --out {folder}).", sheet=path.name,
                             folder=path.parent)) from None
    except UnicodeDecodeError:
        raise SheetError(say("{path} is not UTF-8 text: save it from the spreadsheet as "
                             "'CSV UTF-8'.", path=path)) from None
    except OSError as problem:
        raise SheetError(say("{path} cannot be read ({error}).", path=path,
                             error=problem.strerror)) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in COLUMNS if name not in (reader.fieldnames or ())]
    if missing:
        raise SheetError(say("{sheet} has no column {column}: keep the columns minichain "
                             "grade wrote ({columns}).", sheet=path.name, column=repr(missing[0]),
                             columns=", ".join(COLUMNS)))
    rows = []
    for line, record in enumerate(reader, start=2):
        try:
            rows.append(_row(record))
        except ValueError as problem:
            raise SheetError(say("{sheet}, line {line} ({trainee}, {question}): {problem}",
                                 sheet=path.name, line=line, trainee=record.get("trainee"),
                                 question=record.get("question"), problem=problem)) from None
    return rows


def _row(record: dict[str, str | None]) -> SheetRow:
    maximum = _number(record.get("max points") or "", "max points")
    if maximum is None:
        raise ValueError(say("the max points column is empty; keep what minichain grade "
                             "wrote."))
    points = _number(record.get("points") or "", "points")
    if points is not None and not 0 <= points <= maximum:
        raise ValueError(say("{points} points is outside 0 to {maximum}, what this question is "
                             "worth.", points=points_text(points), maximum=points_text(maximum)))
    return SheetRow((record.get("trainee") or "").strip(), (record.get("question") or "").strip(),
                    maximum, record.get("answer") or "", record.get("model answer") or "",
                    points, (record.get("comment") or "").strip())


def _number(text: str, column: str) -> float | None:
    text = text.strip().replace(",", ".")          # 1,5 as many spreadsheets write it
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(say("the {column} column says {text}, which is not a number.",
                             column=column, text=repr(text))) from None
    if not math.isfinite(value):
        raise ValueError(say("the {column} column says {text}, which is not a number.",
                             column=column, text=repr(text)))
    return value
