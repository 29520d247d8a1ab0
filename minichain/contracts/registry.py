"""ProductRegistry: where a lot of goods comes from, and whose hands it has passed through.

Traceability as in DESIGN.md section 4, after the idea behind Tmall Global's "blockchain visa"
and the custody events of GS1 EPCIS. The registry's operator (the platform) approves producers;
an approved producer registers a lot {lot id, SKU, origin, document hash}; every time the goods
change hands, the giver and the receiver both sign a hand-off {lot, from, to, location, time,
document hash} and anyone may record it; the producer or the operator may recall the lot.

Documents (certificates of origin, bills of lading, lab reports) stay off the chain: the chain
keeps only their SHA-256 fingerprints, so whoever holds a document can check it is the one that
was recorded, and nobody can read it from the chain.

A signed hand-off names its chain, its registry, its lot and its number in the lot's journey,
so a signature given for one hand-off cannot be replayed for another (the idea of EIP-155 and
EIP-712's domain separator).

`verify` walks a lot's custody chain the way a shopper's phone would, trusting only signatures
and fingerprints: every signature valid for the address it claims, each hand-off starting where
the previous one ended, no hand-off dated before the step it follows, every document presented
re-hashing to its fingerprint, and the lot not recalled. It names the first broken link. It
re-checks what the contract already checked, so that a hand-off recorded by a careless or
compromised registry, or a journey presented on paper by a counterfeiter, is caught all the
same. The same error classes serve the contract (refusing a call) and the walk (naming a break).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from minichain import crypto
from minichain.contracts.runtime import (
    REGISTRY,
    BadCall,
    Contract,
    ContractRuntime,
    NotAllowed,
    WrongState,
    public,
    register,
    storage_key,
)
from minichain.errors import ValidationError, short

if TYPE_CHECKING:
    from minichain.chain import Blockchain
    from minichain.wallet import Wallet

__all__ = [
    "SIGNATURE_GAS",
    "CustodyBroken",
    "CustodyGap",
    "DocumentMismatch",
    "ForgedSignature",
    "HandOff",
    "HandOffOutOfOrder",
    "Lot",
    "LotAlreadyRegistered",
    "MalformedRecord",
    "NotOnRecord",
    "ProductRegistry",
    "RecalledLot",
    "Step",
    "UnknownLot",
    "Verification",
    "check_journey",
    "document_hash",
    "is_registry",
    "prepare_hand_off",
    "read_custody",
    "read_lot",
    "verify",
]

SIGNATURE_GAS = 20  # one signature check (as channel.py): far more work than reading a value
LOT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
HEX64 = re.compile(r"[0-9a-f]{64}")
MAX_TEXT = 80  # characters of a SKU, an origin, a location, a name or a reason


def document_hash(document: bytes) -> str:
    """The fingerprint the chain keeps of an off-chain document: SHA-256, in hex."""
    return crypto.sha256(bytes(document)).hex()


# -- what can go wrong -----------------------------------------------------------------------------

class CustodyBroken(ValidationError):
    """A link of a lot's custody chain does not hold: the goods may not be what they claim."""


class MalformedRecord(BadCall):
    """A lot or hand-off is not well formed (a lot id, address, text, time or hash)."""


class LotAlreadyRegistered(WrongState):
    """A lot id can be registered once only."""

    def __init__(self, lot: str, producer: str, time: int):
        super().__init__(f"lot {lot!r} is already registered, by {short(producer)} at time "
                         f"{time}; every lot needs an id of its own.")


class UnknownLot(WrongState, CustodyBroken):
    """No such lot is registered (or no product registry lives at the address)."""

    def __init__(self, lot: str, registry: str, why: str = ""):
        super().__init__(why or f"no lot {lot!r} is registered in registry {short(registry)}, "
                                "so nothing vouches for these goods.")


class RecalledLot(WrongState, CustodyBroken):
    """The lot was recalled by its producer or the registry's operator."""

    def __init__(self, lot: str, by: str, time: int, reason: str, action: str = "sold"):
        because = f" ({reason})" if reason else ""
        super().__init__(f"lot {lot!r} was recalled by {short(by)} at time {time}{because}; "
                         f"it may not be {action}.")


class ForgedSignature(NotAllowed, CustodyBroken):
    """A hand-off's signature is missing, malformed, or not that of the address it names."""

    def __init__(self, lot: str, number: int, role: str, address: str, signer: str | None = None,
                 missing: bool = False):
        where = f"hand-off {number} of lot {lot!r}"
        if missing:
            message = (f"{where} carries no valid signature from its {role} {short(address)}; "
                       "both hands must sign.")
        elif signer is not None:
            message = (f"the {role}'s key on {where} belongs to {short(signer)}, not to "
                       f"{short(address)}: someone signed in {short(address)}'s place.")
        else:
            message = (f"the {role}'s signature on {where} is not {short(address)}'s: the "
                       "hand-off was changed after it was signed, signed for another lot or "
                       "registry, or signed by someone else.")
        super().__init__(message)


class CustodyGap(NotAllowed, CustodyBroken):
    """A hand-off does not start with whoever held the lot: a gap between holders."""

    def __init__(self, lot: str, number: int, giver: str, holder: str):
        super().__init__(f"hand-off {number} of lot {lot!r} is from {short(giver)}, but the lot "
                         f"was then with {short(holder)}; only the holder can hand it on.")


class HandOffOutOfOrder(WrongState, CustodyBroken):
    """A hand-off out of turn (its number) or out of time (its date)."""

    @classmethod
    def wrong_number(cls, lot: str, number: int, count: int) -> HandOffOutOfOrder:
        return cls(f"lot {lot!r} has had {count} hand-offs, so the next is number {count + 1}, "
                   f"not {number}.")

    @classmethod
    def before(cls, lot: str, number: int, time: int, earliest: int) -> HandOffOutOfOrder:
        return cls(f"hand-off {number} of lot {lot!r} is dated {time}, before the step it "
                   f"follows (time {earliest}); custody cannot go back in time.")

    @classmethod
    def after(cls, lot: str, number: int, time: int, now: int) -> HandOffOutOfOrder:
        return cls(f"hand-off {number} of lot {lot!r} is dated {time}, after this block's time "
                   f"{now}; a hand-off can be recorded only once it has happened.")


class DocumentMismatch(CustodyBroken):
    """An off-chain document does not re-hash to the fingerprint recorded for it."""

    def __init__(self, lot: str, number: int, recorded: str, actual: str):
        step = "registration" if number == 0 else f"hand-off {number}"
        super().__init__(f"the document presented for {step} of lot {lot!r} hashes to "
                         f"{actual[:12]}…, not to the {recorded[:12]}… recorded: it is not the "
                         "document that was signed for.")


class NotOnRecord(CustodyBroken):
    """A journey presented on paper differs from the one recorded on the chain."""

    @classmethod
    def differs(cls, lot: str, number: int, presented: HandOff, recorded: HandOff) -> NotOnRecord:
        return cls(f"hand-off {number} of lot {lot!r} as presented ({presented.summary()}) is "
                   f"not the one recorded on the chain ({recorded.summary()}).")

    @classmethod
    def unrecorded(cls, lot: str, number: int, presented: HandOff, count: int) -> NotOnRecord:
        return cls(f"hand-off {number} of lot {lot!r} as presented ({presented.summary()}) was "
                   f"never recorded; the chain records {count} hand-offs of the lot.")

    @classmethod
    def left_out(cls, lot: str, number: int, recorded: HandOff) -> NotOnRecord:
        return cls(f"the chain records hand-off {number} of lot {lot!r} "
                   f"({recorded.summary()}), which the journey presented leaves out.")


# -- the signed hand-off ---------------------------------------------------------------------------

def hand_off_message(chain_id: int, registry: str, lot: str, number: int, giver: str,
                     receiver: str, location: str, time: int, document_hash: str) -> bytes:
    """The bytes both hands sign: canonical JSON of the hand-off and where it belongs."""
    return json.dumps({
        "type": "minichain hand-off", "chain_id": chain_id, "registry": registry, "lot": lot,
        "number": number, "from": giver, "to": receiver, "location": location, "time": time,
        "document_hash": document_hash,
    }, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signature_problem(message: bytes, key: str, signature: str, address: str, role: str,
                      lot: str, number: int) -> ForgedSignature | None:
    """Why `signature` (hex) by `key` (hex) is not `address`'s signature of `message`, or None."""
    try:
        key_bytes, signature_bytes = bytes.fromhex(key), bytes.fromhex(signature)
    except (TypeError, ValueError):
        return ForgedSignature(lot, number, role, address, missing=True)
    if len(key_bytes) != crypto.PUBLIC_KEY_SIZE or not signature_bytes:
        return ForgedSignature(lot, number, role, address, missing=True)
    signer = crypto.address_from_public_key(key_bytes)
    if signer != address:
        return ForgedSignature(lot, number, role, address, signer=signer)
    if not crypto.verify(key_bytes, message, signature_bytes):
        return ForgedSignature(lot, number, role, address)
    return None


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
        raise ValueError(f"{short(wallet.address)} is neither the giver {short(self.giver)} nor "
                         f"the receiver {short(self.receiver)} of this hand-off")

    def args(self) -> dict[str, Any]:
        """The arguments of `ProductRegistry.hand_over` that record this hand-off."""
        return {"lot": self.lot, "number": self.number, "giver": self.giver,
                "receiver": self.receiver, "location": self.location, "time": self.time,
                "document_hash": self.document_hash, "giver_key": self.giver_key,
                "giver_signature": self.giver_signature, "receiver_key": self.receiver_key,
                "receiver_signature": self.receiver_signature}

    def summary(self) -> str:
        return (f"from {short(self.giver)} to {short(self.receiver)} at {self.location}, "
                f"time {self.time}")


# -- the contract ----------------------------------------------------------------------------------

@register
class ProductRegistry(Contract):
    """Lots, their custody hand-offs signed by both hands, and recalls."""

    def setup(self, chain_id: int, name: str = "") -> None:
        """The deployer becomes the operator; `chain_id` is the chain's (hand-offs name it)."""
        if type(chain_id) is not int or chain_id < 0:
            raise MalformedRecord(f"the chain id must be a whole number, not {chain_id!r}")
        self.store("operator", self.caller)
        self.store("chain_id", chain_id)
        self.store("name", _text("name", name, empty=True))
        self.emit("Opened", operator=self.caller, chain_id=chain_id, registry_name=name)

    @public
    def approve_producer(self, producer: str, name: str) -> None:
        """The operator vouches for a producer, who may then register lots."""
        self._only_operator("approve producers")
        _address("producer", producer)
        self.store(f"producer:{producer}", _text("producer's name", name))
        self.emit("ProducerApproved", producer=producer, producer_name=name)

    @public
    def register_lot(self, lot: str, sku: str, origin: str, document_hash: str) -> None:
        """An approved producer registers a new lot, with the fingerprint of its certificate."""
        name = self.load(f"producer:{self.caller}")
        if name is None:
            raise NotAllowed(f"{short(self.caller)} is not a producer approved by the registry's "
                             f"operator {short(self.load('operator'))}, so it may not register "
                             "lots.")
        _lot_id(lot)
        _text("SKU", sku)
        _text("origin", origin)
        _hash(document_hash)
        existing = self.load(f"lot:{lot}")
        if existing is not None:
            raise LotAlreadyRegistered(lot, existing["producer"], existing["registered_at"])
        self.store(f"lot:{lot}", {
            "sku": sku, "producer": self.caller, "producer_name": name, "origin": origin,
            "document_hash": document_hash, "registered_at": self.now, "holder": self.caller,
            "handoffs": 0, "last_time": self.now, "recalled": False,
        })
        self.emit("LotRegistered", lot=lot, sku=sku, producer=self.caller, origin=origin,
                  document_hash=document_hash)

    @public
    def hand_over(self, lot: str, number: int, giver: str, receiver: str, location: str,
                  time: int, document_hash: str, giver_key: str, giver_signature: str,
                  receiver_key: str, receiver_signature: str) -> None:
        """Record a hand-off signed by both hands; anyone holding both signatures may send it."""
        _lot_id(lot)
        for label, value in (("hand-off number", number), ("time", time)):
            if type(value) is not int or value < 0:
                raise MalformedRecord(f"the {label} must be a whole number, not {value!r}")
        _address("receiver", receiver)  # the giver must be the holder, checked below
        _text("location", location)
        _hash(document_hash)
        record = self._lot(lot)
        if record["recalled"]:
            raise RecalledLot(lot, record["recalled_by"], record["recalled_at"],
                              record["recall_reason"], action="handed on")
        if number != record["handoffs"] + 1:
            raise HandOffOutOfOrder.wrong_number(lot, number, record["handoffs"])
        if giver != record["holder"]:
            raise CustodyGap(lot, number, giver, record["holder"])
        if time < record["last_time"]:
            raise HandOffOutOfOrder.before(lot, number, time, record["last_time"])
        if time > self.now:
            raise HandOffOutOfOrder.after(lot, number, time, self.now)
        self._check_signatures(
            hand_off_message(self.load("chain_id"), self.address, lot, number, giver, receiver,
                             location, time, document_hash),
            lot, number, (("giver", giver, giver_key, giver_signature),
                          ("receiver", receiver, receiver_key, receiver_signature)))
        self.store(f"custody:{lot}:{number}", {
            "from": giver, "to": receiver, "location": location, "time": time,
            "document_hash": document_hash, "from_key": giver_key,
            "from_signature": giver_signature, "to_key": receiver_key,
            "to_signature": receiver_signature,
        })
        self.store(f"lot:{lot}", {**record, "holder": receiver, "handoffs": number,
                                  "last_time": time})
        self.emit("HandedOver", lot=lot, number=number, giver=giver, receiver=receiver,
                  location=location, time=time, document_hash=document_hash)

    @public
    def recall(self, lot: str, reason: str = "") -> None:
        """The lot's producer or the registry's operator recalls a lot; it can move no more."""
        record = self._lot(lot)
        operator = self.load("operator")
        if self.caller not in (record["producer"], operator):
            raise NotAllowed(f"only the producer of lot {lot!r} ({short(record['producer'])}) "
                             f"or the registry's operator ({short(operator)}) may recall it; "
                             f"{short(self.caller)} is neither.")
        if record["recalled"]:
            raise RecalledLot(lot, record["recalled_by"], record["recalled_at"],
                              record["recall_reason"], action="recalled again")
        _text("reason", reason, empty=True)
        self.store(f"lot:{lot}", {**record, "recalled": True, "recalled_by": self.caller,
                                  "recalled_at": self.now, "recall_reason": reason})
        self.emit("Recalled", lot=lot, by=self.caller, reason=reason)

    # -- rules shared by the methods ---------------------------------------------------------------
    def _only_operator(self, action: str) -> None:
        operator = self.load("operator")
        if self.caller != operator:
            raise NotAllowed(f"only the registry's operator ({short(operator)}) may {action}; "
                             f"{short(self.caller)} is not the operator.")

    def _lot(self, lot: str) -> dict[str, Any]:
        record = self.load(f"lot:{lot}")
        if record is None:
            raise UnknownLot(lot, self.address)
        return record

    def _check_signatures(self, message: bytes, lot: str, number: int,
                          hands: tuple[tuple[str, str, str, str], ...]) -> None:
        for role, address, key, signature in hands:
            self.charge(SIGNATURE_GAS)
            problem = signature_problem(message, key, signature, address, role, lot, number)
            if problem is not None:
                raise problem


def _lot_id(lot: object) -> None:
    if not isinstance(lot, str) or not LOT_ID.fullmatch(lot):
        raise MalformedRecord(f"a lot id must be 1 to 40 letters, digits, '.', '_' or '-', "
                              f"starting with a letter or digit, not {lot!r}")


def _text(label: str, value: object, empty: bool = False) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT or (not value and not empty):
        least = 0 if empty else 1
        raise MalformedRecord(f"the {label} must be text of {least} to {MAX_TEXT} characters, "
                              f"not {value!r}")
    return value


def _hash(value: object) -> None:
    if not isinstance(value, str) or not HEX64.fullmatch(value):
        raise MalformedRecord(f"a document hash must be 64 lower-case hex digits (a SHA-256 "
                              f"fingerprint), not {value!r}")


def _address(label: str, value: object) -> None:
    problem = crypto.address_problem(value)
    if problem:
        raise MalformedRecord(f"the {label} is not a valid address: {problem}")


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

    @classmethod
    def from_record(cls, lot: str, record: Mapping[str, Any]) -> Lot:
        return cls(id=lot, sku=record["sku"], producer=record["producer"],
                   producer_name=record["producer_name"], origin=record["origin"],
                   document_hash=record["document_hash"], registered_at=record["registered_at"],
                   holder=record["holder"], handoffs=record["handoffs"],
                   recalled=record["recalled"], recalled_by=record.get("recalled_by", ""),
                   recalled_at=record.get("recalled_at", 0),
                   recall_reason=record.get("recall_reason", ""))


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
        what = ("registered by " + short(self.receiver) if self.giver is None
                else f"{short(self.giver)} → {short(self.receiver)}")
        mark = "ok" if self.ok else f"BROKEN: {self.error}"
        return f"{self.number}. {what} at {self.location}, time {self.time} — {mark}"


@dataclass(frozen=True)
class Verification:
    """The outcome of walking a lot's custody chain: genuine, or the first broken link."""

    ok: bool
    lot: str
    steps: tuple[Step, ...]
    problem: str | None  # the first break, in one sentence
    broken_at: int | None  # the step it is at; None for the lot as a whole (unknown, recalled)
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
        head = (f"lot {self.lot!r}: genuine" if self.ok
                else f"lot {self.lot!r}: NOT VERIFIED — {self.problem}")
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
        raise ValueError(f"there is no step {unknown[0]}: lot {lot.id!r}'s journey has steps 0 "
                         f"to {len(handoffs)}")
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
           journey: Sequence[HandOff] | None = None) -> Verification:
    """Walk the custody chain of `lot` in the product registry at `registry`, at the tip.

    The lot's record and recall flag come from the chain. The hand-offs walked are those
    recorded on the chain, or, if `journey` is given, the ones presented (say, the papers that
    came with a shipment), which must then also be the ones recorded. `documents` maps step
    numbers (0: the registration) to off-chain documents to re-hash.
    """
    if not is_registry(chain, registry):
        return _result(lot, [], UnknownLot(lot, registry, why=(
            f"no product registry lives at {short(registry)} on this chain, so nothing there "
            f"vouches for lot {lot!r}.")), None)
    record = read_lot(chain, registry, lot)
    if record is None:
        return _result(lot, [], UnknownLot(lot, registry), None)
    on_chain = read_custody(chain, registry, lot)
    return check_journey(record, on_chain if journey is None else journey,
                         chain_id=chain.params.chain_id, registry=registry, documents=documents,
                         recorded=None if journey is None else on_chain)
