"""The confirmations view: the shop picks its attacker and its risk, and reads off how many
confirmations to wait before shipping (lesson 09)."""

import pytest

from minichain.network import InvalidShare, confirmations_needed
from minichain.widgets.confirmations import (
    ConfirmationsView,
    confirmations_advice,
    odds,
    wait_in_words,
)


def test_the_default_shop_waits_as_the_whitepaper_says_or_a_little_longer():
    view = ConfirmationsView()  # attacker 10 %, at most 1 in 1,000
    assert "wait for 5 confirmations (about 50 minutes) by the whitepaper" in view.answer.value
    assert "or 6 (about 60 minutes) by Rosenfeld" in view.answer.value
    assert view.confirmations == 6
    assert "✔ ship after 6" in view.answer.value


def test_a_stronger_attacker_or_a_stricter_shop_means_a_longer_wait():
    view = ConfirmationsView()
    before = view.confirmations
    view.share.value = 0.30
    assert view.confirmations > before
    assert "wait for 24 confirmations" in view.answer.value  # the whitepaper's closing table
    stronger = view.confirmations
    view.risk.value = 0.000001
    assert view.confirmations > stronger
    assert "1 in 1,000,000 chance" in view.answer.value


def test_a_faster_chain_waits_the_same_blocks_for_less_time():
    view = ConfirmationsView()
    view.block_seconds.value = 5
    assert "wait for 5 confirmations (about 25 seconds)" in view.answer.value


@pytest.mark.parametrize("share, needed", [(0.10, 5), (0.15, 8), (0.20, 11), (0.25, 15),
                                           (0.30, 24), (0.35, 41), (0.40, 89), (0.45, 340)])
def test_the_answer_is_the_whitepapers_closing_table(share, needed):
    assert f"wait for {needed} confirmations" in confirmations_advice(share, 0.001)


def test_the_table_shows_the_attackers_chance_around_the_answer():
    html = confirmations_advice(0.10, 0.001)
    for z, chance in [(3, "0.0131722"), (4, "0.0034552"), (5, "0.0009137")]:
        assert f">{z}</td>" in html and chance in html
    assert "about 1 in 1,094" in html  # 0.0009137 in words


def test_the_same_choices_draw_the_same_answer():
    assert confirmations_advice(0.2, 0.0001, 12) == confirmations_advice(0.2, 0.0001, 12)
    assert ConfirmationsView(share=0.2).answer.value == ConfirmationsView(share=0.2).answer.value


def test_a_majority_attacker_is_refused_by_the_theory_not_the_slider():
    view = ConfirmationsView()
    assert view.share.max < 0.5  # the slider cannot reach a majority: no wait is long enough
    with pytest.raises(InvalidShare):
        confirmations_needed(1.5)


def test_odds_and_waits_read_like_a_shop_talks():
    assert odds(1.0) == "certain"
    assert odds(0.00023) == "about 1 in 4,348"
    assert odds(1e-12) == "below 1 in a billion"
    assert wait_in_words(25) == "25 seconds"
    assert wait_in_words(3_000) == "50 minutes"
    assert wait_in_words(14_400) == "4.0 hours"
