"""Everything that can be wrong with a chain file, each a `ChainFileError` naming the file.
"""

from __future__ import annotations

import os

from minichain.errors import ValidationError, short
from minichain.store.format import SCHEMA_VERSION

__all__ = [
    "ChainFileChanged",
    "ChainFileError",
    "ChainFileLocked",
    "ChainFileNotFound",
    "ChainFileNotReadable",
    "ChainFileNotWritable",
    "ChainMismatch",
    "CorruptChainFile",
    "InvalidStoredBlock",
    "NewerSchema",
    "NotAChainFile",
    "OlderSchema",
    "UnknownRuntime",
]


class ChainFileError(ValidationError):
    """A chain file cannot be used as asked; the message names the file."""

    def __init__(self, path: str | os.PathLike[str], message: str):
        super().__init__(message)
        self.path = str(path)


class ChainFileNotFound(ChainFileError):
    """There is no file at the path (and nothing to create one from)."""

    def __init__(self, path: str | os.PathLike[str], hint: str = ""):
        super().__init__(path, f"there is no chain file at {path}{hint}.")


class NotAChainFile(ChainFileError):
    """The path is a folder, an empty file, not an SQLite database, or another program's."""

    def __init__(self, path: str | os.PathLike[str], what: str):
        super().__init__(path, f"{path} is not a minichain chain file: {what}.")


class ChainFileNotReadable(ChainFileError):
    """The operating system refuses to let this program read the file."""

    def __init__(self, path: str | os.PathLike[str]):
        super().__init__(path, f"{path} cannot be read: permission denied (ask its owner, or "
                               "copy it somewhere you may read it).")


class ChainFileNotWritable(ChainFileError):
    """Blocks cannot be added: the file (or its folder) is read-only, or it was opened read-only."""

    def __init__(self, path: str | os.PathLike[str], why: str):
        super().__init__(path, f"no block can be added to {path}: {why}.")


class NewerSchema(ChainFileError):
    """The file was written by a newer minichain whose format this one does not know."""

    def __init__(self, path: str | os.PathLike[str], version: int):
        super().__init__(
            path, f"{path} was written by a newer minichain (file format {version}; this one "
                  f"reads format {SCHEMA_VERSION}); upgrade minichain to open it.")


class OlderSchema(ChainFileError):
    """The file was written by an older minichain whose blocks this one no longer accepts."""

    def __init__(self, path: str | os.PathLike[str], version: int):
        super().__init__(
            path, f"{path} was written by an older minichain (file format {version}; this one "
                  f"reads format {SCHEMA_VERSION}, whose block headers also commit to their "
                  "receipts); build the chain again with this version.")


class UnknownRuntime(ChainFileError):
    """The file's chain runs a kind of runtime that this program has not loaded."""

    def __init__(self, path: str | os.PathLike[str], kind: str):
        super().__init__(
            path, f"{path} runs a runtime of kind {kind!r} that is not loaded here"
                  + (": import minichain.contracts before opening it" if kind == "contracts"
                     else ""))


class ChainMismatch(ChainFileError):
    """The file holds another chain than the one the caller described."""

    def __init__(self, path: str | os.PathLike[str], what: str, stored: object, given: object):
        def shown(value: object) -> str:
            return value if isinstance(value, str) else repr(value)

        super().__init__(
            path, f"{path} holds a different chain: its {what} is {shown(stored)}, not "
                  f"{shown(given)}; open it without parameters to use the chain it holds.")


class CorruptChainFile(ChainFileError):
    """The file is damaged: SQLite cannot read it, or what it holds does not fit together."""

    def __init__(self, path: str | os.PathLike[str], reason: str):
        reason = reason.rstrip(".")
        super().__init__(path, f"{path} is damaged and cannot be used: {reason}.")
        self.reason = reason


class InvalidStoredBlock(CorruptChainFile):
    """One stored block is not valid: it was changed after it was stored, it does not fit
    what was stored with it, or (`verify --full`) it breaks a rule of the chain."""

    def __init__(self, path: str | os.PathLike[str], height: int, block_hash: bytes, reason: str):
        reason = reason.rstrip(".")
        ChainFileError.__init__(
            self, path, f"block {height} ({short(block_hash)}) in {path} is not valid: {reason}.")
        self.reason = reason
        self.height = height
        self.block_hash = block_hash


class ChainFileLocked(ChainFileError):
    """Another program holds the file (it is writing, or holds it exclusively)."""

    def __init__(self, path: str | os.PathLike[str]):
        super().__init__(
            path, f"{path} is locked by another program (a notebook, a minichain command or an "
                  "SQLite tool is using it); close it there and try again.")


class ChainFileChanged(ChainFileError):
    """Another program added blocks to the file after this chain was opened."""

    def __init__(self, path: str | os.PathLike[str]):
        super().__init__(
            path, f"another program added blocks to {path} after it was opened here; open it "
                  "again to continue from its newest block.")
