"""The instructor pack (instructors/) must keep up with the lessons it describes.

An instructor plans a day from the schedules, leads a discussion from discussion.md and
translates from glossary.md. Each test below fails, naming what to fix, when a lesson changes
and the pack does not: a lesson left out of a schedule, a schedule whose minutes do not add up,
a "What this means for your shop" box without a discussion, a glossary row without Chinese, or
a term the lessons no longer use.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "instructors"
LESSONS = {path.name[:2]: path for path in sorted((ROOT / "lessons").glob("[0-9][0-9]-*.ipynb"))}
BOX = re.compile(r"^\s*>\s*\*\*What this means for your shop\*\*", re.IGNORECASE)
CJK = re.compile(r"[\u4e00-\u9fff]")


def cells(number: str, kind: str = "markdown") -> list[str]:
    notebook = json.loads(LESSONS[number].read_text(encoding="utf-8"))
    return ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == kind]


def everything_shown(number: str) -> str:
    """A lesson's text, code and saved outputs: what a trainee sees on the page."""
    notebook = json.loads(LESSONS[number].read_text(encoding="utf-8"))
    parts = []
    for cell in notebook["cells"]:
        parts.append("".join(cell["source"]))
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            parts.append("".join(text))
    return "\n".join(parts)


def section(text: str, heading: str) -> str:
    """From the heading line that starts with `heading` to the next heading of its level or
    higher."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    level = len(heading) - len(heading.lstrip("#"))
    end = next((i for i in range(start + 1, len(lines))
                if re.match(rf"#{{1,{level}}} ", lines[i])), len(lines))
    return "\n".join(lines[start:end])


def lesson_numbers(text: str) -> set[str]:
    """Every lesson named as "Lesson 04", "lessons 06, 10 and 11" or "lesson 05"."""
    found: set[str] = set()
    for match in re.finditer(r"[Ll]essons? (\d\d(?:(?:, | and )\d\d)*)", text):
        found.update(re.findall(r"\d\d", match.group(1)))
    return found


GUIDE = (PACK / "README.md").read_text(encoding="utf-8")
SCHEDULES = ["### One-day course", "### Two half-days"]
TIMED = re.compile(r"^(#{3,4} .*?) — (\d+) minutes(?: \((\d\d:\d\d)–(\d\d:\d\d)\))?",
                   re.MULTILINE)
ROW = re.compile(r"^\| (\d\d:\d\d) \| (\d+) \| (.+?) \|$", re.MULTILINE)


def test_the_pack_covers_thirteen_lessons():
    assert sorted(LESSONS) == [f"{n:02d}" for n in range(13)]


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_every_lesson_has_a_place_in_each_schedule(schedule):
    missing = set(LESSONS) - lesson_numbers(section(GUIDE, schedule))
    assert not missing, f"{schedule[4:]} does not say when lessons {sorted(missing)} are done"


@pytest.mark.parametrize("heading, total, start, end",
                         [m.groups() for m in TIMED.finditer(GUIDE)],
                         ids=[m.group(1).lstrip("# ") for m in TIMED.finditer(GUIDE)])
def test_a_schedule_adds_up_to_its_header(heading, total, start, end):
    body = section(GUIDE, heading)
    rows = ROW.findall(body)
    assert rows, f"{heading} has no timetable"
    minutes = sum(int(m) for _, m, _ in rows)
    assert minutes == int(total), f"{heading} says {total} minutes, its rows add up to {minutes}"
    own_rows = ROW.findall(body.split("\n#", 1)[0])  # a table directly under this heading
    if own_rows and start:
        clock = datetime.strptime(start, "%H:%M")
        for at, length, what in own_rows:
            assert at == clock.strftime("%H:%M"), f"'{what}' starts at {at}, not {clock:%H:%M}"
            clock += timedelta(minutes=int(length))
        assert clock.strftime("%H:%M") == end, f"{heading} ends at {clock:%H:%M}, not {end}"


def test_the_schedules_count_the_lessons_minutes_the_tool_measures(monkeypatch):
    """The table in the guide is the tool's output, not numbers typed in by hand."""
    monkeypatch.syspath_prepend(str(ROOT / "tools"))
    from lesson_sizes import measure_all

    for size in measure_all():
        row = f"| {size.name} | {size.markdown_words:,} | {size.code_cells} | " \
              f"{size.widget_cells} | {size.minutes} | {size.questions} |"
        assert row in GUIDE, f"the guide's size table is out of date for {size.name}: run " \
                             "tools/lesson_sizes.py --markdown and paste its table"


@pytest.mark.parametrize("number", sorted(LESSONS))
def test_every_lesson_has_objectives_and_misconceptions(number):
    body = section(GUIDE, f"### {number} ·")
    objectives, misconceptions = body.split("After this lesson a trainee can:")[1].split(
        "Common misconceptions:")
    count = len(re.findall(r"^- ", objectives, re.MULTILINE))
    assert 2 <= count <= 4, f"lesson {number} has {count} learning objectives, not 2 to 4"
    assert re.search(r"^- \*.+\* \S", misconceptions, re.MULTILINE), \
        f"lesson {number} lists no misconception with its correction"


DISCUSSION = (PACK / "discussion.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("number", sorted(LESSONS))
def test_every_shop_box_has_a_discussion(number):
    boxes = sum(1 for text in cells(number) if BOX.match(text))
    entries = re.findall(rf"^## Lesson {number} ", DISCUSSION, re.MULTILINE)
    assert len(entries) == boxes, \
        f"lesson {number} has {boxes} 'What this means for your shop' box(es), " \
        f"discussion.md has {len(entries)} entries for it"
    if boxes:
        body = section(DISCUSSION, f"## Lesson {number} ")
        for part in ("**The box says:**", "**Prompt:**", "**Model answer:**"):
            assert re.search(re.escape(part) + r" \S", body), f"lesson {number}: {part} is empty"


@pytest.mark.parametrize("number", sorted(LESSONS))
def test_model_answers_cite_only_numbers_their_lesson_shows(number):
    body = section(DISCUSSION, f"## Lesson {number} ")
    answer = body.split("**Model answer:**")[1]
    answer = re.sub(r"[Ll]essons? \d\d(?:(?:, | and )\d\d)*", "", answer)  # cross-references
    shown = everything_shown(number).replace(",", "")
    for figure in re.findall(r"\d[\d,.]*\d|\d", answer):
        assert figure.replace(",", "") in shown, \
            f"the model answer for lesson {number} cites {figure}, which the lesson never shows"


GLOSSARY = [[part.strip() for part in line.strip("|").split("|")]
            for line in section((PACK / "glossary.md").read_text(encoding="utf-8"),
                                "## Terms").splitlines()
            if line.startswith("| ") and not line.startswith(("| English", "|---"))]
LESSON_TEXT = {number: "\n".join(cells(number) + cells(number, "code")) for number in LESSONS}


def test_the_glossary_has_its_terms():
    assert len(GLOSSARY) >= 60


@pytest.mark.parametrize("row", GLOSSARY, ids=[row[0] for row in GLOSSARY])
def test_a_glossary_row_is_complete_and_used_by_its_lessons(row):
    english, chinese, meaning, where = row
    assert english and meaning, f"glossary row {row} lacks its English term or its meaning"
    assert CJK.search(chinese), f"'{english}' has no Chinese term"
    term = english.split(" (")[0]
    listed = re.findall(r"\b\d\d\b", where)
    assert listed and set(listed) <= set(LESSONS), f"'{english}' names no real lesson: {where}"
    pattern = re.compile(rf"(?<!\w){re.escape(term)}", re.IGNORECASE)
    assert any(pattern.search(LESSON_TEXT[n]) for n in listed), \
        f"'{term}' appears in none of the lessons its row names ({where})"


def test_the_pack_is_linked_where_instructors_look():
    for readme in (ROOT / "README.md", ROOT / "exercises" / "README.md"):
        assert "instructors/" in readme.read_text(encoding="utf-8"), \
            f"{readme.relative_to(ROOT)} does not point to the instructor pack"
