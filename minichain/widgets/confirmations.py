"""How many confirmations before we ship? The merchant's answer, for their own attacker and risk
(lesson 09).

The trainee sets how much of the mining power an attacker might control and how often they
could live with losing an order to a double spend; the view answers with the confirmations to
wait for, by the Bitcoin whitepaper's formula (Nakamoto 2008, section 11) and by Rosenfeld's
exact one (2014), which asks for more, and what that wait means in time on a chain with a given
block interval. The numbers come from `minichain.network.theory`; this module only lays them out.
"""

from __future__ import annotations

import ipywidgets as w

from minichain.language import say, say_n, translate
from minichain.network.theory import (
    attacker_success_probability,
    attacker_success_probability_exact,
    confirmations_needed,
)
from minichain.widgets import render
from minichain.widgets import style as s

__all__ = ["RISKS", "BLOCK_INTERVALS", "ConfirmationsView", "block_intervals",
           "confirmations_advice", "odds", "risks"]

# the choices' values; their labels, in the reader's language, come from risks() and
# block_intervals()
RISKS = (("1 in 100", 0.01), ("1 in 1,000", 0.001), ("1 in 10,000", 0.0001),
         ("1 in 100,000", 0.00001), ("1 in 1,000,000", 0.000001))
BLOCK_INTERVALS = (("10 minutes (Bitcoin)", 600), ("12 seconds (Ethereum)", 12),
                   ("5 seconds (a consortium chain)", 5))


def risks() -> tuple[tuple[str, float], ...]:
    """The risks a shop may accept, (label in the language in use, probability)."""
    return ((translate("1 in 100"), 0.01), (translate("1 in 1,000"), 0.001),
            (translate("1 in 10,000"), 0.0001), (translate("1 in 100,000"), 0.00001),
            (translate("1 in 1,000,000"), 0.000001))


def block_intervals() -> tuple[tuple[str, int], ...]:
    """The chains' block intervals, (label in the language in use, seconds)."""
    return ((translate("10 minutes (Bitcoin)"), 600), (translate("12 seconds (Ethereum)"), 12),
            (translate("5 seconds (a consortium chain)"), 5))


def odds(probability: float) -> str:
    """A probability in words a shop understands: 'about 1 in 4,300', 'certain', 'below 1 in a
    billion'."""
    if probability >= 0.9995:
        return translate("certain")
    if probability < 1e-9:
        return translate("below 1 in a billion")
    return say("about 1 in {number:,}", number=round(1 / probability))


def chance(probability: float) -> str:
    """A probability as a plain chance: '1 in 1,000', 'certain', 'below 1 in a billion'."""
    if probability >= 0.9995:
        return translate("certain")
    if probability < 1e-9:
        return translate("below 1 in a billion")
    return say("1 in {number:,}", number=round(1 / probability))


def wait_in_words(seconds: float) -> str:
    """'50 minutes', '1.5 hours', '25 seconds'."""
    if seconds < 120:
        return say("{seconds:,.0f} seconds", seconds=seconds)
    if seconds < 2 * 3600:
        return say("{minutes:,.0f} minutes", minutes=seconds / 60)
    return say("{hours:,.1f} hours", hours=seconds / 3600)


def confirmations_advice(share: float, risk: float, block_seconds: float = 600) -> str:
    """The view's answer as HTML: confirmations to wait for an attacker with `share` of the
    mining power and a tolerated `risk` of losing an order, by both formulas, the wait on a
    chain with blocks every `block_seconds`, and the attacker's chance around that number."""
    z = confirmations_needed(share, risk)
    z_exact = confirmations_needed(share, risk, exact=True)
    sentence = say_n("If an attacker with {share:.0%} of the mining power tries, and the shop "
                     "accepts at most a {tolerated} chance that he succeeds: wait for {count} "
                     "confirmation (about {wait}) by the whitepaper's formula, or {exact} (about "
                     "{exact_wait}) by Rosenfeld's exact one.",
                     "If an attacker with {share:.0%} of the mining power tries, and the shop "
                     "accepts at most a {tolerated} chance that he succeeds: wait for {count} "
                     "confirmations (about {wait}) by the whitepaper's formula, or {exact} (about "
                     "{exact_wait}) by Rosenfeld's exact one.", z, share=share,
                     tolerated=chance(risk), wait=wait_in_words(z * block_seconds), exact=z_exact,
                     exact_wait=wait_in_words(z_exact * block_seconds))
    rows = [(n, f"{attacker_success_probability(share, n):.7f}",
             odds(attacker_success_probability(share, n)),
             f"{attacker_success_probability_exact(share, n):.7f}")
            for n in sorted({max(z - 2, 0), max(z - 1, 0), z, z_exact})]
    return (render.banner(True, sentence, good=say("ship after {count}", count=z_exact))
            + render.table([translate("confirmations"), translate("attacker's chance (whitepaper)"),
                            translate("in words"), translate("exact (Rosenfeld)")], rows,
                           mono=(1, 3)))


class ConfirmationsView(w.VBox):
    """Two choices and an answer: the attacker's share of the mining power (a slider), the risk
    the shop accepts (a menu), and the chain's block interval; the answer updates as they
    change."""

    def __init__(self, *, share: float = 0.10, risk: float = 0.001, block_seconds: int = 600):
        self.share = w.FloatSlider(value=share, min=0.01, max=0.45, step=0.01,
                                   description=translate("attacker"), readout_format=".0%",
                                   continuous_update=False)
        self.risk = w.Dropdown(options=risks(), value=risk, description=translate("lose at most"))
        self.block_seconds = w.Dropdown(options=block_intervals(), value=block_seconds,
                                        description=translate("blocks every"))
        self.answer = w.HTML()
        for control in (self.share, self.risk, self.block_seconds):
            control.observe(lambda _c: self.refresh(), names="value")
        super().__init__([self.share, w.HBox([self.risk, self.block_seconds]), self.answer])
        s.fit_text(self)  # every label and button text in full
        self.refresh()

    @property
    def confirmations(self) -> int:
        """Confirmations to wait by Rosenfeld's exact formula (the safer of the two)."""
        return confirmations_needed(round(self.share.value, 2), self.risk.value, exact=True)

    def refresh(self) -> None:
        self.answer.value = confirmations_advice(round(self.share.value, 2), self.risk.value,
                                                 self.block_seconds.value)
