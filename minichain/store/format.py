"""What a chain file is: SQLite with minichain's application id, format version and tables
(https://www.sqlite.org/fileformat2.html#the_database_header).
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = [
    "APPLICATION_ID",
    "BUSY_TIMEOUT",
    "FORMAT",
    "Progress",
    "SCHEMA_VERSION",
]



SCHEMA_VERSION = 2  # PRAGMA user_version of the files this module writes (2: receipts roots)
APPLICATION_ID = int.from_bytes(b"MnCh", "big")  # PRAGMA application_id: "this is a chain file"
FORMAT = "minichain chain file"
BUSY_TIMEOUT = 2.0  # seconds to wait for another program's write to finish

Progress = Callable[[int, int], object]  # (done, total)

_SCHEMA = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE blocks (
    seq INTEGER PRIMARY KEY,        -- the order the node accepted blocks in: parents first
    hash BLOB NOT NULL UNIQUE,      -- the block's id (double SHA-256 of its header)
    parent_hash BLOB NOT NULL,
    height INTEGER NOT NULL,
    data BLOB NOT NULL,             -- Block.serialize(): header and transactions
    diff BLOB NOT NULL              -- the state diff it made: undo data for reorganisations
);
CREATE TABLE transactions (
    block_hash BLOB NOT NULL REFERENCES blocks (hash),
    position INTEGER NOT NULL,
    txid BLOB NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    receipt TEXT NOT NULL,          -- Receipt.to_json(): success, fee, gas, events, error
    PRIMARY KEY (block_hash, position)
) WITHOUT ROWID;
"""
