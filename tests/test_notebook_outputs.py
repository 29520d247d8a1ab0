"""The comparison of the browser edition's lesson outputs with the desktop's committed ones
(tests/browser/notebook_outputs.py), without a browser: a checkout whose browser edition shows
another total is caught and named with its cell and a diff; the differences the table allows
(a timing cell nbval ignores too, a backend's name, a widget's random model id, streams split
differently) are not."""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))

from notebook_outputs import (NBVAL_IGNORE_OUTPUT, NOT_COMPARED, WIDGET_VIEW,  # noqa: E402
                              Allowed, compare_notebooks, load, nbval_exempts, report)

REPO = Path(__file__).resolve().parent.parent
LESSON = "lessons/03-paying-at-checkout.ipynb"
IGNORED = Allowed("lessons/*", cell=NBVAL_IGNORE_OUTPUT,
                  reason="wall-clock timings; nbval does not compare them either")
BACKEND = Allowed("lessons/*03-*", cell="checked_by", text=r"\b(?:libsecp256k1|ecdsa)\b",
                  reason="the signature library: libsecp256k1 on the desktop, ecdsa in Pyodide")


def stdout(text: str):
    return new_output("stream", name="stdout", text=text)


def widget(model_id: str, plain: str = "CheckoutView(children=(…))"):
    return new_output("execute_result", execution_count=1, data={
        "text/plain": plain,
        "application/vnd.jupyter.widget-view+json": {
            "version_major": 2, "version_minor": 0, "model_id": model_id}})


def checkout(total: str = "100", *, seconds: str = "0.02", backend: str = "libsecp256k1",
             model_id: str = "6f1d", split_stream: bool = False) -> dict:
    """Lesson 03 in miniature: a basket's total, a timing cell, the signature library, a widget."""
    totals = ([stdout("The customer pays "), stdout(f"{total} coins.\n")] if split_stream
              else [stdout(f"The customer pays {total} coins.\n")])
    cells = [
        new_markdown_cell("# Paying at checkout"),
        new_code_cell("print('The customer pays', basket.total, 'coins.')", outputs=totals,
                      execution_count=1),
        new_code_cell("# NBVAL_IGNORE_OUTPUT\nprint(f'{seconds:.2f} s')",
                      outputs=[stdout(f"{seconds} s on this machine\n")], execution_count=2),
        new_code_cell("print('checked_by', crypto.backend())",
                      outputs=[stdout(f"200 payments checked by {backend}: 0 refused\n")],
                      execution_count=3),
        new_code_cell("CheckoutView(chain)", outputs=[widget(model_id)], execution_count=4),
    ]
    # the committed file keeps text as lists of lines, as nbformat writes it
    return json.loads(nbformat.writes(new_notebook(cells=cells)))


def test_the_same_outputs_pass():
    assert compare_notebooks(checkout(), checkout(), LESSON, [IGNORED, BACKEND]) == []


def test_a_changed_total_is_caught_with_the_lesson_the_cell_and_a_diff():
    differences = compare_notebooks(checkout(total="100"), checkout(total="110"), LESSON,
                                    [IGNORED, BACKEND])
    assert [(d.cell, d.nbval_cell) for d in differences] == [(2, 0)]
    message = report(differences)
    assert message.startswith(f"{LESSON}: 1 code cell(s)")
    assert "cell 2 (nbval's Cell 0: \"print('The customer pays'" in message
    assert "-The customer pays 100 coins." in message
    assert "+The customer pays 110 coins." in message


def test_a_timing_cell_differs_only_where_the_table_allows_it():
    slow = checkout(seconds="0.31")
    assert compare_notebooks(checkout(), slow, LESSON, [IGNORED, BACKEND]) == []
    differences = compare_notebooks(checkout(), slow, LESSON, [BACKEND])  # no entry: caught
    assert [d.cell for d in differences] == [3]


def test_the_backend_name_is_masked_but_a_number_beside_it_is_not():
    in_pyodide = checkout(backend="ecdsa")
    assert compare_notebooks(checkout(), in_pyodide, LESSON, [IGNORED, BACKEND]) == []
    assert [d.cell for d in compare_notebooks(checkout(), in_pyodide, LESSON, [IGNORED])] == [4]
    refused = checkout(backend="ecdsa")
    refused["cells"][3]["outputs"][0]["text"] = ["200 payments checked by ecdsa: 3 refused\n"]
    differences = compare_notebooks(checkout(), refused, LESSON, [IGNORED, BACKEND])
    assert [d.cell for d in differences] == [4]
    assert "+200 payments checked by <allowed>: 3 refused" in differences[0].diff


def test_an_entry_for_another_lesson_allows_nothing_here():
    lesson_10_only = Allowed("lessons/*10-*", cell="checked_by", text="libsecp256k1|ecdsa",
                             reason="lesson 10 only")
    differences = compare_notebooks(checkout(), checkout(backend="ecdsa"), LESSON,
                                    [IGNORED, lesson_10_only])
    assert [d.cell for d in differences] == [4]


def test_a_widget_must_be_drawn_on_both_sides_whatever_its_model_id():
    assert compare_notebooks(checkout(model_id="6f1d"), checkout(model_id="a7c2"), LESSON,
                             [IGNORED, BACKEND]) == []
    no_widget = checkout()
    no_widget["cells"][4]["outputs"][0]["data"].pop("application/vnd.jupyter.widget-view+json")
    differences = compare_notebooks(checkout(), no_widget, LESSON, [IGNORED, BACKEND])
    assert [d.cell for d in differences] == [5]
    assert "-[application/vnd.jupyter.widget-view+json]" in differences[0].diff


def test_streams_are_merged_as_nbval_merges_them():
    assert compare_notebooks(checkout(split_stream=True), checkout(), LESSON,
                             [IGNORED, BACKEND]) == []


def test_a_stray_error_in_the_browser_is_a_difference():
    broken = checkout()
    broken["cells"][1]["outputs"].append(new_output(
        "error", ename="ModuleNotFoundError", evalue="No module named 'coincurve'", traceback=[]))
    differences = compare_notebooks(checkout(), broken, LESSON, [IGNORED, BACKEND])
    assert [d.cell for d in differences] == [2]
    assert "+No module named 'coincurve'" in differences[0].diff


def test_a_site_serving_another_version_of_the_lesson_is_reported():
    edited = checkout()
    edited["cells"][1]["source"] = "print('The customer pays', basket.total + 10, 'coins.')"
    [difference] = compare_notebooks(checkout(), edited, LESSON, [IGNORED, BACKEND])
    assert "other code cells" in difference.diff and "basket.total + 10" in difference.diff


@pytest.mark.parametrize("path", sorted((REPO / "lessons").glob("**/[0-9][0-9]-*.ipynb")),
                         ids=lambda p: str(p.relative_to(REPO / "lessons")))
def test_a_committed_lesson_matches_itself_as_jupyterlab_saves_it(path):
    """JupyterLite saves strings where the committed file has lists of lines (and
    `"attachments": null` in markdown cells); that is no difference."""
    committed = load(path)
    saved = json.loads(json.dumps(committed))
    for cell in saved["cells"]:
        cell["source"] = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            cell["attachments"] = None
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = "".join(output["text"])
    assert compare_notebooks(committed, saved, str(path.relative_to(REPO)), []) == []


def test_the_keys_left_out_are_those_nbval_leaves_out():
    """nbval's list is built inside its collector; read from its source, so that an nbval
    upgrade that changes it shows here."""
    from nbval.plugin import IPyNbFile

    source = inspect.getsource(IPyNbFile.__init__)
    assert all(repr(key) in source for key in NOT_COMPARED | {WIDGET_VIEW})


def test_the_ignore_marker_pattern_agrees_with_nbval():
    cell = {"source": "x = 1\n  #  NBVAL_IGNORE_OUTPUT \nprint(x)", "metadata": {}}
    assert nbval_exempts(cell)
    assert Allowed("*", "", cell=NBVAL_IGNORE_OUTPUT).applies_to("lessons/x.ipynb",
                                                                 cell["source"])
    not_a_marker = {"source": "print('# NBVAL_IGNORE_OUTPUT')", "metadata": {}}
    assert not nbval_exempts(not_a_marker)
    assert not Allowed("*", "", cell=NBVAL_IGNORE_OUTPUT).applies_to("lessons/x.ipynb",
                                                                     not_a_marker["source"])
