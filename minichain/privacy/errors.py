"""Everything the privacy toolkit can refuse, each a `minichain.ValidationError` with one plain
sentence naming the value at fault.

The rules behind them: personal data stays off chain and can be erased (GDPR Art. 17, PIPL
Art. 47), a customer may see what is kept about her (GDPR Art. 15), a vault record must be the
one written for that customer (authenticated encryption), and a record stays in its
jurisdiction's storage (data residency).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

from minichain.errors import ValidationError
from minichain.language import say

__all__ = [
    "CommitmentMismatch",
    "CorruptVault",
    "CustomerErased",
    "DisclosureDoesNotMatch",
    "DuplicateCustomer",
    "KeyTooShort",
    "NotAVault",
    "PrivacyError",
    "ResidencyViolation",
    "SaltTooShort",
    "UnknownCustomer",
    "VaultError",
    "VaultRecordTampered",
    "WrongVaultKey",
]


def _minute(when: int) -> str:
    """A moment as the refusals show it: '2026-01-05 00:00 UTC'."""
    return datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


class PrivacyError(ValidationError):
    """Something breaks a rule about personal data."""


class SaltTooShort(PrivacyError):
    """A commitment's salt is too short to stop guessing (at least 128 bits are required)."""

    def __init__(self, length: int, minimum: int):
        super().__init__(say(
            "a salt of {length} bytes is too short: at least {minimum} bytes ({bits} bits) are "
            "needed so that nobody can guess the value behind a commitment by trying every "
            "possibility.", length=length, minimum=minimum, bits=minimum * 8))


class KeyTooShort(PrivacyError):
    """A secret key for keyed references (with `vault`, the vault's master key) is shorter than
    required."""

    def __init__(self, length: int, minimum: int, *, vault: bool = False):
        if vault:
            message = say("the vault master key is {length} bytes long; it must be at least "
                          "{minimum} bytes ({bits} bits) of secret randomness.",
                          length=length, minimum=minimum, bits=minimum * 8)
        else:
            message = say("the reference key is {length} bytes long; it must be at least "
                          "{minimum} bytes ({bits} bits) of secret randomness.",
                          length=length, minimum=minimum, bits=minimum * 8)
        super().__init__(message)


class CommitmentMismatch(PrivacyError):
    """The value and salt shown do not open the commitment."""

    def __init__(self, digest: bytes):
        super().__init__(say(
            "the value and salt shown do not open commitment {commitment}…: either the value or "
            "the salt is not the one that was committed to.", commitment=digest.hex()[:12]))


class DisclosureDoesNotMatch(PrivacyError):
    """A disclosed attribute's proof does not lead to the root recorded on chain."""

    def __init__(self, name: str, value: str):
        super().__init__(say(
            "the disclosed {name} {value!r} is not what the customer committed to: its proof does "
            "not lead to the root recorded on the chain.", name=name, value=value))


class ResidencyViolation(PrivacyError):
    """A record would be kept in, or copied to, storage outside its jurisdiction."""

    def __init__(self, what: str, jurisdiction: str, destination: str, where: str):
        super().__init__(say(
            "{what} is tagged {jurisdiction} and may only be kept in storage in {jurisdiction}, "
            "but {destination} is in {where}.", what=what, jurisdiction=jurisdiction,
            destination=destination, where=where))


# -- the vault -----------------------------------------------------------------------------------

class VaultError(PrivacyError):
    """A personal-data vault cannot do what was asked; the message names the file or the
    customer."""


class NotAVault(VaultError):
    """The file is a folder, empty, not an SQLite database, or another program's database."""

    def __init__(self, path: str | os.PathLike[str], what: str):
        super().__init__(say("{path} is not a minichain personal-data vault: {what}.",
                             path=path, what=what))
        self.path = str(path)


class CorruptVault(VaultError):
    """The vault file is damaged: SQLite cannot read it, or its contents do not fit together."""

    def __init__(self, path: str | os.PathLike[str], reason: str):
        super().__init__(say("the vault {path} is damaged and cannot be used: {reason}.",
                             path=path, reason=reason.rstrip(".。")))
        self.path = str(path)


class WrongVaultKey(VaultError):
    """The master key given is not the key this vault was created with."""

    def __init__(self, path: str | os.PathLike[str]):
        super().__init__(say(
            "the master key does not open the vault {path}: it is not the key the vault was "
            "created with, so no record in it can be read.", path=path))
        self.path = str(path)


class VaultRecordTampered(VaultError):
    """A record (with `key`, its data key) fails authentication: changed, swapped, or not written
    by this vault."""

    def __init__(self, customer_id: str, *, key: bool = False):
        if key:
            message = say("the stored data key of customer {customer} fails authentication: it "
                          "was changed after it was written, moved from another customer, or "
                          "encrypted with another key.", customer=customer_id)
        else:
            message = say("the stored record of customer {customer} fails authentication: it "
                          "was changed after it was written, moved from another customer, or "
                          "encrypted with another key.", customer=customer_id)
        super().__init__(message)
        self.customer_id = customer_id


class UnknownCustomer(VaultError):
    """The vault has never held a record for this customer."""

    def __init__(self, customer_id: str):
        super().__init__(say("the vault holds no record for customer {customer}.",
                             customer=customer_id))
        self.customer_id = customer_id


class DuplicateCustomer(VaultError):
    """A record for this customer already exists (it may be updated, not added twice)."""

    def __init__(self, customer_id: str):
        super().__init__(say(
            "the vault already holds a record for customer {customer}; update it instead of "
            "adding a second one.", customer=customer_id))
        self.customer_id = customer_id


class CustomerErased(VaultError):
    """The customer's data was erased (crypto-shredded); nothing about her can be read."""

    def __init__(self, customer_id: str, when: int, request: str):
        super().__init__(say(
            "customer {customer} was erased on {day} (request {request}): her data and its key "
            "are gone, so nothing about her can be read or restored.", customer=customer_id,
            day=_minute(when), request=request))
        self.customer_id = customer_id
        self.when = when
        self.request = request
