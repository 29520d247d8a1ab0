"""The wallet and checkout: balances, and a pay form that says why a payment is refused
(lessons 02 and 03)."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w

from minichain.chain import Blockchain
from minichain.errors import ValidationError
from minichain.language import person, say, translate
from minichain.wallet import Wallet
from minichain.widgets import render
from minichain.widgets import style as s

__all__ = ["CheckoutView"]


class CheckoutView(w.VBox):
    """Everyone's balance, and a form to pay: from whom, to whom (a name or a typed address),
    how much, what fee.

    The trainee presses "Pay": a valid payment waits in the mempool ("✔ sent"); an invalid one
    is refused with the chain's own sentence ("✘ refused — the address … has a typo"). "Put in
    a block" produces the next block, and the balances move. The balances show each person's
    full address too with `addresses=True` (lesson 02, where addresses are the subject).
    """

    def __init__(self, chain: Blockchain, wallets: Sequence[Wallet], *, addresses: bool = False):
        self.chain = chain
        self.addresses = addresses
        self.wallets = {wallet.name or wallet.address: wallet for wallet in wallets}
        names = list(self.wallets)
        # the people as the reader's language names them; the lists give back the wallet's key
        self.shown = {person(name): name for name in names}
        labels = list(self.shown)
        self.balances = w.HTML()
        self.payer = w.Dropdown(options=list(zip(labels, names)), description=translate("from"))
        self.recipient = w.Combobox(options=labels, value=labels[1] if len(labels) > 1 else "",
                                    description=translate("to"), ensure_option=False,
                                    placeholder=translate("a name or an address"))
        self.amount = w.IntText(value=10, description=translate("amount"))
        self.fee = w.IntText(value=1, description=translate("fee"))
        self.pay_button = w.Button(description=translate("Pay"), icon="credit-card",
                                   button_style="primary")
        self.block_button = w.Button(description=translate("Put in a block"), icon="cube")
        self.message = w.HTML()
        self.pay_button.on_click(lambda _b: self.pay())
        self.block_button.on_click(lambda _b: self.produce_block())
        super().__init__([self.balances, w.HBox([self.payer, self.recipient]),
                          w.HBox([self.amount, self.fee]),
                          w.HBox([self.pay_button, self.block_button]), self.message])
        s.fit_text(self)  # every label and button text in full
        self.refresh()

    def _address(self, text: str) -> str:
        text = self.shown.get(text.strip(), text.strip())
        return self.wallets[text].address if text in self.wallets else text

    def pay(self) -> bytes | None:
        """Sign and send the payment in the form; returns its id, or None if refused."""
        payer = self.wallets[self.payer.value]
        recipient = self._address(self.recipient.value)
        try:
            if self.amount.value < 0 or self.fee.value < 0:
                raise ValidationError(translate("an amount or a fee cannot be below 0: nobody "
                                                "can pay a negative sum."))
            tx = payer.pay(recipient, self.amount.value, chain=self.chain, fee=self.fee.value)
            txid = self.chain.submit(tx)
        except ValidationError as error:
            self.message.value = render.banner(False, str(error))
            return None
        who = person(payer.name) if payer.name else payer.name
        self.message.value = render.banner(
            True, say("{payer} pays {amount} to {recipient} (fee {fee}): waiting for a block, "
                      "payment id {txid}", payer=who, amount=self.amount.value,
                      recipient=self.recipient.value.strip(), fee=self.fee.value,
                      txid=render.short_hex(txid)), good=translate("sent"))
        self.refresh()
        return txid

    def produce_block(self) -> None:
        block = self.chain.produce_block()
        self.message.value = render.banner(
            True, say("Block {height} holds {count} payment(s).", height=block.height,
                      count=len(block.transactions)), good=translate("in a block"))
        self.refresh()

    def refresh(self) -> None:
        rows = [(name, wallet.address, self.chain.balance(wallet.address),
                 self.chain.nonce(wallet.address)) for name, wallet in self.wallets.items()]
        waiting = len(self.chain.mempool)
        waiting_line = say("{count} payment(s) waiting for a block", count=waiting)
        self.balances.value = (render.balances(rows, addresses=self.addresses)
                               + f'<div style="color:#5a5a5a;">{render.esc(waiting_line)}</div>')
