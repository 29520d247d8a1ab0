"""Privacy and compliance views (lessons 07 and 08): what an observer pieces together from a
shop's payments, one attribute disclosed with its proof, and a deletion request honoured.

The drawing functions here are pure, like `minichain.widgets.render`: the same state gives the
same HTML, so strict nbval can compare the lessons' outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import ipywidgets as w

from minichain.chain import Blockchain
from minichain.errors import ValidationError
from minichain.privacy.disclosure import AttributeCommitment, verify_disclosure
from minichain.privacy.linkability import (
    HABIT_MINUTES,
    LinkabilityReport,
    Profile,
    linkability_of,
    profiles_of,
)
from minichain.privacy.shop_history import AddressHabit, ShopHistory, synthetic_shop_history
from minichain.privacy.vault import PersonalDataVault
from minichain.widgets import render
from minichain.widgets import style as s

__all__ = ["DisclosureView", "ErasureRequestView", "LinkabilityView", "audit_table",
           "disclosure_table", "linkability_summary", "profiles_table"]

HABIT_LABELS = {
    "one address for every order": AddressHabit.REUSED,
    "fresh address, topped up from her wallet": AddressHabit.FRESH_FROM_OWN_WALLET,
    "fresh address, straight from the exchange": AddressHabit.FRESH,
}


# -- drawing ---------------------------------------------------------------------------------------

def linkability_summary(report: LinkabilityReport) -> str:
    """The observer's result in two sentences, marked bad when most history is exposed."""
    exposed = report.recall >= 0.5
    message = (f"The observer sees {report.profiles} customer profiles for {report.orders} orders "
               f"by {report.customers} customers, and links {report.recall:.0%} of the pairs of "
               f"orders that really belong together ({report.precision:.0%} of its links are "
               f"right). Biggest profile: {report.largest_profile} orders.")
    return render.banner(not exposed, message, good="mostly private", bad="exposed")


def profiles_table(profiles: Sequence[Profile], owners: Mapping[bytes, str], *,
                   limit: int = 8) -> str:
    """The observer's profiles, biggest first, beside the truth only the lesson knows."""
    rows = []
    for number, profile in enumerate(profiles[:limit], 1):
        who = sorted({owners[t] for t in profile.orders if t in owners})
        truth = who[0] if len(who) == 1 else "✘ mixes " + " + ".join(who)
        rows.append((number, len(profile.orders), profile.spent, len(profile.addresses),
                     ", ".join(f"{h}h" for h in profile.hours), truth))
    more = len(profiles) - limit
    note = (f'<div style="color:{s.MUTED};">… and {more} more profile(s) with fewer orders</div>'
            if more > 0 else "")
    return render.table(("profile", "orders", "coins spent", "addresses", "hours of day",
                         "really (only we know)"), rows) + note


def disclosure_table(commitment: AttributeCommitment, revealed: str) -> str:
    """What the courier receives: the revealed attribute in clear, every other one only as a
    salted hash in the proof (or not at all)."""
    rows = []
    for name in commitment.names:
        if name == revealed:
            rows.append((name, f"✔ {commitment.attributes[name]}", "shown, with its salt"))
        else:
            rows.append((name, "— hidden —", "not sent; its salted hash may be in the proof"))
    return render.table(("attribute", "the courier sees", "how"), rows)


def audit_table(vault: PersonalDataVault) -> str:
    """The vault's audit trail as a regulator would read it: keyed references, never ids."""
    return render.table(("#", "time", "action", "customer ref", "request", "detail"),
                        [(e.seq, e.when, e.action, e.reference, e.request or "—", e.detail)
                         for e in vault.audit_trail()], mono=(3,))


# -- what an observer learns -----------------------------------------------------------------------

_HISTORIES: dict[tuple[int, int, tuple[int, int], AddressHabit], ShopHistory] = {}


class LinkabilityView(w.VBox):
    """Pick the customers' address habit and whether the observer also looks at habits (same
    amount at the same time of day); the summary and the observer's profiles follow.

    Give a seed (the histories are made when first shown, then kept) or the three histories
    already made, one per `AddressHabit`."""

    def __init__(self, histories: Mapping[AddressHabit, ShopHistory] | int = 7, *,
                 customers: int = 8, orders: tuple[int, int] = (2, 6)):
        if isinstance(histories, Mapping):
            missing = [h.name for h in AddressHabit if h not in histories]
            if missing:
                raise ValueError(f"a history is needed for every habit; missing: {missing}")
            self.histories = dict(histories)
        else:
            self.seed, self.customers, self.orders = histories, customers, orders
            self.histories = {}
        self.habit = w.ToggleButtons(options=list(HABIT_LABELS), description="customers use")
        self.habits = w.Checkbox(value=True, description="observer also matches time of day "
                                 "and amount", indent=False)
        self.summary, self.profiles = w.HTML(), w.HTML()
        self.habit.observe(lambda _c: self.refresh(), names="value")
        self.habits.observe(lambda _c: self.refresh(), names="value")
        super().__init__([self.habit, self.habits, self.summary, self.profiles])
        s.fit_text(self)  # every label and button text in full
        self.refresh()

    def history(self, habit: AddressHabit) -> ShopHistory:
        """The seeded shop history for `habit` (made once per set of arguments, then kept:
        the view only reads it)."""
        if habit not in self.histories:
            key = (self.seed, self.customers, self.orders, habit)
            if key not in _HISTORIES:
                _HISTORIES[key] = synthetic_shop_history(
                    self.seed, customers=self.customers, orders=self.orders, habit=habit)
            self.histories[habit] = _HISTORIES[key]
        return self.histories[habit]

    def refresh(self) -> None:
        history = self.history(HABIT_LABELS[self.habit.value])
        minutes = HABIT_MINUTES if self.habits.value else None
        self.report = linkability_of(history, habit_minutes=minutes)
        self.summary.value = linkability_summary(self.report)
        self.profiles.value = profiles_table(profiles_of(history, habit_minutes=minutes),
                                             history.owners)


# -- selective disclosure --------------------------------------------------------------------------

class DisclosureView(w.VBox):
    """Choose the one attribute to hand to the courier; the courier checks it against the root
    on the chain. Change the value in the box (a typo, or a forger) and check again."""

    def __init__(self, commitment: AttributeCommitment, root_on_chain: bytes,
                 reveal: str | None = None):
        self.commitment, self.root = commitment, root_on_chain
        self.attribute = w.Dropdown(options=commitment.names, description="reveal",
                                    value=reveal or commitment.names[0])
        self.value = w.Text(description="value sent")
        self.check_button = w.Button(description="Courier checks", icon="check")
        self.sent, self.verdict = w.HTML(), w.HTML()
        self.attribute.observe(lambda _c: self.choose(), names="value")
        self.check_button.on_click(lambda _b: self.check())
        super().__init__([w.HBox([self.attribute, self.value, self.check_button]),
                          self.sent, self.verdict])
        s.fit_text(self)  # every label and button text in full
        self.choose()

    def choose(self) -> None:
        name = self.attribute.value
        self.value.value = self.commitment.attributes[name]
        self.sent.value = disclosure_table(self.commitment, name)
        self.check()

    def check(self) -> bool:
        """Verify what is in the box against the root on chain; True if it is proven."""
        disclosure = replace(self.commitment.disclose(self.attribute.value),
                             value=self.value.value)
        ok = verify_disclosure(disclosure, self.root)
        proof = disclosure.proof
        message = (f"{disclosure.name} = {disclosure.value}: proven against the root on the "
                   f"chain with {len(proof.siblings)} hashes; the other {proof.size - 1} "
                   "attributes stay hidden." if ok else
                   f"{disclosure.name} = {disclosure.value} is not what the customer committed "
                   "to: the proof does not lead to the root on the chain.")
        self.verdict.value = render.banner(ok, message, good="proven", bad="not proven")
        return ok


# -- a deletion request ----------------------------------------------------------------------------

class ErasureRequestView(w.VBox):
    """Customer service at work: pick a customer, give the request's number, and export her
    data (right of access) or erase her (right to erasure). The audit trail and the chain's own
    re-check follow every step."""

    def __init__(self, vault: PersonalDataVault, chain: Blockchain):
        self.vault, self.chain = vault, chain
        self.customer = w.Combobox(options=vault.customers(), description="customer",
                                   ensure_option=False, placeholder="customer id")
        self.request = w.Text(value="REQ-1", description="request")
        self.export_button = w.Button(description="Export (access)", icon="download")
        self.erase_button = w.Button(description="Erase (forget)", icon="trash",
                                     button_style="danger")
        self.result, self.chain_status, self.audit = w.HTML(), w.HTML(), w.HTML()
        self.export_button.on_click(lambda _b: self.export())
        self.erase_button.on_click(lambda _b: self.erase())
        super().__init__([w.HBox([self.customer, self.request]),
                          w.HBox([self.export_button, self.erase_button]),
                          self.result, self.chain_status, self.audit])
        s.fit_text(self)  # every label and button text in full
        self.refresh()

    def export(self) -> dict | None:
        try:
            data = self.vault.export(self.customer.value.strip(), request=self.request.value)
        except ValidationError as error:
            self.result.value = render.banner(False, str(error))
            return None
        rows = list(data["attributes"].items())
        self.result.value = (render.banner(True, f"copy of everything kept about "
                                           f"{data['customer']} ({data['kept in']}):",
                                           good="exported")
                             + render.table(("attribute", "value"), rows))
        self.refresh()
        return data

    def erase(self) -> bool:
        try:
            receipt = self.vault.erase(self.customer.value.strip(), request=self.request.value)
        except ValidationError as error:
            self.result.value = render.banner(False, str(error))
            return False
        self.result.value = render.banner(True, str(receipt), good="erased")
        self.customer.options = self.vault.customers()
        self.refresh()
        return True

    def refresh(self) -> None:
        try:
            checked = self.chain.revalidate()
            self.chain_status.value = render.banner(
                True, f"the chain still validates: all {checked} blocks re-checked, every "
                      "signature included.", good="chain valid")
        except ValidationError as error:
            self.chain_status.value = render.banner(False, str(error), bad="chain invalid")
        self.audit.value = render.panel("Audit trail", audit_table(self.vault))
