"""Translate the package's messages through gettext catalogs, extracted and compiled by Babel.

    .venv/bin/python tools/translate_package.py extract   # minichain/ -> i18n/zh_CN/package/*.po
    .venv/bin/python tools/translate_package.py compile   # *.po -> minichain/locale/.../minichain.mo
    .venv/bin/python tools/translate_package.py check     # what is missing, fuzzy or out of date

The code writes every text a person reads in English, inside `say(...)`, `say_n(...)`,
`translate(...)` or `translate_in(context, ...)` from `minichain.language`. `extract` finds those
calls with Babel's Python extractor (https://babel.pocoo.org/en/latest/messages.html) and writes
one PO catalog per part of the package (core, consensus, contracts, network, privacy, store,
monitoring, widgets, grading, classroom, cli), so translators of different parts do not edit the same file;
the names of the lessons' people (`minichain.names.CAST`) go in people.po under the context
"person". A message used by two parts belongs to the first in that order. Updating works as gettext's msgmerge: an
unchanged message keeps its translation, a changed one gets the nearest old translation marked
fuzzy, a removed one is kept as obsolete.

`compile` writes the one catalog the package reads, minichain/locale/zh_CN/LC_MESSAGES/
minichain.mo, from the translated, non-fuzzy messages of every PO file (it is committed, so an
install needs no Babel). `check` fails (exit 1) for a message that is missing or fuzzy, a
translation whose `{fields}` are not the English message's, or a .mo that is not what `compile`
would write now.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import string
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from minichain.language import DOMAIN, PERSON  # noqa: E402 - after the path is set
from minichain.names import CAST  # noqa: E402

LANGUAGE = "zh_CN"
PARTS = ("core", "consensus", "contracts", "network", "privacy", "store", "monitoring",
         "widgets", "grading", "classroom", "cli")
PEOPLE = "people"
KEYWORDS = {"say": None, "translate": None, "say_n": (1, 2), "translate_in": ((1, "c"), 2)}
FIXED_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)  # no date churn in the files


def part_of(filename: str) -> str:
    """The part of the package a source file belongs to ('core' for minichain/*.py)."""
    path = Path(filename)
    if path.parts[0] in PARTS:
        return path.parts[0]
    return "cli" if path.stem == "cli" else "core"


def new_catalog(part: str) -> Catalog:
    return Catalog(locale=LANGUAGE, domain=DOMAIN, project="minichain", version="0.1",
                   creation_date=FIXED_DATE, revision_date=FIXED_DATE,
                   header_comment=f"# {LANGUAGE} translation of minichain's messages: {part}.\n"
                                  "# Written by tools/translate_package.py extract; translate "
                                  "the msgstr, keep every {field}.")


def templates(root: Path, warnings: list[str] | None = None) -> dict[str, Catalog]:
    """One template catalog per part, holding the English messages its files use; Babel's
    warnings (a message written as an f-string, which cannot be translated) go to `warnings`,
    or to stderr."""
    catalogs = {part: new_catalog(part) for part in (*PARTS, PEOPLE)}
    owner: dict[object, str] = {}
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        found = list(extract_from_dir(str(root / "minichain"), method_map=[("**.py", "python")],
                                      keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
                                      strip_comment_tags=True))
    lines = [line for line in stderr.getvalue().splitlines() if line.strip()]
    if warnings is None:
        sys.stderr.writelines(line + "\n" for line in lines)
    else:
        warnings.extend(lines)
    for filename, lineno, message, comments, context in sorted(
            found, key=lambda item: (PARTS.index(part_of(item[0])), item[0], item[1])):
        key = message[0] if isinstance(message, tuple) else message
        part = owner.setdefault((key, context), part_of(filename))
        catalogs[part].add(message, locations=[(f"minichain/{filename}", lineno)],
                           auto_comments=comments, context=context)
    for name in CAST:
        catalogs[PEOPLE].add(name, context=PERSON)
    return catalogs


def po_path(root: Path, part: str) -> Path:
    return root / "i18n" / LANGUAGE / "package" / f"{part}.po"


def mo_path(root: Path) -> Path:
    return root / "minichain" / "locale" / LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.mo"


def read_catalog(path: Path) -> Catalog | None:
    if not path.exists():
        return None
    with path.open("rb") as file:
        return read_po(file, locale=LANGUAGE, domain=DOMAIN)


def po_text(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_output=False, include_previous=True)
    return buffer.getvalue()


def extract(root: Path, only: list[str] | None = None) -> dict[str, Catalog]:
    """Update every part's PO file (or only those named) from the code; returns them."""
    result = {}
    for part, template in templates(root).items():
        if only and part not in only:
            continue
        path = po_path(root, part)
        catalog = read_catalog(path)
        if catalog is None:
            catalog = new_catalog(part)
        catalog.update(template, update_header_comment=True)
        catalog.revision_date = catalog.creation_date = FIXED_DATE
        if not len(catalog) and not catalog.obsolete and not path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        text = po_text(catalog)
        if not path.exists() or path.read_bytes() != text:
            path.write_bytes(text)
        result[part] = catalog
    return result


def catalogs(root: Path) -> dict[str, Catalog]:
    return {path.stem: read_catalog(path)
            for path in sorted((root / "i18n" / LANGUAGE / "package").glob("*.po"))}


def messages(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def fields(text: str | tuple | list) -> set[str]:
    texts = text if isinstance(text, (tuple, list)) else (text,)
    names = set()
    for piece in texts:
        try:
            names |= {field for _, field, _, _ in string.Formatter().parse(piece) if field}
        except ValueError:
            names.add("<not a format string>")
    return names


def translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    return all(strings) and not message.fuzzy


def compiled(root: Path) -> bytes:
    """The .mo file of every translated, non-fuzzy message."""
    merged = new_catalog("all")
    for catalog in catalogs(root).values():
        for message in messages(catalog):
            if translated(message):
                merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged, use_fuzzy=False)
    return buffer.getvalue()


def compile_catalogs(root: Path) -> Path:
    path = mo_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = compiled(root)
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return path


def problems(root: Path) -> list[str]:
    """Every missing or fuzzy message, every translation with other {fields}, a stale .mo,
    and every message of the code not in a catalog (run extract)."""
    found = []
    known = set()
    for part, catalog in catalogs(root).items():
        where = f"i18n/{LANGUAGE}/package/{part}.po"
        for message in messages(catalog):
            known.add((message.id if isinstance(message.id, str) else message.id[0],
                       message.context))
            label = message.id if isinstance(message.id, str) else message.id[0]
            if not translated(message):
                found.append(f"{where}: {'fuzzy' if message.fuzzy else 'missing'}: {label!r}")
            elif message.context != PERSON and fields(message.string) != fields(message.id):
                found.append(f"{where}: the translation's fields {sorted(fields(message.string))}"
                             f" are not the English's {sorted(fields(message.id))}: {label!r}")
    warnings: list[str] = []
    for template in templates(root, warnings).values():
        for message in messages(template):
            key = (message.id if isinstance(message.id, str) else message.id[0], message.context)
            if key not in known:
                found.append(f"not in any catalog (run extract): {key[0]!r}")
    found += warnings
    if not mo_path(root).exists() or mo_path(root).read_bytes() != compiled(root):
        found.append(f"{mo_path(root).relative_to(root)} is out of date (run compile)")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["extract", "compile", "check"])
    parser.add_argument("parts", nargs="*", choices=[[], *PARTS, PEOPLE], metavar="part",
                        help=f"extract only these parts' catalogs: {', '.join(PARTS)}, {PEOPLE}")
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    if args.command == "extract":
        for part, catalog in extract(args.root, args.parts).items():
            live = list(messages(catalog))
            print(f"{part}: {len(live)} messages, "
                  f"{sum(translated(m) for m in live)} translated, "
                  f"{sum(m.fuzzy for m in live)} fuzzy, {len(catalog.obsolete)} obsolete")
        return 0
    if args.command == "compile":
        print(f"wrote {compile_catalogs(args.root).relative_to(args.root)}")
        return 0
    found = problems(args.root)
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
