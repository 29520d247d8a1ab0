"""What can go wrong with a lot of goods: the errors of the product registry and its custody walk.

Traceability as in DESIGN.md section 4, after the idea behind Tmall Global's "blockchain visa"
and the custody events of GS1 EPCIS. The same error classes serve the contract
(`minichain.contracts.registry.ProductRegistry`, refusing a call) and the off-chain walk
(`minichain.contracts.custody.verify`, naming a break): every break of a custody chain is a
`CustodyBroken`, and those the contract can also refuse are, besides, the runtime's `BadCall`,
`NotAllowed` or `WrongState`, so a refused call and a broken journey read the same.

The errors of a scan (`minichain.contracts.verifier.Verifier`) are here too: an item serial the
lot never registered, a code that names a registry or a producer the platform did not approve,
and, as a warning rather than a refusal, a code already scanned (Tmall Global's "this code has
been queried N times"). Times in messages read as dates (`date_text`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from minichain.clock import date_text
from minichain.contracts.runtime import BadCall, NotAllowed, WrongState
from minichain.errors import ValidationError, short

if TYPE_CHECKING:
    from minichain.contracts.custody import HandOff

__all__ = [
    "AlreadyScanned",
    "CustodyBroken",
    "CustodyGap",
    "DocumentMismatch",
    "ForgedSignature",
    "HandOffOutOfOrder",
    "LotAlreadyRegistered",
    "MalformedRecord",
    "NotOnRecord",
    "RecalledLot",
    "UnapprovedProducer",
    "UnknownLot",
    "UnregisteredItem",
    "UntrustedRegistry",
]


class CustodyBroken(ValidationError):
    """A link of a lot's custody chain does not hold: the goods may not be what they claim."""


class MalformedRecord(BadCall):
    """A lot or hand-off is not well formed (a lot id, address, text, time or hash)."""


class LotAlreadyRegistered(WrongState):
    """A lot id can be registered once only."""

    def __init__(self, lot: str, producer: str, time: int):
        super().__init__(f"lot {lot!r} is already registered, by {short(producer)} on "
                         f"{date_text(time)}; every lot needs an id of its own.")


class UnknownLot(WrongState, CustodyBroken):
    """No such lot is registered (or no product registry lives at the address)."""

    def __init__(self, lot: str, registry: str, why: str = ""):
        super().__init__(why or f"no lot {lot!r} is registered in registry {short(registry)}, "
                                "so nothing vouches for these goods.")


class RecalledLot(WrongState, CustodyBroken):
    """The lot was recalled by its producer or the registry's operator."""

    def __init__(self, lot: str, by: str, time: int, reason: str, action: str = "sold"):
        because = f" ({reason})" if reason else ""
        super().__init__(f"lot {lot!r} was recalled by {short(by)} on {date_text(time)}"
                         f"{because}; it may not be {action}.")


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
        return cls(f"hand-off {number} of lot {lot!r} is dated {date_text(time)}, before the "
                   f"step it follows ({date_text(earliest)}); custody cannot go back in time.")

    @classmethod
    def after(cls, lot: str, number: int, time: int, now: int) -> HandOffOutOfOrder:
        return cls(f"hand-off {number} of lot {lot!r} is dated {date_text(time)}, after this "
                   f"block's time ({date_text(now)}); a hand-off can be recorded only once it "
                   "has happened.")


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


# -- scanning an item ------------------------------------------------------------------------------

class UnregisteredItem(WrongState, CustodyBroken):
    """An item serial the lot never registered: a made-up code, or a lot registered without
    serials, so nothing tells one of its items from a copy."""

    @classmethod
    def outside(cls, lot: str, item: str, items: int) -> UnregisteredItem:
        return cls(f"lot {lot!r} registered {items} items, serials 1 to {items}; {item!r} is "
                   "not one of them, so no such item was ever made.")

    @classmethod
    def without_serials(cls, lot: str, item: str) -> UnregisteredItem:
        return cls(f"lot {lot!r} was registered without item serials, so item {item!r} cannot "
                   "be told from a copy.")

    @classmethod
    def no_serial(cls, lot: str) -> UnregisteredItem:
        return cls(f"the code names lot {lot!r} but no item serial, so this item cannot be told "
                   "from a copy.")


class UntrustedRegistry(CustodyBroken):
    """The code names a registry other than the one the verifier app trusts."""

    def __init__(self, named: str, trusted: str):
        super().__init__(f"the code names registry {short(named)}, but this app trusts only the "
                         f"platform's registry {short(trusted)}; whatever that other registry "
                         "says, the platform never vouched for it.")


class UnapprovedProducer(CustodyBroken):
    """The lot's producer is not one the platform approved (the app's own list)."""

    def __init__(self, lot: str, producer: str, claimed_name: str,
                 approved: Mapping[str, str]):
        listed = ", ".join(f"{name} at {short(address)}" for address, name in approved.items())
        super().__init__(f"lot {lot!r} was registered by {short(producer)} calling itself "
                         f"{claimed_name!r}, which is not a producer the platform approved; "
                         f"its approved producers are {listed or 'none'}.")


class AlreadyScanned(ValidationError):
    """A warning, not a refusal: this item's code was scanned before. The first scan of a
    genuine item is the shop's or the buyer's; a code copied onto fakes is scanned again and
    again, and every scan after the first says when and where the first one was."""

    def __init__(self, lot: str, item: str, times: int, first_time: int, first_location: str):
        super().__init__(f"item {item} of lot {lot!r} was already scanned {times} "
                         f"time{'s' if times != 1 else ''}, first on {date_text(first_time)} "
                         f"in {first_location}: if that was not you, this code was copied "
                         "from another item.")
        self.times, self.first_time, self.first_location = times, first_time, first_location
