"""The feedback a trainee gets: one HTML page, what passed, what is still wrong, and why.

It shows each question's points, the message of the first check that failed (for a hidden
check, the instructor's hint), the instructor's points and comment on a written answer once
they are merged (or that it is still waiting), and what happened to the notebook (a cell that stopped with an
error, a timeout, a deleted check cell restored). It never shows the code of a check, hidden or
not, nor an expected value. Plain HTML, no scripts, the same look as the lessons' visuals.
"""

from __future__ import annotations

from html import escape as _escape

from typing import TYPE_CHECKING

from minichain.grading.results import GradeResult, QuestionResult, points_text

if TYPE_CHECKING:
    from minichain.grading.gradebook import ClassResults

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


def _verdict(question: QuestionResult) -> str:
    if question.by_hand and not question.graded:
        return "your written answer is waiting for your instructor."
    if question.by_hand:
        said = f"<br>{escape(question.comment)}" if question.comment else ""
        if question.message:
            return f'<span class="fail">✘ {escape(question.message)}</span>'
        return f'<span class="pass">read by your instructor</span>{said}'
    if question.passed:
        return '<span class="pass">✔ right</span>'
    return f'<span class="fail">✘ not yet</span><br>{escape(question.message)}'


def feedback_html(book: ClassResults, result: GradeResult) -> str:
    """The page for one trainee of a graded class (minichain.grading.gradebook)."""
    rows = []
    for question in result.questions:
        notes = "".join(f"<li>{escape(note)}</li>" for note in question.notes)
        title = book.titles.get(question.name, "")
        name = escape(question.name) + (f"<br><small>{escape(title)}</small>" if title else "")
        points = (f"{points_text(question.points)} of {points_text(question.max_points)}"
                  if question.graded else f"… of {points_text(question.max_points)}")
        rows.append(f"<tr><td>{name}</td><td>{points}</td><td>{_verdict(question)}"
                    + (f'<ul class="note">{notes}</ul>' if notes else "") + "</td></tr>")
    waiting = (f" ({result.to_read} written answer{'s' if result.to_read != 1 else ''} still "
               "to be read by your instructor)") if result.to_read else ""
    general = "".join(f"<li>{escape(note)}</li>" for note in result.notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(book.exercise)}: feedback for {escape(result.trainee)}</title>
<style>{_STYLE}</style></head>
<body>
<h1>{escape(book.exercise)}</h1>
<p>Feedback for <strong>{escape(result.trainee)}</strong></p>
<p class="total">{points_text(result.total)} of {points_text(result.max_points)} points{waiting}</p>
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
