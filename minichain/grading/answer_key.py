"""Self-checks that say right or wrong at once, without the answer in the trainee's notebook.

In a source notebook the instructor writes the right answer in clear, in a check the trainee
sees, with what to say about likely mistakes and a ladder of hints:

    check("q1", confirmations, whole_number(),
          right_answer(6, why="the exact formula first drops below 0.1 % at 6.",
                       mistakes={5: "5 is the whitepaper's figure, which understates the risk."},
                       hints=("Read the exact column, not the whitepaper's.",
                              "Find the first row whose exact risk is below 0.001.")))

`minichain release` replaces each clear value (the answer and the keys of `mistakes`) by its
*fingerprint*: SHA-256 of a per-question salt and the value's normal form (whole numbers as
digits, text without case or extra spaces, True/False, lists in order or, with
`any_order=True`, sorted). The trainee's check computes the fingerprint of their own answer and
compares, so it can say "right", name the mistake, or give the next hint — the notebook never
holds the answer. This is a convenience, not a lock: the check itself answers "right or
wrong", so a trainee could try every value of a small range; the grade comes from the grader,
which runs the source's own checks (and hidden tests) on the submitted values.

The grader records the first hint, not the ladder (feedback pages are the same however often a
trainee ran the check).
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from minichain.language import exercise_text, say

__all__ = ["RightAnswer", "fingerprint", "normal_form", "right_answer", "seal_answers"]

KEY_PREFIX = "sha256:"


def normal_form(value: Any, *, any_order: bool = False, digits: int | None = None) -> str | None:
    """A value as comparable text, or None for a kind of value a fingerprint cannot hold."""
    if isinstance(value, bool):
        return f"bool:{value}"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if digits is not None:
            value = round(float(value), digits)
        if float(value).is_integer():
            return f"number:{int(value)}"
        return f"number:{value!r}"
    if isinstance(value, str):
        return "text:" + " ".join(value.split()).casefold()
    if isinstance(value, (list, tuple, set, frozenset)):
        parts = [normal_form(item, digits=digits) for item in value]
        if None in parts:
            return None
        if any_order or isinstance(value, (set, frozenset)):
            parts.sort()
        return "list:" + json.dumps(parts, ensure_ascii=False)
    return None


def fingerprint(salt: str, form: str) -> str:
    """The sealed form of a normal form: `sha256:<salt>:<hex digest>`."""
    digest = hashlib.sha256(f"{salt}\n{form}".encode()).hexdigest()
    return f"{KEY_PREFIX}{salt}:{digest}"


def _is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(KEY_PREFIX) and value.count(":") == 2


@dataclass
class RightAnswer:
    """A rule: the value is the right answer (given in clear or sealed by the release)."""

    answer: Any
    why: str = ""
    mistakes: Mapping[Any, str] = field(default_factory=dict)
    hints: Sequence[str] = ()
    any_order: bool = False
    digits: int | None = None
    attempts: int = 0

    def _matches(self, value: Any, expected: Any) -> bool:
        form = normal_form(value, any_order=self.any_order, digits=self.digits)
        if form is None:
            return False
        if _is_sealed(expected):
            salt = expected.split(":")[1]
            return fingerprint(salt, form) == expected
        return form == normal_form(expected, any_order=self.any_order, digits=self.digits)

    def __call__(self, value: Any) -> str | None:
        if self._matches(value, self.answer):
            return None
        for wrong, explanation in self.mistakes.items():
            if self._matches(value, wrong):
                return say("not right: {explanation}", explanation=exercise_text(explanation))
        return self.hint()

    def hint(self) -> str:
        """The next hint on the ladder (the last one repeats)."""
        if not self.hints:
            return say("not right yet: read the question and the lesson's section again.")
        step = min(self.attempts, len(self.hints) - 1)
        self.attempts += 1
        return say("not right yet. Hint {number} of {count}: {hint}", number=step + 1,
                   count=len(self.hints), hint=exercise_text(self.hints[step]))

    @property
    def confirmation(self) -> str:
        return say("right. {why}", why=exercise_text(self.why) if self.why else "").strip()


def right_answer(answer: Any, *, why: str = "", mistakes: Mapping[Any, str] | None = None,
                 hints: Sequence[str] = (), any_order: bool = False,
                 digits: int | None = None) -> RightAnswer:
    """The rule "this is the right answer"; see the module docstring."""
    return RightAnswer(answer, why, dict(mistakes or {}), tuple(hints), any_order, digits)


def seal_answers(code: str, salt: str) -> str:
    """`code` with the clear values of every `right_answer(...)` call replaced by fingerprints
    (the answer and the keys of `mistakes=`). Raises ValueError for a value that is not a
    literal (the release cannot seal what only runs in the source)."""
    tree = ast.parse(code)
    replacements: list[tuple[ast.expr, str]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "right_answer"):
            continue
        options = {k.arg: k.value for k in node.keywords}
        any_order = _literal(options.get("any_order"), False)
        digits = _literal(options.get("digits"), None)
        if node.args:
            replacements.append((node.args[0], _sealed(node.args[0], salt, any_order, digits)))
        mistakes = options.get("mistakes")
        if isinstance(mistakes, ast.Dict):
            replacements += [(key, _sealed(key, salt, any_order, digits))
                             for key in mistakes.keys if key is not None]
        elif mistakes is not None:
            raise ValueError(say("right_answer's mistakes= must be written as {form}",
                                 form="{value: text, ...}"))
    return _replace(code, replacements)


def _literal(node: ast.expr | None, default: Any) -> Any:
    return default if node is None else ast.literal_eval(node)


def _sealed(node: ast.expr, salt: str, any_order: bool, digits: int | None) -> str:
    try:
        value = ast.literal_eval(node)
    except ValueError:
        raise ValueError(say("right_answer needs a value written out (a number, text, "
                             "True/False or a list of them), not `{code}`",
                             code=ast.unparse(node))) from None
    form = normal_form(value, any_order=any_order, digits=digits)
    if form is None:
        raise ValueError(say("right_answer cannot seal {code}: use a number, text, True/False "
                             "or a list of them", code=ast.unparse(node)))
    return repr(fingerprint(salt, form))


def _replace(code: str, replacements: list[tuple[ast.expr, str]]) -> str:
    """Replace each node's source text, last first so earlier offsets stay valid."""
    lines = code.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line.encode()))
    raw = code.encode()
    spans = sorted(((starts[n.lineno - 1] + n.col_offset, starts[n.end_lineno - 1]  # type: ignore[operator]
                     + n.end_col_offset, text) for n, text in replacements), reverse=True)
    for start, end, text in spans:
        raw = raw[:start] + text.encode() + raw[end:]
    return raw.decode()
