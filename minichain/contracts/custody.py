"""Custody of a lot off the chain: the signed hand-off, reading a registry, walking a journey.

Traceability as in DESIGN.md section 4, after the idea behind Tmall Global's "blockchain visa"
and the custody events of GS1 EPCIS; the contract that records lots and hand-offs is
`minichain.contracts.registry.ProductRegistry`, and this module reaches it only through what it
exposes: the bytes a hand-off's hands sign, the check of a signature over them, and its storage
as read by `is_registry`, `read_lot` and `read_custody`.

Documents (certificates of origin, bills of lading, lab reports) stay off the chain: the chain
keeps only their SHA-256 fingerprints (`document_hash`), so whoever holds a document can check it
is the one that was recorded, and nobody can read it from the chain.

A signed hand-off names its chain, its registry, its lot and its number in the lot's journey,
so a signature given for one hand-off cannot be replayed for another (the idea of EIP-155 and
EIP-712's domain separator).

`verify` walks a lot's custody chain the way a shopper's phone would, trusting only signatures
and fingerprints: every signature valid for the address it claims, each hand-off starting where
the previous one ended, no hand-off dated before the step it follows, every document presented
re-hashing to its fingerprint, the lot not recalled, and, given an item's serial, that the lot
registered that item (`serial_problem`). It names the first broken link. It
re-checks what the contract already checked, so that a hand-off recorded by a careless or
compromised registry, or a journey presented on paper by a counterfeiter, is caught all the
same. The same error classes (`minichain.contracts.registry_errors`) serve the contract
(refusing a call) and the walk (naming a break).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from minichain import crypto
from minichain.contracts.registry import (
    ProductRegistry,
    hand_off_message,
    serial_problem,
    signature_problem,
)
from minichain.contracts.registry_errors import (
    CustodyBroken,
    CustodyGap,
    DocumentMismatch,
    HandOffOutOfOrder,
    NotOnRecord,
    RecalledLot,
    UnknownLot,
)
from minichain.clock import date_text
from minichain.contracts.runtime import REGISTRY, ContractRuntime, storage_key
from minichain.errors import short
from minichain.language import say

if TYPE_CHECKING:
    from minichain.chain import Blockchain
    from minichain.wallet import Wallet

__all__ = [
    "HandOff",
    "Lot",
    "Step",
    "Verification",
    "check_journey",
    "document_hash",
    "is_registry",
    "prepare_hand_off",
    "read_custody",
    "read_lot",
    "verify",
]


def document_hash(document: bytes) -> str:
    """The fingerprint the chain keeps of an off-chain document: SHA-256, in hex."""
    return crypto.sha256(bytes(document)).hex()


# -- the signed hand-off ---------------------------------------------------------------------------

@dataclass(frozen=True)
class HandOff:
    """One change of hands of a lot: what the giver ("from") and the receiver ("to") sign.

        handoff = prepare_hand_off(chain, registry.address, "LJ-2026-001", exporter.address,
                                   location="Hangzhou", document=bill_of_lading)
        signed = handoff.sign(farm).sign(exporter)
        registry.call(exporter, "hand_over", **signed.args())
    """

    chain_id: int
    registry: str
    lot: str
    number: int  # 1 for the first hand-off after registration, then 2, 3, …
    giver: str
    receiver: str
    location: str
    time: int  # seconds, as block times
    document_hash: str
    giver_key: str = ""  # hex of the 33-byte public key
    giver_signature: str = ""  # hex of the 64-byte signature
    receiver_key: str = ""
    receiver_signature: str = ""

    def message(self) -> bytes:
        """The bytes both hands sign."""
        return hand_off_message(self.chain_id, self.registry, self.lot, self.number, self.giver,
                                self.receiver, self.location, self.time, self.document_hash)

    def sign(self, wallet: Wallet) -> HandOff:
        """This hand-off with `wallet`'s signature added, as giver or receiver."""
        signature = wallet.sign(self.message()).hex()
        key = wallet.public_key.hex()
        if wallet.address == self.giver:
            return replace(self, giver_key=key, giver_signature=signature)
        if wallet.address == self.receiver:
            return replace(self, receiver_key=key, receiver_signature=signature)
        raise ValueError(say("{wallet} is neither the giver {giver} nor the receiver {receiver} "
                             "of this hand-off", wallet=short(wallet.address),
                             giver=short(self.giver), receiver=short(self.receiver)))

    def diverted(self, thief: Wallet, *, location: str) -> HandOff:
        """The attacker's story: this hand-off rewritten so that the goods go to `thief` at
        `location`, signed by the thief as receiver and, lacking the giver's key, with his own
        key in the giver's place. A verifier must catch it (`CustodyBroken`)."""
        taken = replace(self, receiver=thief.address, location=location, receiver_key="",
                        receiver_signature="")
        forged = replace(taken, giver_key=thief.public_key.hex(),
                         giver_signature=thief.sign(taken.message()).hex())
        return forged.sign(thief)

    def args(self) -> dict[str, Any]:
        """The arguments of `ProductRegistry.hand_over` that record this hand-off."""
        return {"lot": self.lot, "number": self.number, "giver": self.giver,
                "receiver": self.receiver, "location": self.location, "time": self.time,
                "document_hash": self.document_hash, "giver_key": self.giver_key,
                "giver_signature": self.giver_signature, "receiver_key": self.receiver_key,
                "receiver_signature": self.receiver_signature}

    def summary(self) -> str:
        return say("from {giver} to {receiver} at {location}, on {date}",
                   giver=short(self.giver), receiver=short(self.receiver),
                   location=self.location, date=date_text(self.time))


# -- reading a registry ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Lot:
    """A lot as the registry records it."""

    id: str
    sku: str
    producer: str
    producer_name: str
    origin: str
    document_hash: str
    registered_at: int
    holder: str
    handoffs: int
    recalled: bool = False
    recalled_by: str = ""
    recalled_at: int = 0
    recall_reason: str = ""
    items: int = 0  # how many items the lot holds, serials 1 to `items`; 0: no serials

    @classmethod
    def from_record(cls, lot: str, record: Mapping[str, Any]) -> Lot:
        return cls(id=lot, sku=record["sku"], producer=record["producer"],
                   producer_name=record["producer_name"], origin=record["origin"],
                   document_hash=record["document_hash"], registered_at=record["registered_at"],
                   holder=record["holder"], handoffs=record["handoffs"],
                   recalled=record["recalled"], recalled_by=record.get("recalled_by", ""),
                   recalled_at=record.get("recalled_at", 0),
                   recall_reason=record.get("recall_reason", ""),
                   items=record.get("items", 0))


def is_registry(chain: Blockchain, registry: str) -> bool:
    """True if a ProductRegistry (or a contract built on one) lives at `registry`."""
    name = ContractRuntime.contract_at(chain.state, registry)
    cls = REGISTRY.get(name) if name is not None else None
    return cls is not None and issubclass(cls, ProductRegistry)


def _stored(chain: Blockchain, registry: str, name: str) -> Any:
    raw = chain.state.get(storage_key(registry, name))
    return None if raw is None else json.loads(raw)


def read_lot(chain: Blockchain, registry: str, lot: str) -> Lot | None:
    """The lot as recorded at the tip of `chain`, or None if it is not registered there."""
    record = _stored(chain, registry, f"lot:{lot}") if is_registry(chain, registry) else None
    return None if record is None else Lot.from_record(lot, record)


def read_custody(chain: Blockchain, registry: str, lot: str) -> list[HandOff]:
    """The hand-offs of `lot` recorded at the tip of `chain`, first first."""
    record = read_lot(chain, registry, lot)
    handoffs = []
    for number in range(1, 1 + (record.handoffs if record is not None else 0)):
        event = _stored(chain, registry, f"custody:{lot}:{number}")
        handoffs.append(HandOff(
            chain_id=chain.params.chain_id, registry=registry, lot=lot, number=number,
            giver=event["from"], receiver=event["to"], location=event["location"],
            time=event["time"], document_hash=event["document_hash"],
            giver_key=event["from_key"], giver_signature=event["from_signature"],
            receiver_key=event["to_key"], receiver_signature=event["to_signature"]))
    return handoffs


def prepare_hand_off(chain: Blockchain, registry: str, lot: str, receiver: str, *,
                     location: str, document: bytes, time: int | None = None) -> HandOff:
    """The next hand-off of `lot`, from its holder to `receiver`, ready for both to sign.

    `time` defaults to the chain's clock now."""
    record = read_lot(chain, registry, lot)
    if record is None:
        raise UnknownLot(lot, registry)
    return HandOff(chain_id=chain.params.chain_id, registry=registry, lot=lot,
                   number=record.handoffs + 1, giver=record.holder, receiver=receiver,
                   location=location, time=chain.clock.now() if time is None else time,
                   document_hash=document_hash(document))


# -- verifying a lot's journey ---------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One step of a lot's journey: its registration (number 0) or a hand-off (1, 2, …)."""

    number: int
    giver: str | None  # None for the registration
    receiver: str  # the producer, for the registration
    location: str
    time: int
    document_hash: str
    document_checked: bool  # a document was presented for this step and re-hashed
    error: CustodyBroken | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def problem(self) -> str | None:
        return None if self.error is None else str(self.error)

    def __str__(self) -> str:
        values = {"number": self.number, "receiver": short(self.receiver),
                  "location": self.location, "date": date_text(self.time)}
        if self.giver is None and self.ok:
            return say("{number}. registered by {receiver} at {location}, {date} — ok", **values)
        if self.giver is None:
            return say("{number}. registered by {receiver} at {location}, {date} — BROKEN: "
                       "{problem}", problem=self.error, **values)
        if self.ok:
            return say("{number}. {giver} → {receiver} at {location}, {date} — ok",
                       giver=short(self.giver), **values)
        return say("{number}. {giver} → {receiver} at {location}, {date} — BROKEN: {problem}",
                   giver=short(self.giver), problem=self.error, **values)


@dataclass(frozen=True)
class Verification:
    """The outcome of walking a lot's custody chain: genuine, or the first broken link."""

    ok: bool
    lot: str
    steps: tuple[Step, ...]
    problem: str | None  # the first break, in one sentence
    broken_at: int | None  # its step; None for the lot as a whole (unknown, recalled, no such item)
    error: CustodyBroken | None = field(default=None, repr=False, compare=False)

    @property
    def holder(self) -> str | None:
        """Who holds the goods at the end of the journey walked."""
        return self.steps[-1].receiver if self.steps else None

    def raise_if_broken(self) -> None:
        """Raise the first break (a `CustodyBroken` subclass); return if the lot is genuine."""
        if self.error is not None:
            raise self.error

    def __str__(self) -> str:
        head = (say("lot {lot!r}: genuine", lot=self.lot) if self.ok
                else say("lot {lot!r}: NOT VERIFIED — {problem}", lot=self.lot,
                         problem=self.problem))
        return "\n".join([head, *(f"  {step}" for step in self.steps)])


def _result(lot: str, steps: Sequence[Step], error: CustodyBroken | None,
            broken_at: int | None) -> Verification:
    return Verification(ok=error is None, lot=lot, steps=tuple(steps),
                        problem=None if error is None else str(error), broken_at=broken_at,
                        error=error)


def check_journey(lot: Lot, handoffs: Sequence[HandOff], *, chain_id: int, registry: str,
                  documents: Mapping[int, bytes] | None = None,
                  recorded: Sequence[HandOff] | None = None) -> Verification:
    """Walk `lot`'s journey through `handoffs` and name the first broken link.

    Each hand-off must be signed by both hands for this chain, registry, lot and place in the
    journey; start with whoever held the lot; be dated no earlier than the step it follows.
    `documents` maps step numbers (0: the registration) to the documents presented, which must
    re-hash to what was recorded. If `recorded` is given (the hand-offs on the chain), the
    journey must be exactly that one. A recalled lot fails whatever its journey.
    """
    documents = dict(documents or {})
    unknown = sorted(set(documents) - set(range(len(handoffs) + 1)))
    if unknown:
        raise ValueError(say("there is no step {step}: lot {lot!r}'s journey has steps 0 to "
                             "{last}", step=unknown[0], lot=lot.id, last=len(handoffs)))
    steps = [_step(lot.id, 0, None, lot.producer, lot.origin, lot.registered_at,
                   lot.document_hash, documents, None)]
    holder, last_time = lot.producer, lot.registered_at
    for number, presented in enumerate(handoffs, start=1):
        # what was signed must be this very hand-off: this chain, registry, lot and place
        handoff = replace(presented, chain_id=chain_id, registry=registry, lot=lot.id,
                          number=number)
        error = _link_problem(handoff, holder, last_time)
        if error is None and recorded is not None:
            error = _record_problem(handoff, recorded)
        steps.append(_step(lot.id, number, handoff.giver, handoff.receiver, handoff.location,
                           handoff.time, handoff.document_hash, documents, error))
        holder, last_time = handoff.receiver, handoff.time

    if lot.recalled:
        return _result(lot.id, steps, RecalledLot(lot.id, lot.recalled_by, lot.recalled_at,
                                                   lot.recall_reason), None)
    for step in steps:
        if step.error is not None:
            return _result(lot.id, steps, step.error, step.number)
    if recorded is not None and len(recorded) > len(handoffs):
        number = len(handoffs) + 1
        return _result(lot.id, steps, NotOnRecord.left_out(lot.id, number, recorded[number - 1]),
                       number)
    return _result(lot.id, steps, None, None)


def _link_problem(handoff: HandOff, holder: str, last_time: int) -> CustodyBroken | None:
    message = handoff.message()
    for role, address, key, signature in (
            ("giver", handoff.giver, handoff.giver_key, handoff.giver_signature),
            ("receiver", handoff.receiver, handoff.receiver_key, handoff.receiver_signature)):
        problem = signature_problem(message, key, signature, address, role, handoff.lot,
                                    handoff.number)
        if problem is not None:
            return problem
    if handoff.giver != holder:
        return CustodyGap(handoff.lot, handoff.number, handoff.giver, holder)
    if handoff.time < last_time:
        return HandOffOutOfOrder.before(handoff.lot, handoff.number, handoff.time, last_time)
    return None


def _record_problem(handoff: HandOff, recorded: Sequence[HandOff]) -> NotOnRecord | None:
    if handoff.number > len(recorded):
        return NotOnRecord.unrecorded(handoff.lot, handoff.number, handoff, len(recorded))
    on_chain = recorded[handoff.number - 1]
    if on_chain.message() != handoff.message():
        return NotOnRecord.differs(handoff.lot, handoff.number, handoff, on_chain)
    return None


def _step(lot: str, number: int, giver: str | None, receiver: str, location: str, time: int,
          recorded_hash: str, documents: Mapping[int, bytes],
          error: CustodyBroken | None) -> Step:
    checked = number in documents
    if checked:
        actual = document_hash(documents[number])
        if actual != recorded_hash and error is None:  # the first problem of the step counts
            error = DocumentMismatch(lot, number, recorded_hash, actual)
    return Step(number, giver, receiver, location, time, recorded_hash, checked, error)


def verify(chain: Blockchain, registry: str, lot: str, *,
           documents: Mapping[int, bytes] | None = None,
           journey: Sequence[HandOff] | None = None, item: str | None = None) -> Verification:
    """Walk the custody chain of `lot` in the product registry at `registry`, at the tip.

    The lot's record and recall flag come from the chain. The hand-offs walked are those
    recorded on the chain, or, if `journey` is given, the ones presented (say, the papers that
    came with a shipment), which must then also be the ones recorded. `documents` maps step
    numbers (0: the registration) to off-chain documents to re-hash. If `item` is given (the
    serial on an item's code), the lot must have registered it.
    """
    if not is_registry(chain, registry):
        return _result(lot, [], UnknownLot(lot, registry, why=say(
            "no product registry lives at {registry} on this chain, so nothing there vouches "
            "for lot {lot!r}.", registry=short(registry), lot=lot)), None)
    record = read_lot(chain, registry, lot)
    if record is None:
        return _result(lot, [], UnknownLot(lot, registry), None)
    on_chain = read_custody(chain, registry, lot)
    result = check_journey(record, on_chain if journey is None else journey,
                           chain_id=chain.params.chain_id, registry=registry,
                           documents=documents, recorded=None if journey is None else on_chain)
    unregistered = None if item is None else serial_problem(lot, record.items, item)
    if result.ok and unregistered is not None:
        return _result(lot, result.steps, unregistered, None)
    return result
