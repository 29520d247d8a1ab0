"""A class of trainees hands in exercise 01, some of them broken, endless or hostile.

One batch is graded (two at a time, a 3-second cell timeout, so the endless ones are quick),
and every story below reads its own row of the gradebook and its own feedback page. Each
problem must cost only that trainee the points it affects, be named in their feedback, and
never stop the batch; the hidden checks' code must never appear in any feedback.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from minichain.grading.exercise import Exercise
from minichain.grading.grader import grade
from minichain.grading.kernel import KernelLimits

from grading_helpers import (
    EXERCISE_01,
    cell,
    copy_of,
    released,
    set_answer,
    solved,
    with_line,
    write,
)

ESCAPE = Path("/tmp/minichain-grading-escape-test.txt")


def _class() -> dict[str, dict | str]:
    full = solved()
    future = copy_of(full)
    future["nbformat"] = 5

    deleted = copy_of(full)
    deleted["cells"] = [c for c in deleted["cells"]
                        if c is not cell(deleted, "q1", "check")
                        and c is not cell(deleted, "q2", "answer")]

    duplicated = copy_of(full)
    for question, role in (("q1", "check"), ("q2", "answer")):
        original = cell(duplicated, question, role)
        twin = copy_of(original)
        twin["id"] = f"my-copy-of-{original['id']}"
        duplicated["cells"].insert(duplicated["cells"].index(original) + 1, twin)

    edited = set_answer(copy_of(full), "q2", "first_red_block = 3")
    cell(edited, "q2", "check")["source"] = 'print("✔ q2: all good")'

    faker = copy_of(full)
    set_answer(faker, "q1", "import minichain.crypto as c\nc.sha256 = lambda data: bytes(32)\n"
                            "import minichain.grading.checks as k\n"
                            "k.check = lambda *args: print('✔ all right')\n"
                            'matching_copy = "00000000"')
    set_answer(faker, "q2", "class Yes(int):\n    __eq__ = lambda self, other: True\n"
                            "first_red_block = Yes(3)")
    with_line(faker, "q3", "import minichain.merkle as m\nm.verify_proof = lambda leaf, proof, "
                           "root: True", before=True)

    return {
        "full": full,
        "full-again": copy_of(full),
        "empty": released(),
        "malformed": '{"cells": [{"cell_type": "code", "source": "x = 1"',
        "not-a-notebook": '["order #1001", "order #1002"]',
        "future": future,
        "deleted-cells": deleted,
        "duplicated": duplicated,
        "edited-check": edited,
        "endless": with_line(copy_of(full), "q2", "while True:\n    pass", before=True),
        "stubborn": with_line(copy_of(full), "q2", "import signal\nsignal.signal(signal.SIGINT, "
                              "signal.SIG_IGN)\nwhile True:\n    pass", before=True),
        "memory-hog": with_line(copy_of(full), "q1", "hog = bytearray(8 * 1024 ** 3)",
                                before=True),
        "exit": with_line(copy_of(full), "q1", "import sys\nsys.exit()"),
        "os-exit": with_line(copy_of(full), "q2", "import os\nos._exit(0)", before=True),
        "killed": with_line(copy_of(full), "q3", "import os, signal\n"
                            "os.kill(os.getpid(), signal.SIGKILL)", before=True),
        "flood": with_line(copy_of(full), "q1", 'print("spam " * 200_000)'),
        "escape": with_line(copy_of(full), "q1", 'open("notes.txt", "w").write("mine")\n'
                            f'open("{ESCAPE}", "w").write("out")'),
        "faker": faker,
        "kills-grader": with_line(copy_of(full), "q1", "import os\nos.kill(os.getppid(), 9)"),
        "warnings": with_line(copy_of(full), "q1", 'import sys, warnings\n'
                              'warnings.warn("careful")\nprint("a note", file=sys.stderr)'),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    ESCAPE.unlink(missing_ok=True)
    paths = [write(folder, name, content) for name, content in _class().items()]
    out = tmp_path_factory.mktemp("graded")
    results = grade(EXERCISE_01, paths, out, jobs=2, limits=KernelLimits(cell_timeout=3))
    with (out / "grades.csv").open(encoding="utf-8-sig") as gradebook:
        rows = {row["trainee"]: row for row in csv.DictReader(gradebook)}
    return {r.trainee: r for r in results}, rows, out


def points(graded, trainee):
    results, rows, _ = graded
    row = rows[trainee]
    assert [int(row[q]) for q in ("q1", "q2", "q3")] == [q.points for q in
                                                         results[trainee].questions]
    return tuple(int(row[q]) for q in ("q1", "q2", "q3")), row["status"]


def feedback(graded, trainee) -> str:
    return (graded[2] / "feedback" / f"{trainee}.html").read_text()


def notes(graded, trainee, question=None) -> str:
    result = graded[0][trainee]
    if question is None:
        return " ".join(result.notes)
    q = next(q for q in result.questions if q.name == question)
    return q.message + " " + " ".join(q.notes)


def test_every_trainee_has_a_row_and_a_feedback_page(graded):
    results, rows, out = graded
    assert list(rows) == list(_class())
    assert sorted(p.stem for p in (out / "feedback").iterdir()) == sorted(_class())
    assert all(row["max"] == "4" for row in rows.values())


def test_a_solution_scores_full_marks_and_the_release_scores_zero(graded):
    assert points(graded, "full") == ((1, 1, 2), "ok")
    assert points(graded, "empty") == ((0, 0, 0), "ok")
    assert "not answered yet: replace the ... with your answer" in feedback(graded, "empty")
    assert "4 of 4 points" in feedback(graded, "full")


def test_the_same_submission_gets_the_same_score(graded):
    results = graded[0]
    assert [q.__dict__ for q in results["full"].questions] == \
        [q.__dict__ for q in results["full-again"].questions]


@pytest.mark.parametrize("trainee, reason", [
    ("malformed", "the file is damaged (not valid JSON, line 1)"),
    ("not-a-notebook", "valid JSON, but without notebook cells"),
    ("future", "saved in notebook format 5; the grader reads format 4"),
])
def test_a_file_that_is_not_a_notebook_it_can_read_scores_zero_and_says_why(graded, trainee,
                                                                             reason):
    assert points(graded, trainee) == ((0, 0, 0), "unreadable")
    assert reason in notes(graded, trainee) and reason in feedback(graded, trainee)


def test_deleted_check_cells_are_restored_and_a_deleted_answer_costs_its_question(graded):
    assert points(graded, "deleted-cells") == ((1, 0, 2), "ok")
    assert "its check cell is missing (deleted?); the grader used the original." in \
        notes(graded, "deleted-cells", "q1")
    assert "its answer cell is missing from your notebook" in notes(graded, "deleted-cells", "q2")


def test_duplicated_cells_are_named_and_cost_nothing(graded):
    assert points(graded, "duplicated") == ((1, 1, 2), "ok")
    assert "duplicated; the grader ran it once" in notes(graded, "duplicated", "q1")
    assert "you copied its answer cell" in notes(graded, "duplicated", "q2")


def test_an_edited_check_cell_is_replaced_by_the_original(graded):
    assert points(graded, "edited-check") == ((1, 0, 2), "ok")
    assert "its check cell was changed; the grader used the original." in \
        notes(graded, "edited-check", "q2")
    assert "block 3 turns red too, but only because it points to block 2" in \
        feedback(graded, "edited-check")


def test_an_endless_cell_is_stopped_and_costs_only_its_question(graded):
    assert points(graded, "endless") == ((1, 0, 2), "timeout")
    assert "still running after 3 seconds, so it was stopped" in notes(graded, "endless", "q2")


def test_a_cell_that_ignores_the_stop_button_ends_the_kernel_and_the_rest_scores_zero(graded):
    assert points(graded, "stubborn") == ((1, 0, 0), "timeout")
    assert "it would not stop, so the kernel was shut down" in notes(graded, "stubborn", "q2")
    assert "stopped before this question's check" in notes(graded, "stubborn", "q3")


def test_a_memory_hog_gets_a_memory_error_and_loses_only_that_answer(graded):
    assert points(graded, "memory-hog") == ((0, 1, 2), "errors")
    assert "MemoryError" in notes(graded, "memory-hog", "q1")


def test_sys_exit_is_an_error_in_its_cell_and_the_notebook_goes_on(graded):
    assert points(graded, "exit") == ((1, 1, 2), "errors")
    assert "SystemExit" in notes(graded, "exit", "q1")


@pytest.mark.parametrize("trainee, expected, how", [
    ("os-exit", (1, 0, 0), "the kernel exited with code 0"),
    ("killed", (1, 1, 0), "the kernel was stopped by SIGKILL"),
])
def test_a_kernel_that_dies_keeps_the_answers_checked_before(graded, trainee, expected, how):
    assert points(graded, trainee) == (expected, "kernel died")
    assert how in notes(graded, trainee)
    assert "the cells after that did not run" in feedback(graded, trainee)


def test_a_flood_of_output_is_capped_and_costs_nothing(graded):
    assert points(graded, "flood") == ((1, 1, 2), "ok")
    assert "characters of output were not kept (this costs nothing)" in notes(graded, "flood")


def test_writing_outside_its_folder_is_refused_and_named(graded):
    assert points(graded, "escape") == ((1, 1, 2), "errors")
    assert not ESCAPE.exists()
    assert f"PermissionError: a graded notebook may not write to {ESCAPE}" in \
        notes(graded, "escape", "q1")


def test_a_notebook_cannot_kill_the_grader_that_runs_it(graded):
    assert points(graded, "kills-grader") == ((1, 1, 2), "errors")
    assert "may not send a signal to another process" in notes(graded, "kills-grader", "q1")


def test_monkeypatching_minichain_or_check_or_faking_equality_fools_nobody(graded):
    assert points(graded, "faker") == ((0, 0, 0), "ok")
    assert "not right yet. Hint 1 of 2" in notes(graded, "faker", "q1")
    assert "cannot read (Yes)" in notes(graded, "faker", "q2")
    assert "not right yet" in notes(graded, "faker", "q3")


def test_warnings_on_stderr_cost_nothing(graded):
    assert points(graded, "warnings") == ((1, 1, 2), "ok")
    assert notes(graded, "warnings", "q1").strip() == ""


def test_no_feedback_shows_a_hidden_check(graded):
    source = Exercise.read(EXERCISE_01)
    hidden = []
    for index, role in enumerate(source.roles):
        if role == "check":
            code = source.code(index)
            if "### BEGIN HIDDEN TESTS" not in code:
                continue
            region = code.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
            hidden += [line.strip() for line in region.splitlines()
                       if line.strip() and not line.strip().startswith('"')]
    assert hidden
    for page in (graded[2] / "feedback").iterdir():
        text = page.read_text()
        assert "HIDDEN" not in text and "equals(" not in text
        for line in hidden:
            assert line not in text, (page.name, line)


def test_a_notebook_that_is_slow_in_every_cell_is_stopped_as_a_whole(tmp_path):
    from minichain.grading.kernel import run_cells

    limits = KernelLimits(cell_timeout=3, notebook_timeout=3.5)
    runs, summary = run_cells(["import time\ntime.sleep(1.5)"] * 4, tmp_path, limits)
    assert [r.status for r in runs[:2]] == ["ok", "ok"]
    assert runs[-1].status == "not run"
    assert summary["kernel"] == "the notebook as a whole ran longer than 3.5 seconds, so it " \
                                "was stopped"
