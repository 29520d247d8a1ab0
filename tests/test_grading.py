"""The parts of grading that need no kernel: reading sources and submissions, the release,
answers crossing from a kernel as data, the checks' messages, how a submission's cells are
matched to the source's, the feedback page, and the `minichain release`/`grade` command lines."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from minichain import Wallet, cli
from minichain.grading import check, checks, equals, whole_number
from minichain.grading.answers import MISSING, Unreadable, describe, rebuild
from minichain.grading.exercise import Exercise, ExerciseError, SubmissionProblem, read_submission
from minichain.grading.feedback import feedback_html
from minichain.grading.gradebook import ClassResults
from minichain.grading.grader import (
    GradeResult,
    PrivateCopy,
    QuestionResult,
    assemble,
    check_answers,
    trainee_names,
)

from grading_helpers import EXERCISE_01, cell, released, solved, write


@pytest.fixture(scope="module")
def exercise():
    return Exercise.read(EXERCISE_01)


# -- sources and the release ---------------------------------------------------------------------

def test_a_source_names_its_questions_points_and_answers(exercise):
    assert [(q.name, q.points, q.answer_names) for q in exercise.questions] == [
        ("q1", 1, ["matching_copy"]), ("q2", 1, ["first_red_block"]),
        ("q3", 2, ["really_in_block"])]
    assert exercise.max_points == 4


def test_the_release_replaces_solutions_and_drops_hidden_tests(exercise):
    notebook = exercise.release()
    answer = cell(notebook, "q2", "answer")["source"]
    assert "first_red_block = ...  # your answer here" in answer
    assert "first_red_block = 2" not in answer
    assert 'print("blocks after genesis:", chain.height)' in answer  # context stays
    check_cell = cell(notebook, "q2", "check")
    assert "equals(2" not in check_cell["source"] and "between(1, chain.height)" in \
        check_cell["source"]
    assert check_cell["metadata"]["minichain"] == {"cell": check_cell["id"], "role": "check"}


def _source_with(tmp_path, *codes):
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": code, "outputs": [],
         "execution_count": None} for i, code in enumerate(codes)]}
    return write(tmp_path, "source", notebook)


@pytest.mark.parametrize("codes, problem", [
    (["x = 1"], "it has no check cell"),
    (["# Check q1 (1 point)\ncheck('q1', 1)"], "question q1 has no answer cell before it"),
    (["### BEGIN SOLUTION\nx = 1\n### END SOLUTION"], "an answer cell has no check cell after it"),
    (["### BEGIN SOLUTION\nprint(1)\n### END SOLUTION", "# Check q1 (1 point)"],
     "assigns no answer"),
    (["### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "# Check q1 (1 point)\n%time x"],
     "is not plain Python"),
    (["### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "# Check q1 (1 point)",
      "### BEGIN SOLUTION\ny = 1\n### END SOLUTION", "# Check q1 (2 points)"],
     "question q1 is checked twice"),
])
def test_a_source_that_cannot_be_graded_is_refused_with_the_reason(tmp_path, codes, problem):
    with pytest.raises(ExerciseError, match=problem):
        Exercise.read(_source_with(tmp_path, *codes))


@pytest.mark.parametrize("heading", ["## Question 1 · Fingerprints (2 points)",
                                     "## 问题 1 · 指纹（2 分）"])  # the Chinese edition's
def test_a_heading_that_states_other_points_than_the_check_cell_is_refused(tmp_path, heading):
    path = _source_with(tmp_path, "### BEGIN SOLUTION\nx = 1\n### END SOLUTION",
                        "# Check q1 (1 point)")
    notebook = json.loads(path.read_text())
    notebook["cells"].insert(0, {"cell_type": "markdown", "id": "title", "metadata": {},
                                 "source": heading})
    path.write_text(json.dumps(notebook))
    with pytest.raises(ExerciseError, match="heading says 2 points, its check cell 1"):
        Exercise.read(path)


# -- reading submissions -------------------------------------------------------------------------

@pytest.mark.parametrize("content, reason", [
    ('{"cells": [', "the file is damaged (not valid JSON, line 1)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not text (UTF-8)"),
    ('{"orders": [1, 2]}', "valid JSON, but without notebook cells"),
    ('{"nbformat": 5, "cells": []}', "saved in notebook format 5"),
    ('{"nbformat": 4, "cells": ["x = 1"]}', "its cells are damaged"),
    ('{"nbformat": 4, "cells": [{"id": ["x"], "source": ""}]}', "its cells are damaged"),
    ('{"nbformat": 4, "cells": [{"id": "a", "source": [1, 2]}]}', "its cells are damaged"),
    ('{"nbformat": 4, "cells": ' + "[" * 100_000 + "]" * 100_000 + "}", "not valid JSON"),
])
def test_a_submission_that_is_not_a_readable_notebook_says_why(tmp_path, content, reason):
    with pytest.raises(SubmissionProblem, match=reason.replace("(", r"\(").replace(")", r"\)")):
        read_submission(write(tmp_path, "trainee", content))


def test_a_missing_submission_or_a_folder(tmp_path):
    with pytest.raises(SubmissionProblem, match="does not exist"):
        read_submission(tmp_path / "nobody.ipynb")
    with pytest.raises(SubmissionProblem, match="a folder"):
        read_submission(tmp_path)


# -- answers as data -----------------------------------------------------------------------------

def test_answers_cross_as_data_and_come_back_equal():
    customer, shop = Wallet.from_seed("customer"), Wallet.from_seed("shop")
    from minichain import Blockchain, merkle

    chain = Blockchain.proof_of_work(allocations={customer.address: 100}, miner=shop)
    payment = customer.pay(shop.address, 25, chain=chain, data=b"order #1002")
    values = [None, Ellipsis, True, 7, 2 ** 80, 0.25, "SHIPPED", b"\x00\xff", [1, (2, 3)],
              {"a": {1, 2}}, frozenset({"x"}), payment, merkle.merkle_proof([b"a", b"b"], 1)]
    for value in values:
        data = json.loads(json.dumps(describe(value)))  # as the kernel sends it
        assert rebuild(data) == value and type(rebuild(data)) is type(value)


def test_an_object_that_fakes_equality_arrives_as_unreadable():
    class Yes(int):
        def __eq__(self, other):
            return True

    arrived = rebuild(json.loads(json.dumps(describe(Yes(3)))))
    assert isinstance(arrived, Unreadable) and arrived.type_name == "Yes"
    assert isinstance(rebuild(describe(Wallet.from_seed("shop"))), Unreadable)


@pytest.mark.parametrize("data", [None, 5, {"t": "int", "v": 5}, {"t": "bytes", "v": "zz"},
                                  {"t": "Transaction", "v": "00"}, {"t": "list", "v": "abc"},
                                  {"t": "pickle", "v": "gASV"}, {"t": "int", "v": "9" * 5000}])
def test_forged_answer_data_is_unreadable_and_never_raises(data):
    assert isinstance(rebuild(data), Unreadable)


# -- checks --------------------------------------------------------------------------------------

def test_a_check_says_in_plain_words_what_is_still_wrong(capsys):
    check("q1", ..., whole_number())
    check("q1", "2", whole_number())
    check("q1", 3, whole_number(), equals(2, "not that block: look again."))
    check("q1", 2, whole_number(), equals(2, "not that block: look again."))
    check("q1", MISSING)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "✘ q1: not answered yet: replace the ... with your answer and run the cell again.",
        "✘ q1: the answer should be a whole number, like 3 (no quotes).",
        "✘ q1: not that block: look again.",
        "✔ q1: this looks right so far (the grader checks more).",
        "✘ q1: there is no answer yet: the answer cell was deleted, renamed or did not run.",
    ]


def test_a_rule_that_cannot_run_on_the_value_fails_with_its_own_message(capsys):
    check("q2", "seven", checks.between(1, 3))
    assert capsys.readouterr().out == "✘ q2: the answer should be between 1 and 3.\n"
    check("q2", True, whole_number())  # True is not a number of blocks
    assert "whole number" in capsys.readouterr().out


def test_the_checker_uses_the_submitted_values_and_every_check(exercise):
    right = {"q1": {"matching_copy": describe("C")}, "q2": {"first_red_block": describe(2)},
             "q3": {"really_in_block": describe("customer")}}
    verdicts, notes = check_answers(exercise, right)
    assert verdicts == {"q1": (True, ""), "q2": (True, ""), "q3": (True, "")} and notes == []
    wrong = {"q1": None, "q2": {"first_red_block": describe(3)},
             "q3": {"really_in_block": describe(7)}}
    verdicts, _ = check_answers(exercise, wrong)
    assert verdicts["q1"] == (False, "there is no answer yet: the answer cell was deleted, "
                                     "renamed or did not run.")
    assert verdicts["q2"][1].startswith("not right: block 3 turns red too")
    assert verdicts["q3"][1] == 'the answer should be text in quotes, like "SHIPPED".'


# -- matching a submission's cells to the source's -------------------------------------------------

def test_the_run_is_built_from_the_source_with_the_trainees_answers(exercise):
    notebook = solved()
    extra = {"cell_type": "code", "id": "mine", "metadata": {}, "source": "scratch = 1",
             "outputs": []}
    notebook["cells"].insert(notebook["cells"].index(cell(notebook, "q2", "answer")) + 1, extra)
    cell(notebook, "q3", "check")["source"] = "print('all good')"
    plan = assemble(exercise, notebook["cells"])
    assert plan.codes.count("scratch = 1") == 1
    mine = plan.codes.index("scratch = 1")
    assert plan.owners[mine] == "q2" and plan.kinds[mine] == "trainee"
    assert "print('all good')" not in plan.codes
    assert sorted(plan.collectors.values()) == ["q1", "q2", "q3"]
    assert plan.notes["q3"] == ["its check cell was changed; the grader used the original."]


def test_cells_without_ids_are_matched_by_their_metadata(exercise):
    notebook = released()
    for one in notebook["cells"]:
        one.pop("id")
    plan = assemble(exercise, notebook["cells"])
    assert dict(plan.notes) == {}


# -- names, gradebook, feedback ------------------------------------------------------------------

def test_trainees_are_named_after_their_files_or_their_folders(tmp_path):
    stem = EXERCISE_01.stem
    names = trainee_names(EXERCISE_01, [tmp_path / "alice.ipynb", tmp_path / "alice.ipynb",
                                        tmp_path / "bob" / f"{stem}.ipynb",
                                        tmp_path / "Zhang Wei (v2).ipynb"])
    assert names == ["alice", "alice-2", "bob", "Zhang_Wei_v2"]


def test_feedback_names_the_problems_and_escapes_what_the_trainee_wrote(exercise):
    result = GradeResult("<b>eve</b>", "eve.ipynb", "errors", [
        QuestionResult("q1", 1, 1), QuestionResult("q2", 0, 1, "not that block.",
                                                   ["a cell of yours stopped with NameError"]),
        QuestionResult("q3", 0, 2, "not answered yet.")], ["<script>x</script>"])
    page = feedback_html(ClassResults.of(exercise, [result]), result)
    assert "1 of 4 points" in page and "NameError" in page and "not that block." in page
    assert "Question 1 · An order's fingerprint (1 point)" in page
    assert "<script>x" not in page and "&lt;b&gt;eve&lt;/b&gt;" in page


def test_the_private_copy_notices_a_changed_or_added_file(tmp_path):
    copy = PrivateCopy(EXERCISE_01)
    try:
        target = copy.root / "minichain" / "crypto.py"
        original = target.read_bytes()
        assert copy.changed() == []
        target.write_text("def verify(*args): return True\n")
        (copy.root / "minichain" / "sitecustomize.py").write_text("import os\n")
        assert sorted(copy.changed()) == sorted([str(target), str(copy.root / "minichain" /
                                                                   "sitecustomize.py")])
        target.write_bytes(original)
        (copy.root / "minichain" / "sitecustomize.py").unlink()
        assert copy.changed() == []
    finally:
        copy.close()
    assert not copy.root.exists()


# -- the command lines ----------------------------------------------------------------------------

def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_release_writes_and_checks_the_trainee_notebooks(tmp_path, capsys):
    code, out, err = run(capsys, "release", str(EXERCISE_01), "--out", str(tmp_path))
    target = tmp_path / EXERCISE_01.name
    assert (code, err) == (0, "") and out == f"wrote {target} (3 questions, 4 points).\n"
    assert run(capsys, "release", str(EXERCISE_01), "--out", str(tmp_path))[1] == \
        f"{target} is up to date (3 questions, 4 points).\n"
    assert run(capsys, "release", str(EXERCISE_01), "--out", str(tmp_path), "--check")[0] == 0
    target.write_text(target.read_text().replace("your answer here", "answer"))
    code, out, _ = run(capsys, "release", str(EXERCISE_01), "--out", str(tmp_path), "--check")
    assert code == 1 and "is out of date: run `minichain release`" in out


def test_the_committed_releases_are_up_to_date(capsys):
    code, out, _ = run(capsys, "release", "--check")
    assert code == 0, out


@pytest.mark.parametrize("argv, message", [
    (["grade", "nowhere.ipynb", "x.ipynb", "--out", "o"], "there is no exercise source at"),
    (["grade", str(EXERCISE_01), "x.ipynb", "--out", "o", "-j", "0"], "-j must be 1 or more."),
    (["grade", str(EXERCISE_01), "x.ipynb", "--out", "o", "--timeout", "0"],
     "--timeout must be more than 0"),
    (["release", "nowhere.ipynb"], "there is no exercise source at nowhere.ipynb."),
])
def test_a_wrong_grade_or_release_command_is_one_line_with_exit_code_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("minichain: ") and message in err


def test_grade_refuses_a_file_as_its_output_folder_and_an_empty_folder(tmp_path, capsys):
    (tmp_path / "grades").write_text("x")
    code, _, err = run(capsys, "grade", str(EXERCISE_01), str(EXERCISE_01), "--out",
                       str(tmp_path / "grades"))
    assert code == 2 and "is a file; --out needs a folder" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "grade", str(EXERCISE_01), str(tmp_path / "empty"), "--out",
                       str(tmp_path / "o"))
    assert code == 2 and "there are no notebooks to grade" in err


@pytest.mark.parametrize("command", ["release", "grade"])
def test_release_and_grade_have_help(capsys, command):
    with pytest.raises(SystemExit) as done:
        cli.main([command, "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0 and out.startswith(f"usage: minichain {command}")


def test_an_unreadable_submission_is_graded_without_a_kernel_and_shows_progress(tmp_path, capsys,
                                                                                 monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    broken = write(tmp_path, "dan", "{not json")
    code, out, _ = run(capsys, "grade", str(EXERCISE_01), str(broken), "--out", str(tmp_path / "g"))
    assert code == 0
    assert "dan          0    0    0    0/4  unreadable" in out
    assert "grading 1 submissions [" in terminal.getvalue() and "100%" in terminal.getvalue()
    gradebook = (tmp_path / "g" / "grades.csv").read_text(encoding="utf-8-sig")
    assert gradebook.splitlines() == [
        "trainee,q1,q2,q3,total,max,status", "dan,0,0,0,0,4,unreadable"]
    assert "not valid JSON" in (tmp_path / "g" / "feedback" / "dan.html").read_text()


# -- the sandbox's guard and limits (in a plain Python process, no kernel needed) ------------------

def _guarded(folder, code: str, limits: str = "") -> subprocess.CompletedProcess:
    program = ("import os, sys\nfrom minichain.grading.sandbox import apply_limits, guard_writes\n"
               f"{limits}\nguard_writes({str(folder)!r})\nos.chdir({str(folder)!r})\n{code}")
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("code, refusal", [
    ("open('/tmp/minichain-guard-test.txt', 'w')", "may not write to /tmp/minichain-guard-test"),
    ("open('../outside.txt', 'a')", "may not write to ../outside.txt"),
    ("os.open('/tmp/minichain-guard-test.txt', os.O_WRONLY | os.O_CREAT)", "may not write to"),
    ("os.remove('/etc/hostname')", "may not change /etc/hostname (os.remove)"),
    ("os.rename('mine.txt', '/tmp/stolen.txt')", "may not change /tmp/stolen.txt (os.rename)"),
    ("import sqlite3; sqlite3.connect('/tmp/minichain-guard.db')", "(sqlite3.connect)"),
    ("import subprocess; subprocess.run(['true'])", "may not start another program."),
    ("os.system('true')", "may not start another program."),
    ("os.fork()", "may not start a copy of itself."),
    ("import _posixsubprocess\n_posixsubprocess.fork_exec([b'/bin/true'], [b'/bin/true'])",
     "may not start another program."),
    ("import importlib.util as u\nu.module_from_spec(u.find_spec('_posixsubprocess'))",
     "may not load the C module _posixsubprocess."),
    ("import ctypes; ctypes.CDLL(None)", "may not load the C module _ctypes."),
    ("os.kill(os.getppid(), 0)", "may not send a signal to another process"),
    # ways around the path checks and signals that a reviewer found
    ("import signal; signal.pidfd_send_signal(os.pidfd_open(os.getppid()), 0)",
     "may not send a signal to another process."),
    ("d = os.open('/tmp', os.O_RDONLY)\nos.open('x', os.O_WRONLY | os.O_CREAT, dir_fd=d)",
     "may not open the folder /tmp."),
    ("os.mkfifo('/tmp/minichain-guard-test.txt')", "may not create /tmp/minichain-guard-test"),
    ("import sqlite3\nsqlite3.connect(':memory:').execute(\"ATTACH '/tmp/minichain-g.db' AS x\")",
     "not authorized"),
    ("open(os.path.expanduser('~') + '/../solution.ipynb')", "may not read the notebook"),
    ("open(f'/proc/{os.getppid()}/cmdline').read()", "may not look at another process"),
    # the kernel waiting ahead for the next submission, and its key
    ("open('../minichain-grade-beside/.runtime/kernel.json').read()",
     "it belongs to another notebook being graded"),
])
def test_the_guard_refuses_what_a_graded_notebook_may_not_do(tmp_path, code, refusal):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "mine.txt").write_text("x")
    beside = tmp_path / "minichain-grade-beside" / ".runtime"
    beside.mkdir(parents=True)
    (beside / "kernel.json").write_text("{}")
    done = _guarded(folder, code)
    assert done.returncode == 1, done.stderr
    assert "PermissionError: a graded notebook " in done.stderr or \
        "DatabaseError: not authorized" in done.stderr, done.stderr
    assert refusal in done.stderr, done.stderr
    assert not Path("/tmp/minichain-guard-test.txt").exists()


def test_the_guard_lets_a_notebook_work_in_its_own_folder(tmp_path):
    done = _guarded(tmp_path, "open('notes.txt', 'w').write('mine')\nos.mkdir('sub')\n"
                              "os.rename('notes.txt', 'sub/notes.txt')\n"
                              "print(open('sub/notes.txt').read(), open('/etc/hostname').read() "
                              "!= '')\nos.kill(os.getpid(), 0)")
    assert (done.returncode, done.stdout) == (0, "mine True\n"), done.stderr


def test_the_limits_turn_a_memory_hog_and_a_huge_file_into_errors(tmp_path):
    done = _guarded(tmp_path, "try:\n    hog = bytearray(2 * 1024 ** 3)\nexcept MemoryError:\n"
                              "    print('memory refused')\ntry:\n"
                              "    open('big.bin', 'wb').write(bytes(3 * 1024 * 1024))\n"
                              "except OSError as error:\n    print('file refused', error.errno)",
                    limits="apply_limits(memory_mb=1024, cpu_seconds=60, file_mb=1)")
    assert done.stdout == "memory refused\nfile refused 27\n", done.stderr
