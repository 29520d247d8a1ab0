"""Salted commitments and keyed references: what may stand on a chain instead of personal data.

A chain is copied to every node and never forgets, so personal data must not be written on it in
clear (EU Blockchain Observatory and Forum 2018, "Blockchain and the GDPR"; CNIL 2018,
"Blockchain: solutions for a responsible use"; EDPB Guidelines 02/2025 on processing of
personal data through blockchain technologies). What may stand there instead:

- A **salted commitment** SHA-256(tag ‖ salt ‖ value) with a secret random salt of at least 128
  bits. Whoever holds the value and the salt can show that the commitment is theirs; without the
  salt, trying every possible value is useless. Once the salt is destroyed (kept only in the
  off-chain vault, see `minichain.privacy.vault`), nobody can ever link the commitment back to
  the person, which is what CNIL and the EDPB point to when data on a chain cannot be erased.
- A **keyed reference** HMAC-SHA256(key, value) (RFC 2104), for looking the same customer up
  again without revealing her: only the holder of the key can compute or check it.

An **unsalted hash** is not anonymisation: phone numbers, postcodes and birthdays come from small
spaces, so the hash is reversed by trying them all (see `minichain.privacy.guessing`). The EDPB
(2025) and the Article 29 Working Party (Opinion 05/2014 on anonymisation techniques, on
pseudonymisation by hashing) say so plainly.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field

from minichain.crypto import sha256
from minichain.language import say
from minichain.privacy.errors import CommitmentMismatch, KeyTooShort, SaltTooShort

__all__ = [
    "MIN_KEY_BYTES",
    "MIN_SALT_BYTES",
    "Commitment",
    "SeededSalts",
    "check_opening",
    "commit",
    "commitment_digest",
    "keyed_reference",
    "new_salt",
    "opens",
    "unsalted_hash",
]

MIN_SALT_BYTES = 16  # 128 bits
MIN_KEY_BYTES = 16
_TAG = b"minichain/commitment/v1\x00"


def _bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def new_salt() -> bytes:
    """16 bytes from the operating system's randomness (`secrets`): the salt for real data."""
    return secrets.token_bytes(MIN_SALT_BYTES)


class SeededSalts:
    """Salts from a seed phrase, so that a lesson shows the same commitments on every machine.

    For teaching only, like `Wallet.from_seed`: anyone who knows the seed knows every salt.
    Real data uses `new_salt()` (the default everywhere)."""

    def __init__(self, seed: str):
        self._key = sha256(b"minichain/teaching-salts\x00" + seed.encode("utf-8"))
        self._count = 0

    def __call__(self) -> bytes:
        self._count += 1
        return hmac.new(self._key, self._count.to_bytes(8, "big"), "sha256").digest()[
            :MIN_SALT_BYTES]


def _check_salt(salt: bytes) -> None:
    if len(salt) < MIN_SALT_BYTES:
        raise SaltTooShort(len(salt), MIN_SALT_BYTES)


def commitment_digest(value: str | bytes, salt: bytes) -> bytes:
    """SHA-256(tag ‖ salt length ‖ salt ‖ value): 32 bytes that fix `value`, hiding it."""
    _check_salt(salt)
    return sha256(_TAG + len(salt).to_bytes(2, "big") + salt + _bytes(value))


@dataclass(frozen=True)
class Commitment:
    """A commitment (`digest`, safe to publish) and the salt that opens it (keep it secret,
    off chain)."""

    digest: bytes
    salt: bytes = field(repr=False)

    def __str__(self) -> str:
        return say("commitment {commitment}…", commitment=self.digest.hex()[:16])

    @property
    def fingerprint(self) -> str:
        """The digest as the hex text a contract stores (what goes on the chain)."""
        return self.digest.hex()


def commit(value: str | bytes, salt: bytes | None = None) -> Commitment:
    """Commit to `value` with `salt` (a fresh random 128-bit salt if none is given)."""
    salt = new_salt() if salt is None else bytes(salt)
    return Commitment(commitment_digest(value, salt), salt)


def opens(digest: bytes | str, value: str | bytes, salt: bytes) -> bool:
    """True if `value` and `salt` are what `digest` (bytes, or the hex text a contract stores)
    commits to."""
    if isinstance(digest, str):
        try:
            digest = bytes.fromhex(digest)
        except ValueError:
            return False
    if len(salt) < MIN_SALT_BYTES:
        return False
    return hmac.compare_digest(commitment_digest(value, salt), digest)


def check_opening(digest: bytes, value: str | bytes, salt: bytes) -> None:
    """Raise CommitmentMismatch unless `value` and `salt` open `digest`."""
    if not opens(digest, value, salt):
        raise CommitmentMismatch(digest)


def keyed_reference(key: bytes, value: str | bytes) -> bytes:
    """HMAC-SHA256(key, value) (RFC 2104): the same customer always gets the same reference,
    but only the key's holder can compute it, so the reference alone reveals nothing."""
    if len(key) < MIN_KEY_BYTES:
        raise KeyTooShort(len(key), MIN_KEY_BYTES)
    return hmac.new(key, _bytes(value), "sha256").digest()


def unsalted_hash(value: str | bytes) -> bytes:
    """SHA-256 of the value alone: what NOT to publish (anyone can try every phone number)."""
    return sha256(_bytes(value))
