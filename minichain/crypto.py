"""Hashing, keys, signatures and addresses.

Keys live on secp256k1, the curve of Bitcoin and Ethereum (SEC 2, section 2.4.1). Signatures are
ECDSA over SHA-256 of the message with the nonce derived deterministically from the key and the
message (RFC 6979), so the same wallet signing the same payment always produces the same 64 bytes
r‖s. They are computed by libsecp256k1 (Bitcoin Core's library, through `coincurve`) where it is
installed and by the pure-Python `ecdsa` package elsewhere (minichain.secp256k1): the bytes are
the same either way, and `backend` names the one in use.

Low-S is a consensus rule (Bitcoin's BIP 62/BIP 146 "LOW_S"): for every valid signature (r, s)
the pair (r, n − s) is valid too, so without the rule anyone could change a transaction's id
without the key. `sign` always produces the low form and `verify` rejects the high one.

Addresses are the last 20 bytes of SHA3-256 of the compressed public key, written in hex with a
mixed-case checksum in the style of EIP-55: a letter is upper case when the matching nibble of
the hash of the lower-case address is 8 or more. (EIP-55 uses Keccak-256; the standard library
has SHA3-256, which differs only in padding, so we use that.) A mistyped character changes the
expected capitalisation and is caught.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from minichain import secp256k1
from minichain.language import say

__all__ = [
    "CURVE_ORDER",
    "SignatureCache",
    "address_from_public_key",
    "available_backends",
    "backend",
    "forget_parsed_keys",
    "is_valid_address",
    "sha256",
    "sign",
    "sm3",
    "to_checksum_address",
    "use_backend",
    "verify",
]

CURVE_ORDER: int = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141  # SEC 2
SIGNATURE_SIZE = 64
# r and s as 32 bytes each are compared with these (bytes of equal length compare as numbers)
ZERO_32 = bytes(32)
ORDER_32 = CURVE_ORDER.to_bytes(32, "big")
HALF_ORDER_32 = (CURVE_ORDER // 2).to_bytes(32, "big")
PUBLIC_KEY_SIZE = 33
ADDRESS_BYTES = 20


def sha256(data: bytes) -> bytes:
    """The SHA-256 fingerprint of `data` (32 bytes)."""
    return hashlib.sha256(data).digest()


def sm3(data: bytes) -> bytes:
    """The SM3 fingerprint of `data` (32 bytes): China's national hash (GB/T 32905-2016), which
    Chinese consortium chains offer beside SHA-256. minichain's own chain never uses it; it comes
    from OpenSSL through `hashlib`, or, where OpenSSL lacks it (the browser edition's Python), from
    the pure-Python `gmssl` package; a Python with neither says so."""
    try:
        return hashlib.new("sm3", data).digest()
    except ValueError:
        pass
    try:
        from gmssl import func, sm3 as gmssl_sm3
    except ImportError:
        raise ValueError(say("this Python's OpenSSL has no SM3 (hashlib.algorithms_available "
                             "does not list 'sm3')")) from None
    return bytes.fromhex(gmssl_sm3.sm3_hash(func.bytes_to_list(bytes(data))))


# -- keys and signatures -------------------------------------------------------------------------

_backend = secp256k1.default()
backend: str = _backend.NAME
"""The signature backend in use: "libsecp256k1" or "ecdsa"."""


def available_backends() -> list[str]:
    """The signature backends this Python can use, fastest first."""
    return secp256k1.available()


@contextmanager
def use_backend(name: str) -> Iterator[str]:
    """Sign and verify with the backend `name` inside the `with` block (for comparing them)."""
    global _backend, backend
    previous = _backend
    _backend = secp256k1.load(name)
    backend = _backend.NAME
    try:
        yield backend
    finally:
        _backend, backend = previous, previous.NAME


def public_key_of(secret: int) -> bytes:
    """The 33-byte compressed SEC1 public key of a secret exponent."""
    _check_secret(secret)
    return _public_key_of(secret)


@lru_cache(maxsize=4096)
def _public_key_of(secret: int) -> bytes:
    # the same bytes from either backend, so one cache serves both
    return _backend.public_key_of(secret)


def sign(secret: int, message: bytes) -> bytes:
    """Sign SHA-256(message) with RFC 6979 deterministic ECDSA; returns 64 bytes r‖s with low S."""
    _check_secret(secret)
    return _backend.sign(secret, bytes(message))


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True if `signature` is a valid low-S signature of `message` by `public_key`.

    Returns False, never raises, for a wrong, malformed or high-S signature or a malformed key.
    """
    return _verify_digest(public_key, sha256(message), signature)


def _verify_digest(public_key: bytes, digest: bytes, signature: bytes) -> bool:
    if not _is_canonical(signature) or not isinstance(public_key, (bytes, bytearray)) or \
            len(public_key) != PUBLIC_KEY_SIZE:
        return False
    return _backend.verify_digest(bytes(public_key), digest, bytes(signature))


def _is_canonical(signature: bytes) -> bool:
    """64 bytes, 1 ≤ r, s < n, and s in the lower half of the range (low-S)."""
    if not isinstance(signature, (bytes, bytearray)) or len(signature) != SIGNATURE_SIZE:
        return False
    # big-endian numbers of equal width compare as their bytes do: no conversion to int
    return ZERO_32 < signature[:32] < ORDER_32 and ZERO_32 < signature[32:] <= HALF_ORDER_32


def forget_parsed_keys() -> None:
    """Empty the backends' caches of parsed keys (benchmarks measure a node that parses)."""
    for name in available_backends():
        secp256k1.load(name).forget_parsed_keys()


def _check_secret(secret: int) -> None:
    if not isinstance(secret, int) or not 1 <= secret < CURVE_ORDER:
        raise ValueError("a secret key must be between 1 and the curve order")


def _cache_key(public_key: bytes, digest: bytes, signature: bytes) -> bytes:
    # the triple itself, 129 bytes: nothing to hash for every payment, nothing that can collide
    # (Bitcoin Core hashes it to save memory: a full cache of 200,000 takes 51 MB, not 33)
    return bytes(public_key) + digest + bytes(signature)


class SignatureCache:
    """Remembers signatures already found valid, as Bitcoin Core's signature cache does.

    A transaction checked when it entered the mempool need not be checked again when it arrives
    in a block, and simulated nodes in one process may share one cache. Only successes are
    remembered, keyed by (public key, the message's hash, signature), so a cache can never make an
    invalid signature pass: results are the same with and without it.
    """

    def __init__(self, max_entries: int = 200_000):
        self.max_entries = max_entries
        self._entries: OrderedDict[bytes, None] = OrderedDict()
        self.hits = 0

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        digest = sha256(message)
        key = _cache_key(public_key, digest, signature)
        if key in self._entries:
            self.hits += 1
            return True
        if not _verify_digest(public_key, digest, signature):
            return False
        self._remember(key)
        return True

    def knows(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """Whether this signature was already found valid (a cache hit, without counting it)."""
        return _cache_key(public_key, sha256(message), signature) in self._entries

    def remember(self, public_key: bytes, message: bytes, signature: bytes) -> None:
        """File a signature found valid elsewhere (by `crypto.verify` in worker processes, see
        minichain.signature_batch): only ever call it with a signature that verified."""
        self._remember(_cache_key(public_key, sha256(message), signature))

    def _remember(self, key: bytes) -> None:
        self._entries[key] = None
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


# -- addresses -----------------------------------------------------------------------------------

def address_from_public_key(public_key: bytes) -> str:
    """The checksummed address of a public key, e.g. '0x3F2a…'."""
    return _address_of(bytes(public_key))


@lru_cache(maxsize=65536)
def _address_of(public_key: bytes) -> str:
    # customers pay again and again: each key's address is worked out once
    return to_checksum_address(hashlib.sha3_256(public_key).digest()[-ADDRESS_BYTES:])


def to_checksum_address(raw: bytes) -> str:
    """Write 20 address bytes as '0x' + hex, upper-casing letters where the checksum says so."""
    plain = raw.hex()
    checksum = hashlib.sha3_256(plain.encode("ascii")).hexdigest()
    return "0x" + "".join(
        char.upper() if char.isalpha() and int(checksum[i], 16) >= 8 else char
        for i, char in enumerate(plain)
    )


def address_problem(address: object) -> str | None:
    """Why `address` is not a well-formed checksummed address (a phrase in the language in
    use), or None if it is."""
    if not isinstance(address, str):
        return say("an address must be text like '0x3F2a…', not {kind}",
                   kind=type(address).__name__)
    problem = _address_problem(address)
    if problem is None:
        return None
    shown = repr(address if len(address) <= 60 else address[:57] + "…")  # a 4 kB "address"
    if problem == _NOT_SHAPED:
        return say("{shown} is not an address: it should be '0x' followed by 40 hex characters",
                   shown=shown)
    if problem == _NOT_HEX:
        return say("{shown} is not an address: it contains characters that are not hex digits",
                   shown=shown)
    return say("{address} fails its checksum: a character is mistyped or its capitalisation "
               "was changed", address=address)


_NOT_SHAPED, _NOT_HEX, _BAD_CHECKSUM = 1, 2, 3  # what _address_problem found


@lru_cache(maxsize=65536)
def _address_problem(address: str) -> int | None:
    """Which problem `address` has (one of the three above), or None; remembered, since
    customers pay the same addresses again and again."""
    if not address.startswith("0x") or len(address) != 2 + 2 * ADDRESS_BYTES:
        return _NOT_SHAPED
    try:
        raw = bytes.fromhex(address[2:])
    except ValueError:
        return _NOT_HEX
    if to_checksum_address(raw) != address:
        return _BAD_CHECKSUM
    return None


def is_valid_address(address: object) -> bool:
    """True if `address` is '0x' + 40 hex characters with the right checksum capitalisation."""
    return address_problem(address) is None


def address_bytes(address: str) -> bytes:
    """The 20 raw bytes behind a (valid) address."""
    return bytes.fromhex(address[2:])
