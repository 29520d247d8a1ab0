"""The shopper's verifier app: is this item genuine, and has its code been scanned before?

After Tmall Global's blockchain traceability ("blockchain visa"): every item carries a code with
its lot and its own serial (`minichain.contracts.qr`), the platform's app checks it against the
platform's records, and it counts the queries of each code, so that a code copied from one
genuine item onto many fakes is seen scanned again and again ("this code has been queried N
times, first on … in …").

Anyone can print a code, and a code can name anything, the registry it points to included: a
counterfeiter can open a registry of his own and approve himself in it as the winery. So the
app takes nothing it trusts from the code. Its own configuration says which registry it trusts
(`registry`) and which producers the platform approved (`producers`, address → name); the node
it runs on says which chain. A scan (`Verifier.scan`):

1. reads the code (`ItemLink.parse`);
2. refuses any registry but the pinned one (`UntrustedRegistry`) and a code without a serial;
3. walks the lot's custody chain and checks that the lot registered the item's serial
   (`ItemLink.verify`: signatures, hand-offs, documents, recalls, `UnregisteredItem`);
4. refuses a lot whose producer is not on the app's list (`UnapprovedProducer`), whatever the
   registry approved;
5. records the scan on the chain (`ProductRegistry.record_scan`, sent with the app's key, which
   is the registry operator's) and, if the code was scanned before, warns when and where it was
   first scanned (`AlreadyScanned`).

This is the chain's half of the design. The physical half is the label: a tamper-evident label
that tears when peeled off, with its code under a scratch-off layer, makes a code hard to lift
from a genuine item unseen; the chain then makes any copy that gets out show up as a second scan.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from minichain import crypto
from minichain.contracts.client import DEFAULT_FEE, ContractClient
from minichain.contracts.custody import Verification, read_lot
from minichain.contracts.qr import BadItemLink, ItemLink
from minichain.contracts.registry import serial_number
from minichain.contracts.registry_errors import (
    AlreadyScanned,
    UnapprovedProducer,
    UnregisteredItem,
    UntrustedRegistry,
)
from minichain.clock import date_text
from minichain.contracts.runtime import storage_key
from minichain.errors import ValidationError
from minichain.language import say

if TYPE_CHECKING:
    from minichain.chain import Blockchain
    from minichain.wallet import Wallet

__all__ = ["ScanRecord", "ScanResult", "Verifier", "read_scans"]


@dataclass(frozen=True)
class ScanRecord:
    """How often an item's code has been scanned, and when and where first and last."""

    scans: int
    first_time: int
    first_location: str
    last_time: int
    last_location: str

    @property
    def first_date(self) -> str:
        return date_text(self.first_time)

    def __str__(self) -> str:
        if self.scans == 1:
            return say("scanned 1 time, on {date} in {location}", date=self.first_date,
                       location=self.first_location)
        return say("scanned {scans} times, first on {first_date} in {first_location}, last on "
                   "{last_date} in {last_location}", scans=self.scans,
                   first_date=self.first_date, first_location=self.first_location,
                   last_date=date_text(self.last_time), last_location=self.last_location)


def read_scans(chain: Blockchain, registry: str, lot: str, item: str) -> ScanRecord | None:
    """The scans of item `item` of `lot` recorded at the tip of `chain`, or None if none."""
    serial = serial_number(item)
    key = storage_key(registry, f"scan:{lot}:{serial}")
    raw = None if serial is None else chain.state.get(key)
    if raw is None:
        return None
    record = json.loads(raw)
    return ScanRecord(record["scans"], record["first_time"], record["first_location"],
                      record["last_time"], record["last_location"])


@dataclass(frozen=True)
class ScanResult:
    """What the app shows after a scan: genuine, genuine but already scanned, or not genuine."""

    code: str  # the text the camera read
    location: str  # where the scan happened
    link: ItemLink | None = None  # the code, read; None if it is not an item's link
    verification: Verification | None = None  # the custody walk, if it got that far
    producer: str = ""  # the producer's name, from the app's own list
    record: ScanRecord | None = None  # the item's scans, this one included, once recorded
    error: ValidationError | None = field(default=None, compare=False)  # why not genuine
    warning: AlreadyScanned | None = field(default=None, compare=False)

    @property
    def genuine(self) -> bool:
        """The item checks out (it may still have been scanned before)."""
        return self.error is None

    @property
    def ok(self) -> bool:
        """Genuine, and the first scan of its code."""
        return self.error is None and self.warning is None

    @property
    def verdict(self) -> str:
        """"genuine", "already scanned" or "not genuine" (always in English: a value to
        compare; `verdict_text` is the verdict as a person reads it)."""
        if self.error is not None:
            return "not genuine"
        return "already scanned" if self.warning is not None else "genuine"

    @property
    def verdict_text(self) -> str:
        """The verdict in the language in use."""
        if self.error is not None:
            return say("not genuine")
        return say("already scanned") if self.warning is not None else say("genuine")

    @property
    def problem(self) -> str | None:
        """The reason for a verdict other than "genuine", in one sentence."""
        reason = self.error or self.warning
        return None if reason is None else str(reason)

    def __str__(self) -> str:
        if self.error is not None:
            return say("NOT GENUINE: {problem}", problem=self.problem)
        if self.warning is not None:
            return say("ALREADY SCANNED: {problem}", problem=self.problem)
        assert self.link is not None
        return say("GENUINE: item {item} of lot {lot!r}, made by {producer}; this is the first "
                   "scan of its code.", item=self.link.item, lot=self.link.lot,
                   producer=self.producer)


@dataclass
class Verifier:
    """The platform's verifier app, with its own configuration: the registry it trusts, the
    producers the platform approved, and the key it records scans with (the registry's
    operator's). Nothing of that comes from the code scanned.

        app = Verifier(chain, registry=registry.address,
                       producers={winery.address: "Kuaiji Hill Winery"}, wallet=platform)
        print(app.scan(code, location="Shanghai"))
    """

    chain: Blockchain
    registry: str
    producers: Mapping[str, str]
    wallet: Wallet
    fee: int = DEFAULT_FEE

    def __post_init__(self) -> None:
        self.producers = dict(self.producers)
        for label, address in [("registry", self.registry),
                               *(("producer", producer) for producer in self.producers)]:
            problem = crypto.address_problem(address)
            if problem and label == "registry":
                raise ValueError(say("the app's registry is not a valid address: {problem}",
                                     problem=problem))
            if problem:
                raise ValueError(say("the app's producer is not a valid address: {problem}",
                                     problem=problem))

    def scan(self, code: str | ItemLink, *, location: str) -> ScanResult:
        """Check a scanned code and record the scan; the result names the first problem."""
        text = code.url if isinstance(code, ItemLink) else code
        seen: dict[str, Any] = {"code": text, "location": location}
        try:
            link = code if isinstance(code, ItemLink) else ItemLink.parse(code)
        except BadItemLink as error:
            return ScanResult(**seen, error=error)
        seen["link"] = link
        if link.registry != self.registry:
            return ScanResult(**seen, error=UntrustedRegistry(link.registry, self.registry))
        if not link.item:
            return ScanResult(**seen, error=UnregisteredItem.no_serial(link.lot))
        verification = link.verify(self.chain)
        seen["verification"] = verification
        if not verification.ok:
            return ScanResult(**seen, error=verification.error)
        lot = read_lot(self.chain, self.registry, link.lot)
        assert lot is not None  # the walk found it
        if lot.producer not in self.producers:
            return ScanResult(**seen, error=UnapprovedProducer(
                link.lot, lot.producer, lot.producer_name, self.producers))
        seen["producer"] = self.producers[lot.producer]
        return self._record(link, seen)

    def _record(self, link: ItemLink, seen: dict[str, Any]) -> ScanResult:
        registry = ContractClient(self.chain, self.registry)
        try:
            _tx, receipt = registry.send(self.wallet, "record_scan", fee=self.fee, lot=link.lot,
                                         item=link.item, location=seen["location"])
        except ValidationError as error:  # the scan could not be recorded, so nothing is known
            return ScanResult(**seen, error=error)
        scanned = next(event.fields for event in receipt.events if event.name == "Scanned")
        record = ScanRecord(scanned["scans"], scanned["first_time"], scanned["first_location"],
                            scanned["time"], scanned["location"])
        warning = None if record.scans == 1 else AlreadyScanned(
            link.lot, link.item, record.scans - 1, record.first_time, record.first_location)
        return ScanResult(**seen, record=record, warning=warning)
