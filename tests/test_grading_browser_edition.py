"""Exercises handed in from the browser edition (#21): what the release tells trainees, and how a
notebook saved in JupyterLite is graded.

Every released exercise ends with "Handing in": save, hand in the file as it is, and in the
browser edition, where saved work stays in the browser, File > Download. It is in the edition's
language and the grader ignores it.

JupyterLite saves a notebook in the browser's storage; File > Download hands the browser
`JSON.stringify(notebook, null, 2)` (@jupyterlite/application-extension:download). That file is
nbformat 4.5 with the cells' ids and the release's cell metadata kept, but it is not what
JupyterLab's server writes (nbformat.write): each cell's source is one string instead of a list
of lines, the kernel is Pyodide's ("python", not "python3"), language_info is Pyodide's, and
the JSON is indented by two. The fixtures in tests/fixtures/jupyterlite/ are real downloads: the
files tests/browser/test_site_exercises.py downloaded from the site in Chromium (a run keeps
them in test-artifacts/browser/site-exercises/exercise-01-*/downloads/), where Alice typed the
source's solutions into exercise 01 and Bob slipped on q1. Each is graded beside its JupyterLab
twin (the same notebook as JupyterLab's server would have written it): the same code runs, the
same points, the same feedback.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat
import pytest

from minichain.grading.exercise import HAND_IN, Exercise, read_submission, released_json
from minichain.grading.grader import assemble, grade
from minichain.language import set_language

from grading_helpers import EXERCISE_01, ROOT, SOURCES, solved, write

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "jupyterlite"
EXERCISE_01_ZH = ROOT / "exercises" / "zh_CN" / "source" / EXERCISE_01.name
NBGRADER_SOURCE = Path(__file__).resolve().parent / "nbgrader_ps1" / "source" / "ps1"
DOWNLOADS = [("exercise-01-en-alice", EXERCISE_01), ("exercise-01-en-bob", EXERCISE_01),
             ("exercise-01-zh_CN-alice", EXERCISE_01_ZH)]


def saved_by_jupyterlab(notebook: dict) -> str:
    """The notebook as JupyterLab's server writes it on Save (nbformat.write, as
    jupyter_server's file contents manager does), run by the ipykernel of this machine."""
    twin = nbformat.from_dict(copy.deepcopy(notebook))
    twin.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                   "name": "python3"}
    twin.metadata["language_info"] = {"name": "python", "version": "3.11.2",
                                      "pygments_lexer": "ipython3"}
    return nbformat.writes(twin, version=nbformat.NO_CONVERT)


# -- what the release says -----------------------------------------------------------------------

@pytest.mark.parametrize("source", [*SOURCES, EXERCISE_01_ZH], ids=lambda p: p.parent.parent.name
                         + "/" + p.stem)
def test_every_exercise_ends_by_telling_how_to_hand_it_in_from_the_browser(source):
    last = Exercise.read(source).release()["cells"][-1]
    assert last["cell_type"] == "markdown"
    assert last["metadata"]["minichain"] == {"cell": HAND_IN, "role": HAND_IN}
    assert "File ▸ Download" in last["source"] and "Ctrl + S" in last["source"]


def test_the_chinese_edition_is_told_in_chinese_whatever_the_instructors_language(monkeypatch):
    monkeypatch.setenv("MINICHAIN_LANG", "zh_CN")   # a Chinese instructor releases both editions
    set_language("zh_CN")
    english = Exercise.read(EXERCISE_01).release()["cells"][-1]["source"]
    chinese = Exercise.read(EXERCISE_01_ZH).release()["cells"][-1]["source"]
    assert english.startswith("## Handing in") and "提交" not in english
    assert chinese.startswith("## 提交练习") and "文件 ▸ 下载" in chinese
    set_language("en")
    assert released_json(Exercise.read(EXERCISE_01_ZH)) == (
        ROOT / "exercises" / "zh_CN" / EXERCISE_01.name).read_text(encoding="utf-8")


def test_an_nbgrader_source_is_released_without_it():
    cells = Exercise.read(NBGRADER_SOURCE / "problem1.ipynb").release()["cells"]
    assert all(cell["metadata"]["minichain"]["role"] != HAND_IN for cell in cells)


def test_the_grader_ignores_the_hand_in_cell_kept_edited_or_deleted():
    exercise = Exercise.read(EXERCISE_01)
    kept = solved()
    edited = copy.deepcopy(kept)
    edited["cells"][-1]["source"] = "handed in on Friday by e-mail"
    deleted = copy.deepcopy(kept)
    del deleted["cells"][-1]
    plans = [assemble(exercise, notebook["cells"]) for notebook in (kept, edited, deleted)]
    assert all(plan.codes == plans[0].codes for plan in plans)
    assert all(dict(plan.notes) == {} for plan in plans)


def test_a_source_cell_already_called_hand_in_keeps_its_id(tmp_path):
    source = json.loads(EXERCISE_01.read_text(encoding="utf-8"))
    source["cells"][0]["id"] = HAND_IN
    cells = Exercise.read(write(tmp_path, "source", source)).release()["cells"]
    assert cells[0]["id"] == HAND_IN and cells[-1]["id"] == f"{HAND_IN}-2"


# -- a notebook saved in the browser edition ------------------------------------------------------

@pytest.mark.parametrize("download, source", DOWNLOADS, ids=[d for d, _ in DOWNLOADS])
def test_a_download_from_the_site_runs_the_same_code_as_its_jupyterlab_twin(download, source,
                                                                            tmp_path):
    lite = FIXTURES / f"{download}.ipynb"
    notebook = json.loads(lite.read_text(encoding="utf-8"))
    lab = tmp_path / "lab.ipynb"
    lab.write_text(saved_by_jupyterlab(notebook), encoding="utf-8")
    as_lab = json.loads(lab.read_text(encoding="utf-8"))
    # what makes them two different files (if JupyterLite ever saves as JupyterLab does, this
    # test compares nothing and says so)
    assert (notebook["metadata"]["kernelspec"]["name"], as_lab["metadata"]["kernelspec"]["name"]) \
        == ("python", "python3")
    assert any(isinstance(c["source"], str) and "\n" in c["source"] for c in notebook["cells"])
    assert all(isinstance(c["source"], list) for c in as_lab["cells"])

    exercise = Exercise.read(source)
    from_lite = assemble(exercise, read_submission(lite))
    from_lab = assemble(exercise, read_submission(lab))
    assert from_lite.codes == from_lab.codes and from_lite.kinds == from_lab.kinds
    assert dict(from_lite.notes) == dict(from_lab.notes) == {}   # no cell of the exercise changed


def test_notebooks_downloaded_from_the_site_grade_exactly_like_jupyterlabs(tmp_path):
    """Alice (every answer the solution's) gets full marks, Bob loses q1 only, in English and
    in Chinese; each scores, question by question and word for word, what the same notebook saved
    by JupyterLab scores."""
    for source, downloads in ((EXERCISE_01, ["exercise-01-en-alice", "exercise-01-en-bob"]),
                              (EXERCISE_01_ZH, ["exercise-01-zh_CN-alice"])):
        folder = tmp_path / source.parent.parent.name
        folder.mkdir()
        submissions = []
        for download in downloads:
            lite = FIXTURES / f"{download}.ipynb"
            trainee = download.rsplit("-", 1)[1]
            submissions.append(write(folder, f"{trainee}-lite", lite.read_text(encoding="utf-8")))
            submissions.append(write(folder, f"{trainee}-lab", saved_by_jupyterlab(
                json.loads(lite.read_text(encoding="utf-8")))))
        results = {r.trainee: r for r in grade(source, submissions, folder / "graded")}
        exercise = Exercise.read(source)
        for download in downloads:
            trainee = download.rsplit("-", 1)[1]
            lite, lab = results[f"{trainee}-lite"], results[f"{trainee}-lab"]
            assert [(q.name, q.points, q.message, q.notes) for q in lite.questions] == \
                [(q.name, q.points, q.message, q.notes) for q in lab.questions]
            assert (lite.status, lite.notes) == (lab.status, lab.notes) == ("ok", [])
            lost = {q.name for q in lite.questions if q.points < q.max_points}
            assert lost == (set() if trainee == "alice" else {"q1"}), lite
            if trainee == "alice":
                assert lite.total == exercise.max_points
