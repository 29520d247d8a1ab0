"""The fraud monitor: an insider refunding to themselves, a stolen card spent from a fresh
address, a stolen key spending far above the usual, and the honest regulars who must not be
bothered. Every rule has a test that fails if the rule's condition is removed."""

import math

import pytest
from hypothesis import given, strategies as st

from minichain import Blockchain, ChainParams, SimulatedClock, ValidationError, Wallet
from minichain.consensus import ProofOfWork
from minichain.monitoring import (
    FraudMonitor, InvalidThreshold, NewAddressHighValue, RapidRefunds, Severity, ShopDay,
    UnusualAmount, default_rules, evaluate, robust_z_score)

shop, customer, insider, thief = (Wallet.from_seed(s) for s in
                                  ("shop", "customer", "insider", "fresh buyer"))
regulars = [Wallet.from_seed(f"regular {i}") for i in range(4)]
validators = [Wallet.from_seed(s) for s in ("platform", "logistics", "bank")]


@pytest.fixture
def chain():
    funds = {w.address: 5_000 for w in (shop, customer, *regulars)}
    return Blockchain.proof_of_authority(validators, allocations=funds)


def seal(chain, *payments):
    """Send payments (payer, payee, amount) and seal them in the next block."""
    txids = [chain.submit(payer.pay(payee.address, amount, chain=chain))
             for payer, payee, amount in payments]
    chain.produce_block()
    return txids


def usual_day(chain, blocks=3):
    """Regulars buy at the shop for a few blocks: amounts 30 to 50."""
    for height in range(blocks):
        seal(chain, *[(w, shop, 30 + 5 * ((height + i) % 5)) for i, w in enumerate(regulars)])


# -- rapid refunds -------------------------------------------------------------------------

def test_an_insider_refunding_to_themselves_is_caught_on_the_third_refund(chain):
    monitor = FraudMonitor(chain, [shop.address])
    first = seal(chain, (shop, insider, 35))
    second = seal(chain, (shop, insider, 40))
    assert monitor.update() == []  # two refunds: could be an honest customer's returns
    third = seal(chain, (shop, insider, 45))
    [alert] = monitor.update()
    assert alert.rule == "rapid refunds" and alert.severity is Severity.HIGH
    assert alert.addresses == (shop.address, insider.address)
    assert alert.txids == (*first, *second, *third)
    assert alert.height == 3 and not alert.pending
    assert "paid 0x2c81…478d back 3 times (total 120) in blocks 1 to 3" in alert.explanation
    assert "limit is 2 refunds to one address within 10 blocks" in alert.explanation


def test_refunds_spread_wider_than_the_window_raise_nothing(chain):
    monitor = FraudMonitor(chain, [shop.address], [RapidRefunds(count=3, window=3)])
    for _ in range(3):
        seal(chain, (shop, insider, 35))
        chain.produce_block()
        chain.produce_block()
    assert monitor.update() == []  # one refund every 3 blocks: never 3 inside any 3 blocks
    for _ in range(3):
        seal(chain, (shop, insider, 35))
    assert [a.rule for a in monitor.update()] == ["rapid refunds"]


def test_refunds_to_different_customers_or_purchases_are_not_a_refund_burst(chain):
    monitor = FraudMonitor(chain, [shop.address])
    seal(chain, (shop, regulars[0], 20), (shop, regulars[1], 20), (shop, regulars[2], 20))
    seal(chain, (customer, shop, 40), (customer, shop, 41))
    seal(chain, (customer, shop, 42))  # three payments to the shop are purchases
    assert monitor.update() == []


def test_the_honest_regular_customer_raises_no_alert(chain):
    """Buys every block, returns one item and gets one refund: a false-positive check."""
    monitor = FraudMonitor(chain, [shop.address])
    usual_day(chain, blocks=4)
    for amount in (30, 42, 38, 45, 35):
        seal(chain, (customer, shop, amount))
    seal(chain, (shop, customer, 30))
    seal(chain, (customer, shop, 40))
    assert monitor.update() == [] and monitor.alerts == []
    assert list(monitor.history.refunds) == [(shop.address, customer.address)]


# -- unusual amounts -----------------------------------------------------------------------

def test_a_large_payment_between_two_shops_is_not_a_purchase(chain):
    tea_shop = Wallet.from_seed("tea shop")
    seal(chain, (shop, tea_shop, 100))
    monitor = FraudMonitor(chain, [shop.address, tea_shop.address], [UnusualAmount()])
    usual_day(chain)
    seal(chain, (tea_shop, shop, 90))  # a wholesale order between the platform's shops
    assert monitor.update() == []
    seal(chain, (customer, shop, 90))
    assert [a.rule for a in monitor.update()] == ["unusual amount"]


def test_a_stolen_key_spending_ten_times_the_usual_is_flagged_with_its_score(chain):
    monitor = FraudMonitor(chain, [shop.address], [UnusualAmount()])
    usual_day(chain)
    [txid] = seal(chain, (regulars[1], shop, 400))
    [alert] = monitor.update()
    assert alert.rule == "unusual amount" and alert.severity is Severity.MEDIUM
    assert alert.txids == (txid,)
    assert "paid 400 to 0xd0Ba…30a9, whose usual purchase is 40 (the median of its 12 " \
        "earlier purchases)" in alert.explanation
    assert "robust z-score is 48.6, above the threshold 3.5" in alert.explanation


def test_an_ordinary_amount_and_a_shop_without_history_raise_nothing(chain):
    monitor = FraudMonitor(chain, [shop.address], [UnusualAmount(min_history=5)])
    seal(chain, *[(w, shop, 35 + 5 * i) for i, w in enumerate(regulars)])  # only 4 so far
    seal(chain, (customer, shop, 400))
    assert monitor.update() == []  # "usual" is not known yet
    seal(chain, (customer, shop, 50))
    assert monitor.update() == []  # 50 is within the spread


def test_the_threshold_decides_between_a_big_honest_order_and_an_alert(chain):
    usual_day(chain)
    seal(chain, (customer, shop, 60))  # z = 0.6745 * 20 / 5 = 2.7
    strict = FraudMonitor(chain, [shop.address], [UnusualAmount(threshold=2.5)])
    relaxed = FraudMonitor(chain, [shop.address], [UnusualAmount(threshold=3.5)])
    assert [a.rule for a in strict.update()] == ["unusual amount"]
    assert relaxed.update() == []


def test_a_wholesale_regular_is_usual_for_themselves_but_not_for_the_shop(chain):
    wholesaler = regulars[3]
    for height in range(6):
        seal(chain, *[(w, shop, 30 + 5 * ((height + i) % 5)) for i, w in enumerate(regulars[:3])],
             (wholesaler, shop, 300 + 10 * (height % 3)))
    by_shop = FraudMonitor(chain, [shop.address], [UnusualAmount(compare_with="shop")])
    by_buyer = FraudMonitor(chain, [shop.address], [UnusualAmount(compare_with="buyer")])
    by_shop.update(), by_buyer.update()
    seal(chain, (wholesaler, shop, 310))
    assert [a.rule for a in by_shop.update()] == ["unusual amount"]
    assert by_buyer.update() == []  # 310 is what this buyer always spends
    seal(chain, (regulars[1], shop, 170))  # a stolen key: unusual for the buyer as well
    [alert] = by_buyer.update()
    assert "while this buyer usually spends 37.5 (the median of their 6 earlier purchases)" in alert.explanation


def test_the_robust_z_score_follows_iglewicz_and_hoaglin():
    assert robust_z_score(80, [10, 20, 30, 40, 50]) == pytest.approx(0.6745 * 50 / 10)
    assert robust_z_score(30, [10, 20, 30, 40, 50]) == 0
    # MAD is 0 when most amounts are equal: the mean absolute deviation steps in
    assert robust_z_score(60, [40, 40, 40, 20]) == pytest.approx(20 / (1.253314 * 5))
    assert robust_z_score(41, [40, 40, 40]) == math.inf  # no spread at all
    assert robust_z_score(40, [40, 40, 40]) == 0


@given(st.lists(st.integers(1, 1_000), min_size=3, max_size=30), st.integers(1, 5_000),
       st.integers(0, 1_000), st.integers(1, 20))
def test_the_score_does_not_depend_on_currency_or_a_shift_in_prices(history, value, shift, k):
    score = robust_z_score(value, history)
    assert robust_z_score(value + shift, [x + shift for x in history]) == pytest.approx(score)
    assert robust_z_score(value * k, [x * k for x in history]) == pytest.approx(score)


# -- brand-new addresses -------------------------------------------------------------------

def test_a_stolen_card_buyer_on_a_fresh_address_is_flagged(chain):
    monitor = FraudMonitor(chain, [shop.address], [NewAddressHighValue()])
    usual_day(chain)
    seal(chain, (customer, thief, 600))  # coins arrive at an address nobody has seen
    [txid] = seal(chain, (thief, shop, 480))
    [alert] = monitor.update()
    assert alert.rule == "new address, high value" and alert.severity is Severity.HIGH
    assert alert.addresses == (thief.address, shop.address) and alert.txids == (txid,)
    assert "was first seen at block 4, 1 block ago, and already pays 480" in alert.explanation
    assert "younger than 5 blocks paying 200 or more" in alert.explanation


def test_an_old_address_or_a_small_first_order_is_left_alone(chain):
    monitor = FraudMonitor(chain, [shop.address], [NewAddressHighValue(new_for=5)])
    seal(chain, (customer, thief, 600))
    seal(chain, (thief, shop, 60))  # fresh, but a small first order
    for _ in range(4):
        chain.produce_block()
    seal(chain, (thief, shop, 480))  # first seen 6 blocks ago: no longer new
    seal(chain, (customer, shop, 480))  # known since genesis
    assert monitor.update() == []


# -- live: pending payments, blocks as they come, reorganisations ---------------------------

def test_a_pending_fraud_is_flagged_before_it_is_in_a_block(chain):
    monitor = FraudMonitor(chain, [shop.address])
    usual_day(chain)
    seal(chain, (customer, thief, 600))
    txid = chain.submit(thief.pay(shop.address, 480, chain=chain))
    pending = monitor.update()
    assert {a.rule for a in pending} == {"unusual amount", "new address, high value"}
    assert all(a.pending and a.txid == txid and a.height == 5 for a in pending)
    assert "pending for block 5" in str(pending[0]) and monitor.alerts == []
    chain.produce_block()
    confirmed = monitor.update()
    assert [a.rule for a in confirmed] == [a.rule for a in pending]
    assert not any(a.pending for a in confirmed) and monitor.pending_alerts == []
    assert monitor.flagged() == {txid} and len(monitor.alerts_for(txid)) == 2


def test_pending_refunds_count_each_other_but_are_not_remembered(chain):
    monitor = FraudMonitor(chain, [shop.address])
    for amount in (35, 40, 45):
        chain.submit(shop.pay(insider.address, amount, chain=chain))
    [alert] = monitor.update()
    assert alert.pending and alert.rule == "rapid refunds" and len(alert.txids) == 3
    assert monitor.history.refunds == {}  # the mempool may still change


def test_alerts_are_raised_once_per_block_and_survive_a_reorganisation():
    params = ChainParams(allocations={shop.address: 5_000})
    miner, rival = Wallet.from_seed("miner"), Wallet.from_seed("rival miner")
    node = Blockchain(ProofOfWork(), params, clock=SimulatedClock(params.genesis_time),
                      producers=[miner])
    other = Blockchain(ProofOfWork(), params, clock=SimulatedClock(params.genesis_time),
                       producers=[rival])
    monitor = FraudMonitor(node, [shop.address])
    for amount in (35, 40, 45):
        seal(node, (shop, insider, amount))
    assert len(monitor.update()) == 1 and monitor.update() == []
    for _ in range(4):  # a heavier branch without the refunds
        node.add_block(other.produce_block())
    assert node.tip.hash == other.tip.hash
    [again] = monitor.update()  # the refunds wait in the mempool again
    assert monitor.history.refunds == {}  # rebuilt from the new main chain
    assert again.pending and "back 3 times (total 120) in block 5;" in again.explanation
    assert len(monitor.alerts) == 1  # nothing confirmed twice
    node.produce_block()
    assert [a.pending for a in monitor.update()] == [False]


# -- thresholds and the shop day -----------------------------------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda: RapidRefunds(count=1), "rapid refunds: count 1 cannot work; it must be a number "
                                    "of at least 2."),
    (lambda: UnusualAmount(threshold=-1), "unusual amount: threshold -1 cannot work"),
    (lambda: NewAddressHighValue(high_value="a lot"), "high_value 'a lot' cannot work"),
    (lambda: RapidRefunds(window=True), "window True cannot work"),
    (lambda: UnusualAmount(compare_with="everyone"), "compare_with 'everyone' cannot work; "
                                                      "it must be 'shop' or 'buyer'."),
])
def test_thresholds_that_cannot_work_are_refused_plainly(make, message):
    with pytest.raises(InvalidThreshold, match=message.replace("(", r"\(")) as error:
        make()
    assert isinstance(error.value, ValidationError)


def test_each_rule_describes_what_it_looks_for_with_its_own_thresholds():
    assert [rule.describe() for rule in default_rules()] == [
        "rapid refunds: 3 or more refunds from a shop to one address within 10 blocks (high)",
        "unusual amount: a purchase whose robust z-score is above 3.5 against the shop's earlier "
        "purchases, once there are at least 5 of them (medium)",
        "new address, high value: a purchase of 200 or more from an address first seen fewer "
        "than 5 blocks ago (high)"]
    assert RapidRefunds(count=4, window=6, severity=Severity.LOW).describe() == \
        "rapid refunds: 4 or more refunds from a shop to one address within 6 blocks (low)"
    assert "above 6 against the same buyer's earlier purchases, once there are at least 8" in \
        UnusualAmount(threshold=6, min_history=8, compare_with="buyer").describe()
    assert NewAddressHighValue(high_value=1_500, new_for=2).describe().startswith(
        "new address, high value: a purchase of 1,500 or more from an address first seen "
        "fewer than 2 blocks ago")


def test_the_default_rules_catch_every_fraud_of_the_shop_day_and_one_honest_gift():
    day = ShopDay()
    day.run()
    result = evaluate(day, default_rules())
    assert result.caught == ("insider refunds", "stolen card", "account takeover")
    assert result.missed == ()
    [false_alarm] = result.false_alarms
    assert day.labels[false_alarm].note == "order: wedding gift set"
    assert str(result) == "caught 3 of 3 frauds, 1 false alarm(s)"


def test_the_regular_customers_place_every_ordinary_order_of_the_day():
    day = ShopDay()
    ordinary = {p.payer for block in day.plan for p in block if p.note.startswith("order: tea")}
    assert ordinary == set(day.regulars)
    assert len(day.regulars) == 6 and "bob" in day.regulars  # bob's key is stolen later on


def test_raising_the_threshold_trades_false_alarms_for_misses():
    day = ShopDay()
    day.run()
    scores = {t: evaluate(day, [UnusualAmount(threshold=t)]) for t in (3.5, 6, 10, 30)}
    assert [len(scores[t].false_alarms) for t in scores] == [1, 0, 0, 0]
    assert [len(scores[t].caught) for t in scores] == [2, 2, 1, 0]
    assert scores[10].missed == ("insider refunds", "account takeover")


def test_the_same_seed_gives_the_same_day_and_the_same_alerts():
    a, b = ShopDay(seed=3), ShopDay(seed=3)
    a.run(), b.run()
    assert a.chain.tip.hash == b.chain.tip.hash
    assert [str(x) for x in evaluate(a, default_rules()).alerts] == \
        [str(x) for x in evaluate(b, default_rules()).alerts]
    assert ShopDay(seed=4).plan != a.plan


def test_a_reorganisation_that_keeps_the_refund_blocks_does_not_repeat_their_alert():
    params = ChainParams(allocations={shop.address: 5_000})
    node = Blockchain(ProofOfWork(), params, clock=SimulatedClock(params.genesis_time),
                      producers=[Wallet.from_seed("miner")])
    other = Blockchain(ProofOfWork(), params, clock=SimulatedClock(params.genesis_time),
                       producers=[Wallet.from_seed("rival miner")])
    monitor = FraudMonitor(node, [shop.address])
    for amount in (35, 40, 45):
        seal(node, (shop, insider, amount))
        other.add_block(node.tip)
    node.produce_block()  # block 4 here; the rival builds 4 and 5 on block 3
    assert [a.height for a in monitor.update()] == [3]
    other.clock.advance_to(node.clock.now())
    for _ in range(2):
        node.add_block(other.produce_block())
    assert node.tip.hash == other.tip.hash and node.height == 5
    assert monitor.update() == [] and len(monitor.alerts) == 1
    assert len(monitor.history.refunds[shop.address, insider.address]) == 3
