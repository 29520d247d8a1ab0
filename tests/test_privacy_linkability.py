"""What an observer learns from the shop's payments on a transparent ledger, and how much fresh
addresses per order take away from it."""

import networkx as nx
import pytest

from minichain.privacy import (
    AddressHabit,
    Profile,
    cluster_addresses,
    linkability_of,
    measure_linkability,
    observe_shop,
    profiles_of,
    synthetic_shop_history,
    transaction_graph,
)


@pytest.fixture(scope="module")
def histories():
    return {habit: synthetic_shop_history(7, customers=8, orders=(2, 6), habit=habit)
            for habit in AddressHabit}


def test_the_history_is_real_transactions_on_a_valid_chain(histories):
    history = histories[AddressHabit.FRESH]
    assert history.chain.revalidate() == history.chain.height > len(history.orders)
    for order in history.orders:
        location = history.chain.find_transaction(order.txid)
        tx = location.block.transactions[location.index]
        assert (tx.sender, tx.recipient, tx.amount) == \
            (order.payer, history.shop.address, order.amount)
    assert history.chain.balance(history.shop.address) == sum(o.amount for o in history.orders)


def test_the_same_seed_gives_the_same_history_and_another_seed_another(histories):
    again = synthetic_shop_history(7, customers=8, orders=(2, 6), habit=AddressHabit.FRESH)
    first = histories[AddressHabit.FRESH]
    assert [o.txid for o in again.orders] == [o.txid for o in first.orders]
    assert again.chain.tip.hash == first.chain.tip.hash
    other = synthetic_shop_history(8, customers=8, orders=(2, 6), habit=AddressHabit.FRESH)
    assert [o.txid for o in other.orders] != [o.txid for o in first.orders]


def test_every_habit_places_the_same_orders(histories):
    plans = {habit: [(o.customer, o.amount, o.time) for o in h.orders]
             for habit, h in histories.items()}
    assert plans[AddressHabit.REUSED] == plans[AddressHabit.FRESH] == \
        plans[AddressHabit.FRESH_FROM_OWN_WALLET]


def test_with_reused_addresses_the_observer_rebuilds_every_customer(histories):
    history = histories[AddressHabit.REUSED]
    report = linkability_of(history)
    assert report.recall == 1.0 and report.precision == 1.0
    assert report.profiles == report.customers == 8
    assert len({o.payer for o in history.orders}) == 8
    biggest = profiles_of(history)[0]
    assert len(biggest.addresses) == 1 and biggest.spent == sum(
        o.amount for o in history.orders if o.payer in biggest.addresses)


def test_fresh_addresses_per_order_lower_what_the_observer_learns(histories):
    reused = linkability_of(histories[AddressHabit.REUSED])
    fresh = linkability_of(histories[AddressHabit.FRESH])
    assert len({o.payer for o in histories[AddressHabit.FRESH].orders}) == fresh.orders
    assert fresh.recall < reused.recall
    assert fresh.profiles > reused.profiles
    assert fresh.largest_profile <= reused.largest_profile
    without_habits = linkability_of(histories[AddressHabit.FRESH], habit_minutes=None)
    assert without_habits.recall == 0.0 and without_habits.profiles == fresh.orders


def test_fresh_addresses_topped_up_from_one_wallet_are_linked_again(histories):
    history = histories[AddressHabit.FRESH_FROM_OWN_WALLET]
    report = linkability_of(history, habit_minutes=None)
    assert report.recall == 1.0 and report.precision == 1.0
    clusters = cluster_addresses(transaction_graph(history.chain), services=history.services)
    amira = {o.payer for o in history.orders if o.customer == "Amira"}
    assert any(amira < c for c in clusters)  # her fresh addresses, with her main wallet


def test_the_habit_heuristic_can_merge_two_customers_and_precision_shows_it():
    history = synthetic_shop_history(1, customers=8, orders=(2, 6), habit=AddressHabit.REUSED)
    report = linkability_of(history)
    assert report.recall == 1.0 and report.precision < 1.0 and report.profiles < 8
    assert linkability_of(history, habit_minutes=None).precision == 1.0


def test_services_are_never_joined_to_customers(histories):
    history = histories[AddressHabit.FRESH]
    graph = transaction_graph(history.chain)
    assert isinstance(graph, nx.MultiDiGraph)
    clusters = cluster_addresses(graph, services=history.services)
    assert all(history.exchange.address not in c and history.shop.address not in c
               for c in clusters)
    # without knowing the exchange, exact withdrawals would tie every order to it
    naive = observe_shop(history.chain, history.shop.address, habit_minutes=None)
    assert len(naive) == 1 and len(naive[0].orders) == len(history.orders)


def test_the_metric_counts_pairs():
    a, b, c, d = (bytes([n]) * 32 for n in range(4))
    owners = {a: "Amira", b: "Amira", c: "Amira", d: "Bo"}
    perfect = [Profile(frozenset({"x"}), (a, b, c), 30, (9, 9, 9)),
               Profile(frozenset({"y"}), (d,), 10, (20,))]
    assert measure_linkability(perfect, owners).recall == 1.0
    wrong = [Profile(frozenset({"x"}), (a, d), 20, (9, 20)),
             Profile(frozenset({"y"}), (b,), 10, (9,)), Profile(frozenset({"z"}), (c,), 10, (9,))]
    report = measure_linkability(wrong, owners)
    assert (report.same_customer_pairs, report.linked_pairs, report.correct_pairs) == (3, 1, 0)
    assert report.recall == 0.0 and report.precision == 0.0
    assert "4 orders by 2 customers look like 3 customers" in str(report)


def test_bad_history_sizes_are_refused():
    with pytest.raises(ValueError):
        synthetic_shop_history(customers=0)
    with pytest.raises(ValueError):
        synthetic_shop_history(orders=(3, 2))
