"""A lesson's outputs as the browser edition produced them, compared cell by cell with the desktop
lesson's committed outputs, so that the two editions cannot drift apart (#21).

The comparison is strict nbval's (nbval 0.11.0, nbval/plugin.py), with nbval's own functions
where they can be called on their own:

- a code cell's stream outputs of one name are merged and `\\r`/`\\b` resolved
  (`coalesce_streams`, reused);
- the keys nbval never compares are dropped (`IPyNbFile.skip_compare`: metadata, traceback,
  output_type, execution_count, PNG and JPEG, and the widget-view JSON, whose model ids are
  random); every other MIME type (text/plain, text/html, image/svg+xml…), each stream
  (stdout, stderr) and an error's name and value is a list of values compared in order, each key
  independently of the others (`IPyNbCell.compare_outputs`);
- a cell whose committed copy never ran (no execution count) is not compared.

Two things differ, on purpose:

- a widget view must be on both sides, as many of them as there are in the committed cell (its
  model id is not compared);
- nothing is exempt by itself, not even a cell marked `# NBVAL_IGNORE_OUTPUT`: a difference is
  allowed only by an `Allowed` entry (the lessons, the cells, what may differ, and why), in one
  table that the test passes in (tests/browser/test_site_in_browser.py).

A difference is reported with the lesson, the cell's number (its position in the notebook, and
nbval's "Cell N", which counts code cells from 0) and a short unified diff.
"""

from __future__ import annotations

import copy
import difflib
import fnmatch
import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbval.plugin import coalesce_streams, find_comment_markers, find_metadata_tags

__all__ = ["Allowed", "Difference", "NBVAL_IGNORE_OUTPUT", "compare_notebooks", "load",
           "nbval_exempts", "report"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# nbval 0.11.0, IPyNbFile.__init__: `skip_compare`, with image/png and image/jpeg (not compared
# unless --nbdime); the widget view is left out of it here and compared by its presence
NOT_COMPARED = frozenset({"metadata", "traceback", "prompt_number", "output_type", "name",
                          "execution_count", "image/png", "image/jpeg"})
A_WIDGET_VIEW = "<a widget view>"
MASK = "<allowed>"
# the cells nbval leaves unchecked by their comment: a comment line that is exactly the marker
# (nbval/plugin.py, find_comment_markers)
NBVAL_IGNORE_OUTPUT = r"(?m)^[ \t]*#+[ \t]*NBVAL_IGNORE_OUTPUT[ \t]*$"

MAX_DIFF_LINES = 30
MAX_LINE = 160


@dataclass(frozen=True)
class Allowed:
    """One difference the browser edition may show, and why.

    `lessons` is a shell pattern on the lesson's path (`*` also crosses `/`: "lessons/*10-*"
    is lesson 10 in both editions); `cell`, a regular expression searched in a code cell's
    source, picks the cells ("" is every cell); `text` is a regular expression whose matches
    may differ (replaced on both sides before comparing), or None when the cell's whole output
    may differ."""

    lessons: str
    reason: str
    cell: str = ""
    text: str | None = None

    def applies_to(self, lesson: str, source: str) -> bool:
        return (fnmatch.fnmatchcase(lesson, self.lessons)
                and re.search(self.cell, source) is not None)


@dataclass(frozen=True)
class Difference:
    """A code cell whose outputs differ between the desktop lesson and the browser edition."""

    lesson: str
    cell: int        # its position among all the notebook's cells, from 1
    nbval_cell: int  # nbval's "Cell N": its position among the code cells, from 0
    first_line: str
    diff: str

    def __str__(self) -> str:
        return (f"{self.lesson}, cell {self.cell} (nbval's Cell {self.nbval_cell}: "
                f"{self.first_line!r}):\n{self.diff}")


def load(path: Path) -> dict:
    """A committed notebook, as JSON."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _code_cells(data: Mapping) -> list[tuple[int, nbformat.NotebookNode]]:
    """The code cells with their positions (from 1), as private copies with multi-line strings
    joined: the committed file keeps lists of lines, the browser's model strings."""
    cells = []
    for number, cell in enumerate(copy.deepcopy(list(data["cells"])), 1):
        if cell["cell_type"] != "code":
            continue
        cell["source"] = _joined(cell["source"])
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = _joined(output["text"])
            for mime, value in output.get("data", {}).items():
                if not mime.endswith("json"):  # as nbformat's rejoin_lines
                    output["data"][mime] = _joined(value)
        cells.append((number, nbformat.from_dict(cell)))
    return cells


def _joined(value: object) -> object:
    return "".join(value) if isinstance(value, list) else value


def nbval_exempts(cell: Mapping) -> bool:
    """Whether strict nbval leaves this code cell's outputs unchecked (a comment marker or a
    metadata tag that says so, or the cell skipped), read with nbval's own functions."""
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    options = dict(find_metadata_tags(cell.get("metadata", {})))
    options.update(find_comment_markers(source))
    return options.get("check") is False or bool(options.get("skip"))


def _comparable(outputs: list, masks: Sequence[str]) -> dict[str, list]:
    """nbval's view of a cell's outputs: a list of values for each key, in order."""
    view: dict[str, list] = defaultdict(list)
    for output in coalesce_streams(copy.deepcopy(outputs)):
        if output.output_type == "stream":
            view[output.name].append(_masked(output.text, masks))
            continue
        for key, value in output.items():
            if key == "data":
                for mime, content in value.items():
                    if mime == WIDGET_VIEW:
                        view[mime].append(A_WIDGET_VIEW)
                    elif mime not in NOT_COMPARED:
                        view[mime].append(_masked(content, masks))
            elif key not in NOT_COMPARED:
                view[key].append(_masked(value, masks))
    return dict(view)


def _masked(value: object, masks: Sequence[str]) -> object:
    if not isinstance(value, str):
        return value
    for pattern in masks:
        value = re.sub(pattern, MASK, value)
    return value


def _lines(view: Mapping[str, list]) -> list[str]:
    """The view as lines to diff; long lines (HTML, SVG) are cut after each tag."""
    lines = []
    for key in sorted(view):
        for value in view[key]:
            lines.append(f"[{key}]")
            text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
            for line in text.splitlines() or [""]:
                pieces = re.split(r"(?<=>)", line) if len(line) > MAX_LINE else [line]
                lines.extend(piece for piece in pieces if piece)
    return lines


def _short_diff(desktop: list[str], browser: list[str]) -> str:
    lines = list(difflib.unified_diff(desktop, browser, "desktop (committed)", "browser edition",
                                      n=1, lineterm=""))
    cut = [line if len(line) <= MAX_LINE else line[:MAX_LINE] + "…" for line in lines]
    if len(cut) > MAX_DIFF_LINES:
        cut = cut[:MAX_DIFF_LINES] + [f"… ({len(cut) - MAX_DIFF_LINES} more diff lines)"]
    return "\n".join(cut)


def compare_notebooks(desktop: Mapping, browser: Mapping, lesson: str,
                      allowed: Sequence[Allowed]) -> list[Difference]:
    """Every code cell of `lesson` whose outputs in `browser` (the notebook as the browser
    edition saved it) differ from the committed `desktop` notebook's, beyond what `allowed`
    allows. The two must hold the same code cells (the site serves the committed lessons)."""
    ours, theirs = _code_cells(desktop), [cell for _, cell in _code_cells(browser)]
    if [cell.source for _, cell in ours] != [cell.source for cell in theirs]:
        diff = _short_diff([cell.source for _, cell in ours], [cell.source for cell in theirs])
        return [Difference(lesson, 0, 0, "(the code cells themselves)",
                           "the browser edition's copy of the lesson has other code cells:\n"
                           + diff)]
    differences = []
    for nbval_cell, ((number, cell), served) in enumerate(zip(ours, theirs)):
        entries = [entry for entry in allowed if entry.applies_to(lesson, cell.source)]
        if cell.execution_count is None or any(entry.text is None for entry in entries):
            continue
        masks = [entry.text for entry in entries]
        expected, got = _comparable(cell.outputs, masks), _comparable(served.outputs, masks)
        if expected != got:
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            differences.append(Difference(lesson, number, nbval_cell, first,
                                          _short_diff(_lines(expected), _lines(got))))
    return differences


def report(differences: Sequence[Difference]) -> str:
    """The failure message: each differing cell with its diff."""
    lesson = differences[0].lesson if differences else ""
    return (f"{lesson}: {len(differences)} code cell(s) show other outputs in the browser "
            f"edition than in the committed lesson (allowed differences: ALLOWED in "
            f"tests/browser/test_site_in_browser.py)\n\n"
            + "\n\n".join(str(difference) for difference in differences))
