"""A trainee who gives a plausible wrong answer hears "not right" from the self-check at once and
scores 0 for that question when graded — for every question of every exercise. The wrong answers
are the mistakes each source's `right_answer(...)` names (every checked question names one).
Written answers are left as released: a person grades them, and an empty one scores 0 at once."""

from __future__ import annotations

import ast
import contextlib
import csv
import io

import pytest

from minichain import cli
from minichain.grading.exercise import PLACEHOLDER, Exercise

from grading_helpers import SOURCES, write


def first_mistake(exercise: Exercise, question) -> str:
    """The first mistake the question's `right_answer(...)` names, as the trainee would type it.
    Every checked question must name at least one."""
    tree = ast.parse(exercise.code(question.check_cell))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "right_answer":
            mistakes = {k.arg: k.value for k in node.keywords}.get("mistakes")
            if isinstance(mistakes, ast.Dict) and mistakes.keys:
                return ast.unparse(mistakes.keys[0])
    pytest.fail(f"{exercise.name} {question.name} names no plausible mistake in right_answer()")


def checked(exercise: Exercise) -> list:
    """The questions the checks decide (not those a person grades)."""
    return [q for q in exercise.questions if not q.by_hand]


def wrong_notebook(exercise: Exercise) -> dict:
    """The release, every checked question answered with a plausible wrong answer."""
    notebook = exercise.release()
    for question in checked(exercise):
        wrong = first_mistake(exercise, question)
        for index in question.answer_cells:
            cell = notebook["cells"][index]
            cell["source"] = cell["source"].replace(PLACEHOLDER, wrong)
    return notebook


def self_check_lines(notebook: dict) -> list[str]:
    """What the trainee's check cells print, running the notebook's cells in order."""
    out, namespace = io.StringIO(), {}
    with contextlib.redirect_stdout(out):
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                exec(cell["source"], namespace)  # noqa: S102 - our own exercise notebooks
    return [line for line in out.getvalue().splitlines() if line[:1] in "✔✘"]


QUESTIONS = [(source, question.name) for source in SOURCES
             for question in checked(Exercise.read(source))]


@pytest.mark.parametrize("source, name", QUESTIONS, ids=lambda v: getattr(v, "stem", v))
def test_the_self_check_calls_a_plausible_wrong_answer_wrong_at_once(source, name):
    lines = self_check_lines(wrong_notebook(Exercise.read(source)))
    mine = [line for line in lines if line.split(":")[0].split()[-1] == name]
    assert len(mine) == 1 and mine[0].startswith(f"✘ {name}:"), lines


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_a_plausible_wrong_answer_scores_zero_for_every_question(source, tmp_path, capsys):
    exercise = Exercise.read(source)
    write(tmp_path, "wrong", wrong_notebook(exercise))
    code = cli.main(["grade", str(source), str(tmp_path / "wrong.ipynb"),
                     "--out", str(tmp_path / "graded")])
    capsys.readouterr()
    with (tmp_path / "graded" / "grades.csv").open(encoding="utf-8-sig") as gradebook:
        row = next(csv.DictReader(gradebook))
    assert code == 0 and row["total"] == "0", row
    assert all(float(row[q.name]) == 0 for q in exercise.questions), row


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_the_solution_hears_right_and_the_release_never_holds_the_answer(source):
    exercise = Exercise.read(source)
    lines = self_check_lines(exercise.solved())
    assert len(lines) == len(checked(exercise)) and all(
        line.startswith(f"✔ {q.name}: right.") for line, q in zip(lines, checked(exercise))), lines
    for question in checked(exercise):
        released = exercise.released_code(question.check_cell)
        assert "right_answer(" not in released or "right_answer('sha256:" in released
