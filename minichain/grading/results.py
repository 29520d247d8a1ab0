"""What grading found: one result per question, one per submission (what the gradebook, the
feedback pages and the worker processes pass between them, as JSON).

Kept apart from the grader so that the feedback pages can read results without importing the
grader, and the grader can write feedback without an import loop.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from minichain.language import translate

__all__ = ["STATUS_ORDER", "GradeResult", "GradebookError", "QuestionResult", "points_text",
           "status_label"]

STATUS_ORDER = ("not graded", "tampered", "unreadable", "kernel died", "timeout", "errors", "ok")


class GradebookError(Exception):
    """A graded class's files cannot be read back; the message says what to do."""


def status_label(status: str) -> str:
    """A status (one of STATUS_ORDER, kept in English in grades.csv and results.json) as a
    person reads it in a table, in the language in use."""
    labels = {
        # TRANSLATORS: a submission's status in the class table: it ran from top to bottom.
        "ok": translate("ok"),
        "errors": translate("errors"),
        "timeout": translate("timeout"),
        "kernel died": translate("kernel died"),
        "unreadable": translate("unreadable"),
        "tampered": translate("tampered"),
        "not graded": translate("not graded"),
    }
    return labels.get(status, status)


def points_text(points: float) -> str:
    """Points as a person writes them: 2, 1.5, 0 (never 2.0)."""
    return f"{points:g}" if points != int(points) else str(int(points))


@dataclass
class QuestionResult:
    """One question of one submission. A question a person grades (`by_hand`) carries the
    trainee's text in `answer`; until the instructor's points are merged in, `graded` is
    False and its points are 0 (an answer left empty is graded at once: 0, as nbgrader does)."""

    name: str
    points: float
    max_points: float
    message: str = ""                       # what is wrong (empty if it passed)
    notes: list[str] = field(default_factory=list)
    by_hand: bool = False
    graded: bool = True
    answer: str = ""
    comment: str = ""                       # the instructor's, for a question graded by hand

    @property
    def passed(self) -> bool:
        return self.graded and self.points == self.max_points and not self.message


@dataclass
class GradeResult:
    trainee: str
    submission: str
    status: str
    questions: list[QuestionResult]
    notes: list[str] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(q.points for q in self.questions)

    @property
    def max_points(self) -> float:
        return sum(q.max_points for q in self.questions)

    @property
    def to_read(self) -> int:
        """How many written answers still wait for the instructor's points."""
        return sum(1 for q in self.questions if not q.graded)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> GradeResult:
        data = json.loads(text)
        data["questions"] = [QuestionResult(**q) for q in data["questions"]]
        return cls(**data)
