"""Everything that can be wrong with a chain file, each a `ChainFileError` naming the file.
"""

from __future__ import annotations

import os

from minichain.errors import ValidationError, short
from minichain.language import say
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


_CONTRACTS = "contracts"  # the kind of runtime that `import minichain.contracts` loads


class ChainFileError(ValidationError):
    """A chain file cannot be used as asked; the message names the file."""

    def __init__(self, path: str | os.PathLike[str], message: str):
        super().__init__(message)
        self.path = str(path)


class ChainFileNotFound(ChainFileError):
    """There is no file at the path (and nothing to create one from)."""

    def __init__(self, path: str | os.PathLike[str], *, how_to_create: bool = False):
        if how_to_create:
            message = say("there is no chain file at {path}; to create one, give the consensus "
                          "engine too, e.g. open_chain(path, ProofOfWork(), ChainParams()).",
                          path=path)
        else:
            message = say("there is no chain file at {path}.", path=path)
        super().__init__(path, message)


class NotAChainFile(ChainFileError):
    """The path is a folder, an empty file, not an SQLite database, or another program's."""

    def __init__(self, path: str | os.PathLike[str], what: str):
        super().__init__(path, say("{path} is not a minichain chain file: {what}.", path=path,
                                   what=what))


class ChainFileNotReadable(ChainFileError):
    """The operating system refuses to let this program read the file."""

    def __init__(self, path: str | os.PathLike[str]):
        super().__init__(path, say("{path} cannot be read: permission denied (ask its owner, or "
                                   "copy it somewhere you may read it).", path=path))


class ChainFileNotWritable(ChainFileError):
    """Blocks cannot be added: the file (or its folder) is read-only, or it was opened read-only."""

    def __init__(self, path: str | os.PathLike[str], why: str):
        super().__init__(path, say("no block can be added to {path}: {why}.", path=path,
                                   why=why))


class NewerSchema(ChainFileError):
    """The file was written by a newer minichain whose format this one does not know."""

    def __init__(self, path: str | os.PathLike[str], version: int):
        super().__init__(path, say(
            "{path} was written by a newer minichain (file format {version}; this one reads "
            "format {supported}); upgrade minichain to open it.", path=path, version=version,
            supported=SCHEMA_VERSION))


class OlderSchema(ChainFileError):
    """The file was written by an older minichain whose blocks this one no longer accepts."""

    def __init__(self, path: str | os.PathLike[str], version: int):
        super().__init__(path, say(
            "{path} was written by an older minichain (file format {version}; this one reads "
            "format {supported}, whose block headers also commit to their receipts); build the "
            "chain again with this version.", path=path, version=version,
            supported=SCHEMA_VERSION))


class UnknownRuntime(ChainFileError):
    """The file's chain runs a kind of runtime that this program has not loaded."""

    def __init__(self, path: str | os.PathLike[str], kind: str):
        if kind == _CONTRACTS:
            message = say("{path} runs a runtime of kind {kind!r} that is not loaded here: import "
                          "minichain.contracts before opening it", path=path, kind=kind)
        else:
            message = say("{path} runs a runtime of kind {kind!r} that is not loaded here",
                          path=path, kind=kind)
        super().__init__(path, message)


class ChainMismatch(ChainFileError):
    """The file holds another chain than the one the caller described: `what` (a setting's name,
    in the reader's language) is `stored` in the file and `given` by the caller."""

    def __init__(self, path: str | os.PathLike[str], what: str, stored: object, given: object):
        def shown(value: object) -> str:
            return value if isinstance(value, str) else repr(value)

        super().__init__(path, say(
            "{path} holds a different chain: its {what} is {stored}, not {given}; open it "
            "without parameters to use the chain it holds.", path=path, what=what,
            stored=shown(stored), given=shown(given)))



class CorruptChainFile(ChainFileError):
    """The file is damaged: SQLite cannot read it, or what it holds does not fit together."""

    def __init__(self, path: str | os.PathLike[str], reason: str):
        reason = reason.rstrip(".。")
        super().__init__(path, say("{path} is damaged and cannot be used: {reason}.", path=path,
                                   reason=reason))
        self.reason = reason


class InvalidStoredBlock(CorruptChainFile):
    """One stored block is not valid: it was changed after it was stored, it does not fit
    what was stored with it, or (`verify --full`) it breaks a rule of the chain."""

    def __init__(self, path: str | os.PathLike[str], height: int, block_hash: bytes, reason: str):
        reason = reason.rstrip(".。")
        ChainFileError.__init__(self, path, say(
            "block {height} ({block}) in {path} is not valid: {reason}.", height=height,
            block=short(block_hash), path=path, reason=reason))
        self.reason = reason
        self.height = height
        self.block_hash = block_hash


class ChainFileLocked(ChainFileError):
    """Another program holds the file (it is writing, or holds it exclusively)."""

    def __init__(self, path: str | os.PathLike[str]):
        super().__init__(path, say(
            "{path} is locked by another program (a notebook, a minichain command or an SQLite "
            "tool is using it); close it there and try again.", path=path))


class ChainFileChanged(ChainFileError):
    """Another program added blocks to the file after this chain was opened."""

    def __init__(self, path: str | os.PathLike[str]):
        super().__init__(path, say(
            "another program added blocks to {path} after it was opened here; open it again to "
            "continue from its newest block.", path=path))
