"""The escrow view: one order's money moving through its state machine (lesson 05)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as w

from minichain.contracts.client import DEFAULT_FEE, ContractClient, dry_run
from minichain.contracts.runtime import call_data
from minichain.errors import ValidationError
from minichain.language import say, translate
from minichain.names import address_book
from minichain.privacy.commitment import Commitment, SeededSalts, commit
from minichain.wallet import Wallet
from minichain.widgets import render
from minichain.widgets import style as s

__all__ = ["ESCROW_ACTIONS", "EscrowView", "escrow_actions"]

ESCROW_ACTIONS = (  # (role, method, button text); escrow_actions() has the reader's language
    ("buyer", "fund", "pay into escrow"), ("buyer", "confirm", "confirm delivery"),
    ("buyer", "dispute", "open a dispute"), ("buyer", "withdraw", "withdraw"),
    ("seller", "ship", "mark shipped"), ("seller", "cancel", "cancel"),
    ("seller", "withdraw", "withdraw"),
    ("arbiter", "resolve", "resolve dispute"),
    ("anyone", "release", "release after deadline"), ("anyone", "refund", "refund after deadline"),
)


def escrow_actions() -> tuple[tuple[str, str, str], ...]:
    """ESCROW_ACTIONS with the buttons' text in the language in use."""
    return (("buyer", "fund", translate("pay into escrow")),
            ("buyer", "confirm", translate("confirm delivery")),
            ("buyer", "dispute", translate("open a dispute")),
            ("buyer", "withdraw", translate("withdraw")),
            ("seller", "ship", translate("mark shipped")),
            ("seller", "cancel", translate("cancel")),
            ("seller", "withdraw", translate("withdraw")),
            ("arbiter", "resolve", translate("resolve dispute")),
            ("anyone", "release", translate("release after deadline")),
            ("anyone", "refund", translate("refund after deadline")))


def _role_label(role: str) -> str:
    """The label of a row of buttons: 'buyer:'."""
    return {"buyer": translate("buyer:"), "seller": translate("seller:"),
            "arbiter": translate("arbiter:"), "anyone": translate("anyone:")}[role]


def _may(role: str, method: str) -> str:
    """A button's tooltip when the contract would accept it."""
    if role == "buyer":
        return say("the buyer may {method} now", method=method)
    if role == "seller":
        return say("the seller may {method} now", method=method)
    if role == "arbiter":
        return say("the arbiter may {method} now", method=method)
    return say("the anyone may {method} now", method=method)


def _did(role: str, method: str, height: int) -> str:
    """What happened after a call the contract accepted."""
    if role == "buyer":
        return say("The buyer did '{method}'; recorded in block {height}.", method=method,
                   height=height)
    if role == "seller":
        return say("The seller did '{method}'; recorded in block {height}.", method=method,
                   height=height)
    if role == "arbiter":
        return say("The arbiter did '{method}'; recorded in block {height}.", method=method,
                   height=height)
    return say("The anyone did '{method}'; recorded in block {height}.", method=method,
               height=height)


class EscrowView(w.VBox):
    """An OrderEscrow drawn as its state machine, with one button per role and action.

    The trainee plays buyer, seller and arbiter in turn. A button is greyed out when the
    contract would refuse it (hover for the reason, in the contract's words); clicking one sends
    the call and puts it in a block, and the diagram, the money and the event list follow.
    "Let time pass" moves the clock on, so that deadlines can expire.

    Shipping records a salted commitment to the tracking number (`minichain.privacy`), never
    the number or its plain hash: the seller keeps `salt` off chain to prove it later. The salt
    comes from `salts`, by default teaching salts (`SeededSalts`) so that every run is the same;
    pass `salts=new_salt` for real data.
    """

    def __init__(self, order: ContractClient, roles: Mapping[str, Wallet], *,
                 names: Mapping[str, str] | None = None,
                 salts: Callable[[], bytes] | None = None):
        self.order = order
        self.salt = (salts or SeededSalts("escrow view"))()  # kept by the seller, off chain
        self.chain = order.chain
        self.roles = dict(roles)
        self.roles.setdefault("anyone", self.roles["arbiter"])
        self.names = dict(names or {})
        for role in ("buyer", "seller", "arbiter"):  # named by role unless the book knows them
            address = self.roles[role].address
            self.names.setdefault(address, address_book().get(address, role))
        self.tracking = w.Text(value="SF1234567890", description=translate("tracking no."))
        self.reason = w.Text(value="", description=translate("dispute reason"))
        self.outcome = w.Dropdown(options=[(translate("release"), "release"),
                                           (translate("refund"), "refund"),
                                           (translate("split"), "split")], value="split",
                                  description=translate("outcome"))
        self.seller_share = w.IntText(value=0, description=translate("seller's share"))
        self.wait_seconds = w.IntText(value=3600, description=translate("seconds"))
        self.wait_button = w.Button(description=translate("Let time pass"), icon="clock-o")
        self.wait_button.on_click(lambda _b: self.wait(self.wait_seconds.value))
        self.buttons: dict[tuple[str, str], w.Button] = {}
        rows = []
        for role in ("buyer", "seller", "arbiter", "anyone"):
            row = []
            for who, method, text in escrow_actions():
                if who == role:
                    button = w.Button(description=text)
                    button.on_click(lambda _b, r=role, m=method: self.act(r, m))
                    self.buttons[role, method] = button
                    row.append(button)
            rows.append(w.HBox([w.Label(_role_label(role), layout=w.Layout(width="70px")),
                                *row]))
        self.diagram = w.HTML()
        self.status = w.HTML()
        self.message = w.HTML()
        self.events = w.HTML()
        super().__init__([self.diagram, self.status, *rows,
                          w.HBox([self.tracking, self.reason]),
                          w.HBox([self.outcome, self.seller_share]),
                          w.HBox([self.wait_seconds, self.wait_button]),
                          self.message, self.events])
        s.fit_text(self)  # every label and button text in full
        self.refresh()

    def tracking_commitment(self) -> Commitment:
        """The salted commitment to the tracking number that shipping puts on the chain."""
        return commit(self.tracking.value, salt=self.salt)

    def _args(self, method: str) -> dict[str, Any]:
        if method == "ship":
            return {"tracking_hash": self.tracking_commitment().digest.hex()}
        if method == "dispute":
            return {"reason": self.reason.value}
        if method == "resolve":
            return {"outcome": self.outcome.value, "seller_share": self.seller_share.value}
        return {}

    def _value(self, method: str) -> int:
        return self.order["price"] if method == "fund" else 0

    def why_not(self, role: str, method: str) -> str | None:
        """The contract's reason to refuse `role` doing `method` now, or None if it would not."""
        wallet = self.roles[role]
        tx = wallet.pay(self.order.address, self._value(method), chain=self.chain,
                        fee=DEFAULT_FEE, data=call_data(method, **self._args(method)))
        try:
            dry_run(self.chain, tx)
        except ValidationError as error:
            return str(error)
        return None

    def act(self, role: str, method: str) -> None:
        """Send `method` as `role`, put it in a block, and show what happened."""
        try:
            tx = self.order.call(self.roles[role], method, value=self._value(method),
                                 **self._args(method))
        except ValidationError as error:
            self.message.value = render.banner(False, str(error))
        else:
            block = self.chain.produce_block()
            receipt = self.chain.receipt(tx.txid)
            if receipt.success:
                text = _did(role, method, block.height)
                if method == "ship":
                    # TRANSLATORS: a sentence added after "The seller did 'ship'; recorded in
                    # block …."; it starts with a space in English only.
                    text += translate(" The chain holds a salted commitment to the tracking "
                                      "number, not the number; the seller keeps the salt off "
                                      "chain.")
                self.message.value = render.banner(True, text)
            else:
                self.message.value = render.banner(False, receipt.error)
        self.refresh()

    def wait(self, seconds: int) -> None:
        self.chain.clock.advance(seconds)
        self.message.value = render.banner(
            True, say("{seconds} seconds pass (time is now {now}).", seconds=seconds,
                      now=self.chain.clock.now()), good=translate("later"))
        self.refresh()

    def refresh(self) -> None:
        storage = self.order.storage()
        state = storage.get("state", "CREATED")
        events = self.order.events()
        visited = [e.name.upper() for e in events]
        self.diagram.value = render.escrow_diagram(state, visited)
        for (role, method), button in self.buttons.items():
            problem = self.why_not(role, method)
            button.disabled = problem is not None
            button.tooltip = problem or _may(role, method)
        owed = [(render.name_of(k[5:], self.names), v) for k, v in sorted(storage.items())
                if k.startswith("owed:")]
        lines = [say("Order {order}: {state}; price {price}; the contract holds {balance}.",
                     order=storage.get("order", ""), state=render.escrow_state_name(state),
                     price=storage.get("price"), balance=self.order.balance)]
        lines += [say("{who} may withdraw {amount}.", who=who, amount=amount)
                  for who, amount in owed]
        self.status.value = "".join(f"<div>{render.esc(line)}</div>" for line in lines)
        self.events.value = render.events_table(events, self.names)
