"""secp256k1 signatures through one of two backends that produce and accept the same bytes.

- `libsecp256k1`: Bitcoin Core's own C library, through the `coincurve` package (about fifty
  times faster); used when it is installed.
- `ecdsa`: the pure-Python `ecdsa` package; the fallback wherever `coincurve` is missing (the
  browser edition runs on it).

Both sign with RFC 6979 deterministic nonces over SHA-256 and give the low-S form, so a wallet
signs the same 64 bytes r‖s whichever backend runs, and both accept exactly the same signatures
(minichain.crypto checks the encoding and the low-S rule before either sees a signature).
`MINICHAIN_CRYPTO=ecdsa` (or `=libsecp256k1`) chooses one; `minichain.crypto.use_backend(...)`
switches while a program runs (lesson 10 measures both).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from minichain.language import say

__all__ = ["BACKENDS", "BackendUnavailable", "available", "load"]

BACKENDS = {"libsecp256k1": "minichain.secp256k1.libsecp256k1",
            "ecdsa": "minichain.secp256k1.pure_python"}
ALIASES = {"coincurve": "libsecp256k1", "pure-python": "ecdsa"}


class BackendUnavailable(RuntimeError):
    """A backend was asked for by name but cannot be used here."""


def load(name: str) -> ModuleType:
    """The backend module called `name` ("libsecp256k1" or "ecdsa")."""
    key = ALIASES.get(name, name)
    if key not in BACKENDS:
        raise BackendUnavailable(say("there is no signature backend called {name!r}; choose "
                                     "one of {choices}", name=name, choices=", ".join(BACKENDS)))
    try:
        return importlib.import_module(BACKENDS[key])
    except ImportError as error:
        raise BackendUnavailable(say("the {backend} backend cannot be used here: {error}",
                                     backend=key, error=error)) from None


def available() -> list[str]:
    """The backends this Python can use, fastest first."""
    names = []
    for name in BACKENDS:
        try:
            load(name)
        except BackendUnavailable:
            continue
        names.append(name)
    return names


def default() -> ModuleType:
    """The backend `MINICHAIN_CRYPTO` names, else the fastest one installed."""
    chosen = os.environ.get("MINICHAIN_CRYPTO", "").strip()
    return load(chosen) if chosen else load(available()[0])
