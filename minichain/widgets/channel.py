"""The till of a payment channel: the customer buys off the chain, the shop closes on it
(lesson 10).

Each purchase is a real voucher (`minichain.contracts.channel.Voucher`), signed by the customer
and checked by the shop's till with the contract's own checks, so the refusals the trainee
provokes — paying past the deposit, replaying an old voucher — are the ones the chain would give.
The counter of transactions on the chain reads the chain itself, not the view's memory.
"""

from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as w

from minichain.contracts.channel import Voucher
from minichain.contracts.client import ContractClient
from minichain.errors import ValidationError
from minichain.language import say, translate
from minichain.wallet import Wallet
from minichain.widgets import render
from minichain.widgets import style as s

__all__ = ["ChannelView", "channel_transactions"]


def channel_transactions(channel: ContractClient) -> int:
    """How many transactions on the main chain concern `channel`: its opening (the deployment)
    and every call sent to it."""
    address = channel.address
    calls = sum(1 for block in channel.chain.blocks for tx in block.transactions
                if tx.recipient == address)
    return calls + (1 if channel["state"] is not None else 0)


def channel_state_name(state: str | None) -> str | None:
    """A channel's state (the contract's OPEN, CLOSED, RECLAIMED) as the reader's language
    writes it; anything else is shown as it is."""
    known = {"OPEN": translate("OPEN"), "CLOSED": translate("CLOSED"),
             "RECLAIMED": translate("RECLAIMED")}
    return known.get(state, state)


class ChannelView(w.VBox):
    """Buttons to buy one item or a hundred off the chain, to replay the last voucher (the till
    refuses it), and for the shop to close the channel with the latest voucher on the chain.
    The table counts payments made off the chain against transactions on it."""

    def __init__(self, channel: ContractClient, customer: Wallet, shop: Wallet, *,
                 price: int = 2, names: Mapping[str, str] | None = None):
        self.channel, self.chain = channel, channel.chain
        self.customer, self.shop, self.price = customer, shop, price
        self.names = dict(names or {customer.address: "customer", shop.address: "shop"})
        self.latest = Voucher(self.chain.params.chain_id, channel.address, 0)
        self.payments = 0  # vouchers the till accepted
        self.buy_one = w.Button(description=say("Buy one ({price} coins)", price=price),
                                icon="coffee")
        self.buy_hundred = w.Button(description=translate("Buy 100"), icon="shopping-cart")
        self.replay_button = w.Button(description=translate("Replay the last voucher"),
                                      icon="repeat")
        self.close_button = w.Button(description=translate("Shop closes the channel"),
                                     icon="lock", button_style="primary")
        self.buy_one.on_click(lambda _b: self.buy(1))
        self.buy_hundred.on_click(lambda _b: self.buy(100))
        self.replay_button.on_click(lambda _b: self.replay())
        self.close_button.on_click(lambda _b: self.close())
        self.message = w.HTML()
        self.summary = w.HTML()
        super().__init__([w.HBox([self.buy_one, self.buy_hundred, self.replay_button,
                                  self.close_button]), self.message, self.summary])
        s.fit_text(self)  # every label and button text in full
        self.refresh()

    # -- what the customer and the shop do ---------------------------------------------------------
    def till_check(self, voucher: Voucher) -> None:
        """The shop's till: the contract's own checks, off the chain."""
        terms = self.channel.storage()
        voucher.check(bytes.fromhex(terms["customer_key"]), chain_id=terms["chain_id"],
                      channel=self.channel.address, deposit=terms["deposit"],
                      after=self.latest.amount)

    def buy(self, count: int = 1) -> None:
        """The customer signs `count` vouchers, each `price` more; the till checks each one."""
        if self.channel["state"] != "OPEN":
            self.show(False, say("the channel is {state}; open a new one to pay.",
                                 state=channel_state_name(self.channel["state"])))
            return
        bought = 0
        try:
            for _ in range(count):
                offered = self.latest.plus(self.price).sign(self.customer)
                self.till_check(offered)
                self.latest, bought = offered, bought + 1
                self.payments += 1
        except ValidationError as error:
            self.show(False, say("after {bought} more: the till refuses the next voucher: "
                                 "{error}", bought=bought, error=error))
        else:
            self.show(True, say("{bought} paid off the chain; the latest voucher says {amount} "
                                "coins in total.", bought=bought, amount=self.latest.amount))
        self.refresh()

    def replay(self) -> None:
        """The customer (or a thief) sends the last voucher again: the till refuses it."""
        try:
            self.till_check(self.latest)
        except ValidationError as error:
            self.show(False, say("the till refuses: {error}", error=error))
        else:  # only the empty opening voucher could pass, and it pays nothing
            self.show(True, translate("nothing to replay yet."))
        self.refresh()

    def close(self) -> None:
        """The shop closes the channel on the chain with the latest voucher."""
        try:
            self.channel.call(self.shop, "close", voucher=self.latest.to_dict())
        except ValidationError as error:
            self.show(False, str(error))
        else:
            self.chain.produce_block()
            self.show(True, say("closed on the chain: the shop is owed {amount} coins, the "
                                "customer the rest of the deposit.", amount=self.latest.amount))
        self.refresh()

    # -- drawing -----------------------------------------------------------------------------------
    def show(self, ok: bool, text: str) -> None:
        """Show `text` (already in the reader's language) as the outcome of the last action."""
        self.message.value = render.banner(ok, text, good=translate("ok"),
                                           bad=translate("refused"))

    def refresh(self) -> None:
        storage = self.channel.storage()
        owed = {who: storage.get(f"owed:{wallet.address}") or 0
                for who, wallet in (("shop", self.shop), ("customer", self.customer))}
        rows = [
            (translate("payments off the chain"), f"{self.payments:,}"),
            (translate("transactions on the chain for this channel"),
             channel_transactions(self.channel)),
            (translate("latest voucher (total)"),
             say("{amount:,} coins", amount=self.latest.amount)),
            (translate("deposit"), say("{amount:,} coins", amount=storage.get("deposit", 0))),
            (translate("channel"), channel_state_name(storage.get("state"))),
            (translate("owed to the shop / the customer"),
             f"{owed['shop']:,} / {owed['customer']:,}"),
        ]
        self.summary.value = render.table(["", translate("so far")], rows)
