"""The chain view: blocks of orders that turn red when someone quietly changes one (lesson 01)."""

from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as w

from minichain import merkle
from minichain.chain import Blockchain
from minichain.language import say, translate
from minichain.widgets import render
from minichain.widgets import style as s
from minichain.widgets.tamper import TamperableChain

__all__ = ["ChainView"]


class ChainView(w.VBox):
    """Every block of the chain as a card of orders, each order's amount and note editable.

    The trainee types a new amount or note: the block's Merkle root and hash change as they
    type, and that block and every later one turn red (dashed border, "✘ tampered", the reason
    in words). "Seal again" mines a new nonce for one block; the next block stays red until it
    is sealed too. Below, a Merkle proof shows that one order is (or no longer is) in its block.
    Works on a copy: the chain itself never changes. For the effect of a real seal, build the
    chain with a harder target than the default, e.g.
    `Blockchain.proof_of_work(..., initial_bits=0x1f00ffff)` (a "0000…" hash, as in the web demo).
    """

    def __init__(self, chain: Blockchain, *, names: Mapping[str, str] | None = None):
        self.model = TamperableChain(chain)
        self.names = dict(names or {})
        self.cards: list[w.HTML] = []
        self.amounts: dict[tuple[int, int], w.IntText] = {}
        self.notes: dict[tuple[int, int], w.Text] = {}
        self.reseal_buttons: dict[int, w.Button] = {}
        rows: list[w.Widget] = []
        for height, block in enumerate(self.model.blocks):
            card = w.HTML()
            self.cards.append(card)
            editors: list[w.Widget] = []
            for index, tx in enumerate(block.transactions):
                amount = w.IntText(value=tx.amount,
                                   description=say("order {index}: amount", index=index),
                                   continuous_update=True, layout=w.Layout(width="220px"))
                note = w.Text(value=tx.data.decode("utf-8", "replace"),
                              description=translate("note"),
                              continuous_update=True, layout=w.Layout(width="320px"))
                amount.observe(self._edited(height, index), names="value")
                note.observe(self._edited(height, index), names="value")
                self.amounts[height, index] = amount
                self.notes[height, index] = note
                editors.append(w.HBox([amount, note]))
            if height > 0:
                button = w.Button(description=translate("Seal again (mine)"), icon="hammer",
                                  tooltip=translate("find a new nonce so this block's hash "
                                                    "meets its target"))
                button.on_click(lambda _b, h=height: self.reseal(h))
                self.reseal_buttons[height] = button
                editors.append(button)
            rows.append(w.VBox([card, *editors]))
        self.summary = w.HTML()
        self.reset_button = w.Button(description=translate("Undo all changes"), icon="undo")
        self.reset_button.on_click(lambda _b: self.reset())
        with_orders = [h for h, b in enumerate(self.model.blocks) if b.transactions]
        self.proof_block = w.Dropdown(options=[(say("block {height}", height=h), h)
                                               for h in with_orders],
                                      description=translate("Proof for"))
        self.proof_order = w.Dropdown(options=[], description=translate("order"))
        self.proof_html = w.HTML()
        self.proof_block.observe(lambda _c: self._proof_orders(), names="value")
        self.proof_order.observe(lambda _c: self._refresh_proof(), names="value")
        self._proof_orders()
        super().__init__([self.summary, *rows, self.reset_button,
                          w.HTML(render.panel(translate("Merkle proof for one order"), "")),
                          w.HBox([self.proof_block, self.proof_order]), self.proof_html])
        s.fit_text(self)  # every label and button text in full
        self.refresh()

    # -- actions ---------------------------------------------------------------------------------
    def _edited(self, height: int, index: int):
        def changed(_change) -> None:
            self.model.edit(height, index, amount=self.amounts[height, index].value,
                            note=self.notes[height, index].value)
            self.refresh()
        return changed

    def reseal(self, height: int) -> None:
        self.model.reseal(height)
        self.refresh()

    def reset(self) -> None:
        self.model.reset()
        for (height, index), box in self.amounts.items():
            tx = self.model.blocks[height].transactions[index]
            with self.hold_sync():
                box.unobserve_all("value")
                self.notes[height, index].unobserve_all("value")
                box.value = tx.amount
                self.notes[height, index].value = tx.data.decode("utf-8", "replace")
                box.observe(self._edited(height, index), names="value")
                self.notes[height, index].observe(self._edited(height, index), names="value")
        self.refresh()

    # -- drawing ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        statuses = self.model.statuses()
        for height, card in enumerate(self.cards):
            card.value = render.block_card(self.model.blocks[height], statuses[height],
                                           names=self.names, edited=self.model.is_edited(height))
        self.summary.value = render.chain_summary(statuses)
        self._refresh_proof()

    def _proof_orders(self) -> None:
        height = self.proof_block.value
        count = 0 if height is None else len(self.model.blocks[height].transactions)
        self.proof_order.options = [(say("order {index}", index=i), i) for i in range(count)]
        self.proof_order.value = 0 if count else None
        self._refresh_proof()

    def _refresh_proof(self) -> None:
        height, index = self.proof_block.value, self.proof_order.value
        if height is None or index is None:
            self.proof_html.value = ""
            return
        self.proof_html.value = self.proof_html_for(height, index)

    def proof_html_for(self, height: int, index: int) -> str:
        """The proof that order `index` as it now reads is in block `height` as recorded."""
        block = self.model.blocks[height]
        proof = block.merkle_proof(index)
        root = self.model.original[height].header.tx_root
        ok = merkle.verify_proof(block.transactions[index].txid, proof, root)
        return render.merkle_proof_view(block, index, proof, root, ok, names=self.names)
