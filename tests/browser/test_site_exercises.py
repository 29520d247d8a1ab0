"""Exercises in the browser edition, handed in and graded; and a lesson started fresh (#21).

A trainee of the browser edition (the JupyterLite site, tools/build_site.py, served on
127.0.0.1) has no project folder: what she saves is kept in her browser's storage (IndexedDB)
and shows in place of the file the site ships (jupyterlite issue #1067). So:

- she opens exercise 01 in the site, types her answers into the answer cells in the page's
  editor, runs every cell, reads the Check cells' verdicts, saves, and takes the notebook out of
  the browser the way the exercise's last cell ("Handing in") tells her: File > Download
  (JupyterLite's own download command, which saves and hands the browser the notebook's JSON);
  the instructor grades the downloaded files with the real `minichain grade` command, in a
  process of its own, against the exercise's source: all right is full marks, one slip is named
  in that trainee's feedback — in the English and in the Chinese edition;
- she changes a lesson, saves, and follows the site's "Start here" page to get the lesson back
  as shipped: close its tab, delete it in the file browser (which deletes only the browser's
  saved copy), open it again.

No request may leave 127.0.0.1 on any page. Screenshots go to test-artifacts/browser/
site-exercises/<story>/, with the downloaded notebooks (tests/fixtures/jupyterlite/ holds three
of them, for the grader's unit test, tests/test_grading_browser_edition.py).
"""

from __future__ import annotations

import ast
import csv
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from jupyterlab_driver import LessonPage

from minichain.grading.exercise import PLACEHOLDER, Exercise

REPO = Path(__file__).resolve().parent.parent.parent
MINICHAIN = Path(sys.executable).with_name("minichain")
EXERCISE = "01-fingerprints-and-tamper-evidence.ipynb"
LESSON = "lessons/01-fingerprints-and-tamper-evidence.ipynb"
GRADING = 600  # seconds for `minichain grade` on two submissions, generous for a busy machine


@dataclass(frozen=True)
class Edition:
    """Where an edition's trainees find exercise 01, and its instructor the source."""

    language: str
    folder: str            # the released exercises, as the site serves them

    @property
    def notebook(self) -> str:
        return f"{self.folder}/{EXERCISE}"

    @property
    def source(self) -> Path:
        return REPO / self.folder / "source" / EXERCISE


EDITIONS = [Edition("en", "exercises"), Edition("zh_CN", "exercises/zh_CN")]


# -- what the trainee does in the page ------------------------------------------------------------

def watch_requests(page: LessonPage, site_url: str) -> list[str]:
    """Every request the page makes to anywhere but the site (it must stay empty)."""
    outside: list[str] = []
    page.page.on("request", lambda request: outside.append(request.url) if not
                 request.url.startswith((site_url, "data:", "blob:")) else None)
    return outside


def cells(page: LessonPage):
    """The notebook's cells on the page, in the notebook's order (the site draws every cell)."""
    return page.page.locator(".jp-Notebook .jp-Cell")


def menu(page: LessonPage, menu: str, item: str) -> None:
    """Choose `menu` > `item` in the menu bar, the item found by its label alone (its
    accessible name also holds its shortcut, "Ctrl+S")."""
    page.page.locator(".lm-MenuBar-item", has_text=re.compile(rf"^{menu}$")).click()
    menu_item(page, item).click()


def menu_item(page: LessonPage, label: str):
    """The item labelled `label` in the menu open on the page (the menu bar's or a right
    click's)."""
    return page.page.locator(".lm-Menu-item").filter(has=page.page.locator(
        ".lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(label)}$")))


def code_editors(page: LessonPage):
    """The code cells' editors (a rendered markdown cell keeps a hidden one)."""
    return page.page.locator(".jp-Notebook .jp-CodeCell .cm-content")


def first_mistake(exercise: Exercise, question) -> str:
    """The first plausible mistake the question's `right_answer(...)` names, as typed (the
    wrong answers of tests/test_exercise_wrong_answers.py)."""
    for node in ast.walk(ast.parse(exercise.code(question.check_cell))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "right_answer":
            mistakes = {k.arg: k.value for k in node.keywords}.get("mistakes")
            if isinstance(mistakes, ast.Dict) and mistakes.keys:
                return ast.unparse(mistakes.keys[0])
    raise AssertionError(f"{question.name} names no mistake")


def answers(exercise: Exercise, slip: str | None = None) -> dict[int, list[tuple[str, str]]]:
    """For each answer cell (by index): each line the release leaves to the trainee and what she
    types there — the solution's line (tests/grading_helpers.solved), or for the question `slip`
    its first named mistake."""
    released, solved = exercise.release()["cells"], exercise.solved()["cells"]
    typed: dict[int, list[tuple[str, str]]] = {}
    for question in exercise.questions:
        for index in question.answer_cells:
            mine = released[index]["source"].splitlines()
            placeholders = [line for line in mine if line.endswith(PLACEHOLDER)]
            solutions = [line for line in solved[index]["source"].splitlines()
                         if line not in mine]
            assert len(placeholders) == len(solutions), (question.name, solutions)
            if question.name == slip:
                solutions = [line.replace(PLACEHOLDER, first_mistake(exercise, question))
                             for line in placeholders]
            typed[index] = list(zip(placeholders, solutions))
    return typed


def type_answers(page: LessonPage, typed: dict[int, list[tuple[str, str]]]) -> None:
    """In each answer cell's editor: click the `...  # your answer here` line, select it from
    its indentation to its end, and type the answer over it."""
    for index, lines in typed.items():
        editor = cells(page).nth(index).locator(".cm-content")
        for placeholder, answer in lines:
            line = editor.locator(".cm-line").filter(has_text=placeholder.strip())
            line.click()
            page.page.keyboard.press("End")
            page.page.keyboard.press("Shift+Home")
            page.page.keyboard.insert_text(answer.strip())
        page.page.keyboard.press("Escape")   # back to command mode, as after Shift + Enter


def typed_cells(exercise: Exercise, typed: dict[int, list[tuple[str, str]]]) -> dict[int, str]:
    """The answer cells as they should read once typed: the release's, each placeholder line
    replaced by what was typed over it (the indentation kept)."""
    cells_now = {}
    for index, lines in typed.items():
        text = exercise.release()["cells"][index]["source"]
        for placeholder, answer in lines:
            text = text.replace(placeholder, placeholder[:len(placeholder)
                                                         - len(placeholder.lstrip())]
                                + answer.strip())
        cells_now[index] = text
    return cells_now


def answer_cells(downloaded: Path, typed: dict[int, list[tuple[str, str]]]) -> dict[int, str]:
    """The answer cells in the downloaded notebook, as text."""
    notebook = json.loads(downloaded.read_text(encoding="utf-8"))
    return {index: "".join(notebook["cells"][index]["source"]) for index in typed}


def verdicts(page: LessonPage, exercise: Exercise) -> dict[str, str]:
    """What each question's Check cell printed on the page."""
    return {q.name: cells(page).nth(q.check_cell).locator(".jp-OutputArea-output").inner_text()
            for q in exercise.questions if not q.by_hand}


def save_and_download(page: LessonPage, target: Path) -> Path:
    """File > Save Notebook, then File > Download, as the exercise's last cell says; the file
    the browser receives is kept as `target`."""
    from playwright.sync_api import expect

    menu(page, "File", "Save Notebook")
    expect(page.page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0)
    with page.page.expect_download() as started:
        menu(page, "File", "Download")
    download = started.value
    assert download.suggested_filename.endswith(EXERCISE), download.suggested_filename
    target.parent.mkdir(parents=True, exist_ok=True)
    download.save_as(target)
    return target


def trainee_hands_in(browser, site_server, edition: Edition, folder: Path, trainee: str,
                     slip: str | None = None) -> Path:
    """One trainee, in a browser of her own: open the exercise, answer (all right, or with one
    slip), run all, read the checks, read how to hand in, save and download."""
    exercise = Exercise.read(edition.source)
    page = LessonPage(browser, site_server, edition.notebook, artifacts=folder / trainee)
    outside = watch_requests(page, site_server.url)
    try:
        page.open()
        assert cells(page).count() == len(exercise.release()["cells"])
        typed = answers(exercise, slip)
        type_answers(page, typed)
        page.screenshot("answered")
        page.run_all()
        report = page.report()
        assert report.errors == [], report.errors
        said = verdicts(page, exercise)
        for name, text in said.items():
            mark = "✘" if name == slip else "✔"
            assert re.match(rf"{mark} {name}\b", text), (trainee, said)
        page.screenshot("checked", cells(page).nth(exercise.questions[0].check_cell))
        hand_in = cells(page).last
        assert "File ▸ Download" in hand_in.inner_text(), hand_in.inner_text()
        page.screenshot("how-to-hand-in", hand_in)
        downloaded = save_and_download(page, folder / "downloads" / f"{trainee}.ipynb")
        assert outside == [], f"requests that left 127.0.0.1: {outside[:5]}"
        assert answer_cells(downloaded, typed) == typed_cells(exercise, typed)
        return downloaded
    finally:
        page.close()


# -- what the instructor does ---------------------------------------------------------------------

def grade(source: Path, handed_in: Path, graded: Path) -> dict[str, dict[str, str]]:
    """`minichain grade SOURCE handed-in/ --out graded/`, the real command in a process of its
    own; the gradebook's rows by trainee."""
    done = subprocess.run([str(MINICHAIN), "grade", str(source), str(handed_in), "--out",
                           str(graded)], capture_output=True, text=True, timeout=GRADING,
                          cwd=graded.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    with (graded / "grades.csv").open(encoding="utf-8-sig") as sheet:
        return {row["trainee"]: row for row in csv.DictReader(sheet)}


def feedback_rows(graded: Path, trainee: str) -> dict[str, str]:
    """The rows of a trainee's feedback page, by question."""
    page = (graded / "feedback" / f"{trainee}.html").read_text(encoding="utf-8")
    return {re.match(r"<tr><td>(\w+)", row)[1]: row
            for row in re.findall(r"<tr><td>.*?</tr>", page, flags=re.S)}


# -- the stories ----------------------------------------------------------------------------------

@pytest.mark.parametrize("edition", EDITIONS, ids=lambda e: e.language)
def test_two_trainees_hand_in_exercise_01_from_the_browser_and_are_graded(
        edition, site_server, browser, artifacts, tmp_path):
    folder = artifacts / "site-exercises" / f"exercise-01-{edition.language}"
    shutil.rmtree(folder, ignore_errors=True)
    exercise = Exercise.read(edition.source)
    assert not any(q.by_hand for q in exercise.questions)  # every point is the checks' to give
    slip = exercise.questions[0]

    # Alice answers every question right; Bob slips on the first one
    handed_in = tmp_path / "handed-in"
    handed_in.mkdir()
    for trainee, mistake in (("alice", None), ("bob", slip.name)):
        downloaded = trainee_hands_in(browser, site_server, edition, folder, trainee, mistake)
        shutil.copy2(downloaded, handed_in / downloaded.name)   # as if sent by e-mail

    rows = grade(edition.source, handed_in, tmp_path / "graded")
    top = f"{exercise.max_points:g}"
    assert (rows["alice"]["total"], rows["alice"]["status"]) == (top, "ok"), rows
    alice = feedback_rows(tmp_path / "graded", "alice")
    assert all('class="pass"' in row for row in alice.values()), alice
    assert 'class="note"' not in "".join(alice.values()), alice  # no cell looked changed

    assert rows["bob"]["status"] == "ok" and float(rows["bob"]["total"]) == \
        exercise.max_points - slip.points, rows
    assert rows["bob"][slip.name] == "0", rows
    bob = feedback_rows(tmp_path / "graded", "bob")
    assert 'class="fail"' in bob[slip.name] and slip.title in bob[slip.name], bob[slip.name]
    assert all('class="pass"' in row for name, row in bob.items() if name != slip.name), bob


def open_start_page(page: LessonPage, name: str, site_url: str) -> None:
    """The site's root, as a trainee first sees it, and one of its "Start here" pages."""
    from playwright.sync_api import expect

    page.page.goto(f"{site_url}/lab/index.html")
    item = page.page.locator(".jp-DirListing-item").filter(
        has_text=re.compile(rf"^{re.escape(name)}"))
    item.dblclick()
    expect(page.page.locator(".lm-TabBar-tab.jp-mod-current")).to_contain_text(name)


def test_a_trainee_starts_a_lesson_fresh_as_the_start_page_says(site_server, browser,
                                                                artifacts):
    from playwright.sync_api import expect

    folder = artifacts / "site-exercises" / "start-fresh"
    shutil.rmtree(folder, ignore_errors=True)
    page = LessonPage(browser, site_server, LESSON, artifacts=folder)
    outside = watch_requests(page, site_server.url)
    dock = page.page.locator("#jp-main-dock-panel")
    try:
        # the site's root has the "Start here" page in both languages
        open_start_page(page, "START-HERE.zh-CN.md", site_server.url)
        expect(dock).to_contain_text("这只会删除保存在这个浏览器里的副本")
        expect(dock).to_contain_text("File ▸ Download")
        page.screenshot("start-here-zh_CN")
        open_start_page(page, "START-HERE.md", site_server.url)
        expect(dock).to_contain_text("Start a lesson or an exercise fresh")
        expect(dock).to_contain_text("This deletes only the copy saved in this browser")
        page.screenshot("start-here")

        # she tries something in lesson 01 and saves: her copy now stands in for the lesson
        page.open()
        first_code = code_editors(page).first
        shipped = first_code.inner_text()
        first_code.click()
        page.page.keyboard.press("Control+Home")
        page.page.keyboard.insert_text("# my own try\n")
        page.page.keyboard.press("Escape")
        menu(page, "File", "Save Notebook")
        expect(page.page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0)
        page.page.reload()
        page.wait_for_idle_kernel()
        expect(code_editors(page).first).to_contain_text("# my own try")
        page.screenshot("her-copy")

        # the start page's steps: close the tab, delete the file, open it again
        menu(page, "File", "Close Tab")
        lesson = page.page.locator(".jp-DirListing-item").filter(
            has_text=re.compile(rf"^{re.escape(Path(LESSON).name)}"))
        lesson.click(button="right")
        menu_item(page, "Delete").click()
        page.screenshot("delete-asked")
        saved = lesson.get_attribute("title")      # name, size, created, modified: her copy's
        page.page.locator(".jp-Dialog").get_by_role("button", name="Delete").click()
        expect(lesson).not_to_have_attribute("title", saved)
        expect(lesson).to_have_count(1)            # the shipped lesson is back in its place
        lesson.dblclick()
        page.wait_for_idle_kernel()
        fresh = code_editors(page).first
        expect(fresh).to_contain_text("set_language")
        assert fresh.inner_text() == shipped, fresh.inner_text()
        page.screenshot("fresh")
        assert outside == [], f"requests that left 127.0.0.1: {outside[:5]}"
    finally:
        page.close()



def test_a_chinese_trainee_switches_the_site_to_chinese(site_server, browser, artifacts):
    """The site carries JupyterLab's Chinese language pack (built from the environment's
    jupyterlab-language-pack-zh-CN): Settings > Language > Chinese, and after the reload the
    menus are Chinese. The start page says where to find it."""
    from playwright.sync_api import expect

    folder = artifacts / "site-exercises" / "chinese-interface"
    shutil.rmtree(folder, ignore_errors=True)
    page = LessonPage(browser, site_server, "lessons/zh_CN/00-start-here.ipynb",
                      artifacts=folder)
    outside = watch_requests(page, site_server.url)
    try:
        page.page.goto(f"{site_server.url}/lab/index.html")
        page.page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Settings$")).click()
        menu_item(page, "Language").hover()
        page.page.locator(".lm-Menu-item", has_text="中文").click()
        page.page.locator(".jp-Dialog .jp-mod-accept").click()  # change and reload
        expect(page.page.locator(".lm-MenuBar-item", has_text=re.compile(r"^文件$"))
               ).to_be_visible(timeout=60_000)
        page.screenshot("menus-in-chinese")
        assert outside == [], f"requests that left 127.0.0.1: {outside[:5]}"
    finally:
        page.close()
    start_page = (REPO / "site-pages" / "START-HERE.zh-CN.md").read_text(encoding="utf-8")
    assert "Settings ▸ Language" in start_page
