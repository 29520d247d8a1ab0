"""The Chinese exercises: exercises/zh_CN/source/ is built from the English sources and their
catalogs (tools/translate_notebooks.py; code identical, tests/test_translations.py), released
into exercises/zh_CN/, and graded like the English ones: an instructor with a Chinese class runs
`minichain grade exercises/zh_CN/source/NN.ipynb submissions/`, a trainee who answers right
scores full marks, one who hands in the release scores zero, and both read their feedback — the
✔/✘ lines, the hints and the explanations of mistakes — in Chinese."""

from __future__ import annotations

import csv
import re

import pytest

from minichain.grading.exercise import Exercise, released_json

from grading_helpers import ROOT, SOURCES, grade_right_and_unanswered

CHINESE_SOURCES = sorted((ROOT / "exercises" / "zh_CN" / "source").glob("*.ipynb"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_exercise_has_its_chinese_edition():
    assert [p.name for p in CHINESE_SOURCES] == [p.name for p in SOURCES]


@pytest.mark.parametrize("source", CHINESE_SOURCES, ids=lambda p: p.stem)
def test_the_chinese_release_is_up_to_date(source):
    target = ROOT / "exercises" / "zh_CN" / source.name
    assert target.is_file(), f"{target} is missing: run `make lessons`"
    assert target.read_text(encoding="utf-8") == released_json(Exercise.read(source)), \
        f"{target} is out of date: run `make lessons`"


@pytest.mark.parametrize("source", CHINESE_SOURCES, ids=lambda p: p.stem)
def test_a_chinese_class_is_graded_with_chinese_feedback(source, tmp_path, capsys):
    exercise = Exercise.read(source)
    code, graded = grade_right_and_unanswered(source, tmp_path)
    assert code == 0
    out, _ = capsys.readouterr()
    assert CJK.search(out), out  # the class table and the summary
    with (graded / "grades.csv").open(encoding="utf-8-sig") as sheet:
        rows = {row["trainee"]: row for row in csv.DictReader(sheet)}
    by_hand = sum(q.points for q in exercise.questions if q.by_hand)
    assert rows["right"]["total"] == str(exercise.max_points - by_hand), (
        rows, re.sub(r"<[^>]+>|\s+", " ", (graded / "feedback" / "right.html").read_text(
            encoding="utf-8"))[-1500:])
    assert rows["unanswered"]["total"] == "0", rows
    for trainee in ("right", "unanswered"):
        page = next((graded / "feedback").glob(f"{trainee}*")).read_text(encoding="utf-8")
        assert CJK.search(re.sub(r"<[^>]+>", "", page)), f"{trainee}'s feedback is not Chinese"
