"""The trainee's self-check says right or wrong at once, names a likely mistake, climbs a ladder
of hints — and the released notebook never holds the answer."""

from __future__ import annotations

import pytest

from minichain.grading import check, right_answer, whole_number
from minichain.grading.answer_key import fingerprint, normal_form, seal_answers

SOURCE_CHECK = '''check("q1", confirmations, whole_number(),
      right_answer(6, why="the exact formula drops below 0.1 % at 6.",
                   mistakes={5: "5 is the whitepaper's figure."},
                   hints=("Read the exact column.", "The first row below 0.001.")))'''


def released_rule(code: str = SOURCE_CHECK, salt: str = "09/q1"):
    """The rule as the trainee's notebook builds it, from the released (sealed) code."""
    sealed = seal_answers(code, salt)
    rules = []
    namespace = {"check": lambda _q, _v, *rs: rules.extend(rs), "confirmations": None,
                 "whole_number": whole_number, "right_answer": right_answer}
    exec(sealed, namespace)  # noqa: S102 - our own released code
    return sealed, rules[-1]


def test_the_release_holds_fingerprints_not_the_answer_or_the_mistakes():
    sealed, _rule = released_rule()
    assert "right_answer(6" not in sealed and "{5:" not in sealed
    assert sealed.count("'sha256:09/q1:") == 2
    assert "the whitepaper's figure" in sealed and "Read the exact column." in sealed


def test_a_trainee_hears_right_with_the_reason(capsys):
    _sealed, rule = released_rule()
    check("q1", 6, whole_number(), rule)
    assert capsys.readouterr().out.strip() == \
        "✔ q1: right. the exact formula drops below 0.1 % at 6."


def test_a_likely_mistake_is_named_and_other_wrong_answers_climb_the_hint_ladder(capsys):
    _sealed, rule = released_rule()
    for answer in (5, 7, 8, 9):
        check("q1", answer, whole_number(), rule)
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["✘ q1: not right: 5 is the whitepaper's figure.",
                     "✘ q1: not right yet. Hint 1 of 2: Read the exact column.",
                     "✘ q1: not right yet. Hint 2 of 2: The first row below 0.001.",
                     "✘ q1: not right yet. Hint 2 of 2: The first row below 0.001."]


def test_the_source_in_clear_and_the_sealed_release_agree_on_every_answer():
    clear = right_answer(6, mistakes={5: "whitepaper"})
    _sealed, sealed = released_rule()
    for answer in (6, 6.0, 5, 5.0, 7, "6", True, None, [6]):
        assert (clear(answer) is None) == (sealed(answer) is None), answer


@pytest.mark.parametrize(("answer", "given"), [
    ("The Bank", "  the   bank "), (("bank", "auditor"), ["bank", "auditor"]),
    (True, True), (0.25, 0.25)])
def test_text_ignores_case_and_spaces_and_lists_keep_their_order(answer, given):
    sealed = seal_answers(f"right_answer({answer!r})", "s")
    rule = eval(sealed, {"right_answer": right_answer})  # noqa: S307 - our own sealed code
    assert rule(given) is None


def test_an_order_free_answer_accepts_any_order_and_an_ordered_one_does_not():
    free = eval(seal_answers('right_answer(["bank", "auditor"], any_order=True)', "s"),
                {"right_answer": right_answer})
    ordered = eval(seal_answers('right_answer(["bank", "auditor"])', "s"),
                   {"right_answer": right_answer})
    assert free(["auditor", "bank"]) is None and ordered(["auditor", "bank"]) is not None


def test_true_is_not_the_number_one_and_a_rounded_answer_matches_at_its_digits():
    assert normal_form(True) != normal_form(1)
    rounded = eval(seal_answers("right_answer(0.0147, digits=4)", "s"),
                   {"right_answer": right_answer})
    assert rounded(0.014702) is None and rounded(0.0148) is not None


def test_the_salt_makes_the_same_answer_look_different_in_each_question():
    assert fingerprint("ex01/q1", normal_form(6)) != fingerprint("ex01/q2", normal_form(6))


def test_an_answer_the_release_cannot_seal_is_the_instructors_error_at_once():
    with pytest.raises(ValueError, match="written out"):
        seal_answers("right_answer(compute_it())", "s")
    with pytest.raises(ValueError, match="cannot seal"):
        seal_answers("right_answer(b'bytes')", "s")
