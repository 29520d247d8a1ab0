"""The feedback a trainee gets: one HTML page, what passed, what is still wrong, and why.

It shows each question's points, the message of the first check that failed (for a hidden
check, the instructor's hint), and what happened to the notebook (a cell that stopped with an
error, a timeout, a deleted check cell restored). It never shows the code of a check, hidden or
not, nor an expected value. Plain HTML, no scripts, the same look as the lessons' visuals.
"""

from __future__ import annotations

from html import escape as _escape

from minichain.grading.exercise import Exercise
from minichain.grading.results import GradeResult

__all__ = ["feedback_html"]


def escape(text: str) -> str:
    return _escape(text, quote=False)

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:46rem;margin:2rem auto;
color:#222;line-height:1.45;padding:0 1rem}
h1{font-size:1.4rem;margin-bottom:.2rem} .total{font-size:1.1rem;margin:.2rem 0 1rem}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.45rem .5rem;
border-bottom:1px solid #ddd;vertical-align:top} th{background:#f4f4f4}
.pass{color:#1b6b3a;font-weight:600} .fail{color:#a33d00;font-weight:600}
.note{color:#555;font-size:.92rem} ul{margin:.3rem 0 .3rem 1.1rem;padding:0}
footer{margin-top:1.5rem;color:#666;font-size:.85rem}
"""

_STATUS_WORDS = {
    "ok": "Your notebook ran from top to bottom.",
    "errors": "Your notebook ran, but some of your cells stopped with an error (see below).",
    "timeout": "A cell of yours ran too long and was stopped (see below).",
    "kernel died": "Your notebook stopped the Python kernel; the cells after that did not run.",
    "unreadable": "Your file could not be read as a notebook.",
    "tampered": "Your notebook changed the grader's own files.",
    "not graded": "Your notebook could not be graded this time; your instructor will grade it "
                  "again.",
}


def feedback_html(exercise: Exercise, result: GradeResult) -> str:
    rows = []
    titles = {q.name: q.title for q in exercise.questions}
    for question in result.questions:
        if question.passed:
            verdict = '<span class="pass">✔ right</span>'
        else:
            verdict = f'<span class="fail">✘ not yet</span><br>{escape(question.message)}'
        notes = "".join(f"<li>{escape(note)}</li>" for note in question.notes)
        title = titles.get(question.name, "")
        name = escape(question.name) + (f"<br><small>{escape(title)}</small>" if title else "")
        rows.append(f"<tr><td>{name}</td><td>{question.points} of "
                    f"{question.max_points}</td><td>{verdict}"
                    + (f'<ul class="note">{notes}</ul>' if notes else "") + "</td></tr>")
    general = "".join(f"<li>{escape(note)}</li>" for note in result.notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(exercise.name)}: feedback for {escape(result.trainee)}</title>
<style>{_STYLE}</style></head>
<body>
<h1>{escape(exercise.name)}</h1>
<p>Feedback for <strong>{escape(result.trainee)}</strong></p>
<p class="total">{result.total} of {result.max_points} points</p>
<p>{escape(_STATUS_WORDS.get(result.status, result.status))}</p>
{f'<ul class="note">{general}</ul>' if general else ""}
<table><thead><tr><th>question</th><th>points</th><th>result</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<footer>Some checks are hidden: their hints are shown above, never their code. Fix what is marked
"not yet", run the check cell again in your notebook, and hand it in again.</footer>
</body></html>
"""
