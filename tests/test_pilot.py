"""The pilot cost model: a platform, a logistics firm and a bank price a month of their
consortium chain, compare it with proof of work, and pick a first pilot area."""

import pytest
from hypothesis import given, strategies as st

from minichain import ValidationError
from minichain.pilot import (
    BAAS_OPTIONS, BITCOIN_SCALE, CHECKLIST, PILOT_AREAS, PILOT_QUESTIONS, NegativeValue,
    NotANumber, NotPositive, PilotInputs, TooFewValidators, UnknownQuestion, monthly_cost,
    own_pow_chain, pow_energy_cost, recommend_area, setup_cost)

LESSONS = {"00-start-here", "01-fingerprints-and-tamper-evidence", "02-wallets-and-signatures",
           "03-paying-at-checkout", "04-consensus-pow-vs-poa", "05-escrow-for-orders",
           "06-traceability", "07-privacy", "08-compliance", "09-network-and-attacks",
           "10-scaling-the-flash-sale", "11-watching-for-fraud", "12-your-pilot-project"}


def test_three_validators_for_a_month_line_by_line():
    cost = monthly_cost(validators=3, transactions_per_day=10_000)
    assert cost.compute == pytest.approx(3 * 730 * 0.0416)  # 91.10
    # 525,600 blocks × 1,065 B + 304,166.7 payments × 690 B = 0.7697 GB a month
    assert cost.growth_gb_per_month == pytest.approx((525_600 * 1_065 + 304_166.667 * 690) / 1e9)
    assert cost.stored_gb_per_validator == pytest.approx(cost.growth_gb_per_month * 12)
    assert cost.storage == pytest.approx(3 * cost.stored_gb_per_validator * 0.08)
    assert cost.bandwidth == pytest.approx(cost.growth_gb_per_month * 2 * 0.09)
    assert cost.operations == 3 * 8 * 40  # each member company's staff
    assert cost.total == pytest.approx(1_053.46, abs=0.01)
    assert cost.cost_per_transaction == pytest.approx(cost.total / 304_166.667)
    assert [line for line, _cost, _how in cost.lines()] == ["servers", "storage", "network",
                                                            "people"]
    assert "3 member(s) × 8 h × 40 USD/h" in cost.lines()[3][2]
    assert sum(c for _line, c, _how in cost.lines()) == pytest.approx(cost.total)
    assert "3 validator(s) × 730 h × 0.0416 USD/h" in cost.lines()[0][2]


def test_more_traffic_lowers_the_cost_of_each_transaction():
    quiet, busy = monthly_cost(transactions_per_day=1_000), monthly_cost(
        transactions_per_day=100_000)
    assert busy.total > quiet.total
    assert busy.cost_per_transaction < quiet.cost_per_transaction / 50


def test_one_more_validator_adds_a_server_and_a_copy_of_the_data():
    three, four = monthly_cost(validators=3), monthly_cost(validators=4)
    assert four.compute - three.compute == pytest.approx(730 * 0.0416)
    assert four.storage == pytest.approx(three.storage * 4 / 3)
    assert four.bandwidth == pytest.approx(three.bandwidth * 3 / 2)
    assert four.kwh_per_month - three.kwh_per_month == pytest.approx(40 * 730 / 1000)


def test_the_defaults_can_be_changed_from_given_inputs():
    base = PilotInputs(validators=5, currency="EUR")
    cost = monthly_cost(base, retention_months=24)
    assert cost.inputs.validators == 5 and cost.inputs.retention_months == 24
    assert "EUR/h" in cost.lines()[0][2]
    assert monthly_cost(base).inputs is base


@given(st.integers(1, 50), st.integers(1, 10**7), st.floats(0, 5), st.floats(0.5, 600))
def test_costs_are_never_negative_and_add_up(validators, per_day, price, interval):
    cost = monthly_cost(validators=validators, transactions_per_day=per_day,
                        instance_price_per_hour=price, block_interval_seconds=interval)
    assert min(cost.compute, cost.storage, cost.bandwidth, cost.operations) >= 0
    assert cost.total == pytest.approx(cost.compute + cost.storage + cost.bandwidth
                                       + cost.operations)
    assert cost.cost_per_transaction * cost.transactions_per_month == pytest.approx(cost.total)


# -- proof of work -------------------------------------------------------------------------

def test_bitcoin_scale_proof_of_work_is_hashes_times_energy():
    pow_cost = pow_energy_cost(BITCOIN_SCALE, PilotInputs(transactions_per_day=10_000))
    assert pow_cost.hashes_per_month == pytest.approx(6e20 * 730 * 3600)
    assert pow_cost.kwh_per_month == pytest.approx(6e20 * 730 * 3600 * 28e-12 / 3.6e6)
    assert pow_cost.kwh_per_month * 12 / 1e9 == pytest.approx(147, abs=1)  # TWh a year
    assert pow_cost.cost_per_month == pytest.approx(pow_cost.kwh_per_month * 0.05)
    assert pow_cost.cost_per_transaction > 1_000 * monthly_cost().cost_per_transaction
    assert "Assumptions" in BITCOIN_SCALE.source and "fleet average" in BITCOIN_SCALE.source


def test_a_small_cpu_mined_chain_uses_little_energy_and_little_protection():
    small = own_pow_chain(miners=3)
    cost = pow_energy_cost(small)
    assert small.hashes_per_second == pytest.approx(5.7e6)
    assert cost.kwh_per_month == pytest.approx(3 * 15 * 730 / 1000)  # 3 cores at 15 W
    assert cost.kwh_per_transaction == pytest.approx(cost.kwh_per_month / (10_000 * 730 / 24))
    assert small.hashes_per_second < BITCOIN_SCALE.hashes_per_second / 1e13


# -- nonsense inputs -----------------------------------------------------------------------

@pytest.mark.parametrize("changes, error, message", [
    ({"validators": -2}, TooFewValidators, "at least 1 validator to seal blocks (4 or more, "
                                           "so that one can fail or lie), not -2."),
    ({"validators": 0}, TooFewValidators, "not 0."),
    ({"validators": 2.5}, NotANumber, "validators must be a whole number, not 2.5."),
    ({"validators": "three"}, NotANumber, "validators must be a whole number, not 'three'."),
    ({"instance_price_per_hour": -0.04}, NegativeValue,
     "instance price per hour cannot be negative: -0.04 makes no sense."),
    ({"storage_price_per_gb_month": float("nan")}, NotANumber, "must be a number, not nan."),
    ({"transactions_per_day": 0}, NotPositive, "transactions per day must be above 0, not 0"),
    ({"block_interval_seconds": 0}, NotPositive, "block interval seconds must be above 0"),
    ({"retention_months": True}, NotANumber, "retention months must be a number, not True."),
])
def test_nonsense_inputs_are_refused_with_a_plain_sentence(changes, error, message):
    with pytest.raises(error) as caught:
        monthly_cost(**changes)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValidationError)


def test_a_free_server_or_no_operators_is_allowed():
    free = monthly_cost(instance_price_per_hour=0, operator_hours_per_month=0)
    assert free.compute == free.operations == 0 and free.total == free.storage + free.bandwidth


# -- checklist and pilot areas -------------------------------------------------------------

def test_the_checklist_covers_every_stage_and_points_at_real_lessons():
    assert {item.stage for item in CHECKLIST} == {"before", "during", "after"}
    assert {item.lesson for item in CHECKLIST} <= LESSONS
    assert len({item.task for item in CHECKLIST}) == len(CHECKLIST)
    for area in PILOT_AREAS:
        assert set(area.lessons) <= LESSONS


def test_a_shop_with_auditors_and_no_personal_data_starts_with_transaction_audit():
    ranked = recommend_area({"auditors": True, "disputes": True, "personal_data": True})
    assert [r.area.key for r in ranked] == ["audit", "payments", "identity"]
    assert [r.score for r in ranked] == [5, 2, -2]
    assert ranked[0].reasons[0].startswith("Do disputes")


def test_a_marketplace_with_fake_sellers_is_pointed_at_identity():
    ranked = recommend_area({"fake_sellers": True, "partners": True, "personal_data": False})
    assert ranked[0].area.name == "identity verification" and ranked[0].score == 3


def test_a_shop_that_reconciles_cross_border_payments_starts_with_payments():
    ranked = recommend_area({"reconciliation": True, "cross_border": True})
    assert ranked[0].area.key == "payments" and ranked[0].score == 4


def test_no_answers_give_a_tie_that_goes_to_the_lowest_risk():
    assert [r.area.key for r in recommend_area({})] == ["audit", "payments", "identity"]


def test_an_unknown_question_is_named():
    with pytest.raises(UnknownQuestion, match="there is no pilot question 'budget'"):
        recommend_area({"budget": True})
    assert len({q.key for q in PILOT_QUESTIONS}) == len(PILOT_QUESTIONS)


# -- setting up, renting, and the energy figures --------------------------------------------

def test_setting_up_costs_more_than_a_year_of_running_and_every_line_says_how():
    setup = setup_cost()
    assert [line for line, _cost, _how in setup.lines()] == [
        "integration", "security audit", "legal review", "filing"]
    assert setup.total == 30 * 400 + 15_000 + 40 * 150 + 16 * 40
    assert setup.total > 12 * monthly_cost().total
    assert setup_cost(filing_hours=0, security_audit=0).total == 30 * 400 + 40 * 150
    with pytest.raises(NegativeValue, match="security audit"):
        setup_cost(security_audit=-1)


def test_each_rented_option_names_its_source_and_the_day_it_was_read():
    assert BAAS_OPTIONS and all(o.source and o.read_on.startswith("20") for o in BAAS_OPTIONS)
    assert any("BSN" in o.platform for o in BAAS_OPTIONS)


def test_the_first_thing_to_settle_is_whether_a_blockchain_is_needed():
    assert "needs a blockchain at all" in CHECKLIST[0].task
    rehearsal = next(item for item in CHECKLIST if item.task.startswith("Rehearse"))
    assert rehearsal.stage == "before"
