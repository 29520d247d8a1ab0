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

if TYPE_CHECKING:
    from minichain.chain import Blockchain
    from minichain.wallet import Wallet

__all__ = ["CREATED", "FUNDED", "SHIPPED", "COMPLETED", "REFUNDED", "DISPUTED", "RESOLVED",
           "OrderEscrow", "open_order"]

CREATED, FUNDED, SHIPPED, COMPLETED = "CREATED", "FUNDED", "SHIPPED", "COMPLETED"
REFUNDED, DISPUTED, RESOLVED = "REFUNDED", "DISPUTED", "RESOLVED"
OUTCOMES = ("release", "refund", "split")


@register
class OrderEscrow(Contract):
    """One order's money, held until delivery is confirmed, refunded, or a dispute resolved."""

    def setup(self, buyer: str, seller: str, arbiter: str, price: int, ship_window: int = 3600,
              confirm_window: int = 3600, order: str = "") -> None:
        for name, value in (("price", price), ("ship window", ship_window),
                            ("confirm window", confirm_window)):
            if type(value) is not int or value <= 0:
                raise WrongAmount(f"the {name} must be a whole number above 0, not {value!r}")
        for role, address in (("buyer", buyer), ("seller", seller), ("arbiter", arbiter)):
            problem = crypto.address_problem(address)
            if problem:
                raise BadCall(f"the {role} must be an address: {problem}")
        if not isinstance(order, str):
            raise BadCall(f"the order must be text, such as 'order #1002', not {order!r}")
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
        self._only("buyer", "pay for the order")
        self._in(CREATED, action="pay for the order")
        price = self.load("price")
        if self.value != price:
            raise WrongAmount(f"the price is {price}; {self.value} was sent. Send exactly {price}.")
        deadline = self.now + self.load("ship_window")
        self.store("ship_deadline", deadline)
        self.store("state", FUNDED)
        self.emit("Funded", amount=price, ship_deadline=deadline)

    @public
    def ship(self, tracking_hash: str) -> None:
        """The seller records a hash of the tracking number before the ship deadline."""
        self._only("seller", "mark the order shipped")
        self._in(FUNDED, action="ship")
        deadline = self.load("ship_deadline")
        if self.now > deadline:
            raise TooLate(f"the ship deadline ({date_text(deadline)}) has passed; it is {date_text(self.now)}: "
                          "the order can no longer be shipped, and anyone may refund the buyer.")
        confirm_deadline = self.now + self.load("confirm_window")
        self.store("tracking_hash", tracking_hash)
        self.store("confirm_deadline", confirm_deadline)
        self.store("state", SHIPPED)
        self.emit("Shipped", tracking_hash=tracking_hash, confirm_deadline=confirm_deadline)

    @public
    def confirm(self) -> None:
        """The buyer confirms delivery: the seller is paid."""
        self._only("buyer", "confirm delivery")
        self._in(SHIPPED, action="confirm delivery")
        self._finish(COMPLETED, seller=self.load("price"))

    @public
    def release(self) -> None:
        """Anyone, after the confirm deadline, pays the seller if the buyer stayed silent."""
        self._in(SHIPPED, action="release the payment")
        deadline = self.load("confirm_deadline")
        if self.now <= deadline:
            raise TooEarly(f"the buyer has until {date_text(deadline)} to confirm or dispute; it is "
                           f"{date_text(self.now)}, so the payment cannot be released yet.")
        self._finish(COMPLETED, seller=self.load("price"))

    # -- refunds ---------------------------------------------------------------------------------
    @public
    def cancel(self) -> None:
        """The seller cancels an order it has not shipped: the buyer is refunded."""
        self._only("seller", "cancel the order")
        self._in(FUNDED, action="cancel")
        self._finish(REFUNDED, buyer=self.load("price"))

    @public
    def refund(self) -> None:
        """Anyone, after the ship deadline, refunds the buyer of an order never shipped."""
        self._in(FUNDED, action="refund an unshipped order")
        deadline = self.load("ship_deadline")
        if self.now <= deadline:
            raise TooEarly(f"the seller has until {date_text(deadline)} to ship; it is "
                           f"{date_text(self.now)}, so the order cannot be refunded yet.")
        self._finish(REFUNDED, buyer=self.load("price"))

    # -- disputes --------------------------------------------------------------------------------
    @public
    def dispute(self, reason: str = "") -> None:
        """The buyer opens a dispute before the confirm deadline; the timers stop."""
        self._only("buyer", "open a dispute")
        state = self._in(FUNDED, SHIPPED, action="open a dispute")
        if state == SHIPPED:
            deadline = self.load("confirm_deadline")
            if self.now > deadline:
                raise TooLate(f"the confirm deadline ({date_text(deadline)}) has passed; it is "
                              f"{date_text(self.now)}: the delivery counts as accepted.")
        self.store("dispute_reason", reason)
        self.store("state", DISPUTED)
        self.emit("Disputed", reason=reason)

    @public
    def resolve(self, outcome: str, seller_share: int = 0) -> None:
        """The arbiter settles a dispute: 'release' to the seller, 'refund' to the buyer, or
        'split', giving `seller_share` to the seller and the rest to the buyer."""
        self._only("arbiter", "resolve a dispute")
        self._in(DISPUTED, action="resolve a dispute")
        price = self.load("price")
        if outcome not in OUTCOMES:
            raise WrongAmount(f"the outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
        if outcome == "release":
            seller_share = price
        elif outcome == "refund":
            seller_share = 0
        elif type(seller_share) is not int or not 0 <= seller_share <= price:
            raise WrongAmount(f"the seller's share must be between 0 and the price {price}, "
                              f"not {seller_share!r}")
        self._finish(RESOLVED, seller=seller_share, buyer=price - seller_share, outcome=outcome)

    # -- getting paid ----------------------------------------------------------------------------
    @public
    def withdraw(self) -> None:
        """Whoever is owed money takes it out."""
        owed = self.load(f"owed:{self.caller}", 0)
        if owed == 0:
            raise WrongAmount(f"{short(self.caller)} is owed nothing by this order.")
        self.store(f"owed:{self.caller}", None)
        self.pay(self.caller, owed)
        self.emit("Withdrawn", to=self.caller, amount=owed)

    # -- rules shared by the methods -------------------------------------------------------------
    def _only(self, role: str, action: str) -> None:
        holder = self.load(role)
        if self.caller != holder:
            raise NotAllowed(f"only the {role} ({short(holder)}) may {action}; "
                             f"{short(self.caller)} is not the {role}.")

    def _in(self, *states: str, action: str) -> str:
        state = self.load("state")
        if state not in states:
            allowed = " or ".join(states)
            raise WrongState(f"the order is {state}; it is possible to {action} only when it "
                             f"is {allowed}.")
        return state

    def _finish(self, state: str, seller: int = 0, buyer: int = 0, **details: str) -> None:
        for role, amount in (("seller", seller), ("buyer", buyer)):
            if amount:
                who = self.load(role)
                self.store(f"owed:{who}", self.load(f"owed:{who}", 0) + amount)
        self.store("state", state)
        self.emit(state.capitalize(), seller_gets=seller, buyer_gets=buyer, **details)


def open_order(chain: Blockchain, platform: Wallet, order: str, *, price: int, buyer: Wallet,
               seller: Wallet, ship_days: float = 3, confirm_days: float = 7) -> ContractClient:
    """The platform opens an escrow for `order` with itself as the arbiter: the seller gets
    `ship_days` to ship once paid, the buyer `confirm_days` to confirm or complain once shipped.
    Returns the handle to the new contract (it exists once the next block is sealed)."""
    return ContractClient.deploy(
        chain, platform, "OrderEscrow", order=order, price=price, buyer=buyer.address,
        seller=seller.address, arbiter=platform.address, ship_window=round(ship_days * DAY),
        confirm_window=round(confirm_days * DAY))
