"""Receipts: what executing each transaction did (Ethereum yellow paper, section 4.3.1).

A payment always succeeds once it is in a block; a contract call may fail (its effects are
undone but the fee is still paid). The receipt records which, the fee actually paid, the gas a
contract used, the events it emitted and, for a failure, the plain-language reason.

A block's header commits to its receipts with a Merkle root (`receipts_root`, as Ethereum's
receiptsRoot), so a stored or relayed receipt cannot be changed unnoticed. The root covers what
execution decides — success, fee, gas, events, the contract created — but not the reason's
wording, which is written for people and may change between releases (Ethereum's receipts, too,
record a status and no message; EIP-658).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from string import hexdigits as HEX_DIGITS
from typing import Any

from minichain import merkle
from minichain.clock import date_text
from minichain.errors import MalformedData
from minichain.language import say
from minichain.names import name_of

__all__ = ["Event", "Receipt", "field_text", "receipts_root"]


@dataclass(frozen=True)
class Event:
    """Something a contract announced, e.g. ("Shipped", {"order": 7})."""

    contract: str
    name: str
    fields: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.fields.items())
        return f"{self.name}({shown})"

    def describe(self) -> str:
        """The event as a person reads it: 'Funded: amount=120, ship_deadline=2026-01-04 00:00:10
        UTC', with addresses by their names (`minichain.names`) and times as dates."""
        shown = ", ".join(f"{key}={field_text(key, value)}" for key, value in self.fields.items())
        return f"{self.name}: {shown}" if shown else self.name


def field_text(key: str, value: Any) -> str:
    """One event field for people: a hash by its first digits, an address by its name, a time
    (a field named `time`, or ending in `deadline` or `_at`) as a date, anything else as it is."""
    if isinstance(value, str) and len(value) >= 32 and all(c in HEX_DIGITS for c in value):
        return value[:12] + "…"  # a hash, by its first digits
    if isinstance(value, str):
        return name_of(value)
    if isinstance(value, int) and not isinstance(value, bool) and (
            key == "time" or key.endswith(("deadline", "_at"))):
        return date_text(value)
    return str(value)


@dataclass(frozen=True)
class Receipt:
    """The outcome of one transaction in a block."""

    txid: bytes
    success: bool
    fee: int
    gas_used: int = 0
    events: tuple[Event, ...] = ()
    error: str = ""
    contract: str | None = None  # the address a deployment created

    @classmethod
    def of_payment(cls, txid: bytes, fee: int) -> Receipt:
        """A plain payment's receipt: it succeeded and paid `fee` (once in a block, a payment
        always succeeds). Every field is set as __init__ would set it, without its one
        object.__setattr__ per field of a frozen dataclass: a node writes one per payment."""
        receipt = object.__new__(cls)
        receipt.__dict__.update(txid=txid, success=True, fee=fee, gas_used=0, events=(),
                                error="", contract=None)
        return receipt

    def to_json(self) -> str:
        """A canonical JSON text (for storage and explorers)."""
        return json.dumps({
            "txid": self.txid.hex(), "success": self.success, "fee": self.fee,
            "gas_used": self.gas_used, "error": self.error, "contract": self.contract,
            "events": [[e.contract, e.name, e.fields] for e in self.events],
        }, sort_keys=True, separators=(",", ":"))

    def committed(self) -> bytes:
        """The canonical bytes the block's receipts root covers (everything but `error`)."""
        if not self.events and self.contract is None and type(self.success) is bool \
                and type(self.fee) is int and type(self.gas_used) is int:
            # a plain payment's receipt, written out as json.dumps below would write it
            return (f'{{"contract":null,"events":[],"fee":{self.fee},"gas_used":{self.gas_used},'
                    f'"success":{"true" if self.success else "false"},'
                    f'"txid":"{self.txid.hex()}"}}').encode("ascii")
        return json.dumps({
            "txid": self.txid.hex(), "success": self.success, "fee": self.fee,
            "gas_used": self.gas_used, "contract": self.contract,
            "events": [[e.contract, e.name, e.fields] for e in self.events],
        }, sort_keys=True, separators=(",", ":")).encode("ascii")

    @classmethod
    def from_json(cls, text: str) -> Receipt:
        try:
            d = json.loads(text)
            return cls(
                txid=bytes.fromhex(d["txid"]), success=bool(d["success"]), fee=int(d["fee"]),
                gas_used=int(d["gas_used"]), error=str(d["error"]), contract=d["contract"],
                events=tuple(Event(c, n, dict(f)) for c, n, f in d["events"]),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise MalformedData(say("a stored receipt is not readable ({error})",
                                    error=error)) from None


def receipts_root(receipts: tuple[Receipt, ...] | list[Receipt]) -> bytes:
    """The Merkle root a block's header holds over its transactions' receipts."""
    return merkle.merkle_root([receipt.committed() for receipt in receipts])
