"""Planning a pilot (lesson 12): the cost model with inputs to play with, the pilot areas
ranked by a few yes/no questions, and the checklist to tick off.

The drawing functions are pure, like those of `minichain.widgets.render`: the same cost
breakdown gives the same HTML. Figures are rounded for reading, never for computing.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w

from minichain.errors import ValidationError
from minichain.language import say, translate
from minichain.pilot import (
    BITCOIN_SCALE, CHECKLIST, PILOT_QUESTIONS, CostBreakdown, PilotInputs, PowEnergyCost,
    Recommendation, monthly_cost, own_pow_chain, pow_energy_cost, recommend_area)
from minichain.widgets import render
from minichain.widgets import style as s

__all__ = ["ChecklistView", "PilotAreaChooser", "PilotCostView", "amount", "cost_table",
           "energy_table", "recommendation_table"]


def amount(value: float, currency: str = "") -> str:
    """A figure for reading: whole numbers from 100 up, cents from 1, else 3 significant
    digits (0.00162); with the currency after it if given."""
    if value >= 100:
        text = f"{value:,.0f}"
    elif value >= 1:
        text = f"{value:,.2f}"
    elif value == 0:
        text = "0"
    else:
        text = f"{value:.3g}" if value >= 1e-4 else f"{value:.2e}"
    return f"{text} {currency}".strip()


def cost_table(cost: CostBreakdown) -> str:
    """The monthly cost, line by line, the total and the cost per transaction."""
    cur = cost.inputs.currency
    rows = [(line, amount(value, cur), how) for line, value, how in cost.lines()]
    escaped = [tuple(render.esc(c) for c in r) for r in rows]
    total, per_transaction = translate("total a month"), translate("per transaction")
    escaped.append((f"<b>{render.esc(total)}</b>",
                    f"<b>{render.esc(amount(cost.total, cur))}</b>",
                    render.esc(say("{count:,.0f} transactions a month",
                                   count=cost.transactions_per_month))))
    escaped.append((f"<b>{render.esc(per_transaction)}</b>",
                    f"<b>{render.esc(amount(cost.cost_per_transaction, cur))}</b>",
                    render.esc(f"{amount(cost.total, cur)} ÷ {cost.transactions_per_month:,.0f}")))
    return render.table((translate("line"), translate("per month"),
                         translate("how it is worked out")), escaped, raw=(0, 1, 2))


def energy_table(cost: CostBreakdown, pow_costs: Sequence[PowEnergyCost]) -> str:
    """Energy a month: the consortium's servers beside proof of work under each assumption."""
    cur = cost.inputs.currency
    per_tx = cost.kwh_per_month / cost.transactions_per_month
    rows = [(translate("consortium chain (BFT), its servers"), "—",
             amount(cost.kwh_per_month), amount(per_tx), translate("inside the server price"),
             say("{validators} × {watts:g} W (assumption)", validators=cost.inputs.validators,
                 watts=cost.inputs.server_watts))]
    for p in pow_costs:
        rows.append((say("proof of work, {assumptions}", assumptions=p.assumptions.name),
                     f"{p.hashes_per_month:.2e}", amount(p.kwh_per_month),
                     amount(p.kwh_per_transaction), amount(p.cost_per_month, cur),
                     p.assumptions.source))
    return render.table((translate("chain"), translate("hashes a month"),
                         translate("kWh a month"), translate("kWh per transaction"),
                         translate("electricity a month"), translate("assumptions")), rows)


def recommendation_table(ranked: Sequence[Recommendation]) -> str:
    rows = []
    for place, r in enumerate(ranked, 1):
        mark = translate("★ best fit") if place == 1 else f"{place}."
        # TRANSLATORS: the separator between the reasons ("yes" answers) for a pilot area.
        why = translate("; ").join(r.reasons) or translate("no answer points here yet")
        rows.append((mark, r.area.name, r.score, r.area.risk, r.area.first_step,
                     ", ".join(r.area.lessons), why))
    return render.table(("", translate("pilot area"), translate("score"), translate("risk"),
                         translate("a first step"), translate("lessons"),
                         translate("because you said yes to")), rows)


class PilotCostView(w.VBox):
    """Inputs for the cost model and its result, recomputed on every change: the monthly
    cost line by line, the cost per transaction, and the energy beside proof of work.

    A value that makes no sense (a negative price, no transactions) is refused with the
    model's own sentence, and the last good result stays on screen.
    """

    def __init__(self, inputs: PilotInputs | None = None):
        start = inputs or PilotInputs()
        self.currency = start.currency
        self.rest = start
        self.validators = w.IntSlider(value=start.validators, min=1, max=21,
                                      description=translate("validators"),
                                      continuous_update=False)
        self.transactions_per_day = w.IntText(value=start.transactions_per_day,
                                              description=translate("tx a day"))
        self.instance_price_per_hour = w.FloatText(value=start.instance_price_per_hour,
                                                   description=translate("server /h"))
        self.block_interval_seconds = w.IntSlider(value=int(start.block_interval_seconds),
                                                  min=1, max=60,
                                                  description=translate("block every s"),
                                                  continuous_update=False)
        self.retention_months = w.IntSlider(value=int(start.retention_months), min=1, max=60,
                                            description=translate("keep months"),
                                            continuous_update=False)
        self.operator_hours_per_month = w.FloatText(value=start.operator_hours_per_month,
                                                    description=translate("staff h/month each"))
        self.operator_hourly_rate = w.FloatText(value=start.operator_hourly_rate,
                                                description=translate("staff rate /h"))
        self.controls = [self.validators, self.transactions_per_day,
                         self.instance_price_per_hour, self.block_interval_seconds,
                         self.retention_months, self.operator_hours_per_month,
                         self.operator_hourly_rate]
        self.message = w.HTML()
        self.result = w.HTML()
        self.energy = w.HTML()
        self.cost: CostBreakdown | None = None
        for control in self.controls:
            control.observe(lambda _c: self.refresh(), names="value")
        super().__init__([w.HBox(self.controls[:3]), w.HBox(self.controls[3:5]),
                          w.HBox(self.controls[5:]), self.message, self.result, self.energy])
        s.fit_text(self)  # every label and button text in full
        self.refresh()

    def inputs(self) -> PilotInputs:
        """The model's inputs as the form shows them (raises PilotInputError if nonsense)."""
        return monthly_cost(self.rest, **{n: c.value for n, c in self._named_controls()}).inputs

    def _named_controls(self) -> list[tuple[str, w.ValueWidget]]:
        names = ["validators", "transactions_per_day", "instance_price_per_hour",
                 "block_interval_seconds", "retention_months", "operator_hours_per_month",
                 "operator_hourly_rate"]
        return list(zip(names, self.controls))

    def refresh(self) -> None:
        try:
            cost = monthly_cost(self.rest, **{n: c.value for n, c in self._named_controls()})
        except ValidationError as error:
            self.message.value = render.banner(False, str(error))
            return
        self.cost = cost
        cur = cost.inputs.currency
        self.message.value = render.banner(
            True, say("{validators} validator(s), {transactions:,} transactions a day: {total} a "
                      "month, {per_transaction} per transaction.",
                      validators=cost.inputs.validators,
                      transactions=cost.inputs.transactions_per_day,
                      total=amount(cost.total, cur),
                      per_transaction=amount(cost.cost_per_transaction, cur)),
            good=translate("costed"))
        self.result.value = render.panel(translate("A month of the pilot chain"),
                                         cost_table(cost))
        pows = [pow_energy_cost(a, cost.inputs)
                for a in (own_pow_chain(cost.inputs.validators), BITCOIN_SCALE)]
        self.energy.value = render.panel(translate("Energy: a BFT consortium beside proof of "
                                                   "work"), energy_table(cost, pows))


class PilotAreaChooser(w.VBox):
    """Yes/no questions about the shop; tick the ones that are true, and the three pilot
    areas (payment processing, identity verification, transaction audit) re-rank."""

    def __init__(self) -> None:
        self.questions = {q.key: w.Checkbox(value=False, description=q.text, indent=False)
                          for q in PILOT_QUESTIONS}
        self.result = w.HTML()
        for box in self.questions.values():
            box.observe(lambda _c: self.refresh(), names="value")
        super().__init__([*self.questions.values(), self.result])
        s.fit_text(self)  # every label and button text in full
        self.refresh()

    def answers(self) -> dict[str, bool]:
        return {key: box.value for key, box in self.questions.items()}

    def ranking(self) -> list[Recommendation]:
        return recommend_area(self.answers())

    def refresh(self) -> None:
        self.result.value = render.panel(translate("Which pilot fits"),
                                         recommendation_table(self.ranking()))


class ChecklistView(w.VBox):
    """The pilot checklist, before, during and after, with a box to tick for each item and a
    line that says how far along the pilot is and what comes next."""

    def __init__(self) -> None:
        self.boxes = [w.Checkbox(value=False, description=say("{task} (lesson {lesson})",
                                                              task=item.task,
                                                              lesson=item.lesson),
                                 indent=False)
                      for item in CHECKLIST]
        self.progress = w.HTML()
        rows: list[w.Widget] = []
        titles = {"before": translate("Before the pilot"), "during": translate("During the pilot"),
                  "after": translate("After the pilot")}
        for stage in ("before", "during", "after"):
            rows.append(w.HTML(f"<b>{render.esc(titles[stage])}</b>"))
            rows += [box for box, item in zip(self.boxes, CHECKLIST) if item.stage == stage]
        for box in self.boxes:
            box.observe(lambda _c: self.refresh(), names="value")
        super().__init__([*rows, self.progress])
        s.fit_text(self)  # every label and button text in full
        self.refresh()

    def done(self) -> int:
        return sum(box.value for box in self.boxes)

    def refresh(self) -> None:
        open_items = [item for box, item in zip(self.boxes, CHECKLIST) if not box.value]
        if not open_items:
            self.progress.value = render.banner(
                True, say("All {count} items settled: the pilot is ready to judge.",
                          count=len(CHECKLIST)), good=translate("ready"))
            return
        nxt = open_items[0]
        values = {"done": self.done(), "total": len(CHECKLIST), "task": nxt.task}
        if nxt.stage == "before":
            line = say("{done} of {total} settled · next (before): {task}", **values)
        elif nxt.stage == "during":
            line = say("{done} of {total} settled · next (during): {task}", **values)
        else:
            line = say("{done} of {total} settled · next (after): {task}", **values)
        self.progress.value = (f'<div style="{s.CSS}padding:{s.PAD // 2}px 0;">'
                               f'{render.esc(line)}</div>')
