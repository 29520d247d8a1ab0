"""The kit speaks the reader's language: English by default, Chinese when asked.

A Chinese-speaking shop owner sets `set_language("zh_CN")` (or MINICHAIN_LANG, or has a Chinese
locale) and every refusal, name and verdict is Chinese; a lesson in lessons/zh_CN pins Chinese in
its first cell whatever the machine's locale, and an English lesson pins English. Every message
of the package is in a catalog and translated (tools/translate_package.py check), and no refusal
is built from English pieces that the catalog cannot see.
"""

from __future__ import annotations

import ast
import html
import importlib
import json
import pkgutil
import re
import sys
from pathlib import Path

import pytest

import minichain
from minichain import (Blockchain, InsufficientFunds, NonceAlreadyUsed, ValidationError, Wallet,
                       current_language, remember, set_language)
from minichain.language import person, say

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import translate_package  # noqa: E402

CJK = re.compile(r"[\u4e00-\u9fff]")


# -- choosing the language ------------------------------------------------------------------------

def test_english_is_the_default_and_chinese_is_one_call_away(customer, shop):
    remember(customer, shop)
    assert current_language() == "en"
    assert minichain.name_of(customer.address) == "customer"
    assert set_language("zh_CN") == "zh_CN"
    assert minichain.name_of(customer.address) == "顾客"
    assert set_language("en") == "en"
    assert minichain.name_of(customer.address) == "customer"


@pytest.mark.parametrize("spelling", ["zh_CN", "zh-CN", "zh_CN.UTF-8", "zh", "zh-Hans"])
def test_every_usual_spelling_of_simplified_chinese_is_understood(spelling):
    assert set_language(spelling) == "zh_CN"


def test_a_language_the_kit_does_not_have_is_refused_by_name():
    with pytest.raises(ValueError, match="'fr'"):
        set_language("fr")
    assert current_language() == "en"


def test_the_environment_and_the_locale_choose_when_nobody_else_did(monkeypatch):
    for variable in ("MINICHAIN_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    assert set_language() == "en"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert set_language() == "zh_CN"  # a Chinese machine
    monkeypatch.setenv("MINICHAIN_LANG", "en")
    assert set_language() == "en"  # the kit's own setting wins over the locale


def test_a_lesson_speaks_its_folders_language_whatever_the_locale(tmp_path, monkeypatch):
    monkeypatch.delenv("MINICHAIN_LANG", raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    (tmp_path / "lessons" / "zh_CN").mkdir(parents=True)
    assert set_language(folder=tmp_path / "lessons") == "en"  # the English edition stays English
    assert set_language(folder=tmp_path / "lessons" / "zh_CN") == "zh_CN"
    monkeypatch.chdir(tmp_path / "lessons" / "zh_CN")
    assert set_language(folder=".") == "zh_CN"  # what a Chinese lesson's first cell runs
    monkeypatch.setenv("MINICHAIN_LANG", "zh_CN")
    assert set_language(folder=tmp_path / "lessons") == "zh_CN"  # asked for explicitly


# -- what the reader sees ----------------------------------------------------------------------

def test_a_refused_double_spend_is_explained_in_chinese_with_its_values(customer, shop):
    remember(customer, shop)
    chain = Blockchain.proof_of_work(allocations={customer.address: 100}, miner=shop)
    first = customer.pay(shop.address, 30, chain=chain)
    chain.submit(first)
    chain.produce_block()
    set_language("zh_CN")
    with pytest.raises(NonceAlreadyUsed) as refused:
        chain.submit(first)
    message = str(refused.value)
    assert CJK.search(message) and "顾客" in message and "0" in message
    with pytest.raises(InsufficientFunds) as too_much:
        chain.submit(customer.pay(shop.address, 1_000, chain=chain))
    assert CJK.search(str(too_much.value)) and "1000" in str(too_much.value).replace(",", "")


def test_the_same_seeds_give_the_same_chain_in_both_languages(customer, shop):
    def build() -> bytes:
        remember(customer, shop)
        chain = Blockchain.proof_of_work(allocations={customer.address: 100}, miner=shop)
        chain.submit(customer.pay(shop.address, 30, chain=chain))
        return chain.produce_block().hash

    english = build()
    set_language("zh_CN")
    assert build() == english


def test_values_keep_their_place_in_the_translation():
    set_language("zh_CN")
    assert person("customer") == "顾客" and person("somebody new") == "somebody new"
    assert say("a message nobody translated: {value}", value=7) == \
        "a message nobody translated: 7"


# -- every message is in a catalog and translated -------------------------------------------------

def test_every_message_of_the_package_is_translated_and_compiled():
    assert translate_package.problems(ROOT) == []


def _package_modules() -> list[str]:
    return [info.name for info in pkgutil.walk_packages(minichain.__path__, "minichain.")]


def _refusal_names() -> set[str]:
    """The names of every ValidationError subclass in the package."""
    for name in _package_modules():
        importlib.import_module(name)
    found, todo = set(), [ValidationError]
    while todo:
        for subclass in todo.pop().__subclasses__():
            if subclass.__module__.startswith("minichain."):
                found.add(subclass.__name__)
                todo.append(subclass)
    return found | {"ValidationError"}


TRANSLATED = {"say", "say_n", "translate", "translate_in"}
PROGRAMMER_ERRORS = {"ValueError", "TypeError"}  # wrong use of the API, for the programmer


def _called(call: ast.Call) -> str | None:
    return getattr(call.func, "id", None) or getattr(call.func, "attr", None)


def _f_strings_outside_messages(node: ast.AST) -> list[ast.AST]:
    """f-strings under `node`, but not inside say()/translate() or a programmer's error."""
    found = []

    def visit(child: ast.AST) -> None:
        if isinstance(child, ast.Call) and _called(child) in TRANSLATED | PROGRAMMER_ERRORS:
            return
        if isinstance(child, ast.JoinedStr):
            found.append(child)
            return
        for grandchild in ast.iter_child_nodes(child):
            visit(grandchild)

    visit(node)
    return found


def _sentence(node: ast.AST) -> bool:
    """A string literal of words (not a key such as "giver" or a format such as "{:,}")."""
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and \
        bool(re.search(r"[A-Za-z]{2,}\W+[A-Za-z]{2,}", node.value))


def _untranslated(node: ast.AST, refusals: set[str]) -> list[ast.AST]:
    """In a refusal class: f-strings, and words given straight to Exception.__init__. Where a
    refusal is made: f-strings, and words given to it as positional arguments (a keyword
    argument with a literal is a choice among the refusal's own messages)."""
    if isinstance(node, ast.ClassDef):
        direct = [arg for call in ast.walk(node) if isinstance(call, ast.Call)
                  and _called(call) == "__init__" for arg in call.args if _sentence(arg)]
        return _f_strings_outside_messages(node) + direct
    return _f_strings_outside_messages(node) + [arg for arg in node.args if _sentence(arg)]


def _without_docstrings(node: ast.AST) -> ast.AST:
    for child in ast.walk(node):
        body = getattr(child, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and \
                isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            body[0] = ast.Pass()
    return node


def test_no_refusal_is_built_from_english_the_catalog_cannot_see():
    """Inside a refusal class, every text is a message; wherever a refusal is raised, the text
    given to it is a message too."""
    refusals = _refusal_names()
    assert len(refusals) > 100  # the walk found the package's refusals
    untranslated = []
    for path in sorted((ROOT / "minichain").rglob("*.py")):
        tree = _without_docstrings(ast.parse(path.read_text(encoding="utf-8")))
        for node in ast.walk(tree):
            if (isinstance(node, ast.ClassDef) and node.name in refusals) or (
                    isinstance(node, ast.Call) and _called(node) in refusals):
                suspects = _untranslated(node, refusals)
            else:
                continue
            untranslated += [f"{path.relative_to(ROOT)}:{literal.lineno}" for literal in suspects]
    assert sorted(set(untranslated)) == []


def test_an_exercises_hint_is_said_in_chinese_in_a_chinese_notebook(capsys):
    """The hints, mistakes and reasons an exercise's Check cell gives are the author's English
    in the code; a Chinese trainee reads them in Chinese (exercises.mo), an English one as
    written."""
    from minichain.grading import check, right_answer

    checks = sorted((ROOT / "i18n" / "zh_CN" / "exercises").glob("*.checks.po"))
    hints = [(m.id, m.string) for path in checks
             for m in translate_package.read_catalog(path) if m.id and m.string]
    assert len(hints) > 100
    (english, chinese), (why, why_zh) = hints[0], hints[1]
    rule = right_answer(6, why=why, mistakes={5: english}, hints=(english,))
    set_language("zh_CN")
    check("q1", 5, rule)
    check("q1", 7, rule)
    check("q1", 6, rule)
    lines = capsys.readouterr().out.splitlines()
    assert chinese in lines[0] and chinese in lines[1] and why_zh in lines[2]
    set_language("en")
    check("q1", 5, rule)
    assert english in capsys.readouterr().out


def _widget_texts(notebook: dict) -> list[str]:
    """What a notebook's saved widgets show a person: labels, values, options, HTML text."""
    state = notebook["metadata"].get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    texts = []
    for model in state.values():
        for key in ("description", "value", "placeholder", "tooltip", "_options_labels"):
            values = model.get("state", {}).get(key)
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, str):
                    value = re.sub(r"<style.*?</style>", "", value, flags=re.S)
                    texts.append(html.unescape(re.sub(r"<[^>]+>", " ", value)))
    return texts


@pytest.mark.parametrize("lesson", sorted((ROOT / "lessons" / "zh_CN").glob("*.ipynb")),
                         ids=lambda p: p.stem)
def test_a_chinese_lessons_widgets_show_no_english_sentence(lesson):
    """Every widget of a Chinese lesson, as executed and saved: no run of three English words
    but the lesson's own data (text its code cells wrote, such as a recall's reason) and the
    lessons' file names."""
    notebook = json.loads(lesson.read_text(encoding="utf-8"))
    code = "\n".join("".join(cell["source"]) for cell in notebook["cells"]
                     if cell["cell_type"] == "code")
    english = {run for text in _widget_texts(notebook)
               for run in re.findall(r"\b[A-Za-z]{3,}(?:[ ,'][A-Za-z]{2,}){2,}", text)
               if run not in code}
    assert english == set()
