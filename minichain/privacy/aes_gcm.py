"""AES-256-GCM for the personal-data vault, through one of two kept libraries that produce and
accept exactly the same bytes.

GCM is NIST SP 800-38D (Dworkin 2007, after McGrew & Viega, "The Galois/Counter Mode of
Operation (GCM)", 2005): AES in counter mode keeps the text secret and a GHASH tag authenticates
it together with its associated data, so a ciphertext changed by one bit, or opened with another
key, nonce or associated data, is refused. Neither backend is written here:

- `openssl`: OpenSSL's AES-GCM through the `cryptography` package (compiled code); used wherever
  `cryptography` is installed (`make lab`, `make test`).
- `python`: tlslite-ng's AES-GCM in pure Python (`tlslite.utils.python_aesgcm`; tlslite-ng is
  kept by the maintainer of `ecdsa`, the kit's pure-Python signature library): the fallback
  wherever `cryptography` is missing, which is the browser edition (Pyodide; `cryptography` has
  no WebAssembly build on PyPI or npm). Much slower (milliseconds per record, not microseconds)
  and, as tlslite-ng says, not hardened against timing side channels: right for a lesson in the
  trainee's own browser tab, not for a shop's server.

Both are used the same narrow way: 256-bit keys, 96-bit nonces (the IV length SP 800-38D
section 8.2 recommends, and the only one tlslite-ng's GCM takes) and 128-bit tags written after
the ciphertext, as both libraries write them. Other lengths are refused by both alike, and a
failed authentication is `AuthenticationFailed` whichever library found it, so the vault never
sees a library's own exception.

`MINICHAIN_VAULT_CIPHER=python` (or `=openssl`) chooses the backend, as `MINICHAIN_CRYPTO`
chooses the signature backend (minichain.secp256k1); otherwise the fastest one installed.
`backend` names the one in use, `description()` says it in the reader's language, and
`use_backend(...)` switches while a program runs (the tests write a vault with one backend and
read it with the other).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib.metadata import version
from types import ModuleType
from typing import Protocol

from minichain.language import say

__all__ = ["BACKENDS", "KEY_BYTES", "NONCE_BYTES", "TAG_BYTES", "AuthenticationFailed",
           "CipherUnavailable", "available_backends", "backend", "decrypt", "description",
           "encrypt", "new_key", "new_nonce", "use_backend"]

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96 bits, SP 800-38D section 8.2
TAG_BYTES = 16  # 128 bits
ENVIRONMENT = "MINICHAIN_VAULT_CIPHER"
ALIASES = {"cryptography": "openssl", "tlslite-ng": "python", "tlslite": "python",
           "pure-python": "python"}


class AuthenticationFailed(Exception):
    """A ciphertext was changed, or is opened with another key, nonce or associated data than it
    was sealed with (whichever backend found it)."""

    def __init__(self) -> None:
        super().__init__(say("the ciphertext fails authentication: it was changed, or the key, "
                             "the nonce or the associated data is not the one it was sealed "
                             "with."))


class CipherUnavailable(ImportError):
    """The AES-GCM backend asked for, or any at all, cannot be used in this Python."""


class _Backend(Protocol):
    name: str
    library: str  # the package and its version, as the lesson shows it

    def encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, associated: bytes) -> bytes:
        """The ciphertext followed by its 16-byte tag."""

    def decrypt(self, key: bytes, nonce: bytes, ciphertext: bytes, associated: bytes
                ) -> bytes | None:
        """The plaintext, or None if authentication fails."""


class _OpenSSL:
    """OpenSSL's AES-GCM through `cryptography` (AESGCM, its AEAD interface)."""

    name = "openssl"

    def __init__(self) -> None:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aesgcm, self._invalid_tag = AESGCM, InvalidTag
        self.library = f"cryptography {version('cryptography')}"

    def encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, associated: bytes) -> bytes:
        return self._aesgcm(key).encrypt(nonce, plaintext, associated)

    def decrypt(self, key: bytes, nonce: bytes, ciphertext: bytes, associated: bytes
                ) -> bytes | None:
        try:
            return self._aesgcm(key).decrypt(nonce, ciphertext, associated)
        except self._invalid_tag:
            return None


class _PurePython:
    """tlslite-ng's pure-Python AES-GCM (`python_aesgcm.new(key)`: `seal` gives ciphertext‖tag,
    `open` gives the plaintext or None)."""

    name = "python"

    def __init__(self) -> None:
        self._new = _tlslite_aes_gcm().new
        self.library = f"tlslite-ng {version('tlslite-ng')}"

    def encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, associated: bytes) -> bytes:
        return bytes(self._new(bytearray(key)).seal(bytearray(nonce), bytearray(plaintext),
                                                     bytearray(associated)))

    def decrypt(self, key: bytes, nonce: bytes, ciphertext: bytes, associated: bytes
                ) -> bytes | None:
        opened = self._new(bytearray(key)).open(bytearray(nonce), bytearray(ciphertext),
                                                bytearray(associated))
        return None if opened is None else bytes(opened)


def _tlslite_aes_gcm() -> ModuleType:
    """tlslite-ng's module `tlslite.utils.python_aesgcm`.

    tlslite-ng's package `__init__` loads its whole TLS stack, and with it modules that some
    Pythons lack: Pyodide has no `dbm`, which the stack's password databases import. The cipher
    needs none of it. Where that import fails, the package is registered without running its
    `__init__` (the real one cannot run in this Python anyway) and the cipher's own modules are
    loaded from the installed package as usual."""
    # tlslite's `__init__` also imports its asyncore integration, which Python 3.11 deprecates
    # (3.12 removed asyncore, and tlslite then skips it)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return importlib.import_module("tlslite.utils.python_aesgcm")
        except ImportError:
            if "tlslite" in sys.modules or (spec := importlib.util.find_spec("tlslite")) is None:
                raise
    sys.modules["tlslite"] = importlib.util.module_from_spec(spec)
    return importlib.import_module("tlslite.utils.python_aesgcm")


BACKENDS: dict[str, Callable[[], _Backend]] = {"openssl": _OpenSSL, "python": _PurePython}
"""The backends, fastest first."""


@cache
def _load(name: str) -> _Backend:
    key = ALIASES.get(name, name)
    if key not in BACKENDS:
        raise CipherUnavailable(say("there is no AES-GCM backend called {name!r}; choose one of "
                                    "{choices}", name=name, choices=", ".join(BACKENDS)))
    try:
        return BACKENDS[key]()
    except ImportError as error:
        raise CipherUnavailable(say("the {backend} AES-GCM backend cannot be used here: {error}",
                                    backend=key, error=error)) from None


def available_backends() -> list[str]:
    """The AES-GCM backends this Python can use, fastest first."""
    names = []
    for name in BACKENDS:
        try:
            _load(name)
        except CipherUnavailable:
            continue
        names.append(name)
    return names


def _default() -> _Backend:
    """The backend MINICHAIN_VAULT_CIPHER names, else the fastest one installed (loading no
    other)."""
    chosen = os.environ.get(ENVIRONMENT, "").strip()
    if chosen:
        return _load(chosen)
    reasons = []
    for name in BACKENDS:
        try:
            return _load(name)
        except CipherUnavailable as error:
            reasons.append(str(error))
    raise CipherUnavailable(say("the personal-data vault needs AES-256-GCM from the "
                                "`cryptography` package or, in pure Python, from `tlslite-ng`, "
                                "and neither can be used here: {reasons}",
                                reasons="; ".join(reasons)))


_backend: _Backend = _default()
backend: str = _backend.name
"""The AES-GCM backend in use: "openssl" or "python"."""


@contextmanager
def use_backend(name: str) -> Iterator[str]:
    """Encrypt and decrypt with the backend `name` inside the `with` block."""
    global _backend, backend
    previous = _backend
    _backend = _load(name)
    backend = _backend.name
    try:
        yield backend
    finally:
        _backend, backend = previous, previous.name


def description() -> str:
    """Which AES-GCM implementation the vault uses here, in plain words."""
    if _backend.name == "openssl":
        return say("The vault encrypts with AES-256-GCM from OpenSSL, through {library}: "
                   "compiled code, the fast implementation.", library=_backend.library)
    return say("The vault encrypts with AES-256-GCM from {library}, written in pure Python: "
               "the browser edition's implementation, slower, the same bytes.",
               library=_backend.library)


def new_key() -> bytes:
    """A fresh 256-bit key from the operating system's randomness (os.urandom, which the browser
    edition draws from the browser's crypto.getRandomValues)."""
    return os.urandom(KEY_BYTES)


def new_nonce() -> bytes:
    """A fresh random 96-bit nonce; with a random nonce, SP 800-38D section 8.3 allows 2^32
    encryptions under one key."""
    return os.urandom(NONCE_BYTES)


def encrypt(key: bytes, nonce: bytes, plaintext: bytes, associated: bytes = b"") -> bytes:
    """AES-256-GCM: the ciphertext (as long as the plaintext) followed by its 16-byte tag, which
    authenticates it and `associated` (data that is not encrypted but must not change)."""
    _check(key, nonce)
    return _backend.encrypt(bytes(key), bytes(nonce), bytes(plaintext), bytes(associated))


def decrypt(key: bytes, nonce: bytes, ciphertext: bytes, associated: bytes = b"") -> bytes:
    """The plaintext of `encrypt`'s output; AuthenticationFailed if the ciphertext, the tag, the
    key, the nonce or the associated data is not what it was sealed with."""
    _check(key, nonce)
    if len(ciphertext) < TAG_BYTES:
        raise AuthenticationFailed()
    opened = _backend.decrypt(bytes(key), bytes(nonce), bytes(ciphertext), bytes(associated))
    if opened is None:
        raise AuthenticationFailed()
    return opened


def _check(key: bytes, nonce: bytes) -> None:
    """The same lengths for both backends (`cryptography` alone would take others)."""
    if len(key) != KEY_BYTES:
        raise ValueError(say("an AES-256 key is {expected} bytes long, not {length}.",
                             expected=KEY_BYTES, length=len(key)))
    if len(nonce) != NONCE_BYTES:
        raise ValueError(say("an AES-GCM nonce here is {expected} bytes (96 bits) long, not "
                             "{length}.", expected=NONCE_BYTES, length=len(nonce)))
