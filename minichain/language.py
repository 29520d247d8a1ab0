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
(`person("customer")` is 顾客 in Chinese); nothing hashed or signed depends on a name.

The language is chosen, first to last, by `set_language("zh_CN")`, by the environment variable
`MINICHAIN_LANG`, or by the locale (LC_ALL, LC_MESSAGES, LANG); else English. A lesson pins its
language in its first cell with `set_language(folder=".")`: Chinese for a notebook in a folder
named `zh_CN` (lessons/zh_CN, exercises/zh_CN), else `MINICHAIN_LANG` or English, never the
locale, so a lesson's outputs are the same on every machine.
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from pathlib import Path

__all__ = ["LANGUAGES", "current_language", "person", "say", "say_n", "set_language",
           "translate", "translate_in"]

LANGUAGES = ("en", "zh_CN")
DOMAIN = "minichain"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
PERSON = "person"  # the msgctxt of the cast's names


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
def _catalog(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


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
        chosen = _known(Path(folder).resolve().name) or _from_environment(locale=False)
    else:
        chosen = _from_environment()
    _in_use = chosen
    return chosen


def current_language() -> str:
    """The language messages are written in now: 'en' or 'zh_CN'."""
    return _in_use


def translate(message: str) -> str:
    """`message` in the language in use (itself when the catalog does not have it)."""
    return _catalog(_in_use).gettext(message)


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
