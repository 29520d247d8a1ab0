"""secp256k1 signatures in pure Python, through the `ecdsa` package (RFC 6979 nonces, low-S).

The fallback backend: slow (a few hundred verifications a second) but it runs wherever Python
does, the browser edition included. Keys and parsed public keys are cached, so a wallet or a
sender seen before costs no second parse.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from ecdsa import SECP256k1, BadSignatureError, SigningKey, VerifyingKey
from ecdsa.util import sigdecode_string, sigencode_string_canonize

NAME = "ecdsa"


def public_key_of(secret: int) -> bytes:
    """The 33-byte compressed SEC1 public key of a secret exponent (1 ≤ secret < n)."""
    return _signing_key(secret).get_verifying_key().to_string("compressed")


def sign(secret: int, message: bytes) -> bytes:
    """64 bytes r‖s, low-S, over SHA-256(message) with an RFC 6979 nonce."""
    return _signing_key(secret).sign_deterministic(
        message, hashfunc=hashlib.sha256, sigencode=sigencode_string_canonize)


def verify_digest(public_key: bytes, digest: bytes, signature: bytes) -> bool:
    """Whether a canonical 64-byte signature is valid for the SHA-256 `digest` of a message by
    `public_key` (a 33-byte compressed key)."""
    key = _verifying_key(public_key)
    if key is None:
        return False
    try:
        return key.verify_digest(signature, digest, sigdecode=sigdecode_string)
    except BadSignatureError:
        return False


def forget_parsed_keys() -> None:
    """Empty the cache of parsed public keys."""
    _verifying_key.cache_clear()


@lru_cache(maxsize=4096)
def _signing_key(secret: int) -> SigningKey:
    return SigningKey.from_secret_exponent(secret, curve=SECP256k1, hashfunc=hashlib.sha256)


@lru_cache(maxsize=65536)
def _verifying_key(public_key: bytes) -> VerifyingKey | None:
    """Parse (decompress) a public key once; later signatures by the same key reuse it."""
    try:
        return VerifyingKey.from_string(public_key, curve=SECP256k1, hashfunc=hashlib.sha256)
    except Exception:  # ecdsa raises several types for points that are not on the curve
        return None
