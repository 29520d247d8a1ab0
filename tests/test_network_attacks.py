"""Double spends and the 51 % attack, played on real nodes and set beside the formulas.

Statistics. Each trial is independent (its own seed) and ends in success or failure, so the
number of successes in n trials is binomial. If the formula gives the true probability P, the
frequency lies within 4 standard errors, sqrt(P(1 − P)/n), of P except with probability about
6 in 100,000 — so a pass says the simulation follows the formula, and a wrong formula or a wrong
simulation fails: without the pre-mined block the q = 0.1, z = 1 frequency would be 0.03
instead of 0.20, and one confirmation more or less moves the q = 0.1 figures by a factor of
about 4 — where the trial count can tell z from z + 1, the test checks that it does.
What these trial counts cannot tell apart is the whitepaper's formula from Rosenfeld's for
small q (0.2046 against 0.2000 at q = 0.1, z = 1): that difference only matters for large q.
The attacker gives up once his chance falls below one in a million; that lowers his success
probability by less than 10⁻⁶, far below these standard errors (0.005 or more).

Which formula applies depends on how the honest miners' blocks arrive (see
`minichain.network.attacks`): exactly on time until the merchant ships — the whitepaper's
assumption, giving Nakamoto's Poisson formula — or at random like the attacker's, giving
Rosenfeld's negative binomial.
"""

import pytest

from minichain.network import (
    EventKind,
    attacker_success_probability,
    attacker_success_probability_exact,
    double_spend_trial,
    majority_attack,
    simulate_double_spend,
)
from minichain.network.attacks import PRICE, _actors


def assert_agrees(estimate, formula):
    """Within 4 standard errors of the formula. Where the trial count is large enough to tell z
    confirmations from z + 1 (their probabilities at least 8 standard errors apart, decided
    before looking at the data), also clearly away from z + 1."""
    q, z = estimate.q, estimate.z
    assert estimate.predicted == formula(q, z)
    band = 4 * estimate.standard_error
    assert abs(estimate.frequency - formula(q, z)) <= band, estimate
    if abs(formula(q, z) - formula(q, z + 1)) > 2 * band:
        assert abs(estimate.frequency - formula(q, z + 1)) > band, estimate


@pytest.mark.parametrize("q, z, trials", [(0.1, 1, 1_000), (0.1, 2, 1_000), (0.3, 2, 500)])
def test_with_honest_blocks_on_time_the_frequency_agrees_with_the_whitepaper(q, z, trials):
    estimate = simulate_double_spend(q, z, trials=trials, seed=9, honest_timing="expected")
    assert estimate.whitepaper == attacker_success_probability(q, z)
    assert_agrees(estimate, attacker_success_probability)


@pytest.mark.parametrize("q, z, trials", [(0.2, 2, 600), (0.3, 3, 400)])
def test_with_honest_blocks_at_random_the_frequency_agrees_with_rosenfeld(q, z, trials):
    estimate = simulate_double_spend(q, z, trials=trials, seed=10, honest_timing="random")
    assert estimate.exact == attacker_success_probability_exact(q, z)
    assert_agrees(estimate, attacker_success_probability_exact)


def test_a_successful_double_spend_as_the_merchant_sees_it():
    attacker, merchant, hideout, payment, double_spend = _actors(1)
    seed = next(s for s in range(100) if double_spend_trial(0.35, 2, seed=s,
                                                            keep_network=False).success)
    outcome = double_spend_trial(0.35, 2, seed=seed)
    net = outcome.network
    shop_node = net.chain("merchant")
    assert outcome.success and outcome.shipped_at is not None
    shipped = [e for e in net.log if e.node == "merchant" and e.kind == "tip"
               and e.time == outcome.shipped_at]
    assert shipped  # the merchant shipped when its node showed the second confirmation
    assert shop_node.confirmations(payment.txid) == 0  # the payment is gone...
    assert shop_node.confirmations(double_spend.txid) > 0  # ...the coins went to the hideout
    assert shop_node.balance(merchant.address) == 0
    assert shop_node.balance(hideout.address) == PRICE
    assert payment.txid not in shop_node.mempool  # and it can never be mined: nonce 0 is spent
    assert outcome.attacker_blocks > outcome.honest_blocks
    assert any(e.kind == EventKind.PUBLISH and e.node == "attacker" for e in net.log)
    assert any(e.node == "merchant" and e.detail == "reorganised" for e in net.log)


def test_a_failed_double_spend_leaves_the_merchant_paid():
    _, merchant, hideout, payment, double_spend = _actors(1)
    seed = next(s for s in range(100) if not double_spend_trial(0.1, 3, seed=s,
                                                                keep_network=False).success)
    outcome = double_spend_trial(0.1, 3, seed=seed)
    shop_node = outcome.network.chain("merchant")
    assert not outcome.success and outcome.shipped_at is not None
    assert shop_node.confirmations(payment.txid) >= 3
    assert shop_node.balance(merchant.address) == PRICE
    assert shop_node.find_transaction(double_spend.txid) is None
    assert outcome.honest_blocks > outcome.attacker_blocks


def test_trials_are_reproducible_from_their_seed():
    first = double_spend_trial(0.3, 3, seed="9/17", keep_network=True)
    again = double_spend_trial(0.3, 3, seed="9/17", keep_network=True)
    assert first.network.log == again.network.log and first.success == again.success


def test_an_attacker_with_the_majority_rewrites_history_on_every_node():
    for seed in range(3):
        outcome = majority_attack(q=0.6, z=6, seed=seed)
        assert outcome.success
        assert outcome.confirmations_reversed >= 6 and outcome.blocks_replaced >= 6
        assert outcome.honest_nodes_switched == outcome.honest_nodes == 12
        assert outcome.reversed_at > outcome.shipped_at
        assert outcome.network.converged()


def test_a_small_attacker_cannot_reverse_six_confirmations_here():
    outcomes = [majority_attack(q=0.1, z=6, seed=seed, nodes=6) for seed in range(3)]
    assert not any(outcome.success for outcome in outcomes)
    assert all(outcome.honest_nodes_switched == 0 for outcome in outcomes)
