"""The files a graded class leaves in its folder, and merging the instructor's points into them.

    DIR/grades.csv              one row per trainee: points per question, total, max, status
    DIR/feedback/<trainee>.html what each trainee gets back
    DIR/written-answers.csv     the answers a person grades (minichain.grading.by_hand)
    DIR/results.json            everything above as data, so the merge can rebuild it

`minichain merge-written DIR` reads the sheet the instructor filled in, checks every row
first, and only then rewrites grades.csv, the feedback pages and results.json (each written
to a temporary file and renamed into place): a sheet with a mistake changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from minichain.grading.by_hand import (
    SHEET,
    SheetError,
    give_points,
    read_sheet,
    sheet_rows,
    sheet_text,
)
from minichain.grading.results import GradebookError, GradeResult, QuestionResult, points_text
from minichain.language import say

__all__ = ["ClassResults", "GradebookError", "Merged", "grades_csv", "merge_written",
           "read_class", "write_class"]

RESULTS = "results.json"


@dataclass
class ClassResults:
    """A graded class: the exercise's name, its questions' titles and model answers (for the
    sheet and the feedback pages), and one result per trainee."""

    exercise: str
    questions: list[str]
    titles: dict[str, str] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)
    results: list[GradeResult] = field(default_factory=list)
    by_hand: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, exercise: Any, results: list[GradeResult]) -> ClassResults:
        return cls(exercise.name, [q.name for q in exercise.questions],
                   {q.name: q.title for q in exercise.questions},
                   {q.name: q.model_answer for q in exercise.questions if q.by_hand},
                   results, [q.name for q in exercise.questions if q.by_hand])

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> ClassResults:
        data = json.loads(text)
        data["results"] = [GradeResult(**{**r, "questions": [QuestionResult(**q)
                                                             for q in r["questions"]]})
                           for r in data["results"]]
        return cls(**data)


def grades_csv(book: ClassResults) -> str:
    """The gradebook (a written answer not read yet is an empty cell)."""
    out = io.StringIO()
    writer = csv.writer(out)
    waiting = ["written answers to read"] if book.by_hand else []
    writer.writerow(["trainee", *book.questions, "total", "max", "status", *waiting])
    for result in book.results:
        writer.writerow([result.trainee,
                         *(points_text(q.points) if q.graded else "" for q in result.questions),
                         points_text(result.total), points_text(result.max_points),
                         result.status, *([result.to_read] if book.by_hand else [])])
    return out.getvalue()


def write_class(book: ClassResults, out: Path, keep_earlier_points: bool = True) -> int:
    """Write every file of a graded class into `out`; returns how many written answers wait
    for the instructor. Points on an earlier sheet for the same text are kept (a class
    graded again loses none of the reading already done)."""
    from minichain.grading.feedback import feedback_html

    sheet = out / SHEET
    if book.by_hand and keep_earlier_points and sheet.exists():
        try:
            earlier = {(r.trainee, r.question, r.answer.strip()): r for r in read_sheet(sheet)}
        except SheetError:                       # kept beside, never thrown away
            os.replace(sheet, sheet.with_name(SHEET + ".unreadable"))
            earlier = {}
        for result in book.results:
            for question in result.questions:
                row = earlier.get((result.trainee, question.name, question.answer))
                if question.by_hand and question.answer and row is not None:
                    give_points(question, row)
    files = {out / "grades.csv": grades_csv(book), out / RESULTS: book.to_json() + "\n"}
    for result in book.results:
        files[out / "feedback" / f"{result.trainee}.html"] = feedback_html(book, result)
    waiting = sum(result.to_read for result in book.results)
    if book.by_hand:
        files[sheet] = sheet_text(sheet_rows(book.results, book.models))
    _write_all(files)
    return waiting


def _write_all(files: dict[Path, str]) -> None:
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(text, encoding="utf-8-sig" if path.suffix == ".csv" else "utf-8",
                             newline="" if path.suffix == ".csv" else None)
        os.replace(temporary, path)


@dataclass
class Merged:
    """What a merge did."""

    read: int            # written answers with points now in the gradebook
    waiting: int         # written answers still without points


def read_class(out: Path) -> ClassResults:
    try:
        return ClassResults.from_json((out / RESULTS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GradebookError(say("{folder} holds no graded class ({results} is missing): grade "
                                 "it first with minichain grade … --out {folder}.",
                                 folder=out, results=RESULTS)) from None
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError):
        raise GradebookError(say("{path} is damaged: grade the class again (points on {sheet} "
                                 "are kept).", path=out / RESULTS, sheet=SHEET)) from None


def merge_written(out: str | Path) -> Merged:
    """Merge the points on DIR/written-answers.csv into grades.csv and the feedback pages."""
    out = Path(out)
    book = read_class(out)
    rows = read_sheet(out / SHEET)
    answers = {(r.trainee, q.name): q for r in book.results for q in r.questions if q.by_hand}
    seen = set()
    for number, row in enumerate(rows, start=2):
        key = (row.trainee, row.question)
        if key not in answers:
            raise SheetError(say("{sheet}, line {line}: this class has no written answer "
                                 "{question} from {trainee}; keep the trainee and question as "
                                 "written.", sheet=SHEET, line=number,
                                 question=repr(row.question), trainee=repr(row.trainee)))
        if key in seen:
            raise SheetError(say("{sheet}, line {line}: {trainee}'s {question} is on the sheet "
                                 "twice.", sheet=SHEET, line=number, trainee=row.trainee,
                                 question=row.question))
        if row.max_points != answers[key].max_points:
            raise SheetError(say("{sheet}, line {line}: max points says {points}, but {question} "
                                 "is worth {worth}.", sheet=SHEET, line=number,
                                 points=points_text(row.max_points), question=row.question,
                                 worth=points_text(answers[key].max_points)))
        seen.add(key)
    for row in rows:
        give_points(answers[(row.trainee, row.question)], row)
    waiting = write_class(book, out, keep_earlier_points=False)
    read = sum(1 for q in answers.values() if q.graded and q.answer)
    return Merged(read, waiting)
