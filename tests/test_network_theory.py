"""The formulas lesson 09 sets beside the simulation: the whitepaper's double-spend probability
(checked against the paper's own tables), Rosenfeld's exact version, the gambler's ruin, the
stale-rate rule, and the messages a trainee sees for impossible inputs.
"""

import math
from math import comb

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain import ValidationError
from minichain.network import (
    InvalidConfirmations,
    InvalidLatency,
    InvalidRisk,
    InvalidShare,
    MajorityAttacker,
    attacker_success_probability,
    attacker_success_probability_exact,
    catch_up_probability,
    confirmations_needed,
    expected_stale_rate,
)

# Bitcoin whitepaper, section 11, "Running some results" (printed to 7 decimals).
WHITEPAPER_Q_01 = [1.0000000, 0.2045873, 0.0509779, 0.0131722, 0.0034552, 0.0009137,
                   0.0002428, 0.0000647, 0.0000173, 0.0000046, 0.0000012]
WHITEPAPER_Q_03 = {0: 1.0000000, 5: 0.1773523, 10: 0.0416605, 15: 0.0101008, 20: 0.0024804,
                   25: 0.0006132, 30: 0.0001522, 35: 0.0000379, 40: 0.0000095, 45: 0.0000024,
                   50: 0.0000006}
# ...and "Solving for P less than 0.1%".
WHITEPAPER_Z_FOR_RISK = {0.10: 5, 0.15: 8, 0.20: 11, 0.25: 15, 0.30: 24, 0.35: 41, 0.40: 89,
                         0.45: 340}


@pytest.mark.parametrize("z, expected", list(enumerate(WHITEPAPER_Q_01)))
def test_whitepaper_table_for_an_attacker_with_ten_percent(z, expected):
    assert round(attacker_success_probability(0.1, z), 7) == expected


@pytest.mark.parametrize("z, expected", sorted(WHITEPAPER_Q_03.items()))
def test_whitepaper_table_for_an_attacker_with_thirty_percent(z, expected):
    assert round(attacker_success_probability(0.3, z), 7) == expected


@pytest.mark.parametrize("q, z", sorted(WHITEPAPER_Z_FOR_RISK.items()))
def test_confirmations_the_whitepaper_asks_for_to_keep_the_risk_below_a_tenth_of_a_percent(q, z):
    assert confirmations_needed(q, 0.001) == z


def test_the_exact_formula_asks_for_more_confirmations_than_the_whitepaper():
    for q in WHITEPAPER_Z_FOR_RISK:
        assert confirmations_needed(q, 0.001, exact=True) > confirmations_needed(q, 0.001)
    assert confirmations_needed(0.10, 0.001, exact=True) == 6


def _negative_binomial_race(q: float, z: int) -> float:
    """The exact probability written the long way: the attacker's progress m while the honest
    miners find z blocks is negative binomial; from there he needs to gain z − m blocks."""
    p = 1 - q
    lost = sum(comb(m + z - 1, m) * p**z * q**m * (1 - (q / p) ** (z - m)) for m in range(z))
    return 1 - lost


@settings(max_examples=200, deadline=None)
@given(q=st.floats(0.01, 0.49), z=st.integers(1, 60))
def test_rosenfelds_closed_form_is_the_negative_binomial_race(q, z):
    assert attacker_success_probability_exact(q, z) == pytest.approx(
        _negative_binomial_race(q, z), abs=1e-12)


@pytest.mark.parametrize("q, z, expected", [
    (0.1, 1, 0.2), (0.1, 2, 0.056), (0.2, 2, 0.208), (0.3, 2, 0.432), (0.3, 3, 0.32616),
])
def test_exact_formula_small_cases_by_hand(q, z, expected):
    """By hand: z = 1 gives 1 − p(1 − q/p) = 2q; z = 2 gives
    1 − [p²(1 − (q/p)²) + 2p²q(1 − q/p)]."""
    assert attacker_success_probability_exact(q, z) == pytest.approx(expected, abs=1e-12)


def test_the_whitepaper_understates_the_risk_for_large_attackers():
    assert attacker_success_probability_exact(0.3, 5) == pytest.approx(0.1976173, abs=1e-7)
    assert attacker_success_probability_exact(0.3, 5) > attacker_success_probability(0.3, 5)
    assert attacker_success_probability_exact(0.3, 10) > 1.5 * attacker_success_probability(0.3, 10)


@pytest.mark.parametrize("chance", [attacker_success_probability,
                                    attacker_success_probability_exact])
def test_edges_of_the_formulas(chance):
    assert chance(0.0, 0) == 1.0  # shipping before any confirmation is always a gift
    assert chance(0.0, 3) == 0.0  # nobody to attack
    assert chance(0.5, 100) == 1.0  # half the power catches up in the end
    assert chance(0.7, 100) == 1.0
    assert chance(0.45, 2_000) < 1e-6  # very large z does not underflow into nonsense
    values = [chance(0.2, z) for z in range(30)]
    assert values == sorted(values, reverse=True)  # more confirmations, less risk


def test_catch_up_is_the_gamblers_ruin():
    assert catch_up_probability(0.25, 3) == pytest.approx((1 / 3) ** 3)
    assert catch_up_probability(0.25, 0) == 1.0
    assert catch_up_probability(0.6, 10) == 1.0


def test_stale_rate_rule():
    assert expected_stale_rate(0, 600) == 0.0
    assert expected_stale_rate(60, 600) == pytest.approx(1 - math.exp(-0.1))
    assert expected_stale_rate(10, 600) == pytest.approx(0.0165, abs=1e-4)  # about 1.7 %


@pytest.mark.parametrize("call, error, fragment", [
    (lambda: attacker_success_probability(1.5, 6), InvalidShare, "share of 1.5"),
    (lambda: attacker_success_probability(-0.1, 6), InvalidShare, "fraction from 0 to 1"),
    (lambda: attacker_success_probability(0.1, -1), InvalidConfirmations, "not -1"),
    (lambda: attacker_success_probability(0.1, 2.5), InvalidConfirmations, "whole number"),
    (lambda: confirmations_needed(0.6), MajorityAttacker, "no number of confirmations is safe"),
    (lambda: confirmations_needed(0.1, 0), InvalidRisk, "not 0"),
    (lambda: expected_stale_rate(-1, 600), InvalidLatency, "not -1"),
])
def test_impossible_inputs_get_one_plain_sentence(call, error, fragment):
    with pytest.raises(error, match=fragment) as caught:
        call()
    assert isinstance(caught.value, ValidationError)
    message = str(caught.value)
    assert message.endswith(".") and message.count(". ") == 0
