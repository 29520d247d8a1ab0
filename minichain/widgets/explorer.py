"""The explorer: blocks, their transactions and receipts, and balances (any lesson)."""

from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as w

from minichain.chain import Blockchain
from minichain.language import say, translate
from minichain.names import address_book
from minichain.widgets import render
from minichain.widgets import style as s

__all__ = ["ExplorerView"]


class ExplorerView(w.VBox):
    """What a block explorer shows: the main chain's blocks; for the chosen block, each
    transaction with its receipt (fee paid, events, or why it failed); and every account's
    balance. The trainee picks a block from the list; "Refresh" catches up with the chain."""

    def __init__(self, chain: Blockchain, *, names: Mapping[str, str] | None = None):
        self.chain = chain
        self.names = dict(names or {})
        self.blocks = w.HTML()
        self.block_choice = w.Dropdown(description=translate("block"))
        self.transactions = w.HTML()
        self.balances = w.HTML()
        self.refresh_button = w.Button(description=translate("Refresh"), icon="refresh")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.block_choice.observe(lambda _c: self._show_block(), names="value")
        blocks_title, balances_title = translate("Blocks"), translate("Balances")
        super().__init__([self.refresh_button,
                          w.HTML(f"<b>{render.esc(blocks_title)}</b>"), self.blocks,
                          self.block_choice, self.transactions,
                          w.HTML(f"<b>{render.esc(balances_title)}</b>"), self.balances])
        s.fit_text(self)  # every label and button text in full
        self.refresh()

    def refresh(self) -> None:
        blocks = self.chain.blocks
        self.blocks.value = render.blocks_table(reversed(blocks), self.names)
        chosen = self.block_choice.value
        self.block_choice.options = [(say("block {height}", height=b.height), b.height)
                                     for b in reversed(blocks)]
        self.block_choice.value = chosen if chosen is not None and chosen <= self.chain.height \
            else self.chain.height
        self._show_block()
        known = {**address_book(), **self.names}
        rows = sorted(((known.get(address, ""), address, account.balance, account.nonce)
                       for address, account in self.chain.state.accounts()),
                      key=lambda r: (r[0] == "", r[0], r[1]))
        self.balances.value = render.balances(rows, addresses=True)

    def _show_block(self) -> None:
        height = self.block_choice.value
        if height is None:
            self.transactions.value = ""
            return
        block = self.chain.block(height)
        self.transactions.value = render.transactions_table(
            block, self.chain.receipts(block.hash), self.names)
