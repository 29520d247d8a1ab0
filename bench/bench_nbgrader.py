"""nbgrader's own documentation example, graded by `nbgrader autograde` and by `minichain grade`
side by side: the points of every graded cell, and the seconds a submission.

The example is nbgrader's problem set "ps1" (nbgrader/docs/source/user_guide: the instructor's
source and the submissions of the students "bitdiddle" and "hacker"; copied, with nbgrader's
licence, into tests/nbgrader_ps1/). nbgrader runs from a throwaway environment of its own,
never the project's: $NBGRADER_ENV, or ~/.cache/minichain-bench/nbgrader-0.9.6, created with
`pip install nbgrader==0.9.6` on the first run (from PyPI).

    .venv/bin/python bench/run.py nbgrader            # the comparison
    .venv/bin/python bench/bench_nbgrader.py --record # also rewrite the test's record of
                                                      # nbgrader's points
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from minichain.grading.grader import grade

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "nbgrader_ps1"
RECORD = EXAMPLE / "nbgrader-autograde.json"
VERSION = "0.9.6"
STUDENTS = ("bitdiddle", "hacker")
NOTEBOOKS = ("problem1", "problem2")
ROUNDS = 2

READ_GRADEBOOK = """
import json, sys
from nbgrader.api import Gradebook
scores = {}
with Gradebook("sqlite:///" + sys.argv[1]) as gradebook:
    for student in sys.argv[2:]:
        submission = gradebook.find_submission("ps1", student)
        for notebook in submission.notebooks:
            for cell in notebook.grades:
                scores[f"{student}/{notebook.name}/{cell.name}"] = cell.auto_score
print(json.dumps(scores, sort_keys=True))
"""


def nbgrader_env() -> Path:
    env = Path(os.environ.get("NBGRADER_ENV") or
               Path.home() / ".cache" / "minichain-bench" / f"nbgrader-{VERSION}")
    if not (env / "bin" / "nbgrader").exists():
        print(f"  creating a throwaway environment for nbgrader {VERSION} in {env} …")
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
        subprocess.run([str(env / "bin" / "pip"), "install", "--quiet", f"nbgrader=={VERSION}"],
                       check=True)
    return env


def nbgrader_course(env: Path, course: Path) -> tuple[float, dict[str, float | None]]:
    """Autograde ps1 with nbgrader; its best time for the whole class and its points."""
    run_env = {**os.environ, "PATH": f"{env / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    run_env.pop("PYTHONPATH", None)

    def nbgrader(*args: str) -> None:
        subprocess.run([str(env / "bin" / "nbgrader"), *args], cwd=course, env=run_env,
                       check=True, capture_output=True)

    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\n")
    for part in ("source", "submitted"):
        subprocess.run(["cp", "-r", str(EXAMPLE / part), str(course)], check=True)
    nbgrader("db", "assignment", "add", "ps1")
    for student in STUDENTS:
        nbgrader("db", "student", "add", student)
    nbgrader("generate_assignment", "ps1", "--force")
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        nbgrader("autograde", "ps1", "--force")
        best = min(best, time.perf_counter() - started)
    scores = subprocess.run([str(env / "bin" / "python"), "-c", READ_GRADEBOOK,
                             str(course / "gradebook.db"), *STUDENTS], env=run_env, check=True,
                            capture_output=True, text=True).stdout
    return best, json.loads(scores)


def minichain_course(out: Path) -> tuple[float, dict[str, float | None]]:
    """Grade ps1 with minichain grade (-j 1); its best time for the class and its points."""
    best, scores = float("inf"), {}
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for notebook in NOTEBOOKS:
            submissions = [EXAMPLE / "submitted" / s / "ps1" / f"{notebook}.ipynb"
                           for s in STUDENTS]
            results = grade(EXAMPLE / "source" / "ps1" / f"{notebook}.ipynb", submissions,
                            out / notebook)
            for result in results:
                for question in result.questions:
                    scores[f"{result.trainee}/{notebook}/{question.name}"] = \
                        question.points if question.graded else None
        best = min(best, time.perf_counter() - started)
    return best, scores


def main(record: bool = False) -> None:
    env = nbgrader_env()
    with tempfile.TemporaryDirectory(prefix="bench-nbgrader-") as folder:
        root = Path(folder)
        (root / "course").mkdir()
        theirs_seconds, theirs = nbgrader_course(env, root / "course")
        ours_seconds, ours = minichain_course(root / "graded")
    print(f"  {'cell':<50} {'nbgrader':>9} {'minichain':>9}   (by hand: left to a person)")
    for key in sorted(theirs):
        show = ["by hand" if v is None else "missing" if v == "-" else f"{v:g}"
                for v in (theirs[key], ours.get(key, "-"))]
        print(f"  {key:<50} {show[0]:>9} {show[1]:>9}")
    same = theirs == ours
    print(f"  the same points for every cell: {'yes' if same else 'NO'}")
    per = len(STUDENTS)
    print(f"  nbgrader {VERSION} autograde  {theirs_seconds / per:6.2f} s per submission "
          f"(ps1: 2 notebooks)")
    print(f"  minichain grade -j 1        {ours_seconds / per:6.2f} s per submission  "
          f"(minichain ÷ nbgrader: {ours_seconds / theirs_seconds:.2f})")
    if record:
        RECORD.write_text(json.dumps({"nbgrader": VERSION, "autograde": theirs}, indent=1,
                                     sort_keys=True) + "\n")
        print(f"  recorded nbgrader's points in {RECORD.relative_to(ROOT)}")


if __name__ == "__main__":
    main(record="--record" in sys.argv[1:])
