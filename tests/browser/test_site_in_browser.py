"""The browser edition as a trainee on a locked-down office laptop meets it: the JupyterLite site
(`make site`, tools/build_site.py) built once for the session, served as static files on
127.0.0.1, each lesson opened from it in Chromium and run in the browser's own Python (Pyodide),
every cell run, no error, every widget drawn — and not one request leaving 127.0.0.1, since the
site must work offline and fetch nothing from anywhere but itself.

Then the lesson is saved in the page, as a trainee saves it, and what the browser stored is
compared, cell by cell, with the desktop lesson's committed outputs (the ones strict nbval checks
on every change), the way nbval compares them (tests/browser/notebook_outputs.py), so the two
editions cannot drift apart. A difference is allowed only by an entry of ALLOWED, with its
reason; anything else fails with the lesson, the cell and a short diff.

Lessons that cannot run in the browser yet are listed in NOT_YET with the reason, as strict
expected failures: the day one starts to work, its test says so.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from jupyterlab_driver import LessonPage, expose_jupyterlite_app
from notebook_outputs import (NBVAL_IGNORE_OUTPUT, Allowed, compare_notebooks, load,
                              nbval_exempts, report)
from test_lessons_in_browser import run_all_and_check

CJK = re.compile(r"[\u4e00-\u9fff]")
REPO = Path(__file__).resolve().parent.parent.parent
LESSONS = sorted((REPO / "lessons").glob("[0-9][0-9]-*.ipynb")) + \
    sorted((REPO / "lessons" / "zh_CN").glob("[0-9][0-9]-*.ipynb"))
NOT_YET: dict[str, str] = {}  # lesson path -> why it cannot run in the browser yet

# The only differences allowed between a lesson's outputs in the browser edition and its
# committed (desktop) outputs. Each entry: the lessons (a shell pattern on the path, `*` crossing
# `/`), the cells (a regular expression searched in the source), what may differ (a regular
# expression, or None for the cell's whole output) and why.
ALLOWED = (
    Allowed("lessons/*", cell=NBVAL_IGNORE_OUTPUT,
            reason="outputs that differ on every run or machine and that strict nbval does not "
                   "compare on the desktop either: wall-clock speeds and the signature libraries "
                   "found (lesson 10), the AES-GCM library the vault runs on (lesson 08)"),
)


def _name(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.mark.parametrize("lesson", [pytest.param(
    _name(path), id=_name(path).removeprefix("lessons/").removesuffix(".ipynb"),
    marks=[pytest.mark.xfail(strict=True, reason=NOT_YET[_name(path)])]
    if _name(path) in NOT_YET else []) for path in LESSONS])
def test_a_trainee_runs_the_lesson_in_the_browser_edition(lesson, site_server, browser,
                                                          artifacts):
    folder = artifacts / "site" / lesson.removesuffix(".ipynb").replace("/", "-")
    page = LessonPage(browser, site_server, lesson, artifacts=folder)
    expose_jupyterlite_app(page.context)  # to save the lesson and read it back
    outside: list[str] = []
    page.page.on("request", lambda request: outside.append(request.url) if not
                 request.url.startswith((site_server.url, "data:", "blob:")) else None)
    try:
        page.open()
        widgets = run_all_and_check(page, REPO / lesson)
        if "zh_CN" in lesson and widgets.count():  # the kernel runs in the lesson's folder
            assert CJK.search(widgets.first.inner_text()), f"{lesson}: its widgets are not Chinese"
        saved = page.saved_notebook()
        (folder / "saved-in-the-browser.ipynb").write_text(  # for a look when outputs differ
            json.dumps(saved, ensure_ascii=False, indent=1), encoding="utf-8")
        assert outside == [], f"{lesson}: requests that left 127.0.0.1: {outside[:5]}"
        differences = compare_notebooks(load(REPO / lesson), saved, lesson, ALLOWED)
        assert not differences, report(differences)
    finally:
        page.close()


def _code_cells(path: Path) -> list[dict]:
    return [dict(cell, source="".join(cell["source"])) for cell in load(path)["cells"]
            if cell["cell_type"] == "code"]


def test_every_allowed_difference_picks_cells_of_the_committed_lessons():
    """An entry that no longer picks any code cell allows nothing and goes (no browser needed)."""
    unused = [entry for entry in ALLOWED if not any(
        entry.applies_to(_name(path), cell["source"]) for path in LESSONS
        for cell in _code_cells(path))]
    assert not unused, f"entries of ALLOWED that pick no code cell: {unused}"


def test_every_cell_nbval_leaves_unchecked_is_exempt_through_the_table():
    """A cell strict nbval does not compare on the desktop (its markers and tags read by nbval's
    own functions) is exempt here only through an entry of ALLOWED: a cell exempt there some
    other way than `# NBVAL_IGNORE_OUTPUT` (a tag, say) shows up here and needs its entry."""
    missing = [f"{_name(path)}: {cell['source'].splitlines()[0]!r}" for path in LESSONS
               for cell in _code_cells(path) if nbval_exempts(cell) and not any(
                   entry.text is None and entry.applies_to(_name(path), cell["source"])
                   for entry in ALLOWED)]
    assert not missing, f"cells nbval leaves unchecked that ALLOWED does not exempt: {missing}"
