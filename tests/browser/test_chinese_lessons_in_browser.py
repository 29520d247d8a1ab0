"""The Chinese edition as a Chinese trainee sees it: `make lab-zh`'s JupyterLab (its interface in
Chinese, started through `minichain lab --lang zh_CN`), every lesson of lessons/zh_CN run, every
widget drawn, and the lesson's main widget used by hand with its Chinese labels.

The page is driven by JupyterLab's command ids (notebook:run-all-cells), not by menu text. The
interactions are the English edition's (`lesson_interactions.INTERACTIONS`) read through the
package's own catalog: a button "Pay" is clicked as translate("Pay"), a row of "customer" is found
as person("customer"); a check for a text the catalog has as a whole message looks for its
translation, and a check for a piece of a longer sentence (which has no translation of its own)
is replaced by checks that do not depend on words (the CSS hooks, counts, numbers), plus a check
that the widget's text is Chinese; a control whose label is no whole message of the catalog (the
pilot checklist's long items) ends the replay of its interaction there. Screenshots go to test-artifacts/browser/zh_CN/<lesson>/.
"""

from __future__ import annotations

import re
import string
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from jupyterlab_driver import LabServer, LessonPage
from lesson_interactions import (INTERACTIONS, Choose, Click, Interaction, See, SeeDisabled, Tick,
                                 Type)
from test_lessons_in_browser import play, run_all_and_check

from minichain.language import person, set_language, translate
from minichain.names import CAST

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "tools"))
import translate_package  # noqa: E402

CHINESE = Path(__file__).resolve().parent.parent.parent / "lessons" / "zh_CN"
LESSONS = sorted(CHINESE.glob("[0-9][0-9]-*.ipynb"))
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def lab_zh(chromium):
    server = LabServer(CHINESE, jupyter=Path(sys.executable).with_name("jupyter"),
                       language="zh_CN")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def chinese_artifacts(artifacts, request) -> Path:
    path = artifacts / "zh_CN" / Path(request.node.callspec.params["lesson"]).stem
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.png"):
        old.unlink()
    return path


def _patterns() -> list[tuple[re.Pattern, str]]:
    """Every message of the package as a pattern of its English (fields as wildcards), with its
    Chinese (fields without their format specs: the values arrive formatted)."""
    found = []
    for catalog in translate_package.catalogs(translate_package.ROOT).values():
        for message in catalog:
            if not message.id or not isinstance(message.id, str) or not message.string:
                continue
            pattern, seen, words = "", set(), ""
            for literal, field, _, _ in string.Formatter().parse(message.id):
                pattern += re.escape(literal)
                words += literal
                if field is not None:
                    name = re.sub(r"\W", "_", field)
                    pattern += f"(?P={name})" if name in seen else f"(?P<{name}>.+?)"
                    seen.add(name)
            chinese = re.sub(r"\{([^{}:!]+)[^{}]*\}",
                             lambda m: "{" + re.sub(r"\W", "_", m.group(1)) + "}", message.string)
            if re.search(r"[A-Za-z]{2,}", words):  # not a bare "{what}. " or "{x} ({y})"
                found.append((len(words), re.compile(pattern + r"\Z", re.S), chinese))
    return [(pattern, chinese) for _, pattern, chinese in sorted(found, key=lambda f: -f[0])]


PATTERNS = _patterns()


def chinese_of(english: str) -> str | None:
    """The Chinese the package shows where the English edition shows `english` (a whole
    message, its values filled in), or None when `english` is no whole message."""
    if english in CAST:
        return person(english)
    for pattern, chinese in PATTERNS:
        match = pattern.match(english)
        if match is None:
            continue
        values = {}
        for name, value in match.groupdict().items():
            # a value is a number, a hash, or itself a whole message; else this pattern only
            # matched a piece of a sentence ("Ready to mine" taken for a value)
            values[name] = value if re.fullmatch(r"[\d,.%+\-\s]+|[0-9a-f…]+", value) \
                else chinese_of(value)
        if None in values.values():
            continue
        try:
            return chinese.format(**values)
        except (KeyError, IndexError, ValueError):
            continue
    return None


def _names_in(selector: str | None) -> str | None:
    """A CSS hook that names a row by its text (a person, a label) names it in Chinese."""
    if selector is None:
        return None
    return re.sub(r'text-is\("([^"]+)"\)',
                  lambda m: f'text-is("{chinese_of(m.group(1)) or m.group(1)}")', selector)


def in_chinese(interaction: Interaction) -> Interaction:
    """The interaction as a Chinese trainee plays it (call with the language set to zh_CN)."""
    steps = []
    for step in interaction.steps:
        label = getattr(step, "label", None) or getattr(step, "button", None)
        if isinstance(step, (Type, Tick, Choose, Click, SeeDisabled)) and \
                chinese_of(label) is None and translate(label) == label:
            break  # a label made of pieces: the steps after it depend on it, so they stop here
        if isinstance(step, (Type, Tick)):
            step = replace(step, label=chinese_of(step.label) or translate(step.label))
        elif isinstance(step, Choose):
            step = replace(step, label=chinese_of(step.label) or translate(step.label),
                           option=chinese_of(step.option) or step.option)
        elif isinstance(step, (Click, SeeDisabled)):
            step = replace(step, button=chinese_of(step.button) or translate(step.button))
        elif isinstance(step, See):
            text = step.text
            if isinstance(text, str) and (text in CAST or translate(text) != text):
                text = chinese_of(text)  # a whole message without values, or a name
            elif not (isinstance(text, str) and re.fullmatch(r"[\d,.\s]+", text)):
                continue  # a sentence or a piece of one: the word-free checks around it stay
            step = See(text, within=_names_in(step.within))
        steps.append(step)
    return replace(interaction, steps=tuple(steps))


@pytest.mark.parametrize("lesson", [p.name for p in LESSONS], ids=lambda n: Path(n).stem)
def test_a_chinese_trainee_runs_the_lesson_and_uses_its_widget(lesson, lab_zh, browser,
                                                              chinese_artifacts):
    page = LessonPage(browser, lab_zh, lesson, artifacts=chinese_artifacts)
    try:
        page.open()
        menus = page.page.locator(".lm-MenuBar-item").all_inner_texts()
        assert "文件" in menus and "运行" in menus, f"the interface is not Chinese: {menus}"
        widgets = run_all_and_check(page, CHINESE / lesson)
        for index in range(widgets.count()):
            text = widgets.nth(index).inner_text()
            assert CJK.search(text), f"{lesson}: widget {index + 1} shows no Chinese: {text!r}"

        set_language("zh_CN")
        chinese = [in_chinese(i) for i in INTERACTIONS.get(Path(lesson).stem, ())]
        set_language("en")
        for interaction in chinese:
            play(page, interaction)
    finally:
        page.close()


def test_every_english_lesson_has_its_chinese_edition():
    english = {p.name for p in CHINESE.parent.glob("[0-9][0-9]-*.ipynb")}
    assert english == {p.name for p in LESSONS}
