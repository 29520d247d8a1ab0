"""secp256k1 signatures through libsecp256k1, Bitcoin Core's C library (the `coincurve` package).

libsecp256k1 signs with RFC 6979 nonces and always gives the low-S form, as the `ecdsa` backend
does, so both produce the same 64 bytes r‖s; `coincurve` speaks DER, so signatures are converted
to the 64-byte compact form when signing. Verifying parses the compact form straight into
libsecp256k1's own structure and calls `secp256k1_ecdsa_verify` through coincurve's bindings
(the calls coincurve's `PublicKey.verify` makes, without a round trip through DER). Parsed
public keys are cached, as in the other backend.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from coincurve import PrivateKey, PublicKey
from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT
from coincurve.ecdsa import der_to_cdata, serialize_compact

NAME = "libsecp256k1"


def _sha256(message: bytes) -> bytes:
    return hashlib.sha256(message).digest()


def public_key_of(secret: int) -> bytes:
    """The 33-byte compressed SEC1 public key of a secret exponent (1 ≤ secret < n)."""
    return _private_key(secret).public_key.format(compressed=True)


def sign(secret: int, message: bytes) -> bytes:
    """64 bytes r‖s, low-S, over SHA-256(message) with an RFC 6979 nonce."""
    return serialize_compact(der_to_cdata(_private_key(secret).sign(message, hasher=_sha256)))


def verify_digest(public_key: bytes, digest: bytes, signature: bytes) -> bool:
    """Whether a canonical 64-byte signature is valid for the SHA-256 `digest` of a message by
    `public_key` (a 33-byte compressed key)."""
    key = _public_key(public_key)
    if key is None:
        return False
    parsed = ffi.new("secp256k1_ecdsa_signature *")
    if not lib.secp256k1_ecdsa_signature_parse_compact(GLOBAL_CONTEXT.ctx, parsed, signature):
        return False                    # r or s not below the curve order
    return bool(lib.secp256k1_ecdsa_verify(GLOBAL_CONTEXT.ctx, parsed, digest, key.public_key))


def forget_parsed_keys() -> None:
    """Empty the cache of parsed public keys."""
    _public_key.cache_clear()


@lru_cache(maxsize=4096)
def _private_key(secret: int) -> PrivateKey:
    return PrivateKey.from_int(secret)


@lru_cache(maxsize=65536)
def _public_key(public_key: bytes) -> PublicKey | None:
    try:
        return PublicKey(public_key)
    except ValueError:      # not a point on the curve, or not a compressed key's encoding
        return None
