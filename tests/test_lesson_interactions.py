"""The browser tests' scripted interactions (tests/browser/lesson_interactions.py) are sound.

A slider moved with the keyboard sends one new value per key press; the page holds all but the
first in a buffer until the kernel has answered, while a button's click is a message of its own
that is never held back. A click right after a slider can therefore reach the kernel before the
slider's last value (lesson 04's miner once mined at the old difficulty in CI). So between a
slider move and the next click, a step must wait for something only the new value shows — a
number, which the Chinese run keeps too (it drops sentences made of English words).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))

from lesson_interactions import INTERACTIONS, Click, ClickIcon, See, Slide  # noqa: E402

NUMBER = re.compile(r"[\d,.\s]+")


def clicks_before_the_kernel_has_the_slider(steps) -> list[int]:
    """Positions of clicks that follow a slider move with no number awaited in between."""
    unsettled, found = False, []
    for position, step in enumerate(steps):
        if isinstance(step, Slide):
            unsettled = True
        elif isinstance(step, See) and isinstance(step.text, str) and NUMBER.fullmatch(step.text):
            unsettled = False
        elif isinstance(step, (Click, ClickIcon)) and unsettled:
            found.append(position)
    return found


def test_no_click_overtakes_a_slider_in_any_lesson():
    races = {(lesson, interaction.story[:50]): clicks_before_the_kernel_has_the_slider(
                 interaction.steps)
             for lesson, interactions in INTERACTIONS.items() for interaction in interactions}
    assert not {key: at for key, at in races.items() if at}


def test_the_rule_finds_the_race_lesson_04_had():
    before = (Slide("ArrowLeft", times=4), See("Ready to mine at 12 zero bits"), Click("Mine"))
    after = (Slide("ArrowLeft", times=4), See("4,096"), Click("Mine"))
    assert clicks_before_the_kernel_has_the_slider(before) == [2]
    assert clicks_before_the_kernel_has_the_slider(after) == []
