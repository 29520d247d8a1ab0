"""OrderEscrow: a buyer and a seller who don't trust each other, with the platform as arbiter.

The buyer's money waits in the contract, not with either party, and moves only along this state
machine (DESIGN.md section 4; the pattern of Ethereum's "safe remote purchase" example and of
marketplace escrow services, with timeouts so nobody can hold the money hostage):

    CREATED --fund (buyer, exact price)--> FUNDED          sets the ship deadline
    FUNDED  --ship (seller, before the ship deadline)--> SHIPPED      sets the confirm deadline
    SHIPPED --confirm (buyer), or release (anyone, after the confirm deadline)--> COMPLETED
    FUNDED  --cancel (seller), or refund (anyone, after the ship deadline)--> REFUNDED
    FUNDED or SHIPPED --dispute (buyer, before the confirm deadline)--> DISPUTED   timers freeze
    DISPUTED --resolve (arbiter only: release, refund or split)--> RESOLVED

The arbiter has no power in any other state. Payments are "pull" payments: the contract credits
whoever is owed, and they withdraw (so a payment that fails can never block the order).
Deadlines are in block time (seconds), as the block's timestamp tells the contract.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from minichain import crypto
from minichain.clock import DAY, date_text
from minichain.contracts.client import ContractClient
from minichain.contracts.runtime import (
    BadCall,
    Contract,
    NotAllowed,
    TooEarly,
    TooLate,
    WrongAmount,
    WrongState,
    public,
    register,
)
from minichain.errors import short
from minichain.language import say

if TYPE_CHECKING:
    from minichain.chain import Blockchain
    from minichain.wallet import Wallet

__all__ = ["CREATED", "FUNDED", "SHIPPED", "COMPLETED", "REFUNDED", "DISPUTED", "RESOLVED",
           "OrderEscrow", "open_order", "state_text"]

CREATED, FUNDED, SHIPPED, COMPLETED = "CREATED", "FUNDED", "SHIPPED", "COMPLETED"
REFUNDED, DISPUTED, RESOLVED = "REFUNDED", "DISPUTED", "RESOLVED"
OUTCOMES = ("release", "refund", "split")


def state_text(state: str) -> str:
    """An order's state as a person reads it, in the language in use ("CREATED" in English);
    the stored state itself is always the English word."""
    texts = {
        # TRANSLATORS: the states of an escrowed order, short: the escrow diagram's boxes
        # show them too.
        CREATED: say("CREATED"), FUNDED: say("FUNDED"), SHIPPED: say("SHIPPED"),
        COMPLETED: say("COMPLETED"), REFUNDED: say("REFUNDED"), DISPUTED: say("DISPUTED"),
        RESOLVED: say("RESOLVED"),
    }
    return texts.get(state, state)


@register
class OrderEscrow(Contract):
    """One order's money, held until delivery is confirmed, refunded, or a dispute resolved."""

    def setup(self, buyer: str, seller: str, arbiter: str, price: int, ship_window: int = 3600,
              confirm_window: int = 3600, order: str = "") -> None:
        if not _above_zero(price):
            raise WrongAmount(say("the price must be a whole number above 0, not {value!r}",
                                  value=price))
        if not _above_zero(ship_window):
            raise WrongAmount(say("the ship window must be a whole number above 0, not "
                                  "{value!r}", value=ship_window))
        if not _above_zero(confirm_window):
            raise WrongAmount(say("the confirm window must be a whole number above 0, not "
                                  "{value!r}", value=confirm_window))
        if problem := crypto.address_problem(buyer):
            raise BadCall(say("the buyer must be an address: {problem}", problem=problem))
        if problem := crypto.address_problem(seller):
            raise BadCall(say("the seller must be an address: {problem}", problem=problem))
        if problem := crypto.address_problem(arbiter):
            raise BadCall(say("the arbiter must be an address: {problem}", problem=problem))
        if not isinstance(order, str):
            raise BadCall(say("the order must be text, such as 'order #1002', not {order!r}",
                              order=order))
        for key, value in (("buyer", buyer), ("seller", seller), ("arbiter", arbiter),
                           ("price", price), ("ship_window", ship_window),
                           ("confirm_window", confirm_window), ("order", order)):
            self.store(key, value)
        self.store("state", CREATED)
        self.emit("Created", order=order, buyer=buyer, seller=seller, price=price)

    # -- the happy path --------------------------------------------------------------------------
    @public(payable=True)
    def fund(self) -> None:
        """The buyer pays exactly the price into the contract."""
        self._only("buyer", say("pay for the order"))
        self._in(CREATED, action=say("pay for the order"))
        price = self.load("price")
        if self.value != price:
            raise WrongAmount(say("the price is {price}; {sent} was sent. Send exactly {price}.",
                                  price=price, sent=self.value))
        deadline = self.now + self.load("ship_window")
        self.store("ship_deadline", deadline)
        self.store("state", FUNDED)
        self.emit("Funded", amount=price, ship_deadline=deadline)

    @public
    def ship(self, tracking_hash: str) -> None:
        """The seller records a hash of the tracking number before the ship deadline."""
        self._only("seller", say("mark the order shipped"))
        self._in(FUNDED, action=say("ship"))
        deadline = self.load("ship_deadline")
        if self.now > deadline:
            raise TooLate(say("the ship deadline ({deadline}) has passed; it is {now}: the order "
                              "can no longer be shipped, and anyone may refund the buyer.",
                              deadline=date_text(deadline), now=date_text(self.now)))
        confirm_deadline = self.now + self.load("confirm_window")
        self.store("tracking_hash", tracking_hash)
        self.store("confirm_deadline", confirm_deadline)
        self.store("state", SHIPPED)
        self.emit("Shipped", tracking_hash=tracking_hash, confirm_deadline=confirm_deadline)

    @public
    def confirm(self) -> None:
        """The buyer confirms delivery: the seller is paid."""
        self._only("buyer", say("confirm delivery"))
        self._in(SHIPPED, action=say("confirm delivery"))
        self._finish(COMPLETED, seller=self.load("price"))

    @public
    def release(self) -> None:
        """Anyone, after the confirm deadline, pays the seller if the buyer stayed silent."""
        self._in(SHIPPED, action=say("release the payment"))
        deadline = self.load("confirm_deadline")
        if self.now <= deadline:
            raise TooEarly(say("the buyer has until {deadline} to confirm or dispute; it is "
                               "{now}, so the payment cannot be released yet.",
                               deadline=date_text(deadline), now=date_text(self.now)))
        self._finish(COMPLETED, seller=self.load("price"))

    # -- refunds ---------------------------------------------------------------------------------
    @public
    def cancel(self) -> None:
        """The seller cancels an order it has not shipped: the buyer is refunded."""
        self._only("seller", say("cancel the order"))
        self._in(FUNDED, action=say("cancel"))
        self._finish(REFUNDED, buyer=self.load("price"))

    @public
    def refund(self) -> None:
        """Anyone, after the ship deadline, refunds the buyer of an order never shipped."""
        self._in(FUNDED, action=say("refund an unshipped order"))
        deadline = self.load("ship_deadline")
        if self.now <= deadline:
            raise TooEarly(say("the seller has until {deadline} to ship; it is {now}, so the "
                               "order cannot be refunded yet.",
                               deadline=date_text(deadline), now=date_text(self.now)))
        self._finish(REFUNDED, buyer=self.load("price"))

    # -- disputes --------------------------------------------------------------------------------
    @public
    def dispute(self, reason: str = "") -> None:
        """The buyer opens a dispute before the confirm deadline; the timers stop."""
        self._only("buyer", say("open a dispute"))
        state = self._in(FUNDED, SHIPPED, action=say("open a dispute"))
        if state == SHIPPED:
            deadline = self.load("confirm_deadline")
            if self.now > deadline:
                raise TooLate(say("the confirm deadline ({deadline}) has passed; it is {now}: "
                                  "the delivery counts as accepted.",
                                  deadline=date_text(deadline), now=date_text(self.now)))
        self.store("dispute_reason", reason)
        self.store("state", DISPUTED)
        self.emit("Disputed", reason=reason)

    @public
    def resolve(self, outcome: str, seller_share: int = 0) -> None:
        """The arbiter settles a dispute: 'release' to the seller, 'refund' to the buyer, or
        'split', giving `seller_share` to the seller and the rest to the buyer."""
        self._only("arbiter", say("resolve a dispute"))
        self._in(DISPUTED, action=say("resolve a dispute"))
        price = self.load("price")
        if outcome not in OUTCOMES:
            raise WrongAmount(say("the outcome must be one of {outcomes}, not {outcome!r}",
                                  outcomes=", ".join(OUTCOMES), outcome=outcome))
        if outcome == "release":
            seller_share = price
        elif outcome == "refund":
            seller_share = 0
        elif type(seller_share) is not int or not 0 <= seller_share <= price:
            raise WrongAmount(say("the seller's share must be between 0 and the price {price}, "
                                  "not {share!r}", price=price, share=seller_share))
        self._finish(RESOLVED, seller=seller_share, buyer=price - seller_share, outcome=outcome)

    # -- getting paid ----------------------------------------------------------------------------
    @public
    def withdraw(self) -> None:
        """Whoever is owed money takes it out."""
        owed = self.load(f"owed:{self.caller}", 0)
        if owed == 0:
            raise WrongAmount(say("{caller} is owed nothing by this order.",
                                  caller=short(self.caller)))
        self.store(f"owed:{self.caller}", None)
        self.pay(self.caller, owed)
        self.emit("Withdrawn", to=self.caller, amount=owed)

    # -- rules shared by the methods -------------------------------------------------------------
    def _only(self, role: str, action: str) -> None:
        """Refuse `action` (a phrase in the language in use) to anyone but the `role`."""
        holder = self.load(role)
        if self.caller != holder:
            values = {"holder": short(holder), "action": action, "caller": short(self.caller)}
            if role == "buyer":
                message = say("only the buyer ({holder}) may {action}; {caller} is not the "
                              "buyer.", **values)
            elif role == "seller":
                message = say("only the seller ({holder}) may {action}; {caller} is not the "
                              "seller.", **values)
            else:
                message = say("only the arbiter ({holder}) may {action}; {caller} is not the "
                              "arbiter.", **values)
            raise NotAllowed(message)

    def _in(self, *states: str, action: str) -> str:
        """Refuse `action` (a phrase in the language in use) unless the order is in `states`."""
        state = self.load("state")
        if state not in states:
            values = {"state": state_text(state), "action": action,
                      "allowed": state_text(states[0])}
            if len(states) == 1:
                message = say("the order is {state}; it is possible to {action} only when it is "
                              "{allowed}.", **values)
            else:
                message = say("the order is {state}; it is possible to {action} only when it is "
                              "{allowed} or {other}.", other=state_text(states[1]), **values)
            raise WrongState(message)
        return state

    def _finish(self, state: str, seller: int = 0, buyer: int = 0, **details: str) -> None:
        for role, amount in (("seller", seller), ("buyer", buyer)):
            if amount:
                who = self.load(role)
                self.store(f"owed:{who}", self.load(f"owed:{who}", 0) + amount)
        self.store("state", state)
        self.emit(state.capitalize(), seller_gets=seller, buyer_gets=buyer, **details)


def _above_zero(value: object) -> bool:
    return type(value) is int and value > 0


def open_order(chain: Blockchain, platform: Wallet, order: str, *, price: int, buyer: Wallet,
               seller: Wallet, ship_days: float = 3, confirm_days: float = 7) -> ContractClient:
    """The platform opens an escrow for `order` with itself as the arbiter: the seller gets
    `ship_days` to ship once paid, the buyer `confirm_days` to confirm or complain once shipped.
    Returns the handle to the new contract (it exists once the next block is sealed)."""
    return ContractClient.deploy(
        chain, platform, "OrderEscrow", order=order, price=price, buyer=buyer.address,
        seller=seller.address, arbiter=platform.address, ship_window=round(ship_days * DAY),
        confirm_window=round(confirm_days * DAY))
