"""The alert feed: a fraud monitor watching a chain as blocks arrive (lesson 11).

The drawing functions here are pure, like those of `minichain.widgets.render`: the same alerts
give the same HTML. Severity is said in words and shapes as well as colour ("▲▲ high" with a
dashed edge, "▲ medium", "● low"), and pending alerts carry "◔ pending" with a dotted edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import ipywidgets as w

from minichain.chain import Blockchain
from minichain.language import person, say, translate
from minichain.names import short_address
from minichain.monitoring import (
    Alert, FraudMonitor, NewAddressHighValue, RapidRefunds, Severity, ShopDay, UnusualAmount)
from minichain.widgets import render
from minichain.widgets import style as s

__all__ = ["MonitorView", "alert_card", "alert_feed", "scoreboard", "severity_badge"]

SEVERITY_LOOK = {  # severity: (colour, mark, border)
    Severity.HIGH: (s.BAD, "▲▲", "dashed"),
    Severity.MEDIUM: (s.WARN, "▲", "solid"),
    Severity.LOW: (s.NEUTRAL, "●", "solid"),
}


def severity_word(severity: Severity) -> str:
    """'HIGH', 'MEDIUM' or 'LOW', in the language in use."""
    return {Severity.HIGH: translate("HIGH"), Severity.MEDIUM: translate("MEDIUM"),
            Severity.LOW: translate("LOW")}[severity]


def _severity_count(severity: Severity, count: int) -> str:
    """'2 high' for the status line."""
    if severity is Severity.HIGH:
        return say("{count} high", count=count)
    if severity is Severity.MEDIUM:
        return say("{count} medium", count=count)
    return say("{count} low", count=count)


def rule_name(rule: str) -> str:
    """The name of one of the monitor's rules in the language in use (others as they are)."""
    return {"rapid refunds": translate("rapid refunds"),
            "unusual amount": translate("unusual amount"),
            "new address, high value": translate("new address, high value")}.get(rule, rule)


def severity_badge(severity: Severity) -> str:
    colour, mark, border = SEVERITY_LOOK[severity]
    word = severity_word(severity)
    return (f'<span class="mc-badge mc-sev-{severity.value}" style="display:inline-block;'
            f'padding:1px 8px;border-radius:10px;border:1px {border} {colour};color:{colour};'
            f'font-weight:600;">{mark} {render.esc(word)}</span>')


def _named(text: str, names: Mapping[str, str]) -> str:
    """The explanation with short addresses replaced by people's names where known."""
    for address, name in sorted(names.items()):
        text = text.replace(short_address(address),
                            say("{address} ({name})", address=short_address(address),
                                name=person(name)))
    return text


def alert_card(alert: Alert, names: Mapping[str, str] | None = None) -> str:
    """One alert: severity, rule, where (block or pending), who, and the explanation."""
    names = dict(names or {})
    colour, _mark, border = SEVERITY_LOOK[alert.severity]
    if alert.pending:
        pending = translate("◔ pending")
        mark = f'<span style="color:{s.WARN};font-weight:600;">{render.esc(pending)}</span>'
        # TRANSLATORS: {pending} is the marker "◔ pending", drawn in orange.
        where = say("{pending} for block {height}", pending=mark, height=alert.height)
        edge = f"border:{s.BORDER}px dotted {s.WARN};"
    else:
        where = render.esc(say("block {height}", height=alert.height))
        edge = f"border:{s.BORDER}px {border} {colour};"
    who = render.esc(say("who: {who}", who=render.listing(render.name_of(a, names)
                                                           for a in alert.addresses)))
    payments = render.esc(say("payments: {payments}", payments=render.listing(
        render.short_hex(t, 8) for t in alert.txids)))
    return (f'<div class="mc-alert" data-rule="{render.esc(alert.rule)}" '
            f'data-pending="{str(alert.pending).lower()}" style="{s.CSS}{edge}'
            f'border-radius:{s.RADIUS}px;padding:{s.PAD // 2}px {s.PAD}px;'
            f'margin:{s.PAD // 2}px 0;">'
            f'<div>{severity_badge(alert.severity)} <b>{render.esc(rule_name(alert.rule))}</b>'
            f' · {where} · <span style="color:{s.MUTED};">{who}</span></div>'
            f'<div>{render.esc(_named(alert.explanation, names))}</div>'
            f'<div style="color:{s.MUTED};font-family:{s.MONO};font-size:12px;">'
            f'{payments}</div></div>')


def alert_feed(confirmed: Sequence[Alert], pending: Sequence[Alert],
               names: Mapping[str, str] | None = None) -> str:
    """Pending alerts first, then confirmed ones, newest first."""
    cards = [alert_card(a, names) for a in pending] + \
        [alert_card(a, names) for a in reversed(confirmed)]
    if not cards:
        none = translate("✔ no alerts so far")
        return (f'<div class="mc-feed" style="{s.CSS}color:{s.MUTED};padding:{s.PAD}px;">'
                f"{render.esc(none)}</div>")
    return f'<div class="mc-feed">{"".join(cards)}</div>'


def scoreboard(caught: Iterable[str], missed: Iterable[str], false_alarms: Iterable[str]) -> str:
    """How the rules do against the truth so far: frauds caught and missed, honest payments
    flagged."""
    caught, missed, false_alarms = list(caught), list(missed), list(false_alarms)
    rows = [(render.badge(True, translate("caught"), ""),
             render.esc(render.listing(caught) or "—")),
            (render.badge(not missed, translate("none missed"), translate("missed")),
             render.esc(render.listing(missed) or "—")),
            (render.badge(not false_alarms, translate("no false alarms"),
                          translate("false alarms")),
             # TRANSLATORS: the separator between false alarms, each "note (payer, amount)".
             render.esc(translate("; ").join(false_alarms) or "—"))]
    return render.panel(translate("The truth (only the lesson knows it)"),
                        render.table(("", translate("incidents / payments")), rows, raw=(0, 1)))


class MonitorView(w.VBox):
    """A live alert feed over a shop day (or any chain).

    "Payments arrive" sends the next block's payments to the mempool, and the monitor flags
    suspicious ones as pending; "Next block" seals them and the alerts are confirmed; "Run the
    rest of the day" plays every block. Two sliders tune the rules: the robust z-score above
    which an amount is unusual, and the amount a brand-new address may spend; changing either
    re-checks the day so far with the new thresholds. Over a shop day, a scoreboard compares
    the alerts with the truth: frauds caught, frauds missed, honest payments flagged.
    """

    def __init__(self, source: ShopDay | Blockchain, *, shops: Iterable[str] | None = None,
                 names: Mapping[str, str] | None = None, threshold: float = 3.5,
                 high_value: int = 200):
        self.day = source if isinstance(source, ShopDay) else None
        self.chain = source.chain if isinstance(source, ShopDay) else source
        self.shops = list(shops) if shops is not None else \
            ([source.shop.address] if isinstance(source, ShopDay) else [])
        self.names = {**(self.day.names if self.day else {}), **dict(names or {})}
        self.threshold = w.FloatSlider(value=threshold, min=1.0, max=30.0, step=0.5,
                                       description=translate("z-score over"),
                                       continuous_update=False)
        self.high_value = w.IntSlider(value=high_value, min=50, max=1_000, step=10,
                                      description=translate("new address max"),
                                      continuous_update=False)
        self.arrive_button = w.Button(description=translate("Payments arrive"), icon="inbox",
                                      tooltip=translate("the next block's payments reach the "
                                                        "mempool"))
        self.step_button = w.Button(description=translate("Next block"), icon="step-forward",
                                    button_style="primary")
        self.run_button = w.Button(description=translate("Run the rest of the day"),
                                   icon="fast-forward")
        self.status = w.HTML()
        self.feed = w.HTML()
        self.score = w.HTML()
        self.arrive_button.on_click(lambda _b: self.arrive())
        self.step_button.on_click(lambda _b: self.step())
        self.run_button.on_click(lambda _b: self.run())
        self.threshold.observe(lambda _c: self.retune(), names="value")
        self.high_value.observe(lambda _c: self.retune(), names="value")
        self.arrive_button.disabled = self.day is None
        self.run_button.disabled = self.day is None
        self.monitor = self._new_monitor()
        super().__init__([w.HBox([self.arrive_button, self.step_button, self.run_button]),
                          w.HBox([self.threshold, self.high_value]), self.status, self.feed,
                          self.score])
        s.fit_text(self)  # every label and button text in full
        self.refresh()

    def _new_monitor(self) -> FraudMonitor:
        rules = [RapidRefunds(), UnusualAmount(threshold=self.threshold.value),
                 NewAddressHighValue(high_value=self.high_value.value)]
        return FraudMonitor(self.chain, self.shops, rules)

    # -- actions -------------------------------------------------------------------------------
    def arrive(self) -> list[Alert]:
        """The next block's payments reach the mempool; returns the pending alerts."""
        if self.day is not None:
            self.day.send_next()
        self.monitor.update()
        self.refresh()
        return list(self.monitor.pending_alerts)

    def step(self) -> list[Alert]:
        """Seal the next block; returns the alerts it confirmed."""
        before = len(self.monitor.alerts)
        if self.day is not None:
            self.day.step()
        else:
            self.chain.produce_block()
        self.monitor.update()
        self.refresh()
        return self.monitor.alerts[before:]

    def run(self) -> None:
        while self.day is not None and not self.day.done:
            self.day.step()
        self.monitor.update()
        self.refresh()

    def retune(self) -> None:
        """Re-check everything so far with the sliders' thresholds."""
        self.monitor = self._new_monitor()
        self.monitor.update()
        self.refresh()

    # -- drawing ------------------------------------------------------------------------------
    def truth(self) -> tuple[list[str], list[str], list[str]]:
        """(caught, missed, false alarms) among the confirmed payments so far."""
        if self.day is None:
            return [], [], []
        flagged = self.monitor.flagged()
        started = [i for i in self.day.incidents
                   if any(self.day.incident_of(t) == i and self.chain.find_transaction(t)
                          for t in self.day.labels)]
        hit = {self.day.incident_of(t) for t in flagged}
        false_alarms = sorted((self.chain.find_transaction(t).block.height,
                               say("{note} ({payer}, {amount})", note=self.day.labels[t].note,
                                   payer=person(self.day.labels[t].payer),
                                   amount=self.day.labels[t].amount))
                              for t in flagged if self.day.incident_of(t) is None)
        return ([i for i in started if i in hit], [i for i in started if i not in hit],
                [text for _height, text in false_alarms])

    def refresh(self) -> None:
        waiting = len(self.chain.mempool)
        counts = {sev: sum(a.severity is sev for a in self.monitor.alerts) for sev in Severity}
        summary = render.listing(_severity_count(sev, n) for sev, n in counts.items() if n) \
            or translate("none")
        pending = len(self.monitor.pending_alerts)
        if self.day:
            line = say("Block {height} of {total} · {waiting} payment(s) waiting · alerts: "
                       "{summary} · {pending} pending", height=self.chain.height,
                       total=len(self.day.plan), waiting=waiting, summary=summary,
                       pending=pending)
        else:
            line = say("Block {height} · {waiting} payment(s) waiting · alerts: {summary} · "
                       "{pending} pending", height=self.chain.height, waiting=waiting,
                       summary=summary, pending=pending)
        self.status.value = f'<div style="{s.CSS}">{render.esc(line)}</div>'
        self.feed.value = alert_feed(self.monitor.alerts, self.monitor.pending_alerts, self.names)
        self.score.value = scoreboard(*self.truth()) if self.day else ""
        done = self.day.done if self.day else False
        self.step_button.disabled = done
        self.arrive_button.disabled = done or self.day is None
        self.run_button.disabled = done or self.day is None
