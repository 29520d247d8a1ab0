"""An instructor who already uses nbgrader grades nbgrader's own documentation example with
`minichain grade` and gets exactly the points `nbgrader autograde` gives.

The example is problem set "ps1" from nbgrader's repository (docs/source/user_guide: the source
and the submissions of bitdiddle and hacker; nbformat 4.0, no cell ids, answers that define
functions, test cells worth 0.5 points, manually graded answers and a task), copied with its
licence into tests/nbgrader_ps1/. nbgrader-autograde.json records what nbgrader 0.9.6 gave
every cell (bench/bench_nbgrader.py runs nbgrader beside minichain and rewrites it).

Then the trainees nbgrader never worried about: one who hides the errors of failing tests,
one who edits the tests, one who deletes them, one who redefines AssertionError, and one who
hands in the notebook untouched.
"""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import pytest

from minichain import cli
from minichain.grading.exercise import Exercise
from minichain.grading.grader import grade

from grading_helpers import write

EXAMPLE = Path(__file__).resolve().parent / "nbgrader_ps1"
SOURCE = EXAMPLE / "source" / "ps1"
RECORDED = json.loads((EXAMPLE / "nbgrader-autograde.json").read_text())["autograde"]
TESTS = ("correct_squares", "squares_invalid_input", "correct_sum_of_squares",
         "sum_of_squares_uses_squares")


def submitted(student: str, notebook: str = "problem1") -> Path:
    return EXAMPLE / "submitted" / student / "ps1" / f"{notebook}.ipynb"


def points_by_cell(results, notebook: str) -> dict[str, float | None]:
    return {f"{r.trainee}/{notebook}/{q.name}": q.points if q.graded else None
            for r in results for q in r.questions}


@pytest.mark.parametrize("notebook", ["problem1", "problem2"])
def test_the_example_class_gets_nbgraders_own_points_for_every_cell(notebook, tmp_path):
    results = grade(SOURCE / f"{notebook}.ipynb",
                    [submitted("bitdiddle", notebook), submitted("hacker", notebook)],
                    tmp_path / "graded")
    expected = {key: value for key, value in RECORDED.items() if f"/{notebook}/" in key}
    assert points_by_cell(results, notebook) == expected
    assert [r.trainee for r in results] == ["bitdiddle", "hacker"]   # not "ps1" twice


def test_an_nbgrader_source_is_released_as_nbgrader_releases_it():
    exercise = Exercise.read(SOURCE / "problem1.ipynb")
    released = exercise.release()
    cells = {c["id"]: "".join(c["source"]) for c in released["cells"]}
    assert released["nbformat_minor"] >= 5 and len(cells) == len(released["cells"])
    assert "raise NotImplementedError()" in cells["squares"] and "i ** 2" not in cells["squares"]
    assert "def squares(n):" in cells["squares"]
    assert cells["sum_of_squares_equation"] == "YOUR ANSWER HERE"
    assert "assert squares(10)" in cells["correct_squares"]
    assert exercise.max_points == 10 and [q.points for q in exercise.questions][2:4] == [0.5, 0.5]


def _hostile_class(folder: Path) -> list[Path]:
    wrong = json.loads(submitted("bitdiddle").read_text())     # squares() starts at 0
    by_id = {c["metadata"]["nbgrader"]["grade_id"]: c for c in wrong["cells"]
             if "nbgrader" in c.get("metadata", {})}

    hides = copy.deepcopy(wrong)
    answer = next(c for c in hides["cells"] if c["metadata"].get("nbgrader", {}).get(
        "grade_id") == "squares")
    answer["source"] = ["get_ipython().showtraceback = lambda *a, **k: None\n",
                        "import sys; sys.excepthook = lambda *a: None\n"] + answer["source"]

    edits = copy.deepcopy(wrong)
    for c in edits["cells"]:
        if c["metadata"].get("nbgrader", {}).get("grade_id") in TESTS:
            c["source"] = ["pass"]

    deletes = copy.deepcopy(wrong)
    deletes["cells"] = [c for c in deletes["cells"]
                        if c["metadata"].get("nbgrader", {}).get("grade_id") not in TESTS]

    redefines = copy.deepcopy(wrong)
    redefines["cells"].insert(0, {"cell_type": "code", "metadata": {}, "outputs": [],
                                  "execution_count": None,
                                  "source": ["import builtins\n",
                                             "builtins.AssertionError = type('Fine', "
                                             "(BaseException,), {})\n"]})
    assert by_id["squares"]
    untouched = Exercise.read(SOURCE / "problem1.ipynb").release()
    return [write(folder, name, notebook) for name, notebook in
            (("hides-errors", hides), ("edits-tests", edits), ("deletes-tests", deletes),
             ("redefines-assert", redefines), ("untouched", untouched))]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    results = grade(SOURCE / "problem1.ipynb", _hostile_class(folder), folder / "graded", jobs=2)
    return {r.trainee: r for r in results}


@pytest.mark.parametrize("trainee", ["hides-errors", "edits-tests", "deletes-tests",
                                     "redefines-assert"])
def test_a_trainee_cannot_make_a_failing_test_pass(hostile, trainee):
    points = {q.name: q.points for q in hostile[trainee].questions}
    # bitdiddle's squares() is wrong, so nbgrader's points are his: 0, 1, 0, 0.5
    assert [points[t] for t in TESTS] == [0, 1, 0, 0.5], hostile[trainee]
    failed = next(q for q in hostile[trainee].questions if q.name == "correct_squares")
    assert "a test did not pass" in failed.message


def test_edited_or_deleted_tests_are_named_in_the_feedback(hostile):
    edited = next(q for q in hostile["edits-tests"].questions if q.name == "correct_squares")
    deleted = next(q for q in hostile["deletes-tests"].questions if q.name == "correct_squares")
    assert "its test cell was changed; the grader used the original." in edited.notes
    assert "its test cell is missing (deleted?); the grader used the original." in deleted.notes


def test_an_untouched_notebook_scores_nothing_and_leaves_nothing_to_read(hostile):
    result = hostile["untouched"]
    assert result.total == 0 and result.to_read == 0
    squares = next(q for q in result.questions if q.name == "correct_squares")
    assert squares.message.startswith("not answered yet: replace `raise NotImplementedError()`")


def test_the_command_line_grades_an_nbgrader_course_folder(tmp_path, capsys):
    code = cli.main(["grade", str(SOURCE / "problem1.ipynb"), str(EXAMPLE / "submitted"),
                     "--out", str(tmp_path / "graded")])
    printed = capsys.readouterr().out
    with (tmp_path / "graded" / "grades.csv").open(encoding="utf-8-sig") as gradebook:
        rows = {row["trainee"]: row for row in csv.DictReader(gradebook)}
    assert code == 0 and "merge-written" in printed
    assert (rows["bitdiddle"]["total"], rows["hacker"]["total"]) == ("1.5", "3")
    assert rows["hacker"]["sum_of_squares_equation"] == ""          # waiting for a person
    assert rows["bitdiddle"]["sum_of_squares_application"] == "0"   # left as released
