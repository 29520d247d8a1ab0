"""The language the kit speaks: English by default, Simplified Chinese (zh_CN) on request.

Every text a trainee or an instructor reads (a refusal, a verification result, a widget's label,
the grader's feedback) is written in English in the code and looked up in a standard GNU gettext
catalog (https://www.gnu.org/software/gettext/manual/gettext.html) for the language in use,
through Python's own `gettext` module: `minichain/locale/zh_CN/LC_MESSAGES/minichain.mo`,
compiled by Babel from the PO catalogs in `i18n/zh_CN/package/` (tools/translate_package.py).
A message keeps its values as named fields, never as pieces of a sentence:

    say("nonce {nonce} was already used by {sender}.", nonce=3, sender="shop")

so the translation can put them where Chinese grammar wants them. A message missing from the
catalog is shown in English. The people of the lessons are named in the reader's language too
(`person("customer")` is 顾客 in Chinese); nothing hashed or signed depends on a name. What an
exercise's Check cells say (`why=`, `hints=` …) is code written by its author, the same in both
editions, and is looked up at run time in a second catalog, `exercises.mo` (`exercise_text`).

The language is chosen, first to last, by `set_language("zh_CN")`, by the environment variable
`MINICHAIN_LANG`, or by the locale (LC_ALL, LC_MESSAGES, LANG); else English. A lesson pins its
language in its first cell with `set_language(folder=".")`: Chinese for a notebook in a folder
named `zh_CN` or inside one (lessons/zh_CN, exercises/zh_CN), else `MINICHAIN_LANG` or English,
never the locale, so a lesson's outputs are the same on every machine. `minichain grade` grades
an exercise in its source's language the same way (`speaking`).
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

__all__ = ["LANGUAGES", "current_language", "exercise_text", "language_of_folder", "person",
           "say", "say_n", "set_language", "speaking", "translate", "translate_in"]

LANGUAGES = ("en", "zh_CN")
DOMAIN = "minichain"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
PERSON = "person"  # the msgctxt of the cast's names
EXERCISES = "exercises"  # the domain of the texts exercises' Check cells say


def _known(language: str | None) -> str | None:
    """'zh_CN' for zh_CN, zh-CN, zh_CN.UTF-8, zh-Hans, zh; 'en' for en, en_GB…; else None."""
    if not language:
        return None
    code = language.split(".")[0].split("@")[0].replace("-", "_")
    if code.lower() in ("zh", "zh_cn", "zh_hans", "zh_hans_cn", "zh_sg"):
        return "zh_CN"
    if code.lower() == "en" or code.lower().startswith("en_") or code in ("C", "POSIX"):
        return "en"
    return None


@cache
def _catalog(language: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(domain, LOCALE_DIR, languages=[language], fallback=True)


def _from_environment(*, locale: bool = True) -> str:
    chosen = _known(os.environ.get("MINICHAIN_LANG"))
    if chosen is None and locale:
        for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
            if os.environ.get(variable):
                chosen = _known(os.environ[variable])
                break
    return chosen or "en"


_in_use: str = _from_environment()


def set_language(language: str | None = None, *, folder: str | os.PathLike | None = None
                 ) -> str:
    """Speak `language` ('en' or 'zh_CN') from now on; returns the language now in use.

    With `folder` instead (a lesson passes "."): the language of that folder, zh_CN when it is
    named zh_CN, else MINICHAIN_LANG's, else English. With neither: MINICHAIN_LANG's, else the
    locale's, else English. Raises ValueError for a language the kit does not have."""
    global _in_use
    if language is not None:
        chosen = _known(language)
        if chosen is None:
            raise ValueError(f"the kit speaks {' and '.join(LANGUAGES)}, not {language!r}")
    elif folder is not None:
        chosen = language_of_folder(folder)
    else:
        chosen = _from_environment()
    _in_use = chosen
    return chosen


def language_of_folder(folder: str | os.PathLike) -> str:
    """The language a notebook in `folder` speaks: 'zh_CN' for a folder named zh_CN or inside
    one (lessons/zh_CN, exercises/zh_CN/source), else MINICHAIN_LANG's, else English (never the
    locale's)."""
    path = Path(folder).resolve()
    return next((language for part in (path, *path.parents)
                 if (language := _known(part.name)) and language != "en"),
                _from_environment(locale=False))


@contextmanager
def speaking(language: str) -> Iterator[str]:
    """Speak `language` inside a `with` block, and tell the programs started meanwhile (a
    grader's kernels) through MINICHAIN_LANG; then put both back."""
    before, variable = current_language(), os.environ.get("MINICHAIN_LANG")
    os.environ["MINICHAIN_LANG"] = set_language(language)
    try:
        yield language
    finally:
        set_language(before)
        if variable is None:
            os.environ.pop("MINICHAIN_LANG", None)
        else:
            os.environ["MINICHAIN_LANG"] = variable


def current_language() -> str:
    """The language messages are written in now: 'en' or 'zh_CN'."""
    return _in_use


def translate(message: str) -> str:
    """`message` in the language in use (itself when the catalog does not have it)."""
    return _catalog(_in_use).gettext(message)


def exercise_text(text: str) -> str:
    """A text an exercise's author wrote in a Check cell (why=, a mistake, a hint) in the
    language in use: from the catalog of exercise texts (`exercises.mo`, made by
    tools/translate_notebooks.py), itself when it has no translation."""
    return _catalog(_in_use, EXERCISES).gettext(text)


def translate_in(context: str, message: str) -> str:
    """`message` as it reads in `context` ("payment counter"), for a word that one language
    says one way and another two ways ("nonce": 随机数 in a block, 交易序号 in an account)."""
    return _catalog(_in_use).pgettext(context, message)


def say(message: str, **values: object) -> str:
    """`message` in the language in use, its `{fields}` filled in with `values`."""
    text = translate(message)
    return text.format(**values) if values else text


def say_n(singular: str, plural: str, count: int, **values: object) -> str:
    """The singular or plural message for `count` (gettext's ngettext: Chinese has one form),
    its `{fields}` filled in with `values` and `count`."""
    return _catalog(_in_use).ngettext(singular, plural, count).format(count=count, **values)


def person(name: str) -> str:
    """The name of one of the lessons' people in the language in use ("customer" -> 顾客);
    other names are returned as they are."""
    return _catalog(_in_use).pgettext(PERSON, name)
