"""What an observer learns from a transparent ledger: linking a shop's orders to customers.

Everyone can read every payment on a public chain. An observer (a competitor, a data broker, a
curious employee) turns the payments into a graph with networkx, addresses as nodes and payments
as edges, and applies the heuristics of chain analysis (Meiklejohn et al. 2013, "A Fistful of
Bitcoins", IMC; Androulaki et al. 2013, "Evaluating User Privacy in Bitcoin", FC; Reid and
Harrigan 2011, "An Analysis of Anonymity in the Bitcoin System"):

1. **Address reuse**: payments from the same address come from the same person.
2. **Timing and amount correlation of top-ups**: an address that receives exactly an order's
   amount plus the fee, and pays the shop within the hour, was topped up by its owner; the two
   addresses belong together (unless the sender is a known service such as an exchange, which
   pays everybody).
3. **Timing and amount correlation of habits**: people buy the same thing at the same time of
   day; two addresses that pay the shop the same amount within `habit_minutes` of the same time
   of day are taken as one person. This one errs: two customers with the same habit are merged
   (it lowers the observer's precision), which is why the report counts wrong links too.

The addresses the heuristics join are one cluster; the orders paid from one cluster are one
*profile*. Because addresses are linkable to people, the EDPB treats them as personal data
(Guidelines 02/2025), and the EU Blockchain Observatory and Forum (2018, "Blockchain and the
GDPR") recommends fresh addresses as a mitigation, not a cure.

`measure_linkability` compares the profiles with the truth (known only in a synthetic history,
see `minichain.privacy.shop_history`): of all pairs of orders placed by the same customer, the
share the observer links (recall, "how much of each customer's history can be stitched
together"), and of the pairs the observer links, the share that are right (precision).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import networkx as nx

from minichain.chain import Blockchain
from minichain.language import say, translate
from minichain.privacy.shop_history import ShopHistory

__all__ = ["LinkabilityReport", "Profile", "cluster_addresses", "linkability_of",
           "measure_linkability", "observe_shop", "profiles_of", "transaction_graph"]

TOP_UP_WINDOW = 3600  # seconds between a top-up and the payment it pays for
HABIT_MINUTES = 30  # how close in time of day two payments must be to look like one habit


def transaction_graph(chain: Blockchain) -> nx.MultiDiGraph:
    """Every payment on the main chain as an edge sender → recipient, with its amount, fee, time,
    block height and transaction id. This is all an observer needs: it is public."""
    graph = nx.MultiDiGraph()
    for block in chain.blocks[1:]:
        for tx in block.transactions:
            graph.add_edge(tx.sender, tx.recipient, key=tx.txid, amount=tx.amount, fee=tx.fee,
                           time=block.header.timestamp, height=block.height)
    return graph


def _habit_links(graph: nx.MultiDiGraph, shop: str, services: set[str],
                 minutes: int) -> Iterable[tuple[str, str, str]]:
    payments = [(s, d["amount"], d["time"] % 86_400) for s, _, d in graph.in_edges(shop, data=True)
                if s not in services]
    for (a, amount_a, t_a), (b, amount_b, t_b) in combinations(payments, 2):
        apart = min(abs(t_a - t_b), 86_400 - abs(t_a - t_b))
        if a != b and amount_a == amount_b and apart <= minutes * 60:
            yield a, b, "habit"


def _same_owner_links(graph: nx.MultiDiGraph, services: set[str],
                      window: int) -> Iterable[tuple[str, str, str]]:
    """(address, address, heuristic) for every pair the top-up heuristic says has one owner."""
    for address in graph.nodes:
        if address in services:
            continue
        outgoing = sorted(graph.out_edges(address, data=True), key=lambda e: e[2]["time"])
        for funder, _, top_up in graph.in_edges(address, data=True):
            if funder in services or funder == address:
                continue
            for _, _, spend in outgoing:
                gap = spend["time"] - top_up["time"]
                if 0 <= gap <= window and top_up["amount"] == spend["amount"] + spend["fee"]:
                    yield funder, address, "timing and amount"
                    break


def cluster_addresses(graph: nx.MultiDiGraph, *, services: Iterable[str] = (),
                      shop: str | None = None, window: int = TOP_UP_WINDOW,
                      habit_minutes: int | None = HABIT_MINUTES) -> list[set[str]]:
    """Groups of addresses the heuristics say belong to one owner (address reuse is implicit:
    one address is always one owner). Known `services` (the shop, the exchange) are never
    joined to anybody. The habit heuristic looks at payments to `shop`; `habit_minutes=None`
    turns it off."""
    known = set(services) | ({shop} if shop else set())
    owners = nx.Graph()
    owners.add_nodes_from(a for a in graph.nodes if a not in known)
    for a, b, heuristic in _same_owner_links(graph, known, window):
        owners.add_edge(a, b, heuristic=heuristic)
    if shop is not None and habit_minutes is not None:
        for a, b, heuristic in _habit_links(graph, shop, known, habit_minutes):
            owners.add_edge(a, b, heuristic=heuristic)
    clusters = [set(c) for c in nx.connected_components(owners)]
    return sorted(clusters, key=lambda c: (-len(c), min(c)))


@dataclass(frozen=True)
class Profile:
    """What the observer pieced together about one presumed customer."""

    addresses: frozenset[str]
    orders: tuple[bytes, ...]  # transaction ids, oldest first
    spent: int
    hours: tuple[int, ...]  # hour of the day of each order

    def __str__(self) -> str:
        return say("{orders} orders, {coins} coins, from {addresses} address(es), at hours {hours}",
                   orders=len(self.orders), coins=self.spent, addresses=len(self.addresses),
                   # TRANSLATORS: what goes between the items of a list ("a, b, c")
                   hours=translate(", ").join(map(str, self.hours)))


def observe_shop(chain: Blockchain, shop: str, *, services: Iterable[str] = (),
                 window: int = TOP_UP_WINDOW, habit_minutes: int | None = HABIT_MINUTES
                 ) -> list[Profile]:
    """The observer's profiles of a shop's customers, biggest first: the shop's incoming
    payments grouped by the address clusters that paid them."""
    graph = transaction_graph(chain)
    clusters = cluster_addresses(graph, services=services, shop=shop, window=window,
                                 habit_minutes=habit_minutes)
    cluster_of = {a: i for i, c in enumerate(clusters) for a in c}
    grouped: dict[int, list[tuple[int, bytes, int]]] = {}
    for sender, _, txid, data in graph.in_edges(shop, keys=True, data=True):
        if sender in cluster_of:
            grouped.setdefault(cluster_of[sender], []).append((data["time"], txid, data["amount"]))
    profiles = []
    for index, paid in grouped.items():
        paid.sort()
        profiles.append(Profile(frozenset(clusters[index]), tuple(t for _, t, _ in paid),
                                sum(a for _, _, a in paid),
                                tuple((time % 86_400) // 3600 for time, _, _ in paid)))
    return sorted(profiles, key=lambda p: (-len(p.orders), p.orders[0]))


@dataclass(frozen=True)
class LinkabilityReport:
    """How well the observer's profiles match who really placed the orders."""

    orders: int
    customers: int
    profiles: int  # profiles the observer made (one per cluster that paid the shop)
    same_customer_pairs: int  # pairs of orders placed by the same customer
    linked_pairs: int  # pairs of orders the observer put in one profile
    correct_pairs: int  # linked pairs that really are one customer's
    largest_profile: int  # orders in the observer's biggest profile

    @property
    def recall(self) -> float:
        """Share of each customer's order pairs the observer links: 1.0 = every customer's whole
        history is exposed, 0.0 = no two orders of anyone are linked."""
        return self.correct_pairs / self.same_customer_pairs if self.same_customer_pairs else 0.0

    @property
    def precision(self) -> float:
        """Share of the observer's links that are right (1.0 when it links nothing)."""
        return self.correct_pairs / self.linked_pairs if self.linked_pairs else 1.0

    def __str__(self) -> str:
        return say("{orders} orders by {customers} customers look like {profiles} customers; "
                   "{correct} of {pairs} same-customer order pairs linked (recall {recall:.0%}, "
                   "precision {precision:.0%})", orders=self.orders, customers=self.customers,
                   profiles=self.profiles, correct=self.correct_pairs,
                   pairs=self.same_customer_pairs, recall=self.recall,
                   precision=self.precision)


def measure_linkability(profiles: Sequence[Profile], owners: Mapping[bytes, str]
                        ) -> LinkabilityReport:
    """Compare the observer's `profiles` with the truth `owners` (txid → customer)."""
    by_customer: dict[str, int] = {}
    for customer in owners.values():
        by_customer[customer] = by_customer.get(customer, 0) + 1
    same = sum(n * (n - 1) // 2 for n in by_customer.values())
    linked = correct = 0
    for profile in profiles:
        for a, b in combinations(profile.orders, 2):
            linked += 1
            correct += owners.get(a) is not None and owners.get(a) == owners.get(b)
    return LinkabilityReport(
        orders=len(owners), customers=len(by_customer), profiles=len(profiles),
        same_customer_pairs=same, linked_pairs=linked, correct_pairs=correct,
        largest_profile=max((len(p.orders) for p in profiles), default=0))


def profiles_of(history: ShopHistory, *, habit_minutes: int | None = HABIT_MINUTES
                ) -> list[Profile]:
    """The observer's profiles of a synthetic shop history's customers."""
    return observe_shop(history.chain, history.shop.address, services=history.services,
                        habit_minutes=habit_minutes)


def linkability_of(history: ShopHistory, *, habit_minutes: int | None = HABIT_MINUTES
                   ) -> LinkabilityReport:
    """How much the observer learns about a synthetic shop history's customers."""
    return measure_linkability(profiles_of(history, habit_minutes=habit_minutes),
                               history.owners)
