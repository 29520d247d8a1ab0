"""A seeded day at the shop, with some fraud in it: the story lesson 11 and its tests play.

Regular customers buy tea from the shop all day (amounts drawn from a seeded random generator,
so every run is the same day). Hidden among them are three incidents, each labelled so that a
monitor's alerts can be scored against the truth:

- "insider refunds": someone with access to the shop's wallet refunds orders, again and again,
  to an address of their own;
- "stolen card": coins bought with a stolen card arrive at a brand-new address, which at once
  buys the most expensive item in the shop;
- "account takeover": a regular customer's key is stolen, and the thief spends far more than
  that customer ever did.

The honest surprises are there too, because a monitor is only useful if it leaves honest
customers alone: a customer returns an item and gets one refund, a newcomer makes a small first
purchase, and a loyal customer buys a large gift once.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from minichain.block import Block
from minichain.chain import Blockchain
from minichain.language import say
from minichain.monitoring.monitor import FraudMonitor
from minichain.monitoring.rules import Alert, Rule
from minichain.wallet import Wallet

__all__ = ["Evaluation", "PlannedPayment", "ShopDay", "evaluate"]

REGULARS = ("customer", "alice", "bob", "chen", "dana", "emil")
VALIDATORS = ("platform", "logistics", "bank")


@dataclass(frozen=True)
class PlannedPayment:
    """One payment of the day: who pays whom (by name), how much, and, if it is part of a
    fraud, which incident."""

    payer: str
    payee: str
    amount: int
    note: str
    incident: str | None = None


def _incidents(blocks: int) -> dict[int, list[PlannedPayment]]:
    """The day's special payments, by block (scaled to the day's length). The notes are the
    payments' data, the same in every language (they are signed); the incidents' labels are
    for people, in the language in use."""
    at: dict[int, list[PlannedPayment]] = {}
    # TRANSLATORS: the names of the three frauds hidden in lesson 11's shop day.
    insider, stolen, takeover = say("insider refunds"), say("stolen card"), say("account takeover")

    def add(fraction: float, payment: PlannedPayment) -> None:
        at.setdefault(max(1, round(blocks * fraction)), []).append(payment)

    add(0.17, PlannedPayment("shop", "customer", 30, "refund: returned teapot"))
    add(0.25, PlannedPayment("card gateway", "newcomer", 100, "points topped up by card"))
    add(0.33, PlannedPayment("newcomer", "shop", 45, "order: first tea sampler"))
    for fraction, amount in ((0.38, 35), (0.46, 40), (0.50, 45), (0.58, 38)):
        add(fraction, PlannedPayment("shop", "insider", amount, "refund", insider))
    add(0.63, PlannedPayment("card gateway", "fresh buyer", 600, "points topped up by card",
                             stolen))
    add(0.67, PlannedPayment("fresh buyer", "shop", 480, "order: rare pu-erh cake", stolen))
    add(0.75, PlannedPayment("customer", "shop", 120, "order: wedding gift set"))
    add(0.83, PlannedPayment("bob", "shop", 170, "order: gift cards", takeover))
    return at


class ShopDay:
    """A consortium chain (the platform, a logistics firm and a bank seal blocks) and a plan of
    `blocks` blocks of payments, played one block at a time with `step()`."""

    def __init__(self, seed: int = 11, blocks: int = 24, *, purchases_per_block: tuple[int, int]
                 = (2, 4), usual_amounts: tuple[int, int] = (20, 60)):
        if blocks < 6:
            raise ValueError(say("a shop day needs at least 6 blocks to fit its story"))
        rng = random.Random(seed)
        names = (*REGULARS, "shop", "insider", "card gateway", "newcomer", "fresh buyer")
        self.wallets = {name: Wallet.from_seed(name) for name in names}
        self.regulars: tuple[str, ...] = REGULARS  # the customers who buy all day, by name
        self.validators = [Wallet.from_seed(name) for name in VALIDATORS]
        self.shop = self.wallets["shop"]
        self.names = {w.address: name for name, w in self.wallets.items()}
        self.names.update({w.address: w.name for w in self.validators})
        funds = {self.wallets[name].address: 5_000 for name in (*REGULARS, "shop", "card gateway")}
        self.chain = Blockchain.proof_of_authority(self.validators, allocations=funds)
        special = _incidents(blocks)
        self.plan: list[list[PlannedPayment]] = []
        for height in range(1, blocks + 1):
            count = rng.randint(*purchases_per_block)
            buyers = rng.sample(REGULARS, count)
            self.plan.append([PlannedPayment(b, "shop", rng.randint(*usual_amounts),
                                             f"order: tea #{height}-{i}")
                              for i, b in enumerate(buyers)] + special.get(height, []))
        self.labels: dict[bytes, PlannedPayment] = {}
        self._sent_for = 0  # the height whose payments were last sent to the mempool

    # -- playing the day -----------------------------------------------------------------------
    @property
    def next_height(self) -> int:
        return self.chain.height + 1

    @property
    def done(self) -> bool:
        return self.chain.height >= len(self.plan)

    def send_next(self) -> list[bytes]:
        """Send the next block's payments to the mempool (once); returns their ids."""
        height = self.next_height
        if self.done or self._sent_for == height:
            return []
        sent = []
        for planned in self.plan[height - 1]:
            payer = self.wallets[planned.payer]
            tx = payer.pay(self.wallets[planned.payee].address, planned.amount,
                           chain=self.chain, data=planned.note.encode())
            sent.append(self.chain.submit(tx))
            self.labels[tx.txid] = planned
        self._sent_for = height
        return sent

    def step(self) -> Block | None:
        """The next block: its payments are sent (if not yet) and sealed; None when the day
        is over."""
        if self.done:
            return None
        self.send_next()
        return self.chain.produce_block()

    def run(self) -> None:
        """Play the rest of the day."""
        while self.step() is not None:
            pass

    # -- the truth ----------------------------------------------------------------------------
    @property
    def incidents(self) -> list[str]:
        """Every fraud planned for the day, in the order it starts."""
        seen: list[str] = []
        for block in self.plan:
            for planned in block:
                if planned.incident and planned.incident not in seen:
                    seen.append(planned.incident)
        return seen

    def incident_of(self, txid: bytes) -> str | None:
        planned = self.labels.get(txid)
        return planned.incident if planned else None


@dataclass(frozen=True)
class Evaluation:
    """How a set of rules did on a shop day: incidents caught and missed, and honest payments
    flagged (false alarms)."""

    caught: tuple[str, ...]
    missed: tuple[str, ...]
    false_alarms: tuple[bytes, ...]
    alerts: tuple[Alert, ...]

    def __str__(self) -> str:
        return say("caught {caught} of {frauds} frauds, {false_alarms} false alarm(s)",
                   caught=len(self.caught), frauds=len(self.caught) + len(self.missed),
                   false_alarms=len(self.false_alarms))


def evaluate(day: ShopDay, rules: Sequence[Rule]) -> Evaluation:
    """Run a fresh monitor with `rules` over the blocks the day has so far, and score it."""
    monitor = FraudMonitor(day.chain, [day.shop.address], rules)
    monitor.update()
    flagged = monitor.flagged()
    hit = {day.incident_of(txid) for txid in flagged} - {None}
    return Evaluation(
        caught=tuple(i for i in day.incidents if i in hit),
        missed=tuple(i for i in day.incidents if i not in hit),
        false_alarms=tuple(sorted(t for t in flagged if day.incident_of(t) is None)),
        alerts=tuple(monitor.alerts))
