"""LoyaltyPoints: a shop's own points, issued by the merchant and spent by its customers.

A token in the manner of ERC-20 (EIP-20), cut down to the three things a loyalty scheme does:
the merchant mints points to a customer (for a purchase, a review, a birthday), holders transfer
points to each other, and a holder redeems points for a reward, which takes them out of
circulation. Points are not coins: they live in the contract's storage, and only the contract's
rules move them.

The supply invariant, which every call keeps:

    supply == the sum of all balances == points minted - points redeemed

so nobody, the merchant included, can create points except by minting them in the open, and no
transfer can create or destroy any.
"""

from __future__ import annotations

from typing import Any

from minichain import crypto
from minichain.contracts.runtime import BadCall, Contract, NotAllowed, WrongAmount, public, register
from minichain.errors import short
from minichain.language import say

__all__ = ["MAX_POINTS", "LoyaltyPoints", "NotAnAddress", "NotEnoughPoints", "balances"]

MAX_POINTS = 10**15  # the most points one call may move (like the chain's supply limit)


class NotEnoughPoints(WrongAmount):
    """A holder tries to transfer or redeem more points than they hold."""

    def __init__(self, holder: str, balance: int, action: str, amount: int):
        values = {"holder": short(holder), "balance": balance, "amount": amount}
        if action == "transfer":
            message = say("{holder} holds {balance} points and cannot transfer {amount}.",
                          **values)
        elif action == "redeem":
            message = say("{holder} holds {balance} points and cannot redeem {amount}.", **values)
        else:
            raise ValueError(f"points are transferred or redeemed, not {action!r}")
        super().__init__(message)


class NotAnAddress(BadCall):
    """Points may be sent only to a well-formed, checksummed address."""

    def __init__(self, problem: str):
        super().__init__(say("points cannot be sent there: {problem}.", problem=problem))


@register
class LoyaltyPoints(Contract):
    """A merchant's points: mint (merchant only), transfer, redeem."""

    def setup(self, name: str = "Points", symbol: str = "PTS") -> None:
        """The deployer becomes the merchant, the only one who may mint."""
        for key, value in (("merchant", self.caller), ("name", name), ("symbol", symbol),
                           ("supply", 0), ("minted", 0), ("redeemed", 0)):
            self.store(key, value)
        self.emit("Opened", merchant=self.caller, points_name=name, symbol=symbol)

    @public
    def mint(self, to: str, amount: int, memo: str = "") -> None:
        """The merchant issues new points to `to` (for a purchase, say)."""
        merchant = self.load("merchant")
        if self.caller != merchant:
            raise NotAllowed(say("only the merchant ({merchant}) may mint points; {caller} is not "
                                 "the merchant.", merchant=short(merchant),
                                 caller=short(self.caller)))
        _check_amount(amount)
        _check_address(to)
        self._credit(to, amount)
        self._add("supply", amount)
        self._add("minted", amount)
        self.emit("Minted", to=to, amount=amount, memo=memo)

    @public
    def transfer(self, to: str, amount: int) -> None:
        """The caller gives `amount` of their points to `to`."""
        _check_amount(amount)
        _check_address(to)
        self._debit(self.caller, amount, "transfer")
        self._credit(to, amount)
        self.emit("Transferred", sender=self.caller, to=to, amount=amount)

    @public
    def redeem(self, amount: int, reward: str = "") -> None:
        """The caller spends `amount` of their points on a reward; the points are gone."""
        _check_amount(amount)
        self._debit(self.caller, amount, "redeem")
        self._add("supply", -amount)
        self._add("redeemed", amount)
        self.emit("Redeemed", holder=self.caller, amount=amount, reward=reward)

    # -- bookkeeping -------------------------------------------------------------------------------
    def _credit(self, holder: str, amount: int) -> None:
        self.store(f"balance:{holder}", self.load(f"balance:{holder}", 0) + amount)

    def _debit(self, holder: str, amount: int, action: str) -> None:
        balance = self.load(f"balance:{holder}", 0)
        if balance < amount:
            raise NotEnoughPoints(holder, balance, action, amount)
        self.store(f"balance:{holder}", balance - amount or None)  # an empty balance is deleted

    def _add(self, name: str, amount: int) -> None:
        self.store(name, self.load(name) + amount)


def _check_amount(amount: object) -> None:
    if type(amount) is not int or not 1 <= amount <= MAX_POINTS:
        raise WrongAmount(say("an amount of points must be a whole number from 1 to {limit}, "
                              "not {amount!r}", limit=MAX_POINTS, amount=amount))


def _check_address(to: object) -> None:
    problem = crypto.address_problem(to)
    if problem:
        raise NotAnAddress(problem)


def balances(storage: dict[str, Any]) -> dict[str, int]:
    """Every holder's points, from a LoyaltyPoints contract's storage (`client.storage()`)."""
    return {key.removeprefix("balance:"): value for key, value in storage.items()
            if key.startswith("balance:")}
