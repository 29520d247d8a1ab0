"""The pilot planning views, driven without a browser: move the sliders, type prices, tick
questions and checklist items, read the tables."""

import pytest

pytest.importorskip("ipywidgets")

from minichain.pilot import CHECKLIST, PilotInputs  # noqa: E402
from minichain.widgets import ChecklistView, PilotAreaChooser, PilotCostView  # noqa: E402
from minichain.widgets.pilot import amount  # noqa: E402


def test_the_default_pilot_of_four_validators_costs_about_1405_a_month():
    view = PilotCostView()
    assert "✔ costed" in view.message.value
    assert "1,405 USD a month, 0.00462 USD per transaction" in view.message.value
    assert "servers" in view.result.value and "121 USD" in view.result.value
    assert "4 validator(s) × 730 h × 0.0416 USD/h" in view.result.value
    assert "as hard to attack as Bitcoin" in view.energy.value
    assert "12,264,000,000" in view.energy.value  # kWh a month at Bitcoin's hash rate


def test_moving_the_sliders_updates_the_table():
    view = PilotCostView()
    before = view.result.value
    view.validators.value = 5
    assert view.cost.inputs.validators == 5 and view.result.value != before
    assert "5 validator(s) × 730 h" in view.result.value
    assert "5 × 40 W" in view.energy.value and "5 CPU miner(s)" in view.energy.value
    view.transactions_per_day.value = 100_000
    assert "100,000 transactions a day" in view.message.value
    view.retention_months.value = 36
    assert "(36 months of data)" in view.result.value


def test_a_negative_price_is_refused_and_the_last_good_result_stays():
    view = PilotCostView()
    good = view.result.value
    view.instance_price_per_hour.value = -0.5
    assert "✘ refused" in view.message.value
    assert "instance price per hour cannot be negative: -0.5" in view.message.value
    assert view.result.value == good
    view.transactions_per_day.value = 0  # still wrong: the price is checked first
    view.instance_price_per_hour.value = 0.05
    assert "transactions per day must be above 0, not 0" in view.message.value
    view.transactions_per_day.value = 2_000
    assert "✔ costed" in view.message.value and view.result.value != good


def test_the_view_starts_from_given_inputs():
    view = PilotCostView(PilotInputs(validators=7, currency="EUR", server_watts=60))
    assert view.validators.value == 7 and "EUR" in view.result.value
    assert "7 × 60 W" in view.energy.value


def test_the_same_inputs_draw_the_same_html():
    a, b = PilotCostView(), PilotCostView()
    for view in (a, b):
        view.validators.value = 4
        view.operator_hourly_rate.value = 55.0
    assert (a.message.value, a.result.value, a.energy.value) == \
        (b.message.value, b.result.value, b.energy.value)


def test_amounts_read_easily():
    assert [amount(x) for x in (1234.5, 91.104, 0.0931, 0.0016198, 0, 3.1e-6)] == \
        ["1,234", "91.10", "0.0931", "0.00162", "0", "3.10e-06"]
    assert amount(12, "EUR") == "12.00 EUR"


def test_ticking_questions_reranks_the_pilot_areas():
    chooser = PilotAreaChooser()
    assert chooser.ranking()[0].area.key == "audit"
    assert "no answer points here yet" in chooser.result.value
    chooser.questions["fake_sellers"].value = True
    assert chooser.ranking()[0].area.key == "identity"
    assert "★ best fit" in chooser.result.value
    chooser.questions["reconciliation"].value = True
    chooser.questions["cross_border"].value = True
    assert chooser.ranking()[0].area.key == "payments"
    assert chooser.result.value.index("payment processing") < \
        chooser.result.value.index("identity verification")


def test_the_checklist_counts_what_is_settled_and_names_the_next_item():
    view = ChecklistView()
    assert f"0 of {len(CHECKLIST)} settled" in view.progress.value
    assert "next (before): Ask first whether the pilot needs a blockchain" in view.progress.value
    view.boxes[0].value = True
    assert f"1 of {len(CHECKLIST)} settled" in view.progress.value
    assert "next (before): Write down the one business question" in view.progress.value
    for box in view.boxes:
        box.value = True
    assert "✔ ready" in view.progress.value and view.done() == len(CHECKLIST)
