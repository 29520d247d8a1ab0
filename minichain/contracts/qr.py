"""QR codes for items: a lot id and a verification link a shopper's phone can scan.

Tmall Global's "blockchain visa" puts a code on every imported item; scanning it shows where the
goods come from and whose hands they passed through. Here the code carries a link such as

    https://verify.minichain.example/lot/LJ-2026-001?chain=1&registry=0x3F2a…&item=0042

naming the chain, the product registry and the lot, and the item's serial within the lot (as
GS1 Digital Link carries a lot, AI 10, and a serial, AI 21, in one link), so a verifier can walk
the lot's custody chain with `minichain.contracts.custody.verify` and check that the lot
registered the item. The domain is reserved for examples (RFC 2606): nothing is ever fetched,
the link is only read.

Whatever a code says can be printed by anyone, the registry it names included: a counterfeiter
can run a registry of his own in which he approved himself. `ItemLink.verify` checks what the
named registry says; the shopper's app (`minichain.contracts.verifier.Verifier`) trusts only the
registry and producers of its own configuration, and records every scan, so a code copied onto
fakes is seen scanned again.

Codes are made by `segno` (ISO/IEC 18004, pure Python, no image libraries) as SVG text with a
fixed error-correction level, so the same item gives the same bytes on every machine, offline.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from minichain import crypto
from minichain.contracts.custody import Verification, verify
from minichain.contracts.registry import LOT_ID
from minichain.contracts.registry_errors import UnknownLot
from minichain.errors import ValidationError
from minichain.language import say

if TYPE_CHECKING:
    from collections.abc import Mapping

    from minichain.chain import Blockchain

__all__ = ["VERIFY_URL", "BadItemLink", "ItemLink", "ItemQR", "item_qr"]

VERIFY_URL = "https://verify.minichain.example/lot"
ERROR_LEVEL = "M"  # about 15 % of the code may be scratched off and it still reads


class BadItemLink(ValidationError):
    """A scanned link is not a verification link for an item."""

    def __init__(self, link: str, problem: str):
        super().__init__(say("{link!r} is not an item's verification link: {problem}.",
                             link=link, problem=problem))


@dataclass(frozen=True)
class ItemLink:
    """What an item's QR code says: which chain, registry and lot, and the item's serial."""

    registry: str
    lot: str
    item: str = ""
    chain_id: int = 1
    base_url: str = VERIFY_URL

    def __post_init__(self) -> None:
        problem = crypto.address_problem(self.registry)
        if problem:
            raise ValueError(say("the registry is not a valid address: {problem}",
                                 problem=problem))
        if not LOT_ID.fullmatch(self.lot):
            raise ValueError(say("the lot id must be 1 to 40 letters, digits, '.', '_' or '-', "
                                 "not {value!r}", value=self.lot))
        if not LOT_ID.fullmatch(self.item or "0"):
            raise ValueError(say("the item serial must be 1 to 40 letters, digits, '.', '_' or "
                                 "'-', not {value!r}", value=self.item))

    @property
    def url(self) -> str:
        """The link itself, as the QR code carries it."""
        query = f"chain={self.chain_id}&registry={self.registry}"
        if self.item:
            query += f"&item={quote(self.item)}"
        return f"{self.base_url}/{quote(self.lot)}?{query}"

    @classmethod
    def parse(cls, link: str) -> ItemLink:
        """Read a scanned link back; raises `BadItemLink` if it is not one."""
        parts = urlsplit(link)
        base, _, lot = parts.path.rpartition("/")
        query = parse_qs(parts.query)
        chain = query.get("chain", [""])[0]
        registry = query.get("registry", [""])[0]
        if not (parts.scheme and parts.netloc and lot):
            raise BadItemLink(link, say("it names no lot"))
        if not chain.isdigit():
            raise BadItemLink(link, say("its chain {chain!r} is not a chain id", chain=chain))
        try:
            return cls(registry=registry, lot=unquote(lot), item=query.get("item", [""])[0],
                       chain_id=int(chain),
                       base_url=f"{parts.scheme}://{parts.netloc}{base}")
        except ValueError as error:
            raise BadItemLink(link, str(error)) from None

    def verify(self, chain: Blockchain, *, documents: Mapping[int, bytes] | None = None
               ) -> Verification:
        """Walk the lot's custody chain in the registry the link names, on `chain` (which must
        be the chain the link names), and check that the lot registered the item's serial.

        This trusts the registry the link names; a shopper's app pins its own
        (`minichain.contracts.verifier.Verifier`)."""
        if self.chain_id != chain.params.chain_id:
            error = UnknownLot(self.lot, self.registry, why=say(
                "the link names chain {named}, but this node follows chain {followed}, so lot "
                "{lot!r} cannot be verified here.", named=self.chain_id,
                followed=chain.params.chain_id, lot=self.lot))
            return Verification(ok=False, lot=self.lot, steps=(), problem=str(error),
                                broken_at=None, error=error)
        return verify(chain, self.registry, self.lot, documents=documents,
                      item=self.item or None)


@dataclass(frozen=True)
class ItemQR:
    """An item's QR code: shows itself as SVG in a notebook."""

    link: ItemLink

    @property
    def payload(self) -> str:
        """The text encoded in the code."""
        return self.link.url

    @cached_property
    def code(self) -> Any:
        """The `segno.QRCode` (version, error level, matrix)."""
        try:
            import segno  # only QR codes need it
        except ImportError:
            raise ImportError(say("QR codes need the segno package: pip install segno")) from None
        return segno.make(self.payload, error=ERROR_LEVEL, micro=False, boost_error=False)

    @property
    def error_level(self) -> str:
        """How much damage the code survives: "M" recovers about 15 % of it."""
        return self.code.error

    @property
    def version(self) -> int:
        """The code's size class, 1 (21×21 modules) to 40 (177×177)."""
        return self.code.version

    @property
    def matrix(self) -> tuple[tuple[bool, ...], ...]:
        """The modules, row by row, True for dark (without the quiet zone)."""
        return tuple(tuple(bool(module) for module in row) for row in self.code.matrix)

    def svg(self, *, scale: int = 4, border: int = 4, dark: str = "#000",
            light: str = "#fff") -> str:
        """The code as a self-contained SVG document (no XML declaration, no external links)."""
        out = io.BytesIO()
        title = say("Lot {lot}, item {item}", lot=self.link.lot, item=self.link.item) \
            if self.link.item else say("Lot {lot}", lot=self.link.lot)
        self.code.save(out, kind="svg", xmldecl=False, svgns=True, nl=False, scale=scale,
                       border=border, dark=dark, light=light, svgclass="minichain-qr",
                       lineclass=None, title=title, desc=self.payload)
        return out.getvalue().decode("utf-8")

    def _repr_svg_(self) -> str:
        return self.svg()


def item_qr(registry: str, lot: str, item: str = "", *, chain_id: int = 1,
            base_url: str = VERIFY_URL) -> ItemQR:
    """The QR code for one item of `lot` in the product registry at `registry`."""
    return ItemQR(ItemLink(registry=registry, lot=lot, item=item, chain_id=chain_id,
                           base_url=base_url))
