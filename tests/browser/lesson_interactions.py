"""What a trainee does with each lesson's main widget, and what the page must then show.

One entry per lesson in `INTERACTIONS`, keyed by the lesson's file name without `.ipynb`: its
main interaction first, then any others. An interaction names the code cell that displays the
widget (a piece of its source) and the steps, in order: type into a box, click a button, pick
from a list, move a slider with the arrow keys, then check what the widget shows. Steps address widgets by what a person reads on the
screen (a box's label, a button's text); checks may also use the stable CSS hooks the
drawing layer puts in its HTML (`.mc-block[data-ok="false"]`, `.mc-banner`, …, see
`minichain/widgets/render.py`). Adding a lesson is adding one entry here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from minichain import Wallet

__all__ = ["INTERACTIONS", "Choose", "Click", "ClickIcon", "Interaction", "See", "SeeCount",
           "Slide", "Snap", "Type"]


@dataclass(frozen=True)
class Type:
    """Click the box labelled `label` (the `nth` such box in the widget), replace its text
    with `text` as a person types it, and leave the box (Tab) so the change is sent."""

    label: str
    text: str
    nth: int = 0


@dataclass(frozen=True)
class Click:
    """Click the button that reads `button` (the `nth` one in the widget)."""

    button: str
    nth: int = 0


@dataclass(frozen=True)
class ClickIcon:
    """Click the `nth` button that shows only the icon `icon` (Font Awesome's name, e.g. "play"
    for the ▶ of a Play widget)."""

    icon: str
    nth: int = 0


@dataclass(frozen=True)
class Choose:
    """Pick `option` in the drop-down list labelled `label`."""

    label: str
    option: str
    nth: int = 0


@dataclass(frozen=True)
class Slide:
    """Focus the `nth` slider's handle and press `key` `times` times (each press is one
    step of the slider)."""

    key: str = "ArrowRight"
    times: int = 1
    nth: int = 0


@dataclass(frozen=True)
class See:
    """The widget (or its part matching the CSS selector `within`) shows `text`."""

    text: str | re.Pattern
    within: str | None = None


@dataclass(frozen=True)
class SeeCount:
    """Exactly `count` elements in the widget match the CSS selector `selector`."""

    selector: str
    count: int


@dataclass(frozen=True)
class Snap:
    """Save a screenshot of the page, scrolled to the widget, as the artefact `label`."""

    label: str


Step = Type | Click | ClickIcon | Choose | Slide | See | SeeCount | Snap


@dataclass(frozen=True)
class Interaction:
    """The story of the main interaction, the cell that displays the widget, and the steps."""

    story: str
    cell: str
    steps: tuple[Step, ...]


TAMPERED = '.mc-block[data-ok="false"]'
CUT_LINK = 'svg.mc-network line[stroke-dasharray="5 4"]'


def block(height: int) -> str:
    return f'.mc-block[data-height="{height}"]'


def balance(who: str) -> str:
    """The balance cell of `who`'s row in a balances table (who, address, balance, …)."""
    return f'tr:has(td:text-is("{who}")) td:nth-child(3)'


# The typo of lesson 02: the shop's address with its capital letters lost.
SHOP_TYPO = Wallet.from_seed("shop").address.replace("d0BaB", "d0bab")

INTERACTIONS: dict[str, tuple[Interaction, ...]] = {
    "00-start-here": (Interaction(
        "The customer pays the shop 25 coins and puts the payment in a block; balances move.",
        "CheckoutView(chain, [customer, shop, courier, attacker])",
        (See("100", within=balance("customer")),
         Type("amount", "25"), Click("Pay"),
         See("✔ sent", within=".mc-banner"), See("customer pays 25 to shop (fee 1)"),
         See("1 payment(s) waiting"), Snap("payment-sent"),
         Click("Put in a block"),
         See("✔ in a block", within=".mc-banner"), See("Block 1 holds 1 payment(s)."),
         See("74", within=balance("customer")), See("0 payment(s) waiting"),
         Snap("payment-in-a-block"))),),
    "01-fingerprints-and-tamper-evidence": (Interaction(
        "Someone changes an old order's amount: that block and every later one turn red, the "
        "Merkle proof fails; sealing the block again leaves the next one red.",
        "ChainView(chain, names=names)",
        (SeeCount(TAMPERED, 0), See("All 4 blocks are sealed and linked."),
         Type("order 0: amount", "3"),
         See("✘ tampered", within=block(1)), SeeCount(TAMPERED, 3),
         See("Blocks 1, 2, 3 no longer match the chain"), See("✔ valid", within=block(0)),
         See("✘ not proven"), Snap("order-changed"),
         Click("Seal again (mine)"),
         See("✔ valid", within=block(1)), See("✘ tampered", within=block(2)),
         SeeCount(TAMPERED, 2), See("Blocks 2, 3 no longer match the chain"),
         Snap("block-1-sealed-again"))),),
    "02-wallets-and-signatures": (Interaction(
        "A payment to a mistyped shop address is refused with the chain's own sentence; the "
        "same payment to the shop by name is sent.",
        "CheckoutView(chain, [customer, shop, attacker])",
        (Type("to", SHOP_TYPO), Click("Pay"),
         See("✘ refused", within=".mc-banner"), See("fails its checksum"),
         Snap("typo-refused"),
         Type("to", "shop"), Type("amount", "20"), Click("Pay"),
         See("✔ sent", within=".mc-banner"), See("customer pays 20 to shop"),
         Snap("payment-sent"))),),
    "03-paying-at-checkout": (Interaction(
        "On a busy day four shoppers pay with fees 1, 20, 3 and 8; a block holds only three, so "
        "the lowest fee waits for the next one.",
        "CheckoutView(chain, [customer, shop, *shoppers])",
        (See("0 payment(s) waiting"),
         Choose("from", "alice"), Type("fee", "1"), Click("Pay"),
         See("alice pays 10 to shop (fee 1)"),
         Choose("from", "bob"), Type("fee", "20"), Click("Pay"),
         See("bob pays 10 to shop (fee 20)"),
         Choose("from", "chen"), Type("fee", "3"), Click("Pay"),
         See("chen pays 10 to shop (fee 3)"),
         Choose("from", "dana"), Type("fee", "8"), Click("Pay"),
         See("dana pays 10 to shop (fee 8)"), See("4 payment(s) waiting"),
         Snap("four-payments-waiting"),
         Click("Put in a block"),
         See("holds 3 payment(s)."), See("1 payment(s) waiting"),
         See("45", within=balance("bob")), See("79", within=balance("alice")),
         Snap("three-in-a-block"))),),
    "06-traceability": (Interaction(
        "The shop scans the bottle: every hand-off is genuine; after the winery's recall, "
        "'Verify again' says the lot may not be sold.",
        "names = {person.address: person.name for person in cast}",
        (See("✔ genuine", within=".mc-banner"), See("lot SX-2026-001 is genuine"),
         See("re-hashed ✔"), Snap("journey-genuine"),
         Click("Verify again"),
         See("✘ not verified", within=".mc-banner"), See("cork taint found in samples"),
         Snap("after-the-recall"))),),
    "09-network-and-attacks": (
        Interaction(
            "Step through the network: a new block spreads node by node; play until every node "
            "agrees; split the network (the cut links turn dashed) and heal it.",
            "NetworkView(playground, seconds_per_tick=120)",
            (See("all nodes agree"), SeeCount(CUT_LINK, 0),
             Click("Step"), See("nodes disagree"), See("A: height 1, tip 5f783cf4 — 1 node(s)"),
             Click("Step"), See("A: height 1, tip 5f783cf4 — 2 node(s)"),
             Click("Step"), See("A: height 1, tip 5f783cf4 — 3 node(s)"),
             Snap("a-block-spreads"),
             ClickIcon("play"), See("all nodes agree"), See("— 12 node(s)"), ClickIcon("pause"),
             Snap("every-node-agrees"),
             Click("Split the network"), SeeCount(CUT_LINK, 17), Snap("split"),
             Click("Heal"), SeeCount(CUT_LINK, 0))),
        Interaction(
            "The shop fears an attacker with 20 % of the mining power and accepts a 1 in 10,000 "
            "risk: the view says how many confirmations to wait for.",
            "ConfirmationsView(share=0.10, risk=0.001)",
            (See("wait for 5 confirmations"), See("✔ ship after 6"),
             Slide("ArrowRight", times=10),
             See("attacker with 20% of the mining power"), See("✔ ship after 13"),
             Choose("lose at most", "1 in 10,000"),
             See("wait for 14 confirmations (about 2.3 hours)"), See("✔ ship after 18"),
             Snap("twenty-percent-one-in-ten-thousand"))),
    ),
}
