"""One look for every widget: colours, fonts and spacing in one place.

The palette is Okabe and Ito's (2008), chosen so that people with the common forms of colour
blindness can still tell the colours apart. Colour is never the only signal: every state also
has a word and a symbol ("✔ valid", "✘ tampered") and a border style (solid, dashed).
"""

from __future__ import annotations

__all__ = ["BAD", "BORDER", "CSS", "FONT", "GOOD", "INK", "MONO", "MUTED", "NEUTRAL", "PAD",
           "PALETTE", "PAPER", "RADIUS", "WARN", "status_style"]

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
