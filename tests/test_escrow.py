"""OrderEscrow: the customer, the shop and the platform trade without trusting each other.

Every allowed transition of DESIGN.md section 4 is walked; every forbidden one (wrong role, wrong
state, past or before a deadline, wrong amount) is refused with a specific error and a plain
message, and refusing changes nothing.
"""

import pytest
from contract_helpers import act, refused

from minichain import Blockchain, Wallet
from minichain.contracts import (
    ContractClient,
    ContractRuntime,
    NotAllowed,
    TooEarly,
    TooLate,
    WrongAmount,
    WrongState,
    call_data,
)

PRICE = 120
WINDOW = 60  # seconds to ship, and then to confirm

platform, logistics, bank = (Wallet.from_seed(s) for s in ("platform", "logistics", "bank"))
customer, shop, attacker = (Wallet.from_seed(s) for s in ("customer", "shop", "attacker"))


@pytest.fixture
def chain():
    return Blockchain.proof_of_authority(
        [platform, logistics, bank],
        allocations={customer.address: 1_000, shop.address: 500, attacker.address: 500,
                     platform.address: 500},
        runtime=ContractRuntime())


@pytest.fixture
def order(chain):
    order = ContractClient.deploy(
        chain, platform, "OrderEscrow", buyer=customer.address, seller=shop.address,
        arbiter=platform.address, price=PRICE, ship_window=WINDOW, confirm_window=WINDOW,
        order="#1042")
    chain.produce_block()
    assert order["state"] == "CREATED"
    return order


def funded(order):
    act(order, customer, "fund", value=PRICE)
    return order


def shipped(order):
    act(funded(order), shop, "ship", tracking_hash="9f2c")
    return order


def withdraw_all(order):
    for party in (customer, shop):
        if order[f"owed:{party.address}"]:
            act(order, party, "withdraw")


# -- the happy path --------------------------------------------------------------------------------

def test_happy_path_the_shop_is_paid_when_the_customer_confirms(chain, order):
    shop_before, customer_before = chain.balance(shop.address), chain.balance(customer.address)
    fees = {customer.address: 0, shop.address: 0}

    for wallet, method, value, args in [
        (customer, "fund", PRICE, {}),
        (shop, "ship", 0, {"tracking_hash": "9f2c"}),
        (customer, "confirm", 0, {}),
        (shop, "withdraw", 0, {}),
    ]:
        fees[wallet.address] += act(order, wallet, method, value=value, **args).fee

    assert order["state"] == "COMPLETED"
    assert order.balance == 0
    assert chain.balance(shop.address) == shop_before + PRICE - fees[shop.address]
    assert chain.balance(customer.address) == customer_before - PRICE - fees[customer.address]
    assert [e.name for e in order.events()] == [
        "Created", "Funded", "Shipped", "Completed", "Withdrawn"]


def test_funding_sets_the_ship_deadline_and_shipping_the_confirm_deadline(chain, order):
    act(order, customer, "fund", value=PRICE)
    assert order["ship_deadline"] == chain.tip.header.timestamp + WINDOW
    act(order, shop, "ship", tracking_hash="9f2c")
    assert order["confirm_deadline"] == chain.tip.header.timestamp + WINDOW
    assert order["tracking_hash"] == "9f2c"


def test_anyone_may_release_the_payment_after_the_confirm_deadline(chain, order):
    shipped(order)
    chain.clock.advance(WINDOW + 1)
    act(order, attacker, "release")  # a stranger can only make the contract keep its promise
    assert order["state"] == "COMPLETED"
    assert order[f"owed:{shop.address}"] == PRICE
    assert order[f"owed:{attacker.address}"] is None


# -- refunds ---------------------------------------------------------------------------------------

def test_the_shop_cancels_an_unshipped_order_and_the_customer_is_refunded(chain, order):
    funded(order)
    act(order, shop, "cancel")
    assert order["state"] == "REFUNDED"
    before = chain.balance(customer.address)
    fee = act(order, customer, "withdraw").fee
    assert chain.balance(customer.address) == before + PRICE - fee


def test_anyone_may_refund_after_the_ship_deadline(chain, order):
    funded(order)
    chain.clock.advance(WINDOW + 1)
    act(order, attacker, "refund")
    assert order["state"] == "REFUNDED"
    assert order[f"owed:{customer.address}"] == PRICE


# -- disputes --------------------------------------------------------------------------------------

@pytest.mark.parametrize("outcome, share, shop_gets", [
    ("release", 0, PRICE), ("refund", 0, 0), ("split", 50, 50)])
def test_the_platform_resolves_a_dispute(chain, order, outcome, share, shop_gets):
    shipped(order)
    act(order, customer, "dispute", reason="the box was empty")
    assert order["state"] == "DISPUTED"
    act(order, platform, "resolve", outcome=outcome, seller_share=share)
    assert order["state"] == "RESOLVED"
    assert (order[f"owed:{shop.address}"] or 0) == shop_gets
    assert (order[f"owed:{customer.address}"] or 0) == PRICE - shop_gets
    withdraw_all(order)
    assert order.balance == 0


def test_a_dispute_freezes_the_timers(chain, order):
    funded(order)
    act(order, customer, "dispute", reason="wrong size ordered by the shop's form")
    chain.clock.advance(10 * WINDOW)
    chain.produce_block()
    refused(order, attacker, "refund", WrongState, "the order is DISPUTED")
    refused(order, shop, "ship", WrongState, "the order is DISPUTED", tracking_hash="x")


def test_a_dispute_may_be_opened_while_funded_or_shipped(chain, order):
    funded(order)
    act(order, customer, "dispute")
    assert order["state"] == "DISPUTED"


# -- forbidden: wrong role ---------------------------------------------------------------------------

@pytest.mark.parametrize("setup, wallet, method, args, match", [
    (lambda o: o, shop, "fund", {"value": PRICE}, "only the buyer .* may pay for the order"),
    (funded, customer, "ship", {"tracking_hash": "x"}, "only the seller .* may mark the order shipped"),
    (funded, attacker, "ship", {"tracking_hash": "x"}, "is not the seller"),
    (shipped, shop, "confirm", {}, "only the buyer .* may confirm delivery"),
    (funded, customer, "cancel", {}, "only the seller .* may cancel the order"),
    (shipped, shop, "dispute", {}, "only the buyer .* may open a dispute"),
    (shipped, attacker, "resolve", {"outcome": "release"}, "only the arbiter"),
])
def test_only_the_right_party_may_act(chain, order, setup, wallet, method, args, match):
    setup(order)
    value = args.pop("value", 0)
    refused(order, wallet, method, NotAllowed, match, value=value, **args)


def test_the_arbiter_has_no_power_outside_a_dispute(chain, order):
    shipped(order)
    refused(order, platform, "resolve", WrongState,
            "the order is SHIPPED; it is possible to resolve a dispute only when it is DISPUTED",
            outcome="refund")
    refused(order, platform, "confirm", NotAllowed, "only the buyer")
    refused(order, platform, "cancel", NotAllowed, "only the seller")


# -- forbidden: wrong state --------------------------------------------------------------------------

@pytest.mark.parametrize("setup, wallet, method, args, state", [
    (lambda o: o, shop, "ship", {"tracking_hash": "x"}, "CREATED"),
    (lambda o: o, customer, "confirm", {}, "CREATED"),
    (lambda o: o, customer, "dispute", {}, "CREATED"),
    (funded, customer, "fund", {"value": PRICE}, "FUNDED"),
    (funded, customer, "confirm", {}, "FUNDED"),
    (shipped, shop, "cancel", {}, "SHIPPED"),
    (shipped, shop, "ship", {"tracking_hash": "x"}, "SHIPPED"),
    (shipped, attacker, "refund", {}, "SHIPPED"),
    (funded, attacker, "release", {}, "FUNDED"),
])
def test_actions_outside_their_state_are_refused(chain, order, setup, wallet, method, args, state):
    setup(order)
    value = args.pop("value", 0)
    refused(order, wallet, method, WrongState, f"the order is {state}", value=value, **args)


def test_a_completed_order_cannot_be_disputed_or_refunded(chain, order):
    shipped(order)
    act(order, customer, "confirm")
    refused(order, customer, "dispute", WrongState, "the order is COMPLETED")
    refused(order, shop, "cancel", WrongState, "the order is COMPLETED")


# -- forbidden: deadlines ------------------------------------------------------------------------------

def test_the_shop_cannot_ship_after_the_ship_deadline(chain, order):
    funded(order)
    chain.clock.advance(WINDOW + 1)
    refused(order, shop, "ship", TooLate, "the ship deadline .* has passed", tracking_hash="x")


def test_nobody_may_refund_before_the_ship_deadline(chain, order):
    funded(order)
    refused(order, attacker, "refund", TooEarly, "the seller has until 2026-")


def test_nobody_may_release_before_the_confirm_deadline(chain, order):
    shipped(order)
    refused(order, shop, "release", TooEarly, "the buyer has until 2026-")


def test_the_customer_cannot_dispute_after_the_confirm_deadline(chain, order):
    shipped(order)
    chain.clock.advance(WINDOW + 1)
    refused(order, customer, "dispute", TooLate, "the confirm deadline .* has passed")


# -- forbidden: wrong amount ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", [PRICE - 1, PRICE + 1, 0])
def test_funding_needs_exactly_the_price(chain, order, value):
    refused(order, customer, "fund", WrongAmount, f"the price is {PRICE}; {value} was sent",
            value=value)


@pytest.mark.parametrize("outcome, share, match", [
    ("split", PRICE + 1, "between 0 and the price"),
    ("split", -1, "between 0 and the price"),
    ("keep it all", 0, "must be one of release, refund, split"),
])
def test_the_arbiter_cannot_split_more_than_the_price(chain, order, outcome, share, match):
    shipped(order)
    act(order, customer, "dispute")
    refused(order, platform, "resolve", WrongAmount, match, outcome=outcome, seller_share=share)


def test_nobody_withdraws_twice_or_what_they_are_not_owed(chain, order):
    shipped(order)
    act(order, customer, "confirm")
    refused(order, attacker, "withdraw", WrongAmount, "is owed nothing")
    refused(order, customer, "withdraw", WrongAmount, "is owed nothing")
    act(order, shop, "withdraw")
    refused(order, shop, "withdraw", WrongAmount, "is owed nothing")


def test_a_price_must_be_a_positive_whole_number(chain):
    with pytest.raises(WrongAmount, match="the price must be a whole number above 0"):
        ContractClient.deploy(chain, platform, "OrderEscrow", buyer=customer.address,
                              seller=shop.address, arbiter=platform.address, price=0)


# -- a refused call that is mined anyway ---------------------------------------------------------------

def test_a_forbidden_call_mined_anyway_is_undone_but_pays_its_fee(chain, order):
    """The dry run is a courtesy; the rules are in the contract, on every node."""
    funded(order)
    sneaky = attacker.pay(order.address, 0, chain=chain, fee=50,
                          data=call_data("cancel"))
    block = chain.build_block(transactions=[sneaky])
    chain.clock.advance_to(block.header.timestamp)
    before = chain.balance(attacker.address)
    chain.add_block(block)
    receipt = chain.receipt(sneaky.txid)
    assert not receipt.success
    assert "only the seller" in receipt.error
    assert order["state"] == "FUNDED"
    assert chain.balance(attacker.address) == before - receipt.fee
    assert 0 < receipt.fee <= 50
