"""ProductRegistry: where a lot of goods comes from, and whose hands it has passed through.

Traceability as in DESIGN.md section 4, after the idea behind Tmall Global's "blockchain visa"
and the custody events of GS1 EPCIS. The registry's operator (the platform) approves producers;
an approved producer registers a lot {lot id, SKU, origin, document hash, how many items}; every
time the goods change hands, the giver and the receiver both sign a hand-off {lot, from, to,
location, time, document hash} and anyone may record it; the producer or the operator may recall
the lot.

Items are registered per lot: a lot of 600 bottles has the serials 1 to 600 (GS1's serial
number, AI 21, which GS1 Digital Link puts in an item's link beside its lot, AI 10). A serial
outside the lot was never made (`serial_problem`). Every scan of an item's code is recorded by
the operator's verifier service (`record_scan`), as Tmall Global's traceability app counts the
queries of each code: the first scan of a genuine item is its buyer's, and a code copied onto
fakes shows up as a code scanned again, somewhere else. Only the operator records scans, or
anyone could make genuine items look copied by scanning their serials in bulk.

Documents (certificates of origin, bills of lading, lab reports) stay off the chain: the chain
keeps only their SHA-256 fingerprints, so whoever holds a document can check it is the one that
was recorded, and nobody can read it from the chain.

A signed hand-off names its chain, its registry, its lot and its number in the lot's journey,
so a signature given for one hand-off cannot be replayed for another (the idea of EIP-155 and
EIP-712's domain separator). The contract owns those bytes (`hand_off_message`) and the check of
a signature over them (`signature_problem`); the off-chain side signs and re-checks the same.

This module is the contract and the rules it enforces. Preparing, signing, reading and verifying
a lot's journey off the chain is `minichain.contracts.custody`; the errors both sides raise are
`minichain.contracts.registry_errors`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from minichain import crypto
from minichain.contracts.registry_errors import (
    CustodyGap,
    ForgedSignature,
    HandOffOutOfOrder,
    LotAlreadyRegistered,
    MalformedRecord,
    RecalledLot,
    UnknownLot,
    UnregisteredItem,
)
from minichain.contracts.runtime import Contract, NotAllowed, public, register
from minichain.errors import short
from minichain.language import say

__all__ = [
    "LOT_ID",
    "MAX_ITEMS",
    "SIGNATURE_GAS",
    "ProductRegistry",
    "hand_off_message",
    "serial_number",
    "serial_problem",
    "signature_problem",
]

SIGNATURE_GAS = 20  # one signature check (as channel.py): far more work than reading a value
LOT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
HEX64 = re.compile(r"[0-9a-f]{64}")
MAX_TEXT = 80  # characters of a SKU, an origin, a location, a name or a reason
MAX_ITEMS = 1_000_000_000  # items in one lot


# -- the signed hand-off: what the contract checks -------------------------------------------------

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


# -- the items of a lot: what a scan checks --------------------------------------------------------

def serial_number(item: str) -> int | None:
    """The serial an item's code carries, as a number ("0042" is item 42), or None if it is not
    one (so a copy cannot pass as new by writing "042" instead of "0042")."""
    if not isinstance(item, str) or not item.isascii() or not item.isdigit() or len(item) > 40:
        return None
    return int(item)


def serial_problem(lot: str, items: int, item: str) -> UnregisteredItem | None:
    """Why `item` is not a serial of `lot`, which registered `items` items (serials 1 to
    `items`), or None if it is one."""
    if not items:
        return UnregisteredItem.without_serials(lot, item)
    serial = serial_number(item)
    if serial is None or not 1 <= serial <= items:
        return UnregisteredItem.outside(lot, item, items)
    return None


# -- the contract ----------------------------------------------------------------------------------

@register
class ProductRegistry(Contract):
    """Lots, their custody hand-offs signed by both hands, and recalls."""

    def setup(self, chain_id: int, name: str = "") -> None:
        """The deployer becomes the operator; `chain_id` is the chain's (hand-offs name it)."""
        if type(chain_id) is not int or chain_id < 0:
            raise MalformedRecord(say("the chain id must be a whole number, not {value!r}",
                                      value=chain_id))
        self.store("operator", self.caller)
        self.store("chain_id", chain_id)
        self.store("name", _text("name", name, empty=True))
        self.emit("Opened", operator=self.caller, chain_id=chain_id, registry_name=name)

    @public
    def approve_producer(self, producer: str, name: str) -> None:
        """The operator vouches for a producer, who may then register lots."""
        self._only_operator(say("approve producers"))
        _address("producer", producer)
        self.store(f"producer:{producer}", _text("producer's name", name))
        self.emit("ProducerApproved", producer=producer, producer_name=name)

    @public
    def register_lot(self, lot: str, sku: str, origin: str, document_hash: str,
                     items: int = 0) -> None:
        """An approved producer registers a new lot, with the fingerprint of its certificate and
        how many items it holds (their serials are 1 to `items`; 0: no serials)."""
        name = self.load(f"producer:{self.caller}")
        if name is None:
            raise NotAllowed(say("{caller} is not a producer approved by the registry's operator "
                                 "{operator}, so it may not register lots.",
                                 caller=short(self.caller),
                                 operator=short(self.load("operator"))))
        _lot_id(lot)
        _text("SKU", sku)
        _text("origin", origin)
        _hash(document_hash)
        if type(items) is not int or not 0 <= items <= MAX_ITEMS:
            raise MalformedRecord(say("the number of items must be a whole number from 0 to "
                                      "{limit:,}, not {value!r}", limit=MAX_ITEMS, value=items))
        existing = self.load(f"lot:{lot}")
        if existing is not None:
            raise LotAlreadyRegistered(lot, existing["producer"], existing["registered_at"])
        self.store(f"lot:{lot}", {
            "sku": sku, "producer": self.caller, "producer_name": name, "origin": origin,
            "document_hash": document_hash, "registered_at": self.now, "holder": self.caller,
            "handoffs": 0, "last_time": self.now, "recalled": False, "items": items,
        })
        self.emit("LotRegistered", lot=lot, sku=sku, producer=self.caller, origin=origin,
                  document_hash=document_hash, items=items)

    @public
    def hand_over(self, lot: str, number: int, giver: str, receiver: str, location: str,
                  time: int, document_hash: str, giver_key: str, giver_signature: str,
                  receiver_key: str, receiver_signature: str) -> None:
        """Record a hand-off signed by both hands; anyone holding both signatures may send it."""
        _lot_id(lot)
        if type(number) is not int or number < 0:
            raise MalformedRecord(say("the hand-off number must be a whole number, not {value!r}",
                                      value=number))
        if type(time) is not int or time < 0:
            raise MalformedRecord(say("the time must be a whole number, not {value!r}",
                                      value=time))
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
            raise NotAllowed(say("only the producer of lot {lot!r} ({producer}) or the registry's "
                                 "operator ({operator}) may recall it; {caller} is neither.",
                                 lot=lot, producer=short(record["producer"]),
                                 operator=short(operator), caller=short(self.caller)))
        if record["recalled"]:
            raise RecalledLot(lot, record["recalled_by"], record["recalled_at"],
                              record["recall_reason"], action="recalled again")
        _text("reason", reason, empty=True)
        self.store(f"lot:{lot}", {**record, "recalled": True, "recalled_by": self.caller,
                                  "recalled_at": self.now, "recall_reason": reason})
        self.emit("Recalled", lot=lot, by=self.caller, reason=reason)

    @public
    def record_scan(self, lot: str, item: str, location: str) -> None:
        """The operator's verifier service records a scan of item `item` of `lot` at
        `location`; the event says how many times the code has been scanned, and where first."""
        self._only_operator(say("record scans"))
        _lot_id(lot)
        if not isinstance(item, str):
            raise MalformedRecord(say("an item serial must be text, not {value!r}", value=item))
        _text("location", location)
        record = self._lot(lot)
        problem = serial_problem(lot, record.get("items", 0), item)
        if problem is not None:
            raise problem
        key = f"scan:{lot}:{serial_number(item)}"
        seen = self.load(key) or {"scans": 0, "first_time": self.now,
                                  "first_location": location}
        seen = {**seen, "scans": seen["scans"] + 1, "last_time": self.now,
                "last_location": location}
        self.store(key, seen)
        self.emit("Scanned", lot=lot, item=item, location=location, time=self.now,
                  scans=seen["scans"],
                  first_time=seen["first_time"], first_location=seen["first_location"])

    # -- rules shared by the methods ---------------------------------------------------------------
    def _only_operator(self, action: str) -> None:
        """Refuse `action` (a phrase in the language in use) to anyone but the operator."""
        operator = self.load("operator")
        if self.caller != operator:
            raise NotAllowed(say("only the registry's operator ({operator}) may {action}; "
                                 "{caller} is not the operator.", operator=short(operator),
                                 action=action, caller=short(self.caller)))

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
        raise MalformedRecord(say("a lot id must be 1 to 40 letters, digits, '.', '_' or '-', "
                                  "starting with a letter or digit, not {value!r}", value=lot))


def _label(label: str) -> str:
    """A field of a lot, hand-off or producer ("the SKU") in the language in use."""
    labels = {"name": say("the name"), "producer's name": say("the producer's name"),
              "SKU": say("the SKU"), "origin": say("the origin"), "location": say("the location"),
              "reason": say("the reason"), "producer": say("the producer"),
              "receiver": say("the receiver")}
    return labels.get(label, f"the {label}")


def _text(label: str, value: object, empty: bool = False) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT or (not value and not empty):
        least = 0 if empty else 1
        raise MalformedRecord(say("{field} must be text of {least} to {most} characters, not "
                                  "{value!r}", field=_label(label), least=least, most=MAX_TEXT,
                                  value=value))
    return value


def _hash(value: object) -> None:
    if not isinstance(value, str) or not HEX64.fullmatch(value):
        raise MalformedRecord(say("a document hash must be 64 lower-case hex digits (a SHA-256 "
                                  "fingerprint), not {value!r}", value=value))


def _address(label: str, value: object) -> None:
    problem = crypto.address_problem(value)
    if problem:
        raise MalformedRecord(say("{field} is not a valid address: {problem}",
                                  field=_label(label), problem=problem))
