"""The open SQLite file behind one chain: one database transaction per block, and SQLite's and
the operating system's errors turned into `ChainFileError`s that name the file.
"""

from __future__ import annotations

import os
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from minichain.block import Block
from minichain.language import say
from minichain.receipt import Receipt
from minichain.sqlite_file import error_kind
from minichain.state import StateDiff
from minichain.store.codecs import _receipts_json, encode_diff
from minichain.store.errors import (
    ChainFileChanged,
    ChainFileError,
    ChainFileLocked,
    ChainFileNotReadable,
    ChainFileNotWritable,
    CorruptChainFile,
    NotAChainFile,
)

__all__ = ["ChainFile"]


_WRITERS: dict[str, weakref.ref[ChainFile]] = {}  # real path -> this process's writer


class ChainFile:
    """The SQLite database behind one `Blockchain`; the chain hands it every block it accepts
    (`Blockchain.store`).

    One program writes to a chain file at a time. If the same program opens the file again for
    writing (a notebook cell run twice), the earlier handle is closed and the new one takes
    over; if another program has added blocks meanwhile, the next write says so
    (ChainFileChanged) instead of mixing two histories."""

    def __init__(self, path: Path, connection: sqlite3.Connection, last_seq: int, *,
                 read_only: str = ""):
        self.path = path
        self.read_only = read_only  # why no block may be written, or "" if they may
        self._db: sqlite3.Connection | None = connection
        self._last_seq = last_seq
        if not read_only:
            key = os.path.realpath(path)
            previous = _WRITERS.get(key)
            if previous is not None and previous() is not None:
                previous().close()
            _WRITERS[key] = weakref.ref(self)

    @property
    def closed(self) -> bool:
        return self._db is None

    def block_accepted(self, block: Block, diff: StateDiff, receipts: tuple[Receipt, ...],
                       becomes_tip: bool) -> None:
        """Commit one block, its transactions and receipts, and the new tip, in one transaction."""
        if self._db is None:
            raise ChainFileNotWritable(self.path, say("it was closed (or opened again in this "
                                                      "program); open it again to add blocks"))
        if self.read_only:
            raise ChainFileNotWritable(self.path, self.read_only)
        db = self._db
        seq = self._last_seq + 1
        with _translated(self.path):
            db.execute("BEGIN IMMEDIATE")
            try:
                (last,) = db.execute("SELECT MAX(seq) FROM blocks").fetchone()
                if last != self._last_seq:
                    raise ChainFileChanged(self.path)
                _insert_block(db, seq, block, diff, receipts)
                if becomes_tip:
                    db.execute("UPDATE meta SET value = ? WHERE key = 'tip'", (block.hash.hex(),))
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        self._last_seq = seq

    def close(self) -> None:
        """Let go of the file (SQLite folds its write-ahead log back into it)."""
        if self._db is None:
            return
        self._db.close()
        self._db = None
        key = os.path.realpath(self.path)
        if key in _WRITERS and _WRITERS[key]() is self:
            del _WRITERS[key]

    def __repr__(self) -> str:
        state = "closed" if self.closed else "read-only" if self.read_only else "open"
        return f"ChainFile({str(self.path)!r}, {state})"


def _insert_block(db: sqlite3.Connection, seq: int, block: Block, diff: StateDiff,
                  receipts: tuple[Receipt, ...]) -> None:
    db.execute("INSERT INTO blocks (seq, hash, parent_hash, height, data, diff) "
               "VALUES (?, ?, ?, ?, ?, ?)",
               (seq, block.hash, block.parent_hash, block.height, block.serialize(),
                encode_diff(diff)))
    db.executemany(
        "INSERT INTO transactions (block_hash, position, txid, sender, recipient, receipt) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(block.hash, i, tx.txid, tx.sender, tx.recipient, receipt)
         for i, (tx, receipt) in enumerate(zip(block.transactions,
                                               _receipts_json(receipts)))])


@contextmanager
def _translated(path: Path) -> Iterator[None]:
    """Turn SQLite's and the operating system's errors into ChainFileErrors naming the path."""
    try:
        yield
    except ChainFileError:
        raise
    except sqlite3.Error as error:
        raise _from_sqlite(path, error) from None
    except PermissionError:
        raise ChainFileNotReadable(path) from None


def _from_sqlite(path: Path, error: sqlite3.Error) -> ChainFileError:
    kind = error_kind(error)
    if kind == "locked":
        return ChainFileLocked(path)
    if kind == "not a database":
        return NotAChainFile(path, say("it is not an SQLite database"))
    if kind == "read-only":
        return ChainFileNotWritable(path, say("the file or its folder is read-only"))
    if kind == "cannot open":
        return ChainFileNotReadable(path)
    if kind == "full":
        return ChainFileNotWritable(path, say("the disk is full"))
    if kind == "damaged":
        return CorruptChainFile(path, say("SQLite finds its pages malformed (was it cut short or "
                                          "overwritten?)"))
    return CorruptChainFile(path, say("SQLite cannot use it ({error})", error=error))
