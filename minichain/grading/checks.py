"""Checks for exercise notebooks: one line that says, in plain words, what is still wrong.

    from minichain.grading import check, whole_number, between, equals
    check("q1", changed_block, whole_number(), between(1, 3))

In a trainee's notebook `check` prints one line: "✔ q1: ..." or "✘ q1: <what is wrong>"; with
`right_answer(...)` among its rules (minichain.grading.answer_key) it says "right" or "not right"
at once, and why, without the answer being in the trainee's notebook. Rules
run in order and the first that fails is the message, so a question can be checked from "is it
answered?" to "is it the right kind of value?" to "is it right?". A rule is a callable
`rule(value) -> None or message`; a rule that raises counts as failed with its own message.

The grader uses the same `check` calls (the ones the trainee sees and the hidden ones) in its
own process, where it records each result against the question instead of printing it; a
hidden rule's message is the instructor's hint, and neither the rule's code nor its expected
value is ever shown.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from minichain.grading.answers import MISSING, Unreadable
from minichain.language import exercise_text, say

__all__ = ["Rule", "between", "check", "close_to", "equals", "is_text", "is_true_or_false",
           "one_of", "rule", "whole_number", "number", "is_bytes", "of_type"]

Rule = Callable[[Any], "str | None"]

# The grader sets this to a function(question, passed, message) while it checks a submission.
_recorder: Callable[[str, bool, str], None] | None = None


def check(question: str, value: Any, *rules: Rule, right: str = "") -> None:
    """Check `value`, the answer to `question`, against `rules`, in order. When the rules
    decide the answer (a `right_answer(...)` among them, or rules that recompute it, with
    `right="why it is right"`), a pass says "right" and why; otherwise "looks right so far"."""
    message = _first_problem(value, rules)
    if _recorder is not None:
        _recorder(question, message is None, message or "")
    elif message is None:
        verdicts = [one.confirmation for one in rules if hasattr(one, "confirmation")]
        verdicts += [say("right. {why}", why=exercise_text(right))] if right else []
        print(say("✔ {question}: {verdict}", question=question, verdict=verdicts[0]) if verdicts
              else say("✔ {question}: this looks right so far (the grader checks more).",
                       question=question))
    else:
        print(say("✘ {question}: {problem}", question=question, problem=message))


def _first_problem(value: Any, rules: tuple[Rule, ...]) -> str | None:
    if value is MISSING:
        return say("there is no answer yet: the answer cell was deleted, renamed or did not run.")
    if value is Ellipsis:
        return say("not answered yet: replace the ... with your answer and run the cell again.")
    if isinstance(value, Unreadable):
        return say("your answer is of a kind the grader cannot read ({kind}): answer with a "
                   "number, text, True or False, or what the question asks for.",
                   kind=value.description)
    for one in rules:
        try:
            problem = one(value)
        except Exception:  # noqa: BLE001 - a rule that cannot even run on the value failed
            message = getattr(one, "message", None)
            problem = exercise_text(message) if message else say(
                "this is not the kind of answer asked for.")
        if problem:
            return problem
    return None


def rule(test: Callable[[Any], bool], message: str) -> Rule:
    """A rule from any test: passes when `test(value)` is true, else says `message`."""
    def apply(value: Any) -> str | None:
        return None if test(value) else exercise_text(message)
    apply.message = message  # type: ignore[attr-defined]
    return apply


def of_type(kind: type | tuple[type, ...], words: str) -> Rule:
    """The value is of this type (bool is not counted as a number); `words`, written by the
    exercise's author, say what it should be ("a list of order numbers")."""
    return _of_type(kind, say("the answer should be {words}.", words=exercise_text(words)))


def _of_type(kind: type | tuple[type, ...], message: str) -> Rule:
    return rule(lambda v: isinstance(v, kind) and not (isinstance(v, bool) and kind in
                                                       (int, float, (int, float))),
                message)


def whole_number() -> Rule:
    return _of_type(int, say("the answer should be a whole number, like 3 (no quotes)."))


def number() -> Rule:
    return _of_type((int, float), say("the answer should be a number, like 0.25 (no quotes)."))


def is_text() -> Rule:
    return rule(lambda v: isinstance(v, str),
                say('the answer should be text in quotes, like "SHIPPED".'))


def is_bytes() -> Rule:
    return rule(lambda v: isinstance(v, bytes), say("the answer should be bytes, like the result "
                                                    "of sign(...) (b'...')."))


def is_true_or_false() -> Rule:
    return rule(lambda v: isinstance(v, bool),
                say("the answer should be True or False (no quotes)."))


def between(low: float, high: float) -> Rule:
    return rule(lambda v: low <= v <= high,
                say("the answer should be between {low} and {high}.", low=low, high=high))


def one_of(*options: Any) -> Rule:
    shown = ", ".join(repr(o) for o in options)
    return rule(lambda v: v in options,
                say("the answer should be one of {options}.", options=shown))


def equals(expected: Any, hint: str) -> Rule:
    """The value equals `expected`; the message is only the hint (never the expected value)."""
    return rule(lambda v: type(v) is type(expected) and v == expected
                or (isinstance(v, (int, float)) and not isinstance(v, bool)
                    and isinstance(expected, (int, float)) and v == expected), hint)


def close_to(expected: float, tolerance: float, hint: str) -> Rule:
    """A number within `tolerance` of `expected` (rounding differences are fine)."""
    return rule(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
                and math.isfinite(v) and abs(v - expected) <= tolerance, hint)
