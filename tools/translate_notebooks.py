"""Translate the lessons through PO catalogs: the English notebooks are the source, the Chinese
notebooks are generated from them, and only their markdown differs.

    .venv/bin/python tools/translate_notebooks.py extract  # lessons/ -> i18n/zh_CN/lessons/*.po
    .venv/bin/python tools/translate_notebooks.py build    # complete catalogs -> lessons/zh_CN/
    .venv/bin/python tools/translate_notebooks.py check    # what is missing, fuzzy or drifted
    .venv/bin/python tools/translate_notebooks.py check 01-fingerprints-and-tamper-evidence

Each lesson lessons/NN-name.ipynb has one catalog i18n/zh_CN/lessons/NN-name.po in GNU gettext's
PO format (https://www.gnu.org/software/gettext/manual/html_node/PO-Files.html), read and
written with polib (https://polib.readthedocs.io), so any PO editor (Poedit, Lokalize, Weblate)
can be used to translate. One message per markdown cell: `msgctxt` is the cell id, `msgid` the
English text, `msgstr` the Chinese, and an extracted comment (`#.`) carries a short hash of the
English text. Code cells never enter a catalog: a Chinese notebook is its English notebook with
each markdown cell's text replaced, so its code cells are byte-identical.

`extract` merges the way gettext's msgmerge does. A cell whose English text is unchanged keeps
its translation, even if its id moved (ids are positions, see tools/execute_notebooks.py, so a
cell inserted above shifts them); a cell whose text changed keeps its old translation marked
`fuzzy`, with the English it was made for as `#| msgid` ("previous"); a new cell gets an empty
`msgstr` (missing); a translation whose cell is gone is kept as obsolete (`#~`), and reused if
that English text comes back. A translator fixes a fuzzy message, then removes the `fuzzy` flag
and the `#|` lines.

`build` writes lessons/zh_CN/NN-name.ipynb only from a complete catalog (every markdown cell of
the English notebook translated, none fuzzy): a half-translated notebook is never written.
Without names it builds every complete catalog, skips catalogs still being translated, and
fails for a Chinese notebook that exists but whose catalog is no longer complete (it is stale).
The built notebook keeps the English outputs until `make lessons` executes it.

`check` fails (exit 1) for every published Chinese notebook (and every lesson named on the
command line) whose catalog has a missing or fuzzy message, whose translation lost a heading or
a `code span` of the English, whose code cells differ from the English, or whose markdown is not
its catalog's (run `build`); catalogs still being translated are summarised.
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import polib

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "zh_CN"
HEADER = f"""\
{LANGUAGE} translation of the markdown cells of lessons/{{name}}.ipynb: one message per cell,
msgctxt = the cell id, msgid = the English text. Written by tools/translate_notebooks.py
extract; translate the msgstr, and once a fuzzy message is checked remove its fuzzy flag
and its #| lines. `make lessons` builds lessons/{LANGUAGE}/{{name}}.ipynb when none is
missing or fuzzy."""
METADATA = {
    "Project-Id-Version": "minichain lessons",
    "Language": LANGUAGE,
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
}
FUZZY = "fuzzy"
CHECKS_HEADER = f"""\
{LANGUAGE} translation of what the Check cells of exercises/source/{{name}}.ipynb say (why=,
mistakes=, hints=, rule() and of_type() texts): code, the same in both editions, said in the
reader's language at run time. Written by tools/translate_notebooks.py extract."""


# collection: (its English notebooks, its Chinese notebooks), under the project folder; the
# catalogs are i18n/zh_CN/<collection>/
COLLECTIONS = {"lessons": ("lessons", f"lessons/{LANGUAGE}"),
               "exercises": ("exercises/source", f"exercises/{LANGUAGE}/source")}


@dataclass(frozen=True)
class Lesson:
    """One English notebook (a lesson, or an exercise's source) and the places of its catalog
    and its Chinese notebook."""

    english: Path
    catalog: Path
    chinese: Path
    collection: str = "lessons"

    @property
    def name(self) -> str:
        return self.english.stem

    @property
    def checks_catalog(self) -> Path:
        """An exercise's second catalog: the texts its Check cells say (why=, hints=, …)."""
        return self.catalog.with_suffix(".checks.po")

    @classmethod
    def under(cls, root: Path, name: str, collection: str = "lessons") -> Lesson:
        english, chinese = COLLECTIONS[collection]
        return cls(english=root / english / f"{name}.ipynb",
                   catalog=root / "i18n" / LANGUAGE / collection / f"{name}.po",
                   chinese=root / chinese / f"{name}.ipynb", collection=collection)


def lessons(root: Path, names: list[str] | None = None) -> list[Lesson]:
    """The notebooks named (a lesson's name, or a lesson's or an exercise source's path), or
    every English lesson and exercise source under `root`."""
    if names:
        return [Lesson.under(root, Path(name).stem,
                             "exercises" if Path(name).parent.name == "source" else "lessons")
                for name in names]
    return [Lesson.under(root, path.stem, collection)
            for collection, (english, _) in COLLECTIONS.items()
            for path in sorted((root / english).glob("*.ipynb"))]


def shown(path: Path) -> str:
    """A path as the user typed it: from the current folder when it is inside it."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def translatable_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The markdown cells that have text (an empty msgid would be the catalog's header)."""
    return [cell for cell in nb.cells if cell.cell_type == "markdown" and cell.source.strip()]


def read_catalog(path: Path) -> polib.POFile | None:
    return polib.pofile(str(path), wrapwidth=0) if path.exists() else None


# --- extract -----------------------------------------------------------------------------------

def merge(nb: nbformat.NotebookNode, old: polib.POFile | None, name: str) -> polib.POFile:
    """A catalog with one message per markdown cell of `nb`, its translations taken from `old`."""
    previous = sorted(old or [], key=lambda entry: entry.obsolete)  # live entries first
    taken: set[int] = set()

    def take(matches: Callable[[polib.POEntry], bool]) -> polib.POEntry | None:
        for entry in previous:
            if id(entry) not in taken and entry.msgstr and matches(entry):
                taken.add(id(entry))
                return entry
        return None

    cells = translatable_cells(nb)
    found: dict[str, polib.POEntry | None] = {cell.id: None for cell in cells}
    for cell in cells:  # the same text in the same cell
        found[cell.id] = take(lambda e: e.msgid == cell.source and e.msgctxt == cell.id)
    for cell in cells:  # the same text, moved to another cell id
        found[cell.id] = found[cell.id] or take(lambda e: e.msgid == cell.source)
    changed: dict[str, polib.POEntry] = {}
    for cell in cells:  # the same cell, its English changed
        if found[cell.id] is None:
            entry = take(lambda e: e.msgctxt == cell.id and not e.obsolete)
            if entry is not None:
                changed[cell.id] = entry

    catalog = polib.POFile(wrapwidth=0)
    catalog.header = HEADER.format(name=name)
    catalog.metadata = dict(METADATA)
    for cell in cells:
        entry = polib.POEntry(msgctxt=cell.id, msgid=cell.source,
                              comment=f"sha256 of the English: {text_hash(cell.source)}")
        if (same := found[cell.id]) is not None:
            entry.msgstr = same.msgstr
            if FUZZY in same.flags:
                entry.flags.append(FUZZY)
                entry.previous_msgid = same.previous_msgid
        elif (outdated := changed.get(cell.id)) is not None:
            entry.msgstr = outdated.msgstr
            entry.flags.append(FUZZY)
            first_fuzzy = FUZZY in outdated.flags and outdated.previous_msgid
            entry.previous_msgid = outdated.previous_msgid if first_fuzzy else outdated.msgid
        catalog.append(entry)
    for entry in previous:  # translations whose cell is gone (a fuzzy one stays fuzzy)
        if id(entry) not in taken and entry.msgstr:
            catalog.append(polib.POEntry(msgctxt=entry.msgctxt, msgid=entry.msgid,
                                         msgstr=entry.msgstr, flags=list(entry.flags),
                                         previous_msgid=entry.previous_msgid, obsolete=True))
    return catalog


def extract(lesson: Lesson) -> polib.POFile:
    """Write (or update) the lesson's catalog from its English notebook (and an exercise's
    catalog of check texts); return the catalog."""
    nb = nbformat.read(lesson.english, as_version=4)
    catalog = merge(nb, read_catalog(lesson.catalog), lesson.name)
    write_catalog(catalog, lesson.catalog)
    if lesson.collection == "exercises":
        write_catalog(merge_checks(nb, read_catalog(lesson.checks_catalog), lesson.name),
                      lesson.checks_catalog)
    return catalog


def write_catalog(catalog: polib.POFile, path: Path) -> None:
    text = str(catalog).rstrip("\n") + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


# --- what an exercise's Check cells say ---------------------------------------------------------

def check_texts(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(text, cell id) for every text an exercise's code says to the trainee, once each: the
    why=, the explanations of mistakes= and each of hints= of right_answer (and check's
    right=), the message of rule() and the words of of_type() (minichain.grading). They are
    code, the same in both editions, and are said in the reader's language at run time."""
    found: dict[str, str] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
            texts: list[ast.AST] = []
            for keyword in call.keywords:
                if keyword.arg in ("why", "right"):
                    texts.append(keyword.value)
                elif keyword.arg == "hints" and isinstance(keyword.value, (ast.Tuple, ast.List)):
                    texts += keyword.value.elts
                elif keyword.arg == "mistakes" and isinstance(keyword.value, ast.Dict):
                    texts += keyword.value.values
            name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
            if name in ("rule", "of_type") and len(call.args) >= 2:
                texts.append(call.args[1])
            for text in texts:
                if isinstance(text, ast.Constant) and isinstance(text.value, str) and text.value:
                    found.setdefault(text.value, cell.id)
    return list(found.items())


def merge_checks(nb: nbformat.NotebookNode, old: polib.POFile | None, name: str
                 ) -> polib.POFile:
    """The catalog of an exercise's check texts: a translation is kept while its English text
    is said; one no longer said is kept as obsolete."""
    known = {entry.msgid: entry for entry in old or [] if entry.msgstr}
    catalog = polib.POFile(wrapwidth=0)
    catalog.header = CHECKS_HEADER.format(name=name)
    catalog.metadata = dict(METADATA)
    texts = check_texts(nb)
    for text, cell_id in texts:
        entry = polib.POEntry(msgid=text, comment=f"said by cell {cell_id}")
        if text in known:
            entry.msgstr = known[text].msgstr
        catalog.append(entry)
    said = {text for text, _ in texts}
    for entry in known.values():
        if entry.msgid not in said:
            catalog.append(polib.POEntry(msgid=entry.msgid, msgstr=entry.msgstr, obsolete=True))
    return catalog


def untranslated_checks(lesson: Lesson, nb: nbformat.NotebookNode) -> list[str]:
    """'check text missing: …' for every check text of an exercise not translated yet."""
    if lesson.collection != "exercises":
        return []
    done = {e.msgid for e in read_catalog(lesson.checks_catalog) or []
            if e.msgstr and not e.obsolete}
    return [f"check text missing: {text[:50]!r}" for text, _ in check_texts(nb)
            if text not in done]


def compiled_checks(root: Path) -> bytes:
    """The .mo file the package reads the check texts from (minichain.language)."""
    every = polib.POFile(wrapwidth=0)
    every.metadata = dict(METADATA)
    seen = set()
    for path in sorted((root / "i18n" / LANGUAGE / "exercises").glob("*.checks.po")):
        for entry in read_catalog(path):
            if entry.msgstr and not entry.obsolete and entry.msgid not in seen:
                seen.add(entry.msgid)
                every.append(polib.POEntry(msgid=entry.msgid, msgstr=entry.msgstr))
    with tempfile.TemporaryDirectory() as folder:
        every.save_as_mofile(str(Path(folder) / "exercises.mo"))
        return (Path(folder) / "exercises.mo").read_bytes()


def checks_mo(root: Path) -> Path:
    return root / "minichain" / "locale" / LANGUAGE / "LC_MESSAGES" / "exercises.mo"



# --- what is not translated yet ----------------------------------------------------------------

def translations(nb: nbformat.NotebookNode, catalog: polib.POFile | None) -> dict[str, str]:
    """Cell id -> Chinese text, for the cells whose current English text is translated."""
    entries = {(e.msgctxt, e.msgid): e for e in catalog or [] if not e.obsolete}
    done = {}
    for cell in translatable_cells(nb):
        entry = entries.get((cell.id, cell.source))
        if entry is not None and entry.msgstr and FUZZY not in entry.flags:
            done[cell.id] = entry.msgstr
    return done


def untranslated(nb: nbformat.NotebookNode, catalog: polib.POFile | None) -> list[str]:
    """'<cell id>: missing' or '<cell id>: fuzzy' for every markdown cell not translated yet.
    A cell whose English changed since the last `extract` counts as missing."""
    entries = {(e.msgctxt, e.msgid): e for e in catalog or [] if not e.obsolete}
    done = translations(nb, catalog)
    gaps = []
    for cell in translatable_cells(nb):
        if cell.id not in done:
            entry = entries.get((cell.id, cell.source))
            fuzzy = entry is not None and entry.msgstr and FUZZY in entry.flags
            gaps.append(f"{cell.id}: {'fuzzy' if fuzzy else 'missing'}")
    return gaps


def skeleton(markdown: str) -> tuple[list[str], list[str]]:
    """The parts a translation must keep: heading levels in order, and the code spans."""
    headings = re.findall(r"^(#{1,6}) ", markdown, flags=re.MULTILINE)
    return headings, sorted(re.findall(r"`[^`\n]+`", markdown))


def lost_markdown(nb: nbformat.NotebookNode, catalog: polib.POFile | None) -> list[str]:
    """Translated cells whose headings or code spans differ from the English."""
    done = translations(nb, catalog)
    return [f"{cell.id}: the translation does not keep the English headings and `code spans`"
            for cell in translatable_cells(nb)
            if cell.id in done and skeleton(done[cell.id]) != skeleton(cell.source)]


# --- build -------------------------------------------------------------------------------------

class IncompleteCatalog(Exception):
    """A catalog with missing or fuzzy messages: no Chinese notebook is written from it."""


def translate(nb: nbformat.NotebookNode, catalog: polib.POFile | None, where: str
              ) -> nbformat.NotebookNode:
    """The English notebook with each markdown cell's text replaced by its translation."""
    gaps = untranslated(nb, catalog)
    if gaps:
        raise IncompleteCatalog(f"{where} is not complete ({len(gaps)} of "
                                f"{len(translatable_cells(nb))} messages): " + ", ".join(gaps))
    done = translations(nb, catalog)
    chinese = copy.deepcopy(nb)
    for cell in translatable_cells(chinese):
        cell.source = done[cell.id]
    return chinese


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> None:
    nbformat.validate(nb)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = nbformat.writes(nb)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def build(lesson: Lesson) -> None:
    """Write the lesson's Chinese notebook; IncompleteCatalog if its catalog (or an exercise's
    catalog of check texts) is not complete."""
    nb = nbformat.read(lesson.english, as_version=4)
    gaps = untranslated_checks(lesson, nb)
    if gaps:
        raise IncompleteCatalog(f"{shown(lesson.checks_catalog)} is not complete "
                                f"({len(gaps)} texts missing): " + ", ".join(gaps[:3]))
    write_notebook(translate(nb, read_catalog(lesson.catalog), shown(lesson.catalog)),
                   lesson.chinese)


def compile_checks(root: Path) -> None:
    """Write the compiled catalog of check texts (committed, as the package's own)."""
    path, data = checks_mo(root), compiled_checks(root)
    if not path.exists() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


# --- check -------------------------------------------------------------------------------------

def drift(english: nbformat.NotebookNode, chinese: nbformat.NotebookNode,
          catalog: polib.POFile | None) -> list[str]:
    """How a Chinese notebook differs from its English one beyond translated markdown."""
    if [(c.cell_type, c.id) for c in english.cells] != [(c.cell_type, c.id) for c in chinese.cells]:
        return ["its cells are not the English cells (number, kind or id): run `build`"]
    problems = []
    done = translations(english, catalog)
    for en, zh in zip(english.cells, chinese.cells):
        if en.cell_type == "code" and (en.source, en.metadata) != (zh.source, zh.metadata):
            problems.append(f"{en.id}: code cell differs from the English")
        elif en.cell_type == "markdown" and zh.source != done.get(en.id, en.source):
            problems.append(f"{en.id}: markdown is not the catalog's translation: run `build`")
    return problems


def check(lesson: Lesson, strict: bool) -> list[str]:
    """Problems of one lesson's translation (every gap if `strict` or the Chinese notebook
    exists); a one-line progress note for a catalog still being translated."""
    english = nbformat.read(lesson.english, as_version=4)
    catalog = read_catalog(lesson.catalog)
    gaps = untranslated(english, catalog)
    check_gaps = untranslated_checks(lesson, english)
    if not (strict or lesson.chinese.exists()):
        if catalog is not None:
            total = len(translatable_cells(english))
            print(f"{lesson.name}: {total - len(gaps)} of {total} messages translated, "
                  f"{len(check_gaps)} check texts missing, no Chinese notebook yet")
        return []
    problems = [f"{shown(lesson.catalog)}: {gap}"
                for gap in gaps + lost_markdown(english, catalog)]
    problems += [f"{shown(lesson.checks_catalog)}: {gap}" for gap in check_gaps]
    if lesson.chinese.exists():
        problems += [f"{shown(lesson.chinese)}: {difference}" for difference
                     in drift(english, nbformat.read(lesson.chinese, as_version=4), catalog)]
    return problems


def orphans(root: Path) -> list[str]:
    """Chinese notebooks without an English notebook of the same name."""
    return [f"{shown(path)}: no English notebook of that name"
            for english, chinese in COLLECTIONS.values()
            for path in sorted((root / chinese).glob("*.ipynb"))
            if not (root / english / path.name).exists()]


# --- command line ------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["extract", "build", "check"])
    parser.add_argument("lessons", nargs="*",
                        help="lesson names or English notebooks (default: every lessons/*.ipynb)")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the project folder, holding lessons/ and i18n/ (default: this one)")
    args = parser.parse_args(argv)
    chosen = lessons(args.root, args.lessons)
    missing = [lesson.english for lesson in chosen if not lesson.english.exists()]
    if missing:
        print("no such English notebook: " + ", ".join(map(str, missing)), file=sys.stderr)
        return 2

    if args.command == "extract":
        for lesson in chosen:
            catalog = extract(lesson)
            live = [e for e in catalog if not e.obsolete]
            print(f"{shown(lesson.catalog)}: {len(live)} messages, "
                  f"{len([e for e in live if e.msgstr and FUZZY not in e.flags])} translated, "
                  f"{len([e for e in live if FUZZY in e.flags])} fuzzy, "
                  f"{len([e for e in live if not e.msgstr])} missing, "
                  f"{len(catalog.obsolete_entries())} obsolete")
        return 0

    if args.command == "build":
        failed, skipped = False, []
        for lesson in chosen:
            try:
                build(lesson)
                print(f"wrote {shown(lesson.chinese)}")
            except IncompleteCatalog as error:
                if args.lessons or lesson.chinese.exists():
                    stale = "" if args.lessons else \
                        f" ({shown(lesson.chinese)} is now out of date)"
                    print(f"not built: {error}{stale}", file=sys.stderr)
                    failed = True
                else:
                    skipped.append(lesson.name)
        if skipped:
            print("not translated yet, so not built: " + ", ".join(skipped))
        compile_checks(args.root)
        return 1 if failed else 0

    problems = [p for lesson in chosen for p in check(lesson, strict=bool(args.lessons))]
    problems += orphans(args.root)
    if not checks_mo(args.root).exists() or \
            checks_mo(args.root).read_bytes() != compiled_checks(args.root):
        problems.append(f"{shown(checks_mo(args.root))} is out of date: run `build`")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
