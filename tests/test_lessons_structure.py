"""The house rules every lesson in lessons/ follows (DESIGN.md section 9).

- The first cell is markdown: a title, then one line starting with "**Promise:**" that says what
  the trainee can do at the end.
- Somewhere, a "**What this means for your shop**" box (a markdown blockquote).
- The last cell is markdown: "## Recap" and exactly three numbered takeaways.
- Code cells use only minichain's public API: no `def` or `class` re-implementing the package, no
  private names (`minichain.x._y`, `obj._y`), and no `hashlib` (the package does the hashing),
  except in lesson 04, which checks Bitcoin's real genesis header.
- Cells read like sentences: no code cell longer than MAX_CODE_LINES lines.
- Outputs are plain: no error outputs, no tracebacks (an expected refusal is caught and printed).

Whether the saved outputs are still what the code produces is strict nbval's job (`make test`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

LESSONS = sorted((Path(__file__).resolve().parent.parent / "lessons").glob("*.ipynb"))
HASHLIB_ALLOWED = {"04-consensus-pow-vs-poa"}
MAX_CODE_LINES = 15


def test_there_are_lessons():
    assert LESSONS, "no notebooks in lessons/"


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


@pytest.fixture(params=LESSONS, ids=[p.stem for p in LESSONS])
def lesson(request):
    return request.param.stem, nbformat.read(request.param, as_version=4)


def test_name_is_two_digits_and_words(lesson):
    name, _nb = lesson
    assert re.fullmatch(r"\d\d-[a-z0-9]+(-[a-z0-9]+)*", name), name


def test_opens_with_a_one_line_promise(lesson):
    name, nb = lesson
    first = nb.cells[0]
    assert first.cell_type == "markdown", f"{name}: the first cell must be markdown"
    lines = first.source.splitlines()
    assert lines[0].startswith("# "), f"{name}: the first line must be the title ('# …')"
    promises = [line for line in lines if line.startswith("**Promise:**")]
    assert len(promises) == 1, f"{name}: the first cell needs one line starting with **Promise:**"
    assert len(promises[0]) > len("**Promise:**") + 10, f"{name}: the promise is empty"


def test_has_a_what_this_means_for_your_shop_box(lesson):
    name, nb = lesson
    boxes = [cell for cell in nb.cells if cell.cell_type == "markdown"
             and cell.source.startswith("> **What this means for your shop**")]
    assert len(boxes) == 1, f"{name}: needs one '> **What this means for your shop**' box"


def test_ends_with_a_recap_of_three_takeaways(lesson):
    name, nb = lesson
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and last.source.startswith("## Recap"), \
        f"{name}: the last cell must be markdown starting with '## Recap'"
    takeaways = re.findall(r"^\d+\. \S", last.source, flags=re.MULTILINE)
    assert len(takeaways) == 3, f"{name}: the recap has {len(takeaways)} takeaways, not 3"


def private_names(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".") + [alias.name for alias in node.names]
            found += [f"from {node.module} import …{p}" for p in parts if p.startswith("_")]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names
                      if any(p.startswith("_") for p in alias.name.split("."))]
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                and not (node.attr.startswith("__") and node.attr.endswith("__")):
            found.append(f"….{node.attr}")
    return found


def test_code_cells_use_only_the_public_api(lesson):
    name, nb = lesson
    for number, cell in enumerate(code_cells(nb)):
        tree = ast.parse(cell.source)
        where = f"{name}, code cell {number}"
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)), \
                f"{where}: defines {node.name}; lessons use the package, they do not re-implement it"
            if isinstance(node, (ast.Import, ast.ImportFrom)) and name not in HASHLIB_ALLOWED:
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) \
                    else [node.module or ""]
                assert "hashlib" not in {m.split(".")[0] for m in modules}, \
                    f"{where}: imports hashlib; use minichain.crypto"
        assert not private_names(tree), f"{where}: uses private names {private_names(tree)}"


def test_code_cells_are_short(lesson):
    name, nb = lesson
    for number, cell in enumerate(code_cells(nb)):
        assert len(cell.source.splitlines()) <= MAX_CODE_LINES, \
            f"{name}, code cell {number} has more than {MAX_CODE_LINES} lines"


def test_outputs_are_saved_and_plain(lesson):
    name, nb = lesson
    for number, cell in enumerate(code_cells(nb)):
        assert cell.execution_count is not None, \
            f"{name}, code cell {number} was not run: run `make lessons`"
        for output in cell.outputs:
            assert output.output_type != "error", f"{name}, code cell {number} raised an error"
            assert output.get("name") != "stderr", f"{name}, code cell {number} wrote to stderr"


def test_saved_with_the_project_kernel_and_no_timings(lesson):
    name, nb = lesson
    assert nb.metadata.kernelspec.name == "python3", name
    for cell in nb.cells:
        assert "execution" not in cell.metadata, f"{name}: timings saved; run `make lessons`"
