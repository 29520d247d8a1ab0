"""Exercises and grading: release trainee notebooks, then grade a whole class in one command.

    minichain release                                  # exercises/source/*.ipynb -> exercises/
    minichain grade exercises/source/01-x.ipynb in/*.ipynb --out graded -j 2

In an exercise notebook, `check` says in plain words what is still wrong:

    from minichain.grading import check, whole_number, between
    check("q1", changed_block, whole_number(), between(1, 3))

See `exercise` for how a source notebook is written (nbgrader's markers, points per question),
`grader` for how a submission is graded, and `sandbox` for the limits it runs under.
"""

from minichain.grading.answer_key import right_answer
from minichain.grading.checks import (
    between,
    check,
    close_to,
    equals,
    is_bytes,
    is_text,
    is_true_or_false,
    number,
    of_type,
    one_of,
    rule,
    whole_number,
)

__all__ = ["between", "check", "close_to", "equals", "is_bytes", "is_text", "is_true_or_false",
           "number", "of_type", "one_of", "right_answer", "rule", "whole_number"]
