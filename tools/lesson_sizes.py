"""Measure each lesson's size and turn it into an estimate of class time.

    .venv/bin/python tools/lesson_sizes.py              # every lessons/*.ipynb, as a table
    .venv/bin/python tools/lesson_sizes.py --markdown   # the same table in Markdown

For every lesson it counts the words of its markdown cells, its code cells and its widget cells
(a code cell whose saved output is a widget), and estimates the minutes a class of
non-programmers needs to work through it:

- reading: 120 words a minute (a careful reader in a second language; native readers of
  English manage about twice that);
- a code cell: 1 minute to run it and read its answer;
- a widget cell: 3 minutes to play with it as the lesson asks.

The estimate covers working through the lesson alone. The table also counts each lesson's
exercise questions (the `# Check qN` cells of exercises/source/ and its written answers, which
take a trainee at least as long), and `--sections` splits each
lesson at its `## ` headings, to see what a shortened lesson saves. Discussion and breaks are
not in it; the instructor guide (instructors/README.md) adds them. The script reads the
notebooks as JSON and runs nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CODE_CELL_MINUTES", "WIDGET_CELL_MINUTES", "WORDS_PER_MINUTE", "LessonSize",
           "exercise_questions", "measure", "measure_all", "main"]

ROOT = Path(__file__).resolve().parent.parent
EXERCISE_SOURCES = ROOT / "exercises" / "source"
WORDS_PER_MINUTE = 120
CODE_CELL_MINUTES = 1.0
WIDGET_CELL_MINUTES = 3.0
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WORD = re.compile(r"[^\W_]+(?:['’.,-][^\W_]+)*")


@dataclass(frozen=True)
class LessonSize:
    """What one lesson (or one section of it) holds, and the minutes that suggests."""

    name: str
    markdown_words: int
    code_cells: int
    widget_cells: int
    questions: int = 0
    sections: tuple[LessonSize, ...] = ()

    @property
    def minutes(self) -> int:
        """Estimated minutes to work through the lesson, rounded up."""
        return math.ceil(self.markdown_words / WORDS_PER_MINUTE
                         + self.code_cells * CODE_CELL_MINUTES
                         + self.widget_cells * WIDGET_CELL_MINUTES)


def _is_widget(cell: dict) -> bool:
    return any(WIDGET_MIME in output.get("data", {}) for output in cell.get("outputs", []))


def _count(name: str, cells: list[dict]) -> LessonSize:
    words = code = widgets = 0
    for cell in cells:
        if cell["cell_type"] == "markdown":
            words += len(WORD.findall("".join(cell["source"])))
        elif cell["cell_type"] == "code":
            if _is_widget(cell):
                widgets += 1
            else:
                code += 1
    return LessonSize(name, words, code, widgets)


def exercise_questions(stem: str, sources: Path = EXERCISE_SOURCES) -> int:
    """The number of questions in the lesson's exercise (0 if it has none)."""
    path = sources / f"{stem}.ipynb"
    if not path.exists():
        return 0
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return sum(1 for cell in cells if _is_question("".join(cell["source"]), cell["cell_type"]))


def _is_question(text: str, kind: str) -> bool:
    """A check cell (`# Check q1 (2 points)`) or a written answer's first line
    (`**Written answer q4 (2 points)**`)."""
    if kind == "code":
        return text.startswith("# Check q")
    first = text.split("\n", 1)[0]
    return re.match(r"^[#*_\s]*Written answer\s+q\w*\s*\(", first) is not None


def measure(path: Path) -> LessonSize:
    """Count one notebook's markdown words, plain code cells, widget cells and exercise
    questions, for the whole lesson and for each of its `## ` sections."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    headings = {i: [line[3:].strip() for line in "".join(cell["source"]).splitlines()
                    if line.startswith("## ")]
                for i, cell in enumerate(cells) if cell["cell_type"] == "markdown"}
    starts = [0] + [i for i, found in headings.items() if i and found]
    sections = tuple(   # a cell that holds a heading starts its section (an estimate anyway)
        _count(" + ".join(headings.get(start) or ["opening"]), cells[start:stop])
        for start, stop in zip(starts, starts[1:] + [len(cells)]))
    whole = _count(path.stem, cells)
    return LessonSize(whole.name, whole.markdown_words, whole.code_cells, whole.widget_cells,
                      exercise_questions(path.stem), sections)


def measure_all(folder: Path = ROOT / "lessons") -> list[LessonSize]:
    """Every lesson in a folder, in the order of their file names."""
    return [measure(path) for path in sorted(folder.glob("[0-9][0-9]-*.ipynb"))]


def main(argv: list[str] | None = None) -> int:
    """Print the table of lesson sizes and estimated minutes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--sections", action="store_true", help="also list each section")
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "lessons")
    args = parser.parse_args(argv)
    sizes = measure_all(args.folder)
    if args.markdown:
        print("| lesson | words | code cells | widget cells | minutes (estimate) "
              "| exercise questions |")
        print("|---|---:|---:|---:|---:|---:|")
        for size in sizes:
            print(f"| {size.name} | {size.markdown_words:,} | {size.code_cells} | "
                  f"{size.widget_cells} | {size.minutes} | {size.questions} |")
        print(f"| **all** | {sum(s.markdown_words for s in sizes):,} | "
              f"{sum(s.code_cells for s in sizes)} | {sum(s.widget_cells for s in sizes)} | "
              f"{sum(s.minutes for s in sizes)} | {sum(s.questions for s in sizes)} |")
    else:
        for size in sizes:
            print(f"{size.name:<40} {size.markdown_words:>6,} words {size.code_cells:>3} code "
                  f"{size.widget_cells:>2} widgets {size.minutes:>4} min "
                  f"{size.questions:>2} questions")
            for section in size.sections if args.sections else ():
                print(f"    {section.name[:52]:<52} {section.minutes:>4} min")
        print(f"{'all':<40} {sum(s.minutes for s in sizes):>41} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
