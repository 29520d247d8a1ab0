"""A trainee who gives a plausible wrong answer hears "not right" from the self-check at once and
scores 0 for that question when graded — for every question of every exercise. The wrong answers
are the mistakes each source's `right_answer(...)` names, and below for questions whose check
recomputes the answer from the scenario."""

from __future__ import annotations

import ast
import contextlib
import csv
import io

import pytest

from minichain import cli
from minichain.grading.exercise import PLACEHOLDER, Exercise

from grading_helpers import SOURCES, write

RECOMPUTED = {  # (exercise, question): a plausible wrong answer, as the trainee would type it
    ("02", "q1"): "customer.sign(refund)",
    ("02", "q2"): 'customer.pay(shop.address, 52, chain=chain, data=b"order #1002")',
    ("07", "q1"): '"13800138001"',
    ("07", "q2"): 'unsalted_hash("Hangzhou")',
    ("10", "q1"): "latest.plus(52).sign(customer)",
}


def first_mistake(exercise: Exercise, question) -> str:
    tree = ast.parse(exercise.code(question.check_cell))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "right_answer":
            mistakes = {k.arg: k.value for k in node.keywords}.get("mistakes")
            if isinstance(mistakes, ast.Dict) and mistakes.keys:
                return ast.unparse(mistakes.keys[0])
            return "-1" if isinstance(ast.literal_eval(node.args[0]), int) else '"nothing"'
    return RECOMPUTED[(exercise.name[:2], question.name)]


def wrong_notebook(exercise: Exercise) -> dict:
    """The release, every question answered with a plausible wrong answer."""
    notebook = exercise.release()
    for question in exercise.questions:
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


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_a_plausible_wrong_answer_is_called_wrong_at_once_and_scores_zero(source, tmp_path, capsys):
    exercise = Exercise.read(source)
    notebook = wrong_notebook(exercise)
    lines = self_check_lines(notebook)
    assert [line.split(":")[0] for line in lines] == \
        [f"✘ {q.name}" for q in exercise.questions], lines
    write(tmp_path, "wrong", notebook)
    code = cli.main(["grade", str(source), str(tmp_path / "wrong.ipynb"),
                     "--out", str(tmp_path / "graded")])
    capsys.readouterr()
    with (tmp_path / "graded" / "grades.csv").open(encoding="utf-8-sig") as gradebook:
        row = next(csv.DictReader(gradebook))
    assert code == 0 and row["total"] == "0", row


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_the_solution_hears_right_and_the_release_never_holds_the_answer(source):
    exercise = Exercise.read(source)
    lines = self_check_lines(exercise.solved())
    assert len(lines) == len(exercise.questions) and all(
        line.startswith(f"✔ {q.name}: right.") for line, q in zip(lines, exercise.questions)), lines
    for question in exercise.questions:
        released = exercise.released_code(question.check_cell)
        assert "right_answer(" not in released or "right_answer('sha256:" in released
