"""The bare baseline the signature benchmarks compare with: verifying the same signatures with
the backend's own objects and nothing else, keys parsed and signatures decoded beforehand (the
strictest baseline: the part of a node's work no node can skip, done as cheaply as the library
allows)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

Check = tuple[bytes, bytes, bytes]  # public key, signature, signed message


def bare_verify_loop(backend: str, checks: Sequence[Check]) -> Callable[[], None]:
    """A function that verifies every check with `backend` ("libsecp256k1" or "ecdsa")."""
    if backend == "libsecp256k1":
        from coincurve import PublicKey
        from coincurve.ecdsa import cdata_to_der, deserialize_compact

        keys = {key: PublicKey(key) for key, _, _ in checks}
        work = [(keys[key], cdata_to_der(deserialize_compact(signature)), message)
                for key, signature, message in checks]

        def sha256(message: bytes) -> bytes:
            return hashlib.sha256(message).digest()

        def bare() -> None:
            for key, signature, message in work:
                assert key.verify(signature, message, hasher=sha256)
        return bare

    from ecdsa import SECP256k1, VerifyingKey
    from ecdsa.util import sigdecode_string

    keys = {key: VerifyingKey.from_string(key, curve=SECP256k1) for key, _, _ in checks}
    work = [(keys[key], signature, message) for key, signature, message in checks]

    def bare() -> None:
        for key, signature, message in work:
            assert key.verify(signature, message, hashfunc=hashlib.sha256,
                              sigdecode=sigdecode_string)
    return bare
