"""Every exercise: its release is up to date, a trainee who answers everything right scores
full marks and one who hands in the release unanswered scores zero — graded for real, each in
its own kernel, through the `minichain grade` command an instructor types."""

from __future__ import annotations

import csv
import json

import pytest

from minichain import cli
from minichain.grading.exercise import Exercise, released_json

from grading_helpers import ROOT, SOURCES, grade_right_and_unanswered

LESSONS_WITH_PRACTICE = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12")


def test_there_is_an_exercise_for_every_lesson_with_something_to_practise():
    numbers = {source.name[:2] for source in SOURCES}
    assert set(LESSONS_WITH_PRACTICE) <= numbers


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_the_released_notebook_is_up_to_date(source):
    target = ROOT / "exercises" / source.name
    assert target.is_file(), f"{target} is missing: run `minichain release`"
    assert target.read_text(encoding="utf-8") == released_json(Exercise.read(source)), \
        f"{target} is out of date: run `minichain release`"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_the_release_holds_no_solution_and_no_hidden_test(source):
    text = (ROOT / "exercises" / source.name).read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    exercise = Exercise.read(source)
    notebook = json.loads(text)
    for question in exercise.questions:
        for name in question.answer_names:
            assert f"{name} = ...  # your answer here" in text
    assert all(cell.get("outputs", []) == [] for cell in notebook["cells"])


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_a_right_answer_scores_full_marks_and_the_release_scores_zero(source, tmp_path, capsys):
    exercise = Exercise.read(source)
    code, graded = grade_right_and_unanswered(source, tmp_path)
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    rows = read_rows(graded / "grades.csv")
    top = exercise.max_points
    by_hand = sum(q.points for q in exercise.questions if q.by_hand)
    assert (rows["right"]["total"], rows["right"]["status"]) == (str(top - by_hand), "ok"), rows
    assert (rows["unanswered"]["total"], rows["unanswered"]["status"]) == ("0", "ok"), rows
    assert f"{top - by_hand}/{top}  ok" in out and f"0/{top}  ok" in out
    assert "Graded 2 submissions" in out
    if by_hand:     # the instructor reads the written answers and gives the model answer full marks
        sheet = tmp_path / "graded" / "written-answers.csv"
        with sheet.open(encoding="utf-8-sig") as handle:
            written = list(csv.DictReader(handle))
        assert {row["trainee"] for row in written} == {"right"}, written
        for row in written:
            row["points"] = row["max points"]
        with sheet.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(written[0]))
            writer.writeheader()
            writer.writerows(written)
        assert cli.main(["merge-written", str(tmp_path / "graded")]) == 0
        capsys.readouterr()
        rows = read_rows(tmp_path / "graded" / "grades.csv")
        assert rows["right"]["total"] == str(top) and rows["unanswered"]["total"] == "0", rows


def read_rows(gradebook_path) -> dict[str, dict[str, str]]:
    with gradebook_path.open(encoding="utf-8-sig") as gradebook:
        return {row["trainee"]: row for row in csv.DictReader(gradebook)}
