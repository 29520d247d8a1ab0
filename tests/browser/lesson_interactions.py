"""What a trainee does with each lesson's main widget, and what the page must then show.

One entry per lesson in `INTERACTIONS`, keyed by the lesson's file name without `.ipynb`: its
main interaction first, then any others. An interaction names the code cell that displays the
widget (a piece of its source: the view's class name and its opening bracket are enough, so a
lesson may change the arguments; `nth` picks one of several such cells) and the steps, in
order: type into a box, click a button, pick from a list, tick a box, move a slider with the
arrow keys, then check what the widget shows. Steps address widgets by what a person reads on
the screen (a box's label, a button's text); checks may also use the stable CSS hooks the
drawing layer puts in its HTML (`.mc-block[data-ok="false"]`, `.mc-banner`, …, see
`minichain/widgets/render.py`). Adding a lesson is adding one entry here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from minichain import Wallet

__all__ = ["INTERACTIONS", "Choose", "Click", "ClickIcon", "Interaction", "See", "SeeCount",
           "SeeDisabled", "Slide", "Snap", "Tick", "Type"]


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
class Tick:
    """Tick the check box labelled `label` (or clear it, with `ticked=False`)."""

    label: str
    ticked: bool = True
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
class SeeDisabled:
    """The button that reads `button` is greyed out (the widget would refuse it now)."""

    button: str
    nth: int = 0


@dataclass(frozen=True)
class Snap:
    """Save a screenshot of the page, scrolled to the widget, as the artefact `label`."""

    label: str


Step = Type | Click | ClickIcon | Choose | Tick | Slide | See | SeeCount | SeeDisabled | Snap


@dataclass(frozen=True)
class Interaction:
    """The story of an interaction, the cell that displays the widget (the `nth` code cell
    whose source contains `cell` and that shows a widget), and the steps."""

    story: str
    cell: str
    steps: tuple[Step, ...]
    nth: int = 0


TAMPERED = '.mc-block[data-ok="false"]'
CUT_LINK = 'svg.mc-network line[stroke-dasharray="5 4"]'


def block(height: int) -> str:
    return f'.mc-block[data-height="{height}"]'


def cell(first: str, column: int = 2) -> str:
    """The `column`th cell of the table row whose first cell reads `first`."""
    return f'tr:has(td:first-child:text-is("{first}")) td:nth-child({column})'


def balance(who: str) -> str:
    """The balance cell of `who`'s row in a balances table (who, balance, payments sent)."""
    return cell(who, 2)


def exactly(text: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


# The typo of lesson 02: the shop's address with its capital letters lost.
SHOP_TYPO = Wallet.from_seed("shop").address.replace("d0BaB", "d0bab")

INTERACTIONS: dict[str, tuple[Interaction, ...]] = {
    "00-start-here": (Interaction(
        "The customer pays the shop 25 coins and puts the payment in a block; balances move.",
        "CheckoutView(",
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
        "ChainView(",
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
        "CheckoutView(",
        (Type("to", SHOP_TYPO), Click("Pay"),
         See("✘ refused", within=".mc-banner"), See("fails its checksum"),
         Snap("typo-refused"),
         Type("to", "shop"), Type("amount", "20"), Click("Pay"),
         See("✔ sent", within=".mc-banner"), See("customer pays 20 to shop"),
         Snap("payment-sent"))),),
    "03-paying-at-checkout": (Interaction(
        "On a busy day four shoppers pay with fees 1, 20, 3 and 8; a block holds only three, so "
        "the lowest fee waits for the next one.",
        "CheckoutView(",
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
    "04-consensus-pow-vs-poa": (Interaction(
        "The trainee lowers the difficulty to 12 zero bits and mines: about 4,096 hashes are "
        "expected; one bit more doubles the expected work.",
        "MinerView(",
        # "4,096" and "8,192": the expected work, shown once the kernel has the new difficulty
        (See("zero bits"), Slide("ArrowLeft", times=4), See("Ready to mine at 12 zero bits"),
         See("4,096"), Click("Mine"),
         See("hash must start with 12 zero bits"), See("4,096 on average"),
         See("3,986", within=cell("attempts (hashes computed)")),
         See(re.compile(r"^\s*000"), within=cell("winning hash")),
         See("3,986 hashes in all so far"), Snap("mined-at-12-bits"),
         Slide("ArrowRight", times=1), See("Ready to mine at 13 zero bits"), See("8,192"),
         Click("Mine"),
         See("hash must start with 13 zero bits"), See("8,192 on average"),
         See("11,075 hashes in all so far"), Snap("mined-at-13-bits"))),
        Interaction(
            "One round of BFT votes: with the auditor's server off three validators still "
            "commit; with the bank's off too the chain waits; with the bank back it goes on.",
            "VoteRoundView(",
            (See("No block yet: press Next block."), Click("Next block"),
             See("Block 1 was proposed by bank; 4 of 4 validators committed it"),
             Tick("auditor's server is up", ticked=False), Click("Next block"),
             See("Block 2 was proposed by logistics; 3 of 4 validators committed it"),
             Snap("one-server-off"),
             Tick("bank's server is up", ticked=False), Click("Next block"),
             See("no block became final in 60 seconds"), See("✘ stopped", within=".mc-banner"),
             Snap("chain-waits"),
             Tick("bank's server is up"), Click("Next block"),
             See("Block 3 was proposed by logistics in round 3"))),
    ),
    "05-escrow-for-orders": (Interaction(
        "The trainee plays buyer and seller: pay into escrow, mark shipped, confirm delivery, "
        "and the shop withdraws; buttons the contract would refuse are greyed out.",
        "EscrowView(",
        (See("Order #1045: CREATED; price 120; the contract holds 0."),
         SeeDisabled("mark shipped"), SeeDisabled("confirm delivery"),
         Click("pay into escrow"),
         See("The buyer did 'fund'"),
         See("Order #1045: FUNDED; price 120; the contract holds 120."),
         See("Funded", within="table"), SeeDisabled("confirm delivery"),
         Click("mark shipped"),
         See("The seller did 'ship'"), See("Order #1045: SHIPPED"), Snap("shipped"),
         Click("confirm delivery"),
         See("Order #1045: COMPLETED"), See("shop may withdraw 120."),
         Click("withdraw", nth=1),
         See("The seller did 'withdraw'"), See("the contract holds 0."),
         See("Withdrawn", within="table"), SeeDisabled("withdraw", nth=1),
         Snap("completed-and-paid-out"))),),
    "06-traceability": (Interaction(
        "The shop scans the bottle: every hand-off is genuine; after the winery's recall, "
        "'Verify again' says the lot may not be sold.",
        "ProductJourneyView(",
        (See("✔ genuine", within=".mc-banner"), See("lot SX-2026-001 is genuine"),
         See("re-hashed ✔"), Snap("journey-genuine"),
         Click("Verify again"),
         See("✘ not verified", within=".mc-banner"), See("cork taint found in samples"),
         Snap("after-the-recall"))),),
    "07-privacy": (
        Interaction(
            "Customers who pay each order from a fresh address straight from the exchange are "
            "harder to link; once the observer stops matching time of day and amount, they are "
            "mostly private.",
            "LinkabilityView(",
            (See("✘ exposed", within=".mc-banner"), See("8 customer profiles for 40 orders"),
             Click("fresh address, straight from the exchange"),
             See("13 customer profiles for 40 orders"), See("links 80% of the pairs"),
             Tick("observer also matches time of day and amount", ticked=False),
             See("✔ mostly private", within=".mc-banner"),
             See("40 customer profiles for 40 orders"), Snap("mostly-private"))),
        Interaction(
            "The courier checks the delivery city against the root on the chain; a forged city "
            "is not proven; revealing another attribute proves it alone.",
            "DisclosureView(",
            (See("✔ proven", within=".mc-banner"), See("city = Hangzhou: proven"),
             Type("value sent", "Shanghai"), Click("Courier checks"),
             See("✘ not proven", within=".mc-banner"),
             See("city = Shanghai is not what the customer committed to"),
             Snap("forged-city"),
             Choose("reveal", "birthday"), See("✔ proven", within=".mc-banner"),
             See("birthday = 1990-04-01: proven against the root on the chain"),
             Snap("birthday-proven"))),
    ),
    "08-compliance": (Interaction(
        "Customer service answers a customer's requests: a copy of her data (right of access), "
        "then erasure; the chain still validates, and her data can no longer be read.",
        "ErasureRequestView(",
        (See("✔ chain valid"),
         Type("customer", "C-1002"), Type("request", "REQ-7"), Click("Export (access)"),
         See("✔ exported", within=".mc-banner"), See("copy of everything kept about C-1002"),
         See("Bo Lindqvist"), Snap("exported"),
         Click("Erase (forget)"), See("✔ erased", within=".mc-banner"),
         See("customer C-1002 erased on 2026-01-05 00:00:05 UTC (request REQ-7)"),
         See("the chain still validates"), See("data key and record destroyed"),
         Click("Export (access)"), See("✘ refused", within=".mc-banner"),
         See("her data and its key are gone"), Snap("erased"))),),
    "09-network-and-attacks": (
        Interaction(
            "Step through the network: a new block spreads node by node; play until every node "
            "agrees; split the network (the cut links turn dashed) and heal it.",
            "NetworkView(",
            (See("all nodes agree"), SeeCount(CUT_LINK, 0),
             Click("Step"), See("nodes disagree"), See("A: height 1, tip 72bff3a3 — 1 node(s)"),
             Click("Step"), See("A: height 1, tip 72bff3a3 — 2 node(s)"),
             Click("Step"), See("A: height 1, tip 72bff3a3 — 3 node(s)"),
             Snap("a-block-spreads"),
             ClickIcon("play"), See("all nodes agree"), See("— 12 node(s)"), ClickIcon("pause"),
             Snap("every-node-agrees"),
             Click("Split the network"), SeeCount(CUT_LINK, 17), Snap("split"),
             Click("Heal"), SeeCount(CUT_LINK, 0))),
        Interaction(
            "The shop fears an attacker with 20 % of the mining power and accepts a 1 in 10,000 "
            "risk: the view says how many confirmations to wait for.",
            "ConfirmationsView(",
            (See("wait for 5 confirmations"), See("✔ ship after 6"),
             Slide("ArrowRight", times=10),
             See("attacker with 20% of the mining power"), See("✔ ship after 13"),
             Choose("lose at most", "1 in 10,000"),
             See("wait for 14 confirmations (about 2.3 hours)"), See("✔ ship after 18"),
             Snap("twenty-percent-one-in-ten-thousand"))),
    ),
    "10-scaling-the-flash-sale": (Interaction(
        "The customer buys coffee through a payment channel: 101 payments off the chain, one "
        "transaction on it; a replayed voucher and a voucher past the deposit are refused; the "
        "shop closes the channel with one more transaction.",
        "ChannelView(",
        (See(exactly("0"), within=cell("payments off the chain")),
         Click("Buy one (2 coins)"),
         See("1 paid off the chain; the latest voucher says 2 coins in total."),
         Click("Buy 100"), See("100 paid off the chain"),
         See(exactly("101"), within=cell("payments off the chain")),
         See(exactly("1"), within=cell("transactions on the chain for this channel")),
         Snap("101-payments-1-transaction"),
         Click("Replay the last voucher"), See("✘ refused", within=".mc-banner"),
         See("not more than the 202 already received"),
         Click("Buy 100"), See("after 49 more: the till refuses the next voucher"),
         See("more than the 300 deposited"),
         Click("Shop closes the channel"), See("closed on the chain: the shop is owed 300 coins"),
         See(exactly("CLOSED"), within=cell("channel")),
         See(exactly("2"), within=cell("transactions on the chain for this channel")),
         Snap("closed"))),),
    "11-watching-for-fraud": (Interaction(
        "The trainee lets the shop's day run block by block until an alert is raised while the "
        "payment is still pending, seals the block (the alert is confirmed), runs the rest of "
        "the day, then raises the unusual-amount threshold: the false alarm goes, and too high "
        "a threshold misses a fraud.",
        "MonitorView(",
        (See("Block 0 of 24"), See("✔ no alerts so far"),
         *(Click("Payments arrive"), Click("Next block")) * 11,
         Click("Payments arrive"),
         See("Block 11 of 24 · 5 payment(s) waiting · alerts: none · 1 pending"),
         See("◔ pending"), Snap("alert-pending"),
         Click("Next block"), See("Block 12 of 24 · 0 payment(s) waiting · alerts: 1 high"),
         Click("Run the rest of the day"),
         See("Block 24 of 24"), See("alerts: 3 medium, 3 high"),
         See("✘ false alarms"), See("wedding gift set"), Snap("end-of-day"),
         Slide("ArrowRight", times=3), See("alerts: 2 medium, 3 high"),
         See("✔ no false alarms"), See("✔ none missed"), Snap("threshold-5"),
         Slide("ArrowRight", times=6), See("alerts: 1 medium, 3 high"),
         See("✘ missed"), Snap("threshold-8"))),),
    "12-your-pilot-project": (
        Interaction(
            "The pilot's cost model: two more validators cost more a month; twice the "
            "transactions cost less each; a negative server price is refused in words.",
            "PilotCostView(",
            (See("4 validator(s), 10,000 transactions a day: 1,405 USD a month"),
             Slide("ArrowRight", times=2),
             See("6 validator(s), 10,000 transactions a day: 2,107 USD a month"),
             Type("tx a day", "20000"),
             See("20,000 transactions a day: 2,108 USD a month, 0.00347 USD per transaction."),
             Snap("costed"),
             Type("server /h", "-1"), See("✘ refused", within=".mc-banner"),
             See("instance price per hour cannot be negative: -1 makes no sense."),
             See("2,108 USD", within=".mc-panel"), Snap("refused"))),
        Interaction(
            "Answering yes to 'hours reconciling payments' moves payment processing to the top.",
            "PilotAreaChooser(",
            (See("★ best fit", within=cell("★ best fit", 1)),
             See("transaction audit", within=cell("★ best fit")),
             Tick("Do you spend hours a week reconciling payments with the platform, the bank "
                  "or partners?"),
             See("payment processing", within=cell("★ best fit")), Snap("payment-processing"))),
        Interaction(
            "Ticking the first checklist item moves the pilot on to the next one.",
            "ChecklistView(",
            (See("0 of 16 settled"),
             Tick("Ask first whether the pilot needs a blockchain at all: with one writer, or a "
                  "party everyone trusts to keep the record, a shared database is enough (Wüst "
                  "& Gervais 2017). (lesson 12-your-pilot-project)"),
             See("1 of 16 settled · next (before): Write down the one business question"),
             Snap("one-item-settled"))),
    ),
}
