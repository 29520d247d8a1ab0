"""LoyaltyPoints: the shop rewards its customers with points; nobody can conjure points up.

Every allowed action (mint by the merchant, transfer, redeem) is walked; every forbidden one
(wrong role, wrong amount, more than one holds, a bad address) is refused with a specific error
and changes nothing. Last, a hypothesis state machine lets random parties mint, transfer and
redeem at random, and checks after every step that the supply equals the sum of all balances
and the points minted less the points redeemed.
"""

import pytest
from contract_helpers import act, refused
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from minichain import Blockchain, Wallet
from minichain.contracts.client import ContractClient
from minichain.contracts.message import NotAWholeNumber
from minichain.contracts.loyalty import (
    MAX_POINTS,
    NotAnAddress,
    NotEnoughPoints,
    balances,
)
from minichain.contracts.runtime import ContractRuntime, NotAllowed, WrongAmount

platform, logistics, bank = (Wallet.from_seed(s) for s in ("platform", "logistics", "bank"))
shop, customer, friend, courier, attacker = (
    Wallet.from_seed(s) for s in ("shop", "customer", "friend", "courier", "attacker"))
EVERYONE = (shop, customer, friend, courier, attacker)
MOSTLY_THE_SHOP = (shop, shop, shop, customer, attacker)  # so that points get minted


def new_chain():
    return Blockchain.proof_of_authority(
        [platform, logistics, bank], allocations={w.address: 100_000 for w in EVERYONE},
        runtime=ContractRuntime())


def open_points(chain):
    points = ContractClient.deploy(chain, shop, "LoyaltyPoints", name="Tea Points",
                                   symbol="TEA")
    chain.produce_block()
    return points


@pytest.fixture
def points():
    return open_points(new_chain())


def holdings(points):
    return balances(points.storage())


# -- allowed --------------------------------------------------------------------------------------

def test_the_shop_mints_points_for_a_purchase(points):
    act(points, shop, "mint", to=customer.address, amount=120, memo="order #1042")
    assert holdings(points) == {customer.address: 120}
    assert (points["supply"], points["minted"], points["redeemed"]) == (120, 120, 0)
    assert (points["name"], points["symbol"], points["merchant"]) == (
        "Tea Points", "TEA", shop.address)
    assert str(points.events()[-1]) == (
        f"Minted(amount=120, memo='order #1042', to='{customer.address}')")


def test_a_customer_gives_points_to_a_friend(points):
    act(points, shop, "mint", to=customer.address, amount=120)
    act(points, customer, "transfer", to=friend.address, amount=50)
    assert holdings(points) == {customer.address: 70, friend.address: 50}
    assert points["supply"] == 120
    assert points.events()[-1].name == "Transferred"


def test_giving_away_every_point_leaves_no_empty_balance(points):
    act(points, shop, "mint", to=customer.address, amount=30)
    act(points, customer, "transfer", to=friend.address, amount=30)
    assert holdings(points) == {friend.address: 30}


def test_redeeming_points_takes_them_out_of_circulation(points):
    act(points, shop, "mint", to=customer.address, amount=120)
    act(points, customer, "redeem", amount=100, reward="a free tin of Longjing")
    assert holdings(points) == {customer.address: 20}
    assert (points["supply"], points["minted"], points["redeemed"]) == (20, 120, 100)
    assert points.events()[-1].fields == {
        "holder": customer.address, "amount": 100, "reward": "a free tin of Longjing"}


def test_points_are_not_coins(points):
    """Points live in the contract's storage; no coin changes hands but the fees."""
    before = points.chain.balance(customer.address)
    act(points, shop, "mint", to=customer.address, amount=120)
    fee = act(points, customer, "redeem", amount=120).fee
    assert points.chain.balance(customer.address) == before - fee
    assert points.balance == 0


# -- forbidden ------------------------------------------------------------------------------------

@pytest.mark.parametrize("minter", [customer, attacker], ids=["customer", "attacker"])
def test_only_the_merchant_mints(points, minter):
    refused(points, minter, "mint", NotAllowed,
            f"only the merchant \\({shop.address[:6]}.*\\) may mint points; "
            f"{minter.address[:6]}.* is not the merchant", to=minter.address, amount=1_000)


@pytest.mark.parametrize("method, args", [
    ("mint", {"to": customer.address}), ("transfer", {"to": friend.address}), ("redeem", {})])
@pytest.mark.parametrize("amount", [0, -5, "10", True, MAX_POINTS + 1])
def test_amounts_must_be_whole_positive_numbers(points, method, args, amount):
    act(points, shop, "mint", to=customer.address, amount=50)
    wallet = shop if method == "mint" else customer
    refused(points, wallet, method, WrongAmount,
            f"an amount of points must be a whole number from 1 to {MAX_POINTS}, not "
            f"{amount!r}".replace("(", "\\(").replace(".", "\\."), amount=amount, **args)


@pytest.mark.parametrize("method, args", [
    ("mint", {"to": customer.address}), ("transfer", {"to": friend.address}), ("redeem", {})])
def test_a_fraction_of_a_point_never_reaches_the_contract(points, method, args):
    act(points, shop, "mint", to=customer.address, amount=50)
    wallet = shop if method == "mint" else customer
    refused(points, wallet, method, NotAWholeNumber, "holds the number 2\\.5; contracts count "
            "in whole coins", amount=2.5, **args)


@pytest.mark.parametrize("method, args, action", [
    ("transfer", {"to": friend.address}, "transfer"), ("redeem", {}, "redeem")])
def test_nobody_spends_more_points_than_they_hold(points, method, args, action):
    act(points, shop, "mint", to=customer.address, amount=50)
    refused(points, customer, method, NotEnoughPoints,
            f"{customer.address[:6]}.* holds 50 points and cannot {action} 51", amount=51,
            **args)
    refused(points, attacker, method, NotEnoughPoints,
            f"{attacker.address[:6]}.* holds 0 points and cannot {action} 1", amount=1, **args)


def test_the_merchant_holds_no_points_of_its_own_until_it_mints_them(points):
    refused(points, shop, "redeem", NotEnoughPoints, "holds 0 points and cannot redeem 5",
            amount=5)


@pytest.mark.parametrize("method", ["mint", "transfer"])
def test_points_go_only_to_well_formed_addresses(points, method):
    act(points, shop, "mint", to=customer.address, amount=50)
    wallet = shop if method == "mint" else customer
    typo = friend.address.lower()
    refused(points, wallet, method, NotAnAddress,
            f"points cannot be sent there: {typo} fails its checksum", to=typo, amount=5)


# -- the supply invariant under random play -------------------------------------------------------

class PointsEconomy(RuleBasedStateMachine):
    """Random parties mint, transfer and redeem random amounts, allowed or not."""

    @initialize()
    def open_the_scheme(self):
        self.points = open_points(new_chain())
        self.expected = {w.address: 0 for w in EVERYONE}
        self.minted = self.redeemed = 0

    def attempt(self, wallet, method, expected_error, **args):
        """Refused exactly as the rules say, or accepted and mined."""
        if expected_error is not None:
            with pytest.raises(expected_error):
                self.points.call(wallet, method, **args)
            return False
        act(self.points, wallet, method, **args)
        return True

    def spender(self, data):
        """Mostly someone who holds points, sometimes anyone."""
        holders = [w for w in EVERYONE if self.expected[w.address]]
        return data.draw(st.sampled_from(holders * 3 + list(EVERYONE)), label="by")

    def amount(self, data, balance):
        """Mostly an amount the holder has, sometimes too much, sometimes not positive."""
        kind = data.draw(st.sampled_from(["fits"] * 3 + ["too much", "not positive"]))
        if kind == "fits" and balance:
            return data.draw(st.integers(1, balance), label="amount")
        if kind == "not positive":
            return data.draw(st.integers(-2, 0), label="amount")
        return data.draw(st.integers(balance + 1, balance + 9), label="amount")

    @rule(by=st.sampled_from(MOSTLY_THE_SHOP), to=st.sampled_from(EVERYONE),
          amount=st.integers(-2, 120))
    def mint(self, by, to, amount):
        error = NotAllowed if by is not shop else WrongAmount if amount < 1 else None
        if self.attempt(by, "mint", error, to=to.address, amount=amount):
            self.expected[to.address] += amount
            self.minted += amount

    @precondition(lambda self: any(self.expected.values()))
    @rule(data=st.data(), to=st.sampled_from(EVERYONE))
    def transfer(self, data, to):
        by = self.spender(data)
        amount = self.amount(data, self.expected[by.address])
        error = (WrongAmount if amount < 1 else
                 NotEnoughPoints if amount > self.expected[by.address] else None)
        if self.attempt(by, "transfer", error, to=to.address, amount=amount):
            self.expected[by.address] -= amount
            self.expected[to.address] += amount

    @precondition(lambda self: any(self.expected.values()))
    @rule(data=st.data())
    def redeem(self, data):
        by = self.spender(data)
        amount = self.amount(data, self.expected[by.address])
        error = (WrongAmount if amount < 1 else
                 NotEnoughPoints if amount > self.expected[by.address] else None)
        if self.attempt(by, "redeem", error, amount=amount):
            self.expected[by.address] -= amount
            self.redeemed += amount

    @invariant()
    def supply_equals_the_sum_of_balances(self):
        storage = self.points.storage()
        held = balances(storage)
        assert storage["supply"] == sum(held.values())
        assert storage["supply"] == storage["minted"] - storage["redeemed"]
        assert (storage["minted"], storage["redeemed"]) == (self.minted, self.redeemed)
        assert held == {a: n for a, n in self.expected.items() if n}
        assert all(n > 0 for n in held.values())


PointsEconomy.TestCase.settings = settings(
    max_examples=40, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_the_supply_invariant_holds_under_random_play = PointsEconomy.TestCase
