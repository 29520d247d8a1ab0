"""A chain is a file: SQLite persistence for `Blockchain` (DESIGN.md section 7).

    chain = open_chain("shop.chain", ProofOfAuthority(validators=...), ChainParams(...),
                            producers=validators, runtime=ContractRuntime())   # creates the file
    chain.produce_block()                                                      # one commit
    chain.close()
    chain = open_chain("shop.chain", producers=validators)                # the next day

The file is an SQLite database (https://www.sqlite.org/fileformat2.html) that any SQLite tool
can read. It keeps every block the node accepted, side branches included, with the state diff
each block made (key, before, after: the undo data a reorganisation needs) and the receipt of
every transaction, and it records what makes the chain this chain: parameters, consensus engine
and contract runtime. Wallets are never stored: a chain file can be handed to a whole class.

One block is one database transaction. SQLite's commit is atomic ("Atomic Commit In SQLite",
https://www.sqlite.org/atomiccommit.html): the block's row, its transactions' rows and the new
tip are all on disk or none are, whenever the process is killed or the power fails. The file is
kept in write-ahead-log mode (https://www.sqlite.org/wal.html): a commit appends to the log and
never rewrites the database in place, and readers (`minichain explore`) see the last committed
block while a writer works. `synchronous=FULL` makes SQLite sync the log at every commit, so a
block reported as added survives a power cut too, not only a killed process (with NORMAL, WAL
mode stays consistent but may lose the last blocks on power loss; PRAGMA synchronous,
https://www.sqlite.org/pragma.html#pragma_synchronous). A block costs one sync — small next to
the signatures it carries (see bench/bench_store.py).

Each block reaches the file before the node moves on to it (the chain hands it to
`ChainFile.block_accepted` first), so the file is never behind what the node showed; if the
write fails, the node stays where it was. Reopening does not verify signatures again: the blocks,
diffs and receipts are read back, their links and receipts roots checked, and every stored diff
replayed from genesis along every branch, side branches included (a side branch's diffs are what
a later reorganisation would commit): each must start from the state before its block, each
side-branch block and the tip must end at the state root in its header. `verify_chain_file`
checks every block's Merkle, state and receipts roots and reward, and with `full=True`
re-executes every block, side branches included, and compares the results with what is stored.

Files are never unpickled or executed: blocks use the chain's canonical encoding, diffs a small
binary encoding of their own, receipts and the chain description canonical JSON. Anything else
found in a file is refused with a `ChainFileError` that names the file and says what is wrong.
Transactions still waiting in the mempool are not kept: send them again after reopening.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from minichain.block import Block, transactions_root
from minichain.chain import Blockchain
from minichain.clock import SimulatedClock
from minichain.consensus.engine import ConsensusEngine, engine_from_description
from minichain.crypto import SignatureCache
from minichain.encoding import Reader, Writer
from minichain.errors import InvalidBlock, MalformedData, ValidationError, short
from minichain.execution import Runtime, runtime_from_description
from minichain.params import ChainParams
from minichain.receipt import Receipt, receipts_root
from minichain.state import StateDiff, WorldState
from minichain.wallet import Wallet

__all__ = [
    "APPLICATION_ID",
    "SCHEMA_VERSION",
    "ChainFile",
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
    "UnknownRuntime",
    "OlderSchema",
    "check_structure",
    "decode_diff",
    "describe_chain",
    "encode_diff",
    "open_chain",
    "persist",
    "stored_blocks",
    "verify_chain_file",
]

SCHEMA_VERSION = 2  # PRAGMA user_version of the files this module writes (2: receipts roots)
APPLICATION_ID = int.from_bytes(b"MnCh", "big")  # PRAGMA application_id: "this is a chain file"
FORMAT = "minichain chain file"
BUSY_TIMEOUT = 2.0  # seconds to wait for another program's write to finish
SQLITE_MAGIC = b"SQLite format 3\x00"

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


# -- what can go wrong ---------------------------------------------------------------------------

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


# -- encoding what the file keeps ----------------------------------------------------------------

def encode_diff(diff: StateDiff) -> bytes:
    """A state diff as bytes: a count, then key, before and after of each change (absent = 0)."""
    w = Writer().uint(len(diff.changes), 4)
    for key, before, after in diff.changes:
        w.text(key)
        for value in (before, after):
            if value is None:
                w.uint(0, 1)
            else:
                w.uint(1, 1).bytes(value)
    return w.getvalue()


def decode_diff(data: bytes) -> StateDiff:
    """The inverse of `encode_diff`; raises MalformedData for anything else."""
    r = Reader(data, "state diff")
    changes = []
    for _ in range(r.uint(4)):
        key = r.text()
        values = []
        for _side in range(2):
            flag = r.uint(1)
            if flag not in (0, 1):
                raise MalformedData("the state diff data has a bad presence flag")
            values.append(r.bytes() if flag else None)
        changes.append((key, values[0], values[1]))
    r.finish()
    return StateDiff(tuple(changes))


def describe_chain(chain: Blockchain) -> dict[str, Any]:
    """What makes the chain this chain, as plain JSON values: parameters, engine, runtime (each
    engine and runtime describes itself)."""
    runtime = chain.runtime
    try:
        described = None if runtime is None else runtime.describe()
    except AttributeError:
        raise ValueError(f"a chain whose runtime is {type(runtime).__name__} cannot be kept in a "
                         "file: the runtime does not describe itself") from None
    return {"params": dataclasses.asdict(chain.params), "engine": chain.engine.describe(),
            "runtime": described}


def _params_from(path: Path, d: Any) -> ChainParams:
    try:
        fields = {f.name for f in dataclasses.fields(ChainParams)}
        if not isinstance(d, dict) or set(d) != fields:
            raise TypeError("unexpected fields")
        params = ChainParams(**d)
        for name in fields - {"name", "allocations"}:
            if type(getattr(params, name)) is not int:
                raise TypeError(name)
        if not isinstance(params.name, str) or not all(
                isinstance(a, str) and type(v) is int for a, v in params.allocations.items()):
            raise TypeError("allocations")
        return params
    except TypeError:
        raise CorruptChainFile(path, "its chain parameters are not readable") from None


def _engine_from(path: Path, d: Any) -> ConsensusEngine:
    try:
        return engine_from_description(d)
    except (TypeError, ValueError):
        raise CorruptChainFile(path, "its consensus engine is not readable") from None


def _runtime_from(path: Path, d: Any) -> Runtime | None:
    try:
        return runtime_from_description(d)
    except LookupError as missing:
        raise UnknownRuntime(path, str(missing)) from None
    except (TypeError, ValueError):
        raise CorruptChainFile(path, "its contract runtime is not readable") from None


def _receipts_json(receipts: Iterable[Receipt]) -> list[str]:
    return [receipt.to_json() for receipt in receipts]


# -- the file ------------------------------------------------------------------------------------

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
            raise ChainFileNotWritable(self.path, "it was closed (or opened again in this "
                                                  "program); open it again to add blocks")
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
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return ChainFileLocked(path)
    if name.startswith("SQLITE_NOTADB"):
        return NotAChainFile(path, "it is not an SQLite database")
    if name.startswith("SQLITE_READONLY"):
        return ChainFileNotWritable(path, "the file or its folder is read-only")
    if name.startswith(("SQLITE_PERM", "SQLITE_AUTH", "SQLITE_CANTOPEN")):
        return ChainFileNotReadable(path)
    if name.startswith("SQLITE_FULL"):
        return ChainFileNotWritable(path, "the disk is full")
    if name.startswith("SQLITE_CORRUPT"):
        return CorruptChainFile(path, "SQLite finds its pages malformed (was it cut short or "
                                      "overwritten?)")
    return CorruptChainFile(path, f"SQLite cannot use it ({error})")


# -- opening -------------------------------------------------------------------------------------

def open_chain(path: str | os.PathLike[str], engine: ConsensusEngine | None = None,
               params: ChainParams | None = None, *, producers: Iterable[Wallet] = (),
               runtime: object = None, clock: SimulatedClock | None = None,
               signatures: SignatureCache | None = None, read_only: bool = False,
               progress: Progress | None = None) -> Blockchain:
    """The chain kept at `path` (`minichain.open_chain`).

    If there is no file yet and `engine` is given, a new chain (genesis only) is created there
    from `engine`, `params` and `runtime`. If the file exists, whatever is given must match what
    it records (else ChainMismatch); what is not given is taken from the file. `read_only`
    opens it for reading only; a file this program may not write is opened that way too, and
    adding a block then says why it cannot. The chain's clock starts at its tip's time unless
    `clock` is given; `progress(done, total)` is called while the blocks are read.
    """
    path = Path(path)
    if not os.path.lexists(path):
        if engine is None or read_only:
            hint = "" if read_only else ("; to create one, give the consensus engine too, e.g. "
                                         "open_chain(path, ProofOfWork(), ChainParams())")
            raise ChainFileNotFound(path, hint)
        chain = Blockchain(engine, params, clock=clock, producers=producers,
                           signatures=signatures, runtime=runtime)
        persist(chain, path)
        return chain
    return _open_existing(path, engine, params, producers=producers, runtime=runtime,
                          clock=clock, signatures=signatures, read_only=read_only,
                          progress=progress)


def _open_existing(path: Path, engine: ConsensusEngine | None, params: ChainParams | None, *,
                   producers: Iterable[Wallet], runtime: object, clock: SimulatedClock | None,
                   signatures: SignatureCache | None, read_only: bool,
                   progress: Progress | None, check_tip_state: bool = True) -> Blockchain:
    """Open an existing file; `check_tip_state=False` leaves checking the state to the caller
    (`verify_chain_file` replays every block, which names the first one that is wrong)."""
    db, why_read_only = _connect(path, read_only)
    try:
        with _translated(path):
            description, genesis_hash, tip, rows = _read_everything(path, db)
        chain = _build(path, description, engine, params, runtime, clock, producers, signatures)
        if chain.genesis.hash != genesis_hash:
            raise CorruptChainFile(path, "its genesis block does not match its recorded "
                                         "parameters")
        stored, last_seq = _decode_rows(path, rows, progress)
        _restore(path, chain, stored, tip, check_state=check_tip_state)
    except BaseException:
        db.close()
        raise
    chain.attach_store(ChainFile(path, db, last_seq, read_only=why_read_only))
    if clock is None:
        chain.clock.advance_to(chain.tip.header.timestamp)
    return chain


def persist(chain: Blockchain, path: str | os.PathLike[str]) -> ChainFile:
    """Keep `chain` in a new file at `path` from now on: every block it holds is written now,
    every block it accepts later is committed as it is accepted.

    The file is written under a temporary name and moved into place when complete, so a crash
    while creating it leaves no half-made chain file behind.
    """
    path = Path(path)
    if os.path.lexists(path):
        raise ChainFileNotWritable(path, "a file already exists there; choose a new path")
    folder = path.parent
    if not folder.is_dir():
        raise ChainFileNotWritable(path, f"there is no folder {folder}")
    description = describe_chain(chain)
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=folder)
    except PermissionError:
        raise ChainFileNotWritable(path, "its folder is read-only") from None
    os.close(handle)
    temp = Path(temp_name)
    try:
        with _translated(path):
            db = sqlite3.connect(temp, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode = WAL")
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.executescript("BEGIN;" + _SCHEMA)  # committed below, with the blocks
                db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                    ("format", FORMAT),
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("chain_id", str(chain.params.chain_id)),
                    ("chain", json.dumps(description, sort_keys=True)),
                    ("genesis", chain.genesis.hash.hex()),
                    ("tip", chain.tip.hash.hex()),
                ])
                last_seq = 0
                for last_seq, (block, diff, receipts) in enumerate(chain.held_blocks(), 1):
                    _insert_block(db, last_seq, block, diff, receipts)
                db.execute("COMMIT")
            finally:
                db.close()
        try:
            os.link(temp, path)  # unlike a rename, fails if someone created the path meanwhile
        except FileExistsError:
            raise ChainFileNotWritable(path, "a file already exists there; choose a new "
                                             "path") from None
        except OSError:
            os.replace(temp, path)  # a file system without hard links
        _sync_folder(folder)  # the new name, too, survives a power cut
    finally:
        for leftover in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm")):
            if leftover.exists():
                leftover.unlink()
    db, _ = _connect(path, read_only=False)
    if chain.store is not None:
        chain.store.close()  # "save as": from now on, only the new file is written
    chain.attach_store(ChainFile(path, db, last_seq))
    return chain.store


def _sync_folder(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:  # not possible on every system (Windows); the file itself is synced
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _connect(path: Path, read_only: bool) -> tuple[sqlite3.Connection, str]:
    """An SQLite connection to an existing file that is a chain file, and why it is read-only
    ("" if it is not). Nothing is written to a file that turns out not to be a chain file."""
    if path.is_dir():
        raise NotAChainFile(path, "it is a folder")
    if not path.is_file():
        raise NotAChainFile(path, "it is not a regular file")
    try:
        with open(path, "rb") as f:
            head = f.read(100)
    except PermissionError:
        raise ChainFileNotReadable(path) from None
    except OSError as error:
        raise NotAChainFile(path, f"it cannot be read ({error.strerror})") from None
    _check_header(path, head)
    why = ""
    if read_only:
        why = "it was opened read-only"
    elif not os.access(path, os.W_OK):
        why = "the file is read-only"
    elif not os.access(path.parent, os.W_OK):
        why = "its folder is read-only (SQLite needs to write its log beside it)"
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    uri = path.resolve().as_uri() + ("?mode=rw" if writable else "?mode=ro")
    with _translated(path):
        db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT,
                             check_same_thread=False)
        try:
            if why:
                db.execute("PRAGMA query_only = ON")
            (application_id,) = db.execute("PRAGMA application_id").fetchone()
            (version,) = db.execute("PRAGMA user_version").fetchone()
            if application_id != APPLICATION_ID or version != SCHEMA_VERSION:
                raise CorruptChainFile(path, "its header changed while it was being opened")
            problems = [row[0] for row in db.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                first = problems[0].splitlines()[-1] if problems else "no answer"
                raise CorruptChainFile(path, f"SQLite's integrity check fails ({first})")
            if not why:
                db.execute("PRAGMA synchronous = FULL")
        except BaseException:
            db.close()
            raise
    return db, why


def _check_header(path: Path, head: bytes) -> None:
    """The first 100 bytes: SQLite's magic string, and the application id and format version
    this module writes there (https://www.sqlite.org/fileformat2.html#the_database_header)."""
    if not head:
        raise NotAChainFile(path, "it is empty")
    if not head.startswith(SQLITE_MAGIC):
        raise NotAChainFile(path, "it is not an SQLite database")
    if len(head) < 100:
        raise CorruptChainFile(path, "it ends inside the database header (it was cut short)")
    if int.from_bytes(head[68:72], "big") != APPLICATION_ID:
        raise NotAChainFile(path, "it is an SQLite database made by another program")
    version = int.from_bytes(head[60:64], "big")
    if version > SCHEMA_VERSION:
        raise NewerSchema(path, version)
    if 1 <= version < SCHEMA_VERSION:
        raise OlderSchema(path, version)
    if version < 1:
        raise CorruptChainFile(path, f"its file format number {version} is not valid")


def _read_everything(path: Path, db: sqlite3.Connection) -> tuple[dict, bytes, bytes, list]:
    """The chain's description, genesis and tip hashes, and every block row, in one snapshot."""
    db.execute("BEGIN")
    try:
        meta = dict(db.execute("SELECT key, value FROM meta"))
        if meta.get("format") != FORMAT:
            raise NotAChainFile(path, "it is an SQLite database made by another program")
        try:
            description = json.loads(meta["chain"])
            genesis, tip = bytes.fromhex(meta["genesis"]), bytes.fromhex(meta["tip"])
            if not isinstance(description, dict):
                raise ValueError("not a dictionary")
        except (KeyError, ValueError, RecursionError) as error:
            raise CorruptChainFile(path, f"its description is not readable ({error})") from None
        receipts: dict[bytes, list[tuple[int, bytes, str]]] = {}
        for block_hash, position, txid, receipt in db.execute(
                "SELECT block_hash, position, txid, receipt FROM transactions "
                "ORDER BY block_hash, position"):
            receipts.setdefault(block_hash, []).append((position, txid, receipt))
        rows = [(seq, stored_hash, height, data, diff, receipts.pop(stored_hash, []))
                for seq, stored_hash, height, data, diff in db.execute(
                    "SELECT seq, hash, height, data, diff FROM blocks ORDER BY seq")]
        if receipts:
            raise CorruptChainFile(path, "it holds transactions of blocks it does not hold")
    finally:
        db.execute("COMMIT")
    return description, genesis, tip, rows


def _build(path: Path, description: dict, engine: ConsensusEngine | None,
           params: ChainParams | None, runtime: object, clock: SimulatedClock | None,
           producers: Iterable[Wallet], signatures: SignatureCache | None) -> Blockchain:
    """A genesis-only chain as the file describes it, checked against what the caller gave."""
    stored_params = _params_from(path, description.get("params"))
    stored_engine = _engine_from(path, description.get("engine"))
    stored_runtime = _runtime_from(path, description.get("runtime"))
    stored = Blockchain(stored_engine, stored_params, runtime=stored_runtime)
    given = Blockchain(engine or stored_engine, params or stored_params,
                       runtime=stored_runtime if runtime is None else runtime)
    _same_chain(path, describe_chain(stored), describe_chain(given))
    if runtime is None:
        runtime = stored_runtime
    return Blockchain(engine or stored_engine, params or stored_params, clock=clock,
                      producers=producers, signatures=signatures, runtime=runtime)


def _same_chain(path: Path, stored: dict, given: dict) -> None:
    s_params, g_params = stored["params"], given["params"]
    for name in ("chain_id", *s_params):
        if s_params[name] != g_params[name]:
            label = "chain id" if name == "chain_id" else name.replace("_", " ")
            raise ChainMismatch(path, label, s_params[name], g_params[name])
    s_engine, g_engine = stored["engine"], given["engine"]
    if s_engine["kind"] != g_engine["kind"]:
        raise ChainMismatch(path, "consensus", s_engine["kind"], g_engine["kind"])
    for name in s_engine:
        if s_engine[name] != g_engine[name]:
            raise ChainMismatch(path, f"engine's {name.replace('_', ' ')}", s_engine[name],
                                g_engine[name])
    if stored["runtime"] != given["runtime"]:
        def words(runtime: dict | None) -> str:
            return "no contracts" if runtime is None else \
                f"contracts at gas price {runtime['gas_price']}"

        raise ChainMismatch(path, "contract runtime", words(stored["runtime"]),
                            words(given["runtime"]))


_Stored = tuple[Block, StateDiff, tuple[Receipt, ...]]


def _decode_rows(path: Path, rows: list[tuple], progress: Progress | None
                 ) -> tuple[list[_Stored], int]:
    """Blocks, diffs and receipts from their rows. Each block must hash to the id it was stored
    under, follow a stored parent, and hold the transactions its header's Merkle root and its
    stored receipts name; nothing is executed and no signature is checked."""
    stored: list[_Stored] = []
    heights: dict[bytes, int] = {}
    seq = 0
    for done, (seq, stored_hash, height, data, diff, tx_rows) in enumerate(rows, 1):
        def invalid(reason: str) -> InvalidStoredBlock:
            return InvalidStoredBlock(path, height, stored_hash, reason)

        try:
            block = Block.deserialize(data)
            state_diff = decode_diff(diff)
            receipts = tuple(Receipt.from_json(text) for _, _, text in tx_rows)
        except (MalformedData, RecursionError) as error:
            raise invalid(f"what is stored for it is not readable ({error})".rstrip(".")) \
                from None
        if block.hash != stored_hash or block.height != height:
            raise invalid(f"its header was changed after it was stored: it now hashes to "
                          f"{short(block.hash)}")
        if seq > 1 and heights.get(block.parent_hash) != height - 1:
            raise invalid(f"its parent {short(block.parent_hash)} at height {height - 1} is not "
                          "in the file (a block before it was changed or removed)")
        actual_root = transactions_root(block.transactions)
        if actual_root != block.header.tx_root:
            raise invalid(f"its transactions hash to {short(actual_root)}, not to the Merkle "
                          f"root {short(block.header.tx_root)} in its header: a transaction was "
                          "added, removed or changed")
        txids = [tx.txid for tx in block.transactions]
        if [p for p, _, _ in tx_rows] != list(range(len(txids))) \
                or [t for _, t, _ in tx_rows] != txids or [r.txid for r in receipts] != txids:
            raise invalid("its stored receipts do not match its transactions")
        if receipts_root(receipts) != block.header.receipts_root:
            raise invalid("its stored receipts do not match the receipts root in its header: a "
                          "receipt was changed")
        heights[block.hash] = height
        stored.append((block, state_diff, receipts))
        if progress is not None and (done % 256 == 0 or done == len(rows)):
            progress(done, len(rows))
    return stored, seq


def _restore(path: Path, chain: Blockchain, stored: list[_Stored], tip: bytes, *,
             check_state: bool) -> None:
    if not stored or stored[0][0].hash != chain.genesis.hash:
        raise CorruptChainFile(path, "its first block is not its genesis block")
    hashes = {block.hash for block, _, _ in stored}
    if tip not in hashes:
        raise CorruptChainFile(path, f"its tip {short(tip)} is not among its blocks")
    try:
        chain.restore(stored[1:], tip)
    except InvalidBlock as error:
        raise CorruptChainFile(path, str(error).rstrip(".")) from None
    heaviest = max(chain.total_weight(h) for h in hashes)
    if chain.total_weight(tip) < heaviest:
        raise CorruptChainFile(path, "its recorded tip is not its heaviest block")
    if check_state:
        if chain.state.root() != chain.tip.header.state_root:
            raise CorruptChainFile(path, "replaying its stored state changes does not give the "
                                         "state its newest block commits to (`minichain "
                                         "verify` finds the block)")
        check_structure(chain, path, every_root=False)


# -- checking a file -----------------------------------------------------------------------------

def verify_chain_file(path: str | os.PathLike[str], *, full: bool = False,
                      progress: Progress | None = None) -> Blockchain:
    """Open the file read-only and check it; returns the chain, or raises the first problem.

    Always: every stored block decodes to the hash it was stored under and links to its parent,
    and on every branch each block's transactions match its Merkle root, its receipts its
    transactions and its receipts root, its reward the subsidy plus its fees, and its stored
    diff starts from the state before it and ends at the state root in its header. With
    `full`, every block, side branches included, is also re-executed from genesis on a fresh
    node, every signature and seal included, and must give the diff and receipts stored for it
    (`Blockchain.revalidate`). A bad block raises InvalidStoredBlock naming it.
    """
    path = Path(path)
    if not os.path.lexists(path):
        raise ChainFileNotFound(path)
    # progress: reading is quick, replaying diffs quicker, re-validating is most of the work
    parts = (0.0, 0.1, 0.2, 1.0) if full else (0.0, 0.5, 1.0)
    chain = _open_existing(path, None, None, producers=(), runtime=None, clock=None,
                           signatures=None, read_only=True, check_tip_state=False,
                           progress=_part(progress, parts[0], parts[1]))
    chain.close()
    check_structure(chain, path, progress=_part(progress, parts[1], parts[2]))
    if full:
        report = _part(progress, parts[2], parts[3])
        total = sum(1 for _ in chain.held_blocks()) - 1
        checking: list[Block] = []

        def step(block: Block) -> None:
            checking.append(block)
            if report is not None and (len(checking) % 64 == 0 or len(checking) == total):
                report(len(checking), total)

        try:
            chain.revalidate(step)
        except InvalidBlock as error:
            raise InvalidStoredBlock(path, checking[-1].height, checking[-1].hash,
                                     str(error)) from error
    return chain


def check_structure(chain: Blockchain, path: str | os.PathLike[str] = "the chain", *,
                    progress: Progress | None = None, every_root: bool = True) -> int:
    """Replay the stored diffs of every branch on a fresh state, parents before children (a
    walk down the tree of blocks that commits each diff on the way down and reverts it on the
    way back), checking each block's Merkle root, reward and that its diff starts from the
    state before it, and its state root — on every block, or with `every_root=False` on side
    branches and the tip only (reopening, where the rest is checked by the tip's root).
    Returns the number of blocks checked."""
    children: dict[bytes, list[Block]] = {}
    for block in stored_blocks(chain):
        children.setdefault(block.parent_hash, []).append(block)
    main = {block.hash for block in chain.blocks}
    total = sum(map(len, children.values())) - 1  # genesis is its own parent's only child
    state = WorldState(chain.params.allocations)
    pending = [(block, False) for block in reversed(children.get(chain.genesis.hash, []))]
    done = 0
    while pending:
        block, leaving = pending.pop()
        if leaving:
            state.revert(chain.state_diff(block.hash))
            continue
        with_root = every_root or block.hash not in main or block.hash == chain.tip.hash
        _check_stored_block(path, chain, state, block, with_root=with_root)
        pending.append((block, True))
        pending.extend((child, False) for child in reversed(children.get(block.hash, [])))
        done += 1
        if progress is not None and (done % 256 == 0 or done == total):
            progress(done, total)
    return done


def _check_stored_block(path: str | os.PathLike[str], chain: Blockchain, state: WorldState,
                        block: Block, *, with_root: bool) -> None:
    def invalid(reason: str) -> InvalidStoredBlock:
        return InvalidStoredBlock(path, block.height, block.hash, reason)

    header = block.header
    actual_root = transactions_root(block.transactions)
    if actual_root != header.tx_root:
        raise invalid(f"its transactions hash to {short(actual_root)}, not to the Merkle root "
                      f"{short(header.tx_root)} in its header: a transaction was added, removed "
                      "or changed")
    fees = sum(receipt.fee for receipt in chain.receipts(block.hash))
    subsidy = chain.engine.subsidy(block.height)
    if header.reward != subsidy + fees:
        raise invalid(f"it claims a reward of {header.reward}, but the subsidy is {subsidy} and "
                      f"its transactions paid {fees} in fees")
    diff = chain.state_diff(block.hash)
    for key, before, _after in diff.changes:
        if state.get(key) != before:
            raise invalid(f"its stored change of {key!r} does not start from the state before "
                          "the block")
    state.commit(diff)
    if with_root and state.root() != header.state_root:
        raise invalid(f"its stored state changes lead to state {short(state.root())}, but its "
                      f"header commits to {short(header.state_root)}")


def _part(progress: Progress | None, start: float, end: float) -> Progress | None:
    """Report one stage of the work as the part from `start` to `end` of one bar (0 to 1000)."""
    if progress is None:
        return None

    def report(done: int, total: int) -> None:
        part = done / total if total else 1.0
        progress(int(1000 * (start + (end - start) * part)), 1000)

    return report


def stored_blocks(chain: Blockchain) -> Iterator[Block]:
    """Every block the chain holds, side branches included, in the order it accepted them."""
    for block, _, _ in chain.held_blocks():
        yield block
