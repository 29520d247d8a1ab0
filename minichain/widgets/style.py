"""One look for every widget: colours, fonts and spacing in one place.

The palette is Okabe and Ito's (2008), chosen so that people with the common forms of colour
blindness can still tell the colours apart. Colour is never the only signal: every state also
has a word and a symbol ("✔ valid", "✘ tampered") and a border style (solid, dashed).
"""

from __future__ import annotations

__all__ = ["BAD", "BORDER", "BUTTON_WIDTH", "CSS", "FONT", "GOOD", "INK", "MONO", "MUTED",
           "NEUTRAL", "PAD", "PALETTE", "PAPER", "RADIUS", "WARN", "WRAP_CLASS", "fit_text",
           "status_style"]

# Okabe–Ito
BLUE, ORANGE, SKY, GREEN, YELLOW, NAVY, VERMILION, PURPLE = (
    "#0072B2", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#003f63", "#D55E00", "#CC79A7")
PALETTE = (BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY, YELLOW, NAVY)

GOOD = GREEN  # ✔ valid, sealed, genuine
BAD = VERMILION  # ✘ tampered, refused, broken
WARN = ORANGE  # waiting, pending
NEUTRAL = "#6b6b6b"
INK = "#1a1a1a"
MUTED = "#5a5a5a"
PAPER = "#ffffff"
GOOD_BG = "#e6f5f0"
BAD_BG = "#fbece4"

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
MONO = "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace"
PAD = 8  # px
RADIUS = 6  # px
BORDER = 2  # px

CSS = (f"font-family:{FONT};color:{INK};font-size:14px;line-height:1.4;")


def status_style(ok: bool) -> str:
    """Inline CSS for a box that is fine (solid green edge) or not (dashed vermilion edge)."""
    if ok:
        return f"border:{BORDER}px solid {GOOD};background:{GOOD_BG};"
    return f"border:{BORDER + 1}px dashed {BAD};background:{BAD_BG};"


# -- controls: every word on screen, never "Seal again (mi…" -------------------------------------
# ipywidgets' defaults suit short English labels: a button is 148 px wide, a description 80 px,
# a toggle button 148 px, and longer text is cut with "…" (JupyterLab's stylesheet). A lesson's
# labels are sentences a merchant reads, and will be translated, so every view sizes its
# controls to their words with `fit_text(self)`.

BUTTON_WIDTH = "max-content"  # as wide as its text, also alone in a VBox (which stretches "auto")
WRAP_CLASS = "mc-wrap"  # a check box whose label may run over several lines
_WRAP_CSS = (f"<style>.{WRAP_CLASS} .jupyter-widget-label-basic,.{WRAP_CLASS} "
             ".widget-label-basic{white-space:normal;line-height:1.4;padding:4px 0;}</style>")


def fit_text(view) -> None:
    """Size every control inside `view` (an ipywidgets box, searched through its children) to its
    words: buttons and toggle buttons as wide as their text, descriptions ("lose at most") at
    their natural width, and check boxes' labels wrapped over several lines when long.

    Uses ipywidgets' own layout and style attributes; for the wrapping, which ipywidgets cannot
    ask for, a hidden `<style>` (scoped to the `mc-wrap` class) is appended to `view`.
    """
    import ipywidgets as w

    wraps = False
    stack = [view]
    while stack:
        control = stack.pop()
        stack.extend(getattr(control, "children", ()))
        if isinstance(control, (w.Button, w.ToggleButton)):
            control.layout.width = BUTTON_WIDTH
        elif isinstance(control, w.ToggleButtons):
            control.style.button_width = "auto"
            control.style.description_width = "initial"
        elif isinstance(control, w.Checkbox):
            control.layout.width, control.layout.height = "auto", "auto"
            control.add_class(WRAP_CLASS)
            wraps = True
        elif isinstance(control, (w.HTML, w.HTMLMath, w.Label, w.Box)):
            continue
        elif "description_width" in getattr(getattr(control, "style", None), "keys", ()):
            control.style.description_width = "initial"
    if wraps and not any(getattr(c, "value", None) == _WRAP_CSS for c in view.children):
        view.children = (*view.children, w.HTML(_WRAP_CSS, layout=w.Layout(display="none")))
