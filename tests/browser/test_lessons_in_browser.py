"""Every lesson as a trainee sees it: opened in JupyterLab in Chromium, every cell run through
the Run menu, every widget drawn, and the lesson's main widget used by hand.

nbval proves that the kernel side gives the saved outputs; only a browser shows whether a
widget actually renders, whether its buttons respond and whether a lesson looks broken. For
each lesson in lessons/ this test opens it, clears the saved outputs, runs all cells, and
checks that no cell shows an error, that every code cell ran, and that every widget the lesson
displays is on the page and drawn (no "Error displaying widget", nothing left loading); then
it plays the lesson's interaction from `lesson_interactions.INTERACTIONS` (type into a block
and see it turn red, move a slider and mine, click through an escrow, step the network …).
Screenshots of each step go to test-artifacts/browser/<lesson>/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from jupyterlab_driver import WIDGET_MIME, LessonPage, widget_outputs_saved
from lesson_interactions import (INTERACTIONS, Choose, Click, ClickIcon, Interaction, See,
                                 SeeCount, SeeDisabled, Slide, Snap, Tick, Type)

LESSONS_DIR = Path(__file__).resolve().parent.parent.parent / "lessons"
LESSONS = sorted(LESSONS_DIR.glob("[0-9][0-9]-*.ipynb"))

# How long a widget may take to answer a click or a keystroke (a round trip to the kernel;
# "Seal again" mines a block at 16 zero bits in pure Python).
ANSWER_MS = 30_000


def play(page: LessonPage, interaction: Interaction) -> None:
    from playwright.sync_api import expect

    widget = page.widget_of_cell(interaction.cell, interaction.nth)
    widget.wait_for(state="visible")

    def button(text: str, nth: int):
        # found by its text, not its accessible name: an icon's glyph is part of the latter
        return widget.locator("button").filter(
            has_text=re.compile(rf"^\s*{re.escape(text)}\s*$")).nth(nth)

    for number, step in enumerate(interaction.steps, 1):
        where = f"{interaction.story}\nstep {number}: {step}"
        if isinstance(step, Type):
            box = widget.get_by_label(step.label, exact=True).nth(step.nth)
            box.click()
            box.press("Control+A")
            box.press_sequentially(step.text)
            box.press("Tab")
        elif isinstance(step, Click):
            page.wait_until_the_kernel_has_caught_up()
            target = button(step.button, step.nth)
            expect(target, where).to_be_enabled(timeout=ANSWER_MS)
            target.click()
        elif isinstance(step, ClickIcon):
            page.wait_until_the_kernel_has_caught_up()
            target = widget.locator(f"button:has(.fa-{step.icon})").nth(step.nth)
            expect(target, where).to_be_enabled(timeout=ANSWER_MS)
            target.click()
        elif isinstance(step, Choose):
            widget.get_by_label(step.label, exact=True).nth(step.nth).select_option(
                label=step.option)
        elif isinstance(step, Tick):
            widget.get_by_label(step.label, exact=True).nth(step.nth).set_checked(step.ticked)
        elif isinstance(step, SeeDisabled):
            expect(button(step.button, step.nth), where).to_be_disabled(timeout=ANSWER_MS)
        elif isinstance(step, Slide):
            handle = widget.locator(".widget-slider .noUi-handle").nth(step.nth)
            handle.focus()
            for _ in range(step.times):
                handle.press(step.key)
        elif isinstance(step, See):
            part = widget.locator(step.within).first if step.within else widget
            expect(part, where).to_contain_text(step.text, timeout=ANSWER_MS)
        elif isinstance(step, SeeCount):
            expect(widget.locator(step.selector), where).to_have_count(step.count,
                                                                       timeout=ANSWER_MS)
        elif isinstance(step, Snap):
            page.screenshot(step.label, widget)
        else:  # pragma: no cover - a new kind of step needs a line above
            raise TypeError(f"unknown step {step!r}")


def run_all_and_check(page: LessonPage, saved: Path):
    """Run every cell (outputs cleared first), screenshot the page and each widget, and check
    that no cell shows an error, every code cell ran, and every widget the saved notebook
    `saved` displays is on the page and drawn; returns the page's top-level widgets."""
    lesson = saved.name
    page.run_all()
    report = page.report()
    page.screenshot("after-run-all")
    widgets = page.top_level_widgets()
    for index in range(report.widgets):
        page.screenshot(f"widget-{index + 1}", widgets.nth(index))

    assert not report.errors, f"{lesson} shows an error after Run All:\n" + \
        "\n---\n".join(report.errors)
    not_run = [i + 1 for i, p in enumerate(report.prompts) if not re.fullmatch(r"\[\d+\]:", p)]
    assert not not_run, f"{lesson}: code cells {not_run} did not run: {report.prompts}"
    assert not report.widget_problems, f"{lesson}: " + "; ".join(report.widget_problems)
    expected = widget_outputs_saved(saved)
    assert report.widgets == expected, (
        f"{lesson} displays {expected} widget(s) in its saved outputs, but the page shows "
        f"{report.widgets} after Run All")
    assert not page.console, f"{lesson}: JavaScript errors on the page: {page.console}"
    return widgets


@pytest.mark.parametrize("lesson", [p.name for p in LESSONS], ids=lambda n: Path(n).stem)
def test_a_trainee_runs_the_lesson_and_uses_its_widget(lesson, lab, browser, lesson_artifacts):
    page = LessonPage(browser, lab, lesson, artifacts=lesson_artifacts)
    try:
        page.open()
        run_all_and_check(page, LESSONS_DIR / lesson)
        for interaction in INTERACTIONS.get(Path(lesson).stem, ()):
            play(page, interaction)
    finally:
        page.close()


def test_every_lesson_with_a_widget_has_its_main_interaction():
    """A new lesson with a widget needs its entry in lesson_interactions.INTERACTIONS."""
    missing = [p.stem for p in LESSONS if widget_outputs_saved(p) and p.stem not in INTERACTIONS]
    assert not missing, f"add the main interaction of {missing} to tests/browser/" \
                        "lesson_interactions.py"


def test_every_interaction_belongs_to_a_lesson():
    stems = {p.stem for p in LESSONS}
    assert set(INTERACTIONS) <= stems, f"no such lesson: {sorted(set(INTERACTIONS) - stems)}"


@pytest.mark.parametrize("stem", sorted(INTERACTIONS))
def test_every_interaction_finds_the_cell_that_shows_its_widget(stem):
    """Checked in the saved notebook, without a browser, so that a lesson edit that moves a
    widget shows up on every machine."""
    notebook = LESSONS_DIR / f"{stem}.ipynb"
    if not notebook.exists():
        pytest.skip(f"{notebook.name} is not there")
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    showing = ["".join(c["source"]) for c in cells if c["cell_type"] == "code" and any(
        WIDGET_MIME in o.get("data", {}) for o in c.get("outputs", []))]
    for interaction in INTERACTIONS[stem]:
        matches = [source for source in showing if interaction.cell in source]
        assert len(matches) > interaction.nth, (
            f"{stem}: no code cell that contains {interaction.cell!r} displays a widget "
            f"(number {interaction.nth + 1} wanted, {len(matches)} found)")
