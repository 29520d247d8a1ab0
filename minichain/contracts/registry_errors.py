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
from minichain.language import say, say_n, translate

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
        super().__init__(say("lot {lot!r} is already registered, by {producer} on {date}; every "
                             "lot needs an id of its own.",
                             lot=lot, producer=short(producer), date=date_text(time)))


class UnknownLot(WrongState, CustodyBroken):
    """No such lot is registered (or no product registry lives at the address)."""

    def __init__(self, lot: str, registry: str, why: str = ""):
        super().__init__(why or say("no lot {lot!r} is registered in registry {registry}, so "
                                    "nothing vouches for these goods.",
                                    lot=lot, registry=short(registry)))


# What a recalled lot may no longer be: the `action` of RecalledLot.
RECALL_ACTIONS = ("sold", "handed on", "recalled again")


def _recalled(lot: str, by: str, date: str, reason: str, action: str) -> str:
    values = {"lot": lot, "by": by, "date": date, "reason": reason}
    if action == "handed on":
        if reason:
            return say("lot {lot!r} was recalled by {by} on {date} ({reason}); it may not be "
                       "handed on.", **values)
        return say("lot {lot!r} was recalled by {by} on {date}; it may not be handed on.",
                   **values)
    if action == "recalled again":
        if reason:
            return say("lot {lot!r} was recalled by {by} on {date} ({reason}); it may not be "
                       "recalled again.", **values)
        return say("lot {lot!r} was recalled by {by} on {date}; it may not be recalled again.",
                   **values)
    if reason:
        return say("lot {lot!r} was recalled by {by} on {date} ({reason}); it may not be sold.",
                   **values)
    return say("lot {lot!r} was recalled by {by} on {date}; it may not be sold.", **values)


class RecalledLot(WrongState, CustodyBroken):
    """The lot was recalled by its producer or the registry's operator."""

    def __init__(self, lot: str, by: str, time: int, reason: str, action: str = "sold"):
        if action not in RECALL_ACTIONS:
            raise ValueError(f"a recalled lot may not be {' or '.join(RECALL_ACTIONS)}, "
                             f"not {action!r}")
        super().__init__(_recalled(lot, short(by), date_text(time), reason, action))


class ForgedSignature(NotAllowed, CustodyBroken):
    """A hand-off's signature is missing, malformed, or not that of the address it names."""

    def __init__(self, lot: str, number: int, role: str, address: str, signer: str | None = None,
                 missing: bool = False):
        if role not in ("giver", "receiver"):
            raise ValueError(f"a hand-off is signed by its giver and its receiver, not {role!r}")
        values = {"number": number, "lot": lot, "address": short(address)}
        giver = role == "giver"
        if missing:
            message = say("hand-off {number} of lot {lot!r} carries no valid signature from its "
                          "giver {address}; both hands must sign.", **values) if giver else \
                say("hand-off {number} of lot {lot!r} carries no valid signature from its "
                    "receiver {address}; both hands must sign.", **values)
        elif signer is not None:
            values["signer"] = short(signer)
            message = say("the giver's key on hand-off {number} of lot {lot!r} belongs to "
                          "{signer}, not to {address}: someone signed in {address}'s place.",
                          **values) if giver else \
                say("the receiver's key on hand-off {number} of lot {lot!r} belongs to "
                    "{signer}, not to {address}: someone signed in {address}'s place.", **values)
        else:
            message = say("the giver's signature on hand-off {number} of lot {lot!r} is not "
                          "{address}'s: the hand-off was changed after it was signed, signed for "
                          "another lot or registry, or signed by someone else.",
                          **values) if giver else \
                say("the receiver's signature on hand-off {number} of lot {lot!r} is not "
                    "{address}'s: the hand-off was changed after it was signed, signed for "
                    "another lot or registry, or signed by someone else.", **values)
        super().__init__(message)


class CustodyGap(NotAllowed, CustodyBroken):
    """A hand-off does not start with whoever held the lot: a gap between holders."""

    def __init__(self, lot: str, number: int, giver: str, holder: str):
        super().__init__(say("hand-off {number} of lot {lot!r} is from {giver}, but the lot was "
                             "then with {holder}; only the holder can hand it on.",
                             number=number, lot=lot, giver=short(giver), holder=short(holder)))


class HandOffOutOfOrder(WrongState, CustodyBroken):
    """A hand-off out of turn (its number) or out of time (its date)."""

    @classmethod
    def wrong_number(cls, lot: str, number: int, count: int) -> HandOffOutOfOrder:
        return cls(say("lot {lot!r} has had {count} hand-offs, so the next is number {next}, "
                       "not {number}.", lot=lot, count=count, next=count + 1, number=number))

    @classmethod
    def before(cls, lot: str, number: int, time: int, earliest: int) -> HandOffOutOfOrder:
        return cls(say("hand-off {number} of lot {lot!r} is dated {date}, before the step it "
                       "follows ({earliest}); custody cannot go back in time.",
                       number=number, lot=lot, date=date_text(time),
                       earliest=date_text(earliest)))

    @classmethod
    def after(cls, lot: str, number: int, time: int, now: int) -> HandOffOutOfOrder:
        return cls(say("hand-off {number} of lot {lot!r} is dated {date}, after this block's "
                       "time ({now}); a hand-off can be recorded only once it has happened.",
                       number=number, lot=lot, date=date_text(time), now=date_text(now)))


class DocumentMismatch(CustodyBroken):
    """An off-chain document does not re-hash to the fingerprint recorded for it."""

    def __init__(self, lot: str, number: int, recorded: str, actual: str):
        values = {"number": number, "lot": lot, "actual": actual[:12], "recorded": recorded[:12]}
        if number == 0:
            message = say("the document presented for registration of lot {lot!r} hashes to "
                          "{actual}…, not to the {recorded}… recorded: it is not the document "
                          "that was signed for.", **values)
        else:
            message = say("the document presented for hand-off {number} of lot {lot!r} hashes to "
                          "{actual}…, not to the {recorded}… recorded: it is not the document "
                          "that was signed for.", **values)
        super().__init__(message)


class NotOnRecord(CustodyBroken):
    """A journey presented on paper differs from the one recorded on the chain."""

    @classmethod
    def differs(cls, lot: str, number: int, presented: HandOff, recorded: HandOff) -> NotOnRecord:
        return cls(say("hand-off {number} of lot {lot!r} as presented ({presented}) is not the "
                       "one recorded on the chain ({recorded}).", number=number, lot=lot,
                       presented=presented.summary(), recorded=recorded.summary()))

    @classmethod
    def unrecorded(cls, lot: str, number: int, presented: HandOff, count: int) -> NotOnRecord:
        return cls(say("hand-off {number} of lot {lot!r} as presented ({presented}) was never "
                       "recorded; the chain records {count} hand-offs of the lot.",
                       number=number, lot=lot, presented=presented.summary(), count=count))

    @classmethod
    def left_out(cls, lot: str, number: int, recorded: HandOff) -> NotOnRecord:
        return cls(say("the chain records hand-off {number} of lot {lot!r} ({recorded}), which "
                       "the journey presented leaves out.", number=number, lot=lot,
                       recorded=recorded.summary()))


# -- scanning an item ------------------------------------------------------------------------------

class UnregisteredItem(WrongState, CustodyBroken):
    """An item serial the lot never registered: a made-up code, or a lot registered without
    serials, so nothing tells one of its items from a copy."""

    @classmethod
    def outside(cls, lot: str, item: str, items: int) -> UnregisteredItem:
        return cls(say("lot {lot!r} registered {items} items, serials 1 to {items}; {item!r} is "
                       "not one of them, so no such item was ever made.",
                       lot=lot, items=items, item=item))

    @classmethod
    def without_serials(cls, lot: str, item: str) -> UnregisteredItem:
        return cls(say("lot {lot!r} was registered without item serials, so item {item!r} "
                       "cannot be told from a copy.", lot=lot, item=item))

    @classmethod
    def no_serial(cls, lot: str) -> UnregisteredItem:
        return cls(say("the code names lot {lot!r} but no item serial, so this item cannot be "
                       "told from a copy.", lot=lot))


class UntrustedRegistry(CustodyBroken):
    """The code names a registry other than the one the verifier app trusts."""

    def __init__(self, named: str, trusted: str):
        super().__init__(say("the code names registry {named}, but this app trusts only the "
                             "platform's registry {trusted}; whatever that other registry says, "
                             "the platform never vouched for it.",
                             named=short(named), trusted=short(trusted)))


class UnapprovedProducer(CustodyBroken):
    """The lot's producer is not one the platform approved (the app's own list)."""

    def __init__(self, lot: str, producer: str, claimed_name: str,
                 approved: Mapping[str, str]):
        values = {"lot": lot, "producer": short(producer), "name": claimed_name}
        if not approved:
            super().__init__(say("lot {lot!r} was registered by {producer} calling itself "
                                 "{name!r}, which is not a producer the platform approved; its "
                                 "approved producers are none.", **values))
            return
        # TRANSLATORS: the separator between the items of a list ("a, b, c"); Chinese: "、".
        separator = translate(", ")
        listed = separator.join(say("{name} at {address}", name=name, address=short(address))
                                for address, name in approved.items())
        super().__init__(say("lot {lot!r} was registered by {producer} calling itself {name!r}, "
                             "which is not a producer the platform approved; its approved "
                             "producers are {listed}.", listed=listed, **values))


class AlreadyScanned(ValidationError):
    """A warning, not a refusal: this item's code was scanned before. The first scan of a
    genuine item is the shop's or the buyer's; a code copied onto fakes is scanned again and
    again, and every scan after the first says when and where the first one was."""

    def __init__(self, lot: str, item: str, times: int, first_time: int, first_location: str):
        super().__init__(say_n("item {item} of lot {lot!r} was already scanned {count} time, "
                               "first on {date} in {location}: if that was not you, this code "
                               "was copied from another item.",
                               "item {item} of lot {lot!r} was already scanned {count} times, "
                               "first on {date} in {location}: if that was not you, this code "
                               "was copied from another item.", times, item=item, lot=lot,
                               date=date_text(first_time), location=first_location))
        self.times, self.first_time, self.first_location = times, first_time, first_location
