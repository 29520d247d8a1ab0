"""A seeded, synthetic shop history, run as real signed transactions on a minichain chain.

A few customers buy coins on an exchange and place orders with one shop over two weeks, each at
her usual hour of the day and mostly her favourite product. How each customer pays is her
*address habit*:

- `REUSED`: one address for every order (what a wallet does by default if nobody thinks of it);
- `FRESH_FROM_OWN_WALLET`: a new address per order, but topped up from her one main wallet just
  before paying (fresh addresses, linked again by their funding);
- `FRESH`: a new address per order, filled by a withdrawal from the exchange straight to it
  (Bitcoin whitepaper, section 10: "a new key pair should be used for each transaction to keep
  them from being linked to a common owner").

The same seed gives the same customers, orders, times, amounts, blocks and transaction ids on
every machine: wallets come from seed phrases, times from the chain's simulated clock, choices
from `random.Random(seed)`. `minichain.privacy.linkability` then plays the observer.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from minichain.chain import Blockchain
from minichain.clock import GENESIS_TIME, SimulatedClock
from minichain.errors import short
from minichain.language import person, say
from minichain.wallet import Wallet

__all__ = ["AddressHabit", "ShopHistory", "ShopOrder", "synthetic_shop_history"]

CUSTOMER_NAMES = ("Amira", "Bo", "Chen", "Dara", "Emil", "Fen", "Gus", "Hana", "Ines", "Jun",
                  "Kai", "Lena", "Mo", "Nia", "Omar", "Pia")
PRICES = (12, 18, 25, 30, 45, 60)
DAY = 86_400
FEE = 1


class AddressHabit(Enum):
    """How a customer's wallet chooses the address she pays from."""

    REUSED = "one address for every order"
    FRESH_FROM_OWN_WALLET = "a fresh address per order, topped up from her own main wallet"
    FRESH = "a fresh address per order, filled straight from the exchange"

    @property
    def description(self) -> str:
        """The habit in the reader's language (`value` is the English)."""
        if self is AddressHabit.REUSED:
            return say("one address for every order")
        if self is AddressHabit.FRESH_FROM_OWN_WALLET:
            return say("a fresh address per order, topped up from her own main wallet")
        return say("a fresh address per order, filled straight from the exchange")


@dataclass(frozen=True)
class ShopOrder:
    """One order paid on chain: who really placed it, and what the chain shows."""

    txid: bytes
    customer: str  # the truth, which the chain does not show
    payer: str  # the address that paid
    amount: int
    time: int
    height: int

    @property
    def hour(self) -> int:
        """The hour of the day (UTC) the order was paid."""
        return (self.time % DAY) // 3600

    @property
    def when(self) -> str:
        """'day 3, 16:05': the day of the history (day 1 is the first) and the time (UTC)."""
        day, seconds = divmod(self.time - GENESIS_TIME, DAY)
        return say("day {day}, {hour:02d}:{minute:02d}", day=day, hour=seconds // 3600,
                   minute=seconds % 3600 // 60)

    def __str__(self) -> str:
        """What anybody reading the chain sees: when, from which address, how much."""
        return say("{when}: {payer} paid the shop {amount} coins", when=self.when,
                   payer=short(self.payer), amount=self.amount)


@dataclass
class ShopHistory:
    """The chain, who is who (for the lesson, not for the observer), and the orders."""

    chain: Blockchain
    shop: Wallet
    exchange: Wallet
    habit: AddressHabit
    seed: int
    orders: list[ShopOrder]
    names: Mapping[str, str] = field(repr=False)  # address -> "Amira (order 2)", "shop", …

    @property
    def customers(self) -> list[str]:
        return sorted({o.customer for o in self.orders})

    @property
    def owners(self) -> dict[bytes, str]:
        """The truth: txid of each order → the customer who placed it."""
        return {o.txid: o.customer for o in self.orders}

    @property
    def services(self) -> list[str]:
        """Addresses everybody knows are not customers: the shop and the exchange."""
        return [self.shop.address, self.exchange.address]

    def owner(self, txid: bytes) -> str:
        """Who really placed the order paid by `txid`."""
        return next(o.customer for o in self.orders if o.txid == txid)


def _plan(rng: random.Random, customers: int, orders: tuple[int, int], days: int
          ) -> list[tuple[int, str, int, int]]:
    """(time, customer, order number, amount) for every order, in time order."""
    plan = []
    for name in CUSTOMER_NAMES[:customers]:
        hour, favourite = rng.randrange(7, 23), rng.choice(PRICES)
        count = rng.randint(*orders)
        for k, day in enumerate(sorted(rng.sample(range(days), count))):
            minute = rng.randrange(-20, 20)
            time = GENESIS_TIME + DAY + day * DAY + hour * 3600 + minute * 60
            amount = favourite if rng.random() < 0.7 else rng.choice(PRICES)
            plan.append((time, name, k + 1, amount))
    return sorted(plan)


def synthetic_shop_history(seed: int = 7, *, customers: int = 6, orders: tuple[int, int] = (2, 5),
                           days: int = 14, habit: AddressHabit = AddressHabit.REUSED
                           ) -> ShopHistory:
    """A shop's order history on a fresh proof-of-authority chain, deterministic for `seed`.

    Each customer places between `orders[0]` and `orders[1]` orders on distinct days within
    `days`; a block is produced for every payment (and every top-up or withdrawal)."""
    if not 1 <= customers <= len(CUSTOMER_NAMES):
        raise ValueError(say("customers must be between 1 and {most}",
                             most=len(CUSTOMER_NAMES)))
    if not 1 <= orders[0] <= orders[1] <= days:
        raise ValueError(say("orders must be (fewest, most) with 1 ≤ fewest ≤ most ≤ days"))
    rng = random.Random(seed)
    plan = _plan(rng, customers, orders, days)
    prefix = f"shop history {seed}"
    shop, exchange = Wallet.from_seed(f"{prefix}/shop"), Wallet.from_seed(f"{prefix}/exchange")
    platform = Wallet.from_seed(f"{prefix}/platform")
    main = {name: Wallet.from_seed(f"{prefix}/{name}") for _, name, _, _ in plan}
    names = {shop.address: person("shop"), exchange.address: person("exchange"),
             platform.address: person("platform")}
    names.update({w.address: say("{name} (main wallet)", name=person(n))
                  for n, w in main.items()})
    chain = Blockchain.proof_of_authority([platform], allocations={exchange.address: 1_000_000},
                                          clock=SimulatedClock(GENESIS_TIME))
    if habit is not AddressHabit.FRESH:  # customers buy coins once, into their main wallet
        budget = {n: 0 for n in main}
        for _, name, _, amount in plan:
            budget[name] += amount + 2 * FEE
        for name, wallet in main.items():
            chain.submit(exchange.pay(wallet.address, budget[name] + rng.randrange(5, 50),
                                      chain=chain, fee=FEE))
        chain.produce_block(timestamp=GENESIS_TIME + 3600)
    history: list[ShopOrder] = []
    for time, name, k, amount in plan:
        payer = main[name]
        if habit is not AddressHabit.REUSED:
            payer = Wallet.from_seed(f"{prefix}/{name}/order {k}")
            names[payer.address] = say("{name} (order {number})", name=person(name), number=k)
            funder = exchange if habit is AddressHabit.FRESH else main[name]
            chain.submit(funder.pay(payer.address, amount + FEE, chain=chain, fee=FEE))
            chain.produce_block(timestamp=time - rng.randrange(120, 900))
        txid = chain.submit(payer.pay(shop.address, amount, chain=chain, fee=FEE))
        block = chain.produce_block(timestamp=time)
        history.append(ShopOrder(txid, name, payer.address, amount, block.header.timestamp,
                                 block.height))
    return ShopHistory(chain, shop, exchange, habit, seed, history, names)
