"""The product journey: a lot's custody chain, its verification, an item's QR code and how often
the code has been scanned (lesson 06)."""

from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as w

from minichain.chain import Blockchain
from minichain.contracts.custody import read_lot, verify
from minichain.contracts.qr import item_qr
from minichain.contracts.verifier import read_scans
from minichain.language import say, translate
from minichain.widgets import render
from minichain.widgets import style as s

__all__ = ["ProductJourneyView"]


class ProductJourneyView(w.VBox):
    """What a shopper's phone shows after scanning an item: every hand-off from the producer to
    the shop, each marked ✔ genuine or ✘ broken with the reason, the verdict in one sentence
    (which also checks that the lot registered the item's serial), how often the item's code
    has been scanned, and the item's QR code. "Verify again" re-walks the chain (after a
    recall, say) without recording a scan; documents given are re-hashed against what was
    recorded."""

    def __init__(self, chain: Blockchain, registry: str, lot: str, *, item: str = "",
                 documents: Mapping[int, bytes] | None = None,
                 names: Mapping[str, str] | None = None):
        self.chain, self.registry, self.lot, self.item = chain, registry, lot, item
        self.documents = dict(documents or {})
        self.names = dict(names or {})
        self.qr = item_qr(registry, lot, item, chain_id=chain.params.chain_id)
        self.verdict = w.HTML()
        self.scans = w.HTML()
        self.timeline = w.HTML()
        self.code = w.HTML(self.qr.svg())
        self.verify_button = w.Button(description=translate("Verify again"), icon="check")
        self.verify_button.on_click(lambda _b: self.refresh())
        super().__init__([self.verdict, self.scans, self.timeline,
                          w.HBox([self.code, w.HTML(render.esc(self.qr.link.url))]),
                          self.verify_button])
        s.fit_text(self)  # every label and button text in full
        self.refresh()

    def refresh(self) -> None:
        result = verify(self.chain, self.registry, self.lot, documents=self.documents,
                        item=self.item or None)
        self.result = result
        message = result.problem or ""
        if result.ok:
            record = read_lot(self.chain, self.registry, self.lot)
            if self.item and record is not None:
                message = say("lot {lot} is genuine: every hand-off is signed by both hands, and "
                              "item {item} is one of its {count} registered items", lot=self.lot,
                              item=self.item, count=record.items)
            else:
                message = say("lot {lot} is genuine: every hand-off is signed by both hands",
                              lot=self.lot)
        self.verdict.value = render.banner(result.ok, message, good=translate("genuine"),
                                           bad=translate("not verified"))
        self.scans.value = self._scans_line()
        self.timeline.value = render.journey_timeline(result, self.names)

    def _scans_line(self) -> str:
        if not self.item:
            return ""
        record = read_scans(self.chain, self.registry, self.lot, self.item)
        if record is not None:
            line = say("Item {item}: {scans}.", item=self.item, scans=record)
        else:
            line = say("Item {item}: not scanned in the platform's app yet.", item=self.item)
        return f'<div class="mc-scans" style="{s.CSS}">{render.esc(line)}</div>'
