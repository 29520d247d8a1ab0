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
from minichain.language import person, say, translate
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

HABIT_LABELS = {  # habit_labels() has them in the reader's language
    "one address for every order": AddressHabit.REUSED,
    "fresh address, topped up from her wallet": AddressHabit.FRESH_FROM_OWN_WALLET,
    "fresh address, straight from the exchange": AddressHabit.FRESH,
}


def habit_labels() -> dict[str, AddressHabit]:
    """The choices of `LinkabilityView`, {label in the language in use: habit}."""
    return {translate("one address for every order"): AddressHabit.REUSED,
            translate("fresh address, topped up from her wallet"):
                AddressHabit.FRESH_FROM_OWN_WALLET,
            translate("fresh address, straight from the exchange"): AddressHabit.FRESH}


# -- drawing ---------------------------------------------------------------------------------------

def linkability_summary(report: LinkabilityReport) -> str:
    """The observer's result in two sentences, marked bad when most history is exposed."""
    exposed = report.recall >= 0.5
    message = say("The observer sees {profiles} customer profiles for {orders} orders by "
                  "{customers} customers, and links {recall:.0%} of the pairs of orders that "
                  "really belong together ({precision:.0%} of its links are right). Biggest "
                  "profile: {largest} orders.", profiles=report.profiles, orders=report.orders,
                  customers=report.customers, recall=report.recall, precision=report.precision,
                  largest=report.largest_profile)
    return render.banner(not exposed, message, good=translate("mostly private"),
                         bad=translate("exposed"))


def profiles_table(profiles: Sequence[Profile], owners: Mapping[bytes, str], *,
                   limit: int = 8) -> str:
    """The observer's profiles, biggest first, beside the truth only the lesson knows."""
    rows = []
    for number, profile in enumerate(profiles[:limit], 1):
        who = sorted({owners[t] for t in profile.orders if t in owners})
        truth = person(who[0]) if len(who) == 1 else \
            say("✘ mixes {names}", names=" + ".join(person(name) for name in who))
        hours = render.listing(say("{hour}h", hour=h) for h in profile.hours)
        rows.append((number, len(profile.orders), profile.spent, len(profile.addresses), hours,
                     truth))
    more = len(profiles) - limit
    note = ""
    if more > 0:
        text = say("… and {count} more profile(s) with fewer orders", count=more)
        note = f'<div style="color:{s.MUTED};">{render.esc(text)}</div>'
    return render.table((translate("profile"), translate("orders"), translate("coins spent"),
                         translate("addresses"), translate("hours of day"),
                         translate("really (only we know)")), rows) + note


def disclosure_table(commitment: AttributeCommitment, revealed: str) -> str:
    """What the courier receives: the revealed attribute in clear, every other one only as a
    salted hash in the proof (or not at all)."""
    rows = []
    for name in commitment.names:
        if name == revealed:
            rows.append((name, f"✔ {commitment.attributes[name]}",
                         translate("shown, with its salt")))
        else:
            rows.append((name, translate("— hidden —"),
                         translate("not sent; its salted hash may be in the proof")))
    return render.table((translate("attribute"), translate("the courier sees"), translate("how")),
                        rows)


def audit_table(vault: PersonalDataVault) -> str:
    """The vault's audit trail as a regulator would read it: keyed references, never ids."""
    return render.table(("#", translate("time"), translate("action"), translate("customer ref"),
                         translate("request"), translate("detail")),
                        [(e.seq, e.when, e.action_text, e.reference, e.request or "—",
                          e.detail_text) for e in vault.audit_trail()], mono=(3,))


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
        self.habit_of = habit_labels()
        self.habit = w.ToggleButtons(options=list(self.habit_of),
                                     description=translate("customers use"))
        self.habits = w.Checkbox(value=True, description=translate("observer also matches time "
                                                                   "of day and amount"),
                                 indent=False)
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
        history = self.history(self.habit_of[self.habit.value])
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
        self.attribute = w.Dropdown(options=commitment.names, description=translate("reveal"),
                                    value=reveal or commitment.names[0])
        self.value = w.Text(description=translate("value sent"))
        self.check_button = w.Button(description=translate("Courier checks"), icon="check")
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
        if ok:
            message = say("{name} = {value}: proven against the root on the chain with {count} "
                          "hashes; the other {others} attributes stay hidden.",
                          name=disclosure.name, value=disclosure.value,
                          count=len(proof.siblings), others=proof.size - 1)
        else:
            message = say("{name} = {value} is not what the customer committed to: the proof "
                          "does not lead to the root on the chain.", name=disclosure.name,
                          value=disclosure.value)
        self.verdict.value = render.banner(ok, message, good=translate("proven"),
                                           bad=translate("not proven"))
        return ok


# -- a deletion request ----------------------------------------------------------------------------

class ErasureRequestView(w.VBox):
    """Customer service at work: pick a customer, give the request's number, and export her
    data (right of access) or erase her (right to erasure). The audit trail and the chain's own
    re-check follow every step."""

    def __init__(self, vault: PersonalDataVault, chain: Blockchain):
        self.vault, self.chain = vault, chain
        self.customer = w.Combobox(options=vault.customers(), description=translate("customer"),
                                   ensure_option=False, placeholder=translate("customer id"))
        self.request = w.Text(value="REQ-1", description=translate("request"))
        self.export_button = w.Button(description=translate("Export (access)"), icon="download")
        self.erase_button = w.Button(description=translate("Erase (forget)"), icon="trash",
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
        kept = say("copy of everything kept about {customer} ({place}):",
                   customer=data["customer"], place=data["kept in"])
        self.result.value = (render.banner(True, kept, good=translate("exported"))
                             + render.table((translate("attribute"), translate("value")), rows))
        self.refresh()
        return data

    def erase(self) -> bool:
        try:
            receipt = self.vault.erase(self.customer.value.strip(), request=self.request.value)
        except ValidationError as error:
            self.result.value = render.banner(False, str(error))
            return False
        self.result.value = render.banner(True, str(receipt), good=translate("erased"))
        self.customer.options = self.vault.customers()
        self.refresh()
        return True

    def refresh(self) -> None:
        try:
            checked = self.chain.revalidate()
            self.chain_status.value = render.banner(
                True, say("the chain still validates: all {count} blocks re-checked, every "
                          "signature included.", count=checked), good=translate("chain valid"))
        except ValidationError as error:
            self.chain_status.value = render.banner(False, str(error),
                                                    bad=translate("chain invalid"))
        self.audit.value = render.panel(translate("Audit trail"), audit_table(self.vault))
