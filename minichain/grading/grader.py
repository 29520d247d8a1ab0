"""Grading a class: every submission in a fresh, limited kernel; the score from a clean process.

    results = grade("exercises/source/01-x.ipynb", ["in/alice.ipynb", ...], "graded", jobs=2)

For each submission, in a worker process of its own (`python -m minichain.grading.worker`):

1. The file is read; a damaged file, something that is not a notebook, or a notebook format
   from the future costs that trainee every point with the reason named, and nothing else.
2. The notebook to run is assembled from the *source*: every cell of the exercise comes from
   the source (a trainee cannot edit or delete the checks away), the trainee's answer cells and
   own extra cells are placed where they were, and before each check cell a collector cell
   publishes the question's answers as plain data (minichain.grading.answers).
3. It runs in a new kernel (minichain.grading.kernel) in a temporary folder of its own, with a
   timeout per cell, memory/CPU/file-size limits and a write guard (minichain.grading.sandbox).
4. The kernel is shut down. Then the worker — which had imported everything it needs before
   the kernel started, and never runs the trainee's code — re-runs the source's own cells with
   the submitted values in place of the solutions, and the checks, hidden ones included.
   Whatever the submission did to `minichain`, to `check` or to Python in its kernel stays
   there: only its values arrive.
5. The worker checks that the grader's own files (the minichain package, the exercise source,
   the Python start-up files) are unchanged; if a submission changed them it scores 0 with
   status "tampered". Each submission has a copy of its own, thrown away after it, so a
   change is blamed on the submission that made it, even with -j above 1.

The same submission always gets the same score: nothing depends on timing except a cell that
runs close to its timeout.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import re
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from minichain.grading.by_hand import written_result
from minichain.grading.exercise import Exercise, Question, SubmissionProblem
from minichain.grading.gradebook import ClassResults, write_class
from minichain.grading.kernel import CellRun, GradingKernel, KernelLimits
from minichain.grading.kernel_user import end_every_process_of, share_folder
from minichain.grading.results import STATUS_ORDER, GradeResult, QuestionResult
from minichain.language import say

__all__ = ["GradeResult", "QuestionResult", "assemble", "grade", "grade_submission",
           "trainee_names"]

def _zero(exercise: Exercise, message: str) -> list[QuestionResult]:
    return [QuestionResult(q.name, 0, q.points, message) for q in exercise.questions]


# -- assembling the notebook to run ---------------------------------------------------------------

@dataclass
class Plan:
    codes: list[str] = field(default_factory=list)
    owners: list[str | None] = field(default_factory=list)     # question each code belongs to
    kinds: list[str] = field(default_factory=list)             # "exercise", "trainee", "collector"
    collectors: dict[int, str] = field(default_factory=dict)   # code index -> question
    tests: dict[int, str] = field(default_factory=dict)        # code index -> question
    written: dict[str, str] = field(default_factory=dict)      # question -> the trainee's text
    notes: dict[str | None, list[str]] = field(default_factory=lambda: defaultdict(list))


def _text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _claimed_id(cell: dict[str, Any]) -> str | None:
    metadata = cell.get("metadata")
    mine = metadata.get("minichain") if isinstance(metadata, dict) else None
    claimed = mine.get("cell") if isinstance(mine, dict) else None
    return claimed if isinstance(claimed, str) else None


def assemble(exercise: Exercise, cells: list[dict[str, Any]]) -> Plan:
    """The code to run for a submission: the source's cells, with the trainee's answers."""
    index_of = {cell["id"]: i for i, cell in enumerate(exercise.cells)}
    present = {cell.get("id") for cell in cells}
    matched: dict[int, int] = {}
    extras: dict[int, list[int]] = defaultdict(list)
    copies: dict[int, int] = defaultdict(int)
    anchor = -1
    for t, cell in enumerate(cells):
        own, claimed = cell.get("id"), _claimed_id(cell)
        s = None
        if isinstance(own, str) and own in index_of and index_of[own] not in matched:
            s = index_of[own]
        elif claimed in index_of and claimed not in present and index_of[claimed] not in matched:
            s = index_of[claimed]
        if s is not None:
            matched[s] = t
            anchor = s
            continue
        copied = index_of.get(own) if isinstance(own, str) and own in index_of else \
            index_of.get(claimed) if claimed else None
        if copied is not None:
            copies[copied] += 1
            if exercise.roles[copied] != "answer":
                continue                      # a copy of the exercise's own cell: the original runs
        if cell.get("cell_type") == "code" and _text(cell).strip():
            extras[anchor].append(t)

    plan = Plan()
    changed = 0
    _written_answers(exercise, cells, matched, plan)

    def owner_after(s: int) -> str | None:
        for q in exercise.questions:
            if q.check_cell >= s and not q.by_hand:
                return q.name
        return None

    def add(code: str, owner: str | None, kind: str) -> None:
        plan.codes.append(code)
        plan.owners.append(owner)
        plan.kinds.append(kind)

    for t in extras[-1]:
        add(_text(cells[t]), owner_after(0), "trainee")
    for s, role in enumerate(exercise.roles):
        question = exercise.question_of(s)
        if role == "answer" or (role == "written" and exercise.cells[s].get("cell_type") == "code"):
            q = question.name if question else owner_after(s)
            if s in matched:
                add(_text(cells[matched[s]]), q, "trainee")
            elif role == "answer":
                plan.notes[q].append(say("its answer cell is missing from your notebook "
                                         "(deleted?)."))
            if copies[s]:
                plan.notes[q].append(say("you copied its answer cell; the copies ran too, in the "
                                         "places you put them."))
        elif role in ("check", "test", "setup"):
            if s not in matched or _text(cells[matched[s]]) != exercise.released_code(s):
                if role in ("check", "test"):
                    plan.notes[question.name].append(  # type: ignore[union-attr]
                        _cell_note(role, "changed" if s in matched else "missing"))
                else:
                    changed += 1
            if role in ("check", "test") and copies[s]:
                plan.notes[question.name].append(  # type: ignore[union-attr]
                    _cell_note(role, "duplicated"))
            if role == "check":
                names = question.answer_names  # type: ignore[union-attr]
                plan.collectors[len(plan.codes)] = question.name  # type: ignore[union-attr]
                add("__import__('minichain.grading.answers', fromlist=['publish'])"
                    f".publish(globals(), {names!r})", question.name, "collector")  # type: ignore
            if role == "test":
                plan.tests[len(plan.codes)] = question.name  # type: ignore[union-attr]
            add(exercise.code(s), question.name if question else owner_after(s),
                "test" if role == "test" else "exercise")
        for t in extras[s]:
            add(_text(cells[t]), owner_after(s + 1), "trainee")
    if changed:
        plan.notes[None].append(say("{count} of the exercise's own code cells were changed or "
                                    "deleted; the grader used the originals.", count=changed))
    return plan


def _cell_note(role: str, what: str) -> str:
    """What happened to a check or test cell of the exercise in the trainee's notebook."""
    notes = {
        ("check", "changed"): say("its check cell was changed; the grader used the original."),
        ("check", "missing"): say("its check cell is missing (deleted?); the grader used the "
                                  "original."),
        ("check", "duplicated"): say("its check cell was duplicated; the grader ran it once."),
        ("test", "changed"): say("its test cell was changed; the grader used the original."),
        ("test", "missing"): say("its test cell is missing (deleted?); the grader used the "
                                 "original."),
        ("test", "duplicated"): say("its test cell was duplicated; the grader ran it once."),
    }
    return notes[(role, what)]


def _written_answers(exercise: Exercise, cells: list[dict[str, Any]], matched: dict[int, int],
                     plan: Plan) -> None:
    """What the trainee wrote for each question a person grades: the text of its answer cell,
    or for an nbgrader task, of the cells the trainee put after the task (up to the next cell
    of the exercise)."""
    following = sorted(matched.values())
    for question in exercise.questions:
        if not question.by_hand:
            continue
        s = question.check_cell
        if s not in matched:
            plan.written[question.name] = ""
            if exercise.roles[s] == "written":
                plan.notes[question.name].append(say("its answer cell is missing from your "
                                                     "notebook (deleted?)."))
            continue
        t = matched[s]
        if exercise.roles[s] == "written":
            plan.written[question.name] = _text(cells[t])
            continue
        stop = next((u for u in following if u > t), len(cells))
        plan.written[question.name] = "\n\n".join(
            _text(cell) for cell in cells[t + 1:stop] if _text(cell).strip())


# -- checking the answers in the grader's own process ----------------------------------------------

def check_answers(exercise: Exercise, submitted: dict[str, dict[str, Any] | None]
                  ) -> tuple[dict[str, tuple[bool, str]], list[str]]:
    """Run the source's cells with the submitted (described) values; every check, hidden too.

    Returns {question: (passed, message)} and notes about the exercise's own cells."""
    import contextlib
    import io

    from minichain.grading import checks
    from minichain.grading.answers import MISSING, rebuild

    namespace: dict[str, Any] = {"__name__": "__main__"}
    verdicts: dict[str, tuple[bool, str]] = {}
    tests = any(q.kind == "test" for q in exercise.questions)  # setup may need their code
    notes: list[str] = []
    sink = io.StringIO()
    for s, role in enumerate(exercise.roles):
        question = exercise.question_of(s)
        if role not in ("setup", "answer", "check") or (
                role == "answer" and (question is None or question.kind != "data")):
            continue                  # text, nbgrader's tests and code answers, written answers
        if role == "answer":
            described = submitted.get(question.name) or {}  # type: ignore[union-attr]
            names = question.answer_names  # type: ignore[union-attr]
            namespace["__submitted__"] = {
                n: rebuild(described[n]) if n in described else MISSING for n in names}
            code = exercise.answer_code(s, names)
        else:
            code = exercise.code(s)
        recorded: list[tuple[str, bool, str]] = []
        checks._recorder = lambda q, ok, message: recorded.append((q, ok, message))
        error: BaseException | None = None
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                exec(compile(code, f"<exercise cell {exercise.cells[s]['id']}>", "exec"),
                     namespace)
        except BaseException as problem:  # noqa: BLE001 - whatever the values make it do
            error = problem
        finally:
            checks._recorder = None
            sink.seek(0)
            sink.truncate()
        if role == "check":
            verdicts[question.name] = _verdict(question, recorded, error)  # type: ignore
        elif error is not None and role == "setup" and not tests:
            notes.append(say("the exercise's cell {cell} could not run with your answers "
                             "({error}).", cell=exercise.cells[s]["id"],
                             error=type(error).__name__))
    return verdicts, notes


def _in_fresh_folder(function: Callable[..., Any], *args: Any) -> Any:
    """Call `function` with a new, empty temporary folder as the current one (an exercise's
    own cells may write files, e.g. a chain or a vault), then remove the folder."""
    import tempfile

    back = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="minichain-check-") as folder:
        os.chdir(folder)
        try:
            return function(*args)
        finally:
            os.chdir(back)


def _verdict(question: Question, recorded: list[tuple[str, bool, str]],
             error: BaseException | None) -> tuple[bool, str]:
    mine = [(ok, message) for q, ok, message in recorded if q == question.name]
    for ok, message in mine:
        if not ok:
            return False, message
    if error is not None:
        if isinstance(error, AssertionError):
            return False, str(error) or say("a hidden check did not pass.")
        return False, say("the check could not run on your answer ({error}).",
                          error=type(error).__name__)
    if not mine:
        return False, say("the check did not run.")
    return True, ""


# -- one submission (runs in the worker process) ---------------------------------------------------

def grade_submission(source: str | Path, submission: str | Path, trainee: str,
                     limits: KernelLimits = KernelLimits(),
                     kernel: GradingKernel | None = None) -> GradeResult:
    """Grade one submission in this process (the worker); never raises for a bad submission.

    `kernel` is a fresh kernel started ahead for this submission (`warm_kernel`); without one,
    a kernel is started here. Either way it runs this submission's cells only and is stopped."""
    from minichain.grading.exercise import read_submission

    kernel = kernel or warm_kernel(limits)
    try:
        exercise = Exercise.read(source)
        try:
            cells = read_submission(submission)
        except SubmissionProblem as problem:
            message = say("the grader could not read your file: {problem}.", problem=problem)
            return GradeResult(trainee, str(submission), "unreadable",
                               _zero(exercise, message), [message])
        plan = assemble(exercise, cells)
        before = start_up_files()
        runs, summary = kernel.run(plan.codes, frozenset(plan.collectors))
        kernel.stop()
        after = start_up_files()
    finally:
        kernel.remove_folder()
    changed = sorted(path for path in set(before) | set(after)
                     if before.get(path) != after.get(path))
    return _result(exercise, plan, runs, summary, trainee, str(submission), changed)


def warm_kernel(limits: KernelLimits = KernelLimits()) -> GradingKernel:
    """A fresh kernel in a fresh working folder, started and waiting for one submission."""
    import tempfile

    kernel = GradingKernel(Path(tempfile.mkdtemp(prefix="minichain-grade-")), limits)
    kernel.start()
    return kernel


def _result(exercise: Exercise, plan: Plan, runs: list[CellRun], summary: dict[str, Any],
            trainee: str, submission: str, changed: list[str]) -> GradeResult:
    notes: dict[str | None, list[str]] = defaultdict(list, {k: list(v)
                                                             for k, v in plan.notes.items()})
    status = "ok"
    if not summary["started"]:
        message = say("not graded: the kernel did not start ({reason}); please grade this "
                      "submission again.", reason=summary["kernel"] or "")
        return GradeResult(trainee, submission, "not graded", _zero(exercise, message),
                           [message])
    for i, run in enumerate(runs):
        if plan.kinds[i] in ("exercise", "test") and run.status == "error":
            continue                # an exercise cell failing on the trainee's values or code
        where = plan.owners[i]
        if run.status in ("error", "timeout", "kernel died") and plan.kinds[i] != "collector":
            notes[where].append(_cell_problem(run))
        if run.status == "timeout":
            status = _worse(status, "timeout")
        elif run.status == "error" and plan.kinds[i] == "trainee":
            status = _worse(status, "errors")
    if summary["kernel"]:
        if summary.get("overtime") or status == "timeout":
            status = _worse(status, "timeout")
        else:
            status = _worse(status, "kernel died")
        notes[None].append(say("Your notebook stopped early: {how}; the cells after that did "
                               "not run.", how=summary["kernel"]))
    if summary["output_dropped"]:
        notes[None].append(say("Your notebook printed a lot: {count:,} characters of output "
                               "were not kept (this costs nothing).",
                               count=summary["output_dropped"]))
    submitted: dict[str, dict[str, Any] | None] = {}
    for i, question in plan.collectors.items():
        run = runs[i]
        if run.status == "not run" or (run.answers is None and run.status == "kernel died"):
            submitted[question] = None
            notes[question].append(say("the notebook had stopped before this question's check, "
                                       "so its answer could not be read."))
        elif run.answers is None:
            submitted[question] = None
            notes[question].append(say("the grader could not read your answer here (did your "
                                       "notebook change how outputs are shown?)."))
        else:
            submitted[question] = run.answers
    verdicts: dict[str, tuple[bool, str]] = {}
    if plan.collectors:
        verdicts, exercise_notes = _in_fresh_folder(check_answers, exercise, submitted)
        notes[None].extend(exercise_notes)
    verdicts.update(_test_verdicts(plan, runs))
    questions = []
    for q in exercise.questions:
        if q.by_hand:
            questions.append(written_result(exercise, q, plan.written.get(q.name, ""),
                                            notes.get(q.name, [])))
            continue
        passed, message = verdicts.get(q.name, (False, say("the check did not run.")))
        questions.append(QuestionResult(q.name, q.points if passed else 0, q.points, message,
                                        notes.get(q.name, [])))
    result = GradeResult(trainee, submission, status, questions, notes.get(None, []))
    if changed:
        _mark_tampered(result, changed)
    return result


def _cell_problem(run: CellRun) -> str:
    """The note for a cell of the trainee's that stopped with an error, ran too long, or was
    running when the kernel died."""
    if run.status == "error":
        return say("a cell of yours stopped with {error}", error=run.error)
    if run.status == "timeout" and run.stubborn:
        return say("a cell of yours was still running after {seconds:g} seconds and it would "
                   "not stop, so the kernel was shut down", seconds=run.seconds)
    if run.status == "timeout":
        return say("a cell of yours was still running after {seconds:g} seconds, so it was "
                   "stopped", seconds=run.seconds)
    # TRANSLATORS: {how} is a sentence such as "the kernel exited with code 1 while this cell ran".
    return say("{how}.", how=run.error)


def _test_verdicts(plan: Plan, runs: list[CellRun]) -> dict[str, tuple[bool, str]]:
    """nbgrader's rule for its test cells: the points if the cell ran without an error."""
    verdicts = {}
    for i, question in plan.tests.items():
        run = runs[i]
        if run.status == "ok":
            verdicts[question] = (True, "")
        elif run.status == "error" and run.error.startswith("NotImplementedError"):
            verdicts[question] = (False, say("not answered yet: replace `raise "
                                             "NotImplementedError()` in the answer cell with "
                                             "your code."))
        elif run.status == "error":
            verdicts[question] = (False, say("a test did not pass: {error}.", error=run.error))
        elif run.status == "timeout":
            verdicts[question] = (False, say("the test ran too long and was stopped."))
        else:
            verdicts[question] = (False, say("the test did not run: the notebook had stopped "
                                             "before it."))
    return verdicts


def _mark_tampered(result: GradeResult, changed: list[str]) -> None:
    result.status = "tampered"
    result.changed_files = sorted(set(result.changed_files) | set(changed))
    for question in result.questions:
        question.points, question.graded = 0, True
        question.message = question.message or say("0 points: see the note on the grader's "
                                                   "files.")
    files = ", ".join(changed[:3]) + (" …" if len(changed) > 3 else "")
    result.notes.insert(0, say("Your notebook changed files the grader depends on ({files}), so "
                               "it scores 0 (the grader's own copies were put back).",
                               files=files))


def _worse(a: str, b: str) -> str:
    return min(a, b, key=STATUS_ORDER.index)


# -- what the grader protects ----------------------------------------------------------------------

class PrivateCopy:
    """A private copy of the minichain package and of the exercise source, one per submission.

    Its worker and kernel import minichain from here, not from the installed package, so a
    developer or instructor editing the package during a batch changes nothing, and nothing
    but the submission can change these files: any change is tampering, detected after the
    submission by comparing the files with what was copied; then the copy is thrown away."""

    def __init__(self, source: str | Path, kernel_user: str = ""):
        import shutil
        import tempfile

        self.root = Path(tempfile.mkdtemp(prefix="minichain-grader-"))
        package = Path(__file__).resolve().parent.parent
        shutil.copytree(package, self.root / "minichain",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        self.source = self.root / "exercise" / Path(source).name
        self.source.parent.mkdir(mode=0o700)
        shutil.copyfile(source, self.source)
        if kernel_user:  # its kernel imports minichain from here; the source stays the grader's
            share_folder(self.root / "minichain", kernel_user, writable=False)
            os.chown(self.root, -1, pwd.getpwnam(kernel_user).pw_gid)
            self.root.chmod(0o750)
        self.originals = {str(p): p.read_bytes() for p in sorted(self.root.rglob("*"))
                          if p.is_file()}

    def changed(self) -> list[str]:
        """Files of the copy that are not as they were (changed, deleted or added)."""
        now = {str(p) for p in self.root.rglob("*") if p.is_file()}
        changed = sorted(now - set(self.originals))
        for name, content in self.originals.items():
            try:
                if Path(name).read_bytes() != content:
                    changed.append(name)
            except OSError:
                changed.append(name)
        return changed

    def close(self) -> None:
        import shutil

        shutil.rmtree(self.root, ignore_errors=True)


def start_up_files() -> dict[str, str]:
    """SHA-256 of the files every Python process here runs at start-up (.pth files,
    sitecustomize, usercustomize): a submission that changed them would reach future
    processes. Only detected (never rewritten: they are not the grader's to restore)."""
    digests = {}
    folders = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    for folder in sorted(folders):
        root = Path(folder)
        candidates = sorted(root.glob("*.pth")) + [root / "sitecustomize.py",
                                                   root / "usercustomize.py"]
        for path in candidates:
            try:
                digests[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                digests[str(path)] = ""
    return digests


# -- a whole class ---------------------------------------------------------------------------------

def trainee_names(source: str | Path, submissions: Sequence[str | Path]) -> list[str]:
    """A name per submission: in nbgrader's layout (submitted/<trainee>/<assignment>/x.ipynb)
    the trainee's folder; else the file's name, or its folder's if the file has the exercise's
    name (in/alice/01-x.ipynb); unique."""
    stem, assignment = Path(source).stem, Path(source).resolve().parent.name
    names: list[str] = []
    for submission in submissions:
        path = Path(submission)
        name = path.stem
        parents = [p.name for p in path.resolve().parents if p.name]
        if "submitted" in parents[1:]:                  # nbgrader: submitted/<trainee>/<ps1>/
            name = parents[parents.index("submitted") - 1]
        elif name == stem:
            name = next((p for p in parents
                         if p not in (stem, assignment, "submitted", "submissions")), name)
        name = re.sub(r"[^\w.@-]+", "_", name).strip("._") or "trainee"
        candidate, n = name, 2
        while candidate in names:
            candidate, n = f"{name}-{n}", n + 1
        names.append(candidate)
    return names


def grade(source: str | Path, submissions: Sequence[str | Path], out: str | Path,
          jobs: int = 1, limits: KernelLimits = KernelLimits(),
          progress: Callable[[int, int], object] | None = None,
          kernel_users: Sequence[str] = ()) -> list[GradeResult]:
    """Grade every submission (`jobs` at a time); write grades.csv, feedback/<trainee>.html and,
    for questions a person grades, written-answers.csv (minichain.grading.gradebook). With
    `kernel_users`, each kernel runs as one of those Unix users, never two at once as the same
    (give 2 × jobs: a kernel waits ahead for each job)."""
    exercise = Exercise.read(source)
    out = Path(out)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    names = trainee_names(source, submissions)
    done = 0
    lock = threading.Lock()
    if progress:
        progress(0, len(submissions))

    def one(job: tuple[str, str | Path]) -> GradeResult:
        nonlocal done
        trainee, submission = job
        # A worker, a copy of minichain and a kernel of its own for each submission, so that
        # with -j above 1 a change to the copy is blamed on the submission that made it, never
        # on one running beside it.
        worker = workers.take()
        try:
            result = _in_worker(worker, submission, trainee, workers)
            tampered = worker.private.changed()
            if tampered:
                _mark_tampered(result, [str(Path(p).relative_to(worker.private.root))
                                        for p in tampered])
        finally:
            worker.private.close()
        with lock:
            done += 1
            if progress:
                progress(done, len(submissions))
        return result

    workers = _Workers(source, limits, total=len(submissions), ahead=max(1, jobs),
                       kernel_users=kernel_users)
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        results = list(pool.map(one, zip(names, submissions)))
    except BaseException:  # Ctrl-C: stop every worker now, not after the whole class
        workers.stop_all()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
        workers.close()
    write_class(ClassResults.of(exercise, results), out)
    return results


_BOOT = ("import sys, runpy; sys.path.insert(0, sys.argv[1]); "
         "runpy.run_module('minichain.grading.worker', run_name='__main__')")


@dataclass
class _Worker:
    """A worker process, its private copy of minichain and the limits of its kernel (run_as:
    the Unix user the kernel runs as, lent to it by the pool)."""

    private: PrivateCopy
    process: subprocess.Popen
    limits: KernelLimits


class _Workers:
    """Worker processes started ahead of the submissions they will grade.

    Each worker has its own private copy of minichain (PrivateCopy), imports it, starts a fresh
    kernel and waits; a submission handed to it starts running at once instead of waiting for
    Python, minichain and the kernel to start. Isolation is unchanged: a worker and its kernel
    grade exactly one submission and are then gone. `ahead` workers wait at most, and no more
    are started than there are submissions. `stop_all` (Ctrl-C) kills every one.

    With `kernel_users`, every kernel alive at one time runs as a Unix user of its own
    (minichain.grading.kernel_user): a user is lent to one worker, and only when it has finished
    and every process of that user has ended is it lent again. A worker waits for a free user,
    so the users bound how many kernels run, and wait, at once."""

    def __init__(self, source: str | Path, limits: KernelLimits, total: int, ahead: int,
                 kernel_users: Sequence[str] = ()):
        self.source, self.limits = source, limits
        self.left, self.ahead = total, ahead
        self.free_users = deque(kernel_users)
        self.pooled = bool(kernel_users)
        self.ready: deque[_Worker] = deque()
        self.running: set[subprocess.Popen] = set()
        self.lock = threading.Lock()
        self.user_returned = threading.Condition(self.lock)
        self.stopping = False

    def take(self) -> _Worker:
        """A waiting worker (started now if none is ready); more are started behind it."""
        with self.lock:
            if not self.ready:
                while self.pooled and not self.free_users and not self.stopping:
                    self.user_returned.wait()
            if self.stopping:
                raise KeyboardInterrupt
            worker = self.ready.popleft() if self.ready else self._start()
            while len(self.ready) < self.ahead and self.left > 0 and (
                    self.free_users or not self.pooled):
                self.ready.append(self._start())
            return worker

    def _start(self) -> _Worker:
        self.left -= 1
        limits = self.limits
        if self.pooled:
            limits = replace(limits, run_as=self.free_users.popleft())
            end_every_process_of(limits.run_as)  # a kernel left by a run that was killed
        private = PrivateCopy(self.source, limits.run_as)
        process = subprocess.Popen(
            [sys.executable, "-I", "-B", "-c", _BOOT, str(private.root),
             json.dumps(asdict(limits))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True, cwd=tempfile.gettempdir())
        self.running.add(process)
        return _Worker(private, process, limits)

    def finished(self, worker: _Worker) -> None:
        """The worker is done (or failed): it is stopped, and its kernel's user is free again."""
        with self.lock:
            self.running.discard(worker.process)
        if worker.process.poll() is None:
            _kill(worker.process)
        if self.pooled:
            end_every_process_of(worker.limits.run_as)
            with self.lock:
                self.free_users.append(worker.limits.run_as)
                self.user_returned.notify()

    def stop_all(self) -> None:
        with self.lock:
            self.stopping = True
            self.user_returned.notify_all()
            for process in self.running:
                _kill(process, wait=False)

    def close(self) -> None:
        """Workers started but never used (a batch that stopped early): sent away, copies removed."""
        with self.lock:
            left, self.ready = list(self.ready), deque()
        for worker in left:
            try:
                worker.process.communicate("", timeout=10)  # no job: it stops its kernel, exits
            except (subprocess.TimeoutExpired, OSError, ValueError):
                pass
            self.finished(worker)
            worker.private.close()


def _kill(process: subprocess.Popen, wait: bool = True) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass
    if wait:
        process.wait()


def _in_worker(worker: _Worker, submission: str | Path, trainee: str,
               workers: _Workers) -> GradeResult:
    """Grade in a fresh Python process; a worker that fails costs only this submission.

    It runs isolated (`python -I -B`: no current folder, no PYTHONPATH, no user site, no .pyc
    files) and imports minichain from the grader's private copy."""
    source, process, limits = worker.private.source, worker.process, worker.limits
    job = json.dumps({"source": str(source),
                      "submission": str(Path(submission).resolve()),
                      "trainee": trainee, "limits": asdict(limits)})
    budget = limits.notebook_timeout + limits.cell_timeout + 240  # + kernel start and checks
    try:
        stdout, stderr = process.communicate(job, timeout=budget)
        lines = stdout.strip().splitlines()
        if process.returncode == 0 and lines:
            return GradeResult.from_json(lines[-1])
        reason = (stderr.strip().splitlines()
                  or [say("exit code {code}", code=process.returncode)])[-1]
    except subprocess.TimeoutExpired:
        reason = say("it took longer than {seconds:g} seconds", seconds=budget)
    except (OSError, ValueError, TypeError, KeyError) as problem:
        reason = f"{type(problem).__name__}: {problem}"
    finally:
        workers.finished(worker)
    exercise = Exercise.read(source)
    message = say("not graded: the grader's worker failed ({reason}); please grade again.",
                  reason=reason[:200])
    return GradeResult(trainee, str(submission), "not graded", _zero(exercise, message), [message])
