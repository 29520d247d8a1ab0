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
from minichain.language import current_language, say, say_n, translate

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

def _status_words(status: str) -> str:
    """What happened to the notebook as a whole, in a sentence."""
    words = {
        "ok": say("Your notebook ran from top to bottom."),
        "errors": say("Your notebook ran, but some of your cells stopped with an error "
                      "(see below)."),
        "timeout": say("A cell of yours ran too long and was stopped (see below)."),
        "kernel died": say("Your notebook stopped the Python kernel; the cells after that did "
                           "not run."),
        "unreadable": say("Your file could not be read as a notebook."),
        "tampered": say("Your notebook changed the grader's own files."),
        "not graded": say("Your notebook could not be graded this time; your instructor will "
                          "grade it again."),
    }
    return words.get(status, status)


def _verdict(question: QuestionResult) -> str:
    if question.by_hand and not question.graded:
        return escape(say("your written answer is waiting for your instructor."))
    if question.by_hand:
        said = f"<br>{escape(question.comment)}" if question.comment else ""
        if question.message:
            return f'<span class="fail">✘ {escape(question.message)}</span>'
        read = escape(say("read by your instructor"))
        return f'<span class="pass">{read}</span>{said}'
    if question.passed:
        right = escape(say("right"))
        return f'<span class="pass">✔ {right}</span>'
    # TRANSLATORS: the mark of a question still wrong; the page's footer quotes it ("not yet").
    not_yet = escape(say("not yet"))
    return f'<span class="fail">✘ {not_yet}</span><br>{escape(question.message)}'


def feedback_html(book: ClassResults, result: GradeResult) -> str:
    """The page for one trainee of a graded class (minichain.grading.gradebook)."""
    rows = []
    for question in result.questions:
        notes = "".join(f"<li>{escape(note)}</li>" for note in question.notes)
        title = book.titles.get(question.name, "")
        name = escape(question.name) + (f"<br><small>{escape(title)}</small>" if title else "")
        points = say("{points} of {max_points}",
                     points=points_text(question.points) if question.graded else "…",
                     max_points=points_text(question.max_points))
        rows.append(f"<tr><td>{name}</td><td>{escape(points)}</td><td>{_verdict(question)}"
                    + (f'<ul class="note">{notes}</ul>' if notes else "") + "</td></tr>")
    total, most = points_text(result.total), points_text(result.max_points)
    if result.to_read:
        total_line = say_n("{points} of {max_points} points ({count} written answer still to be "
                           "read by your instructor)",
                           "{points} of {max_points} points ({count} written answers still to be "
                           "read by your instructor)", result.to_read, points=total,
                           max_points=most)
    else:
        total_line = say("{points} of {max_points} points", points=total, max_points=most)
    general = "".join(f"<li>{escape(note)}</li>" for note in result.notes)
    language = "zh-CN" if current_language() == "zh_CN" else "en"
    title = say("{exercise}: feedback for {trainee}", exercise=book.exercise,
                trainee=result.trainee)
    trainee = "<strong>" + escape(result.trainee) + "</strong>"
    greeting = say("Feedback for {trainee}", trainee=trainee)
    headers = "".join(f"<th>{escape(header)}</th>" for header in (
        translate("question"), translate("points"), translate("result")))
    # TRANSLATORS: "not yet" is the mark of a question still wrong, as on the page above.
    footer = say("Some checks are hidden: their hints are shown above, never their code. Fix "
                 "what is marked\n\"not yet\", run the check cell again in your notebook, and "
                 "hand it in again.")
    return f"""<!DOCTYPE html>
<html lang="{language}"><head><meta charset="utf-8">
<title>{escape(title)}</title>
<style>{_STYLE}</style></head>
<body>
<h1>{escape(book.exercise)}</h1>
<p>{greeting}</p>
<p class="total">{escape(total_line)}</p>
<p>{escape(_status_words(result.status))}</p>
{f'<ul class="note">{general}</ul>' if general else ""}
<table><thead><tr>{headers}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<footer>{escape(footer)}</footer>
</body></html>
"""
