"""What grading found: one result per question, one per submission (what the gradebook, the
feedback pages and the worker processes pass between them, as JSON).

Kept apart from the grader so that the feedback pages can read results without importing the
grader, and the grader can write feedback without an import loop.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

__all__ = ["STATUS_ORDER", "GradeResult", "QuestionResult"]

STATUS_ORDER = ("not graded", "tampered", "unreadable", "kernel died", "timeout", "errors", "ok")


@dataclass
class QuestionResult:
    name: str
    points: int
    max_points: int
    message: str = ""                       # what is wrong (empty if it passed)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.points == self.max_points and not self.message


@dataclass
class GradeResult:
    trainee: str
    submission: str
    status: str
    questions: list[QuestionResult]
    notes: list[str] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(q.points for q in self.questions)

    @property
    def max_points(self) -> int:
        return sum(q.max_points for q in self.questions)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> GradeResult:
        data = json.loads(text)
        data["questions"] = [QuestionResult(**q) for q in data["questions"]]
        return cls(**data)
