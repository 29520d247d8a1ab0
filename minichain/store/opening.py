"""Creating a chain file, and opening one again: read every block, diff and receipt, check their
links and roots, replay the stored diffs of every branch, and hand the chain the blocks it
checked before (`Blockchain.restore`) without checking their signatures again.
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from minichain.block import Block
from minichain.chain import Blockchain
from minichain.clock import SimulatedClock
from minichain.consensus.engine import ConsensusEngine, engine_title
from minichain.crypto import SignatureCache
from minichain.errors import InvalidBlock, MalformedData, MerkleRootMismatch, short
from minichain.language import say, translate
from minichain.merkle import merkle_root
from minichain.params import ChainParams
from minichain.receipt import Receipt, receipts_root
from minichain.sqlite_file import Header, HeaderProblem, integrity_problem, read_header
from minichain.state import StateDiff
from minichain.wallet import Wallet
from minichain.store.codecs import decode_diff, describe_chain
from minichain.store.codecs import _engine_from, _params_from, _runtime_from
from minichain.store.errors import (
    ChainFileNotFound,
    ChainFileNotReadable,
    ChainFileNotWritable,
    ChainMismatch,
    CorruptChainFile,
    InvalidStoredBlock,
    NewerSchema,
    NotAChainFile,
    OlderSchema,
)
from minichain.store.file import ChainFile, _insert_block, _translated
from minichain.store.format import (
    APPLICATION_ID,
    BUSY_TIMEOUT,
    FORMAT,
    Progress,
    SCHEMA_VERSION,
)
from minichain.store.format import _SCHEMA
from minichain.store.replay import check_structure

__all__ = ["open_chain", "persist"]


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
            raise ChainFileNotFound(path, how_to_create=not read_only)
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
            raise CorruptChainFile(path, say("its genesis block does not match its recorded "
                                             "parameters"))
        with _collector_paused():
            stored, last_seq = _decode_rows(path, rows, progress)
            _restore(path, chain, stored, tip, check_state=check_tip_state)
    except BaseException:
        db.close()
        raise
    chain.attach_store(ChainFile(path, db, last_seq, read_only=why_read_only))
    if clock is None:
        chain.clock.advance_to(chain.tip.header.timestamp)
    return chain


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file's blocks are read: they make many
    objects and no garbage, and each collection would walk all of them again (up to a fifth of
    the time of reopening a long chain in a program that already holds many objects)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def persist(chain: Blockchain, path: str | os.PathLike[str]) -> ChainFile:
    """Keep `chain` in a new file at `path` from now on: every block it holds is written now,
    every block it accepts later is committed as it is accepted.

    The file is written under a temporary name and moved into place when complete, so a crash
    while creating it leaves no half-made chain file behind.
    """
    path = Path(path)
    if os.path.lexists(path):
        raise ChainFileNotWritable(path, say("a file already exists there; choose a new path"))
    folder = path.parent
    if not folder.is_dir():
        raise ChainFileNotWritable(path, say("there is no folder {folder}", folder=folder))
    description = describe_chain(chain)
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=folder)
    except PermissionError:
        raise ChainFileNotWritable(path, say("its folder is read-only")) from None
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
            raise ChainFileNotWritable(path, say("a file already exists there; choose a new "
                                                 "path")) from None
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
        raise NotAChainFile(path, say("it is a folder"))
    if not path.is_file():
        raise NotAChainFile(path, say("it is not a regular file"))
    try:
        header = read_header(path, APPLICATION_ID)
    except PermissionError:
        raise ChainFileNotReadable(path) from None
    except OSError as error:
        raise NotAChainFile(path, say("it cannot be read ({error})",
                                      error=error.strerror)) from None
    _check_header(path, header)
    why = ""
    if read_only:
        why = say("it was opened read-only")
    elif not os.access(path, os.W_OK):
        why = say("the file is read-only")
    elif not os.access(path.parent, os.W_OK):
        why = say("its folder is read-only (SQLite needs to write its log beside it)")
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
                raise CorruptChainFile(path, say("its header changed while it was being opened"))
            problem = integrity_problem(db)
            if problem:
                raise CorruptChainFile(path, say("SQLite's integrity check fails ({problem})",
                                                 problem=problem))
            if not why:
                db.execute("PRAGMA synchronous = FULL")
        except BaseException:
            db.close()
            raise
    return db, why


def _check_header(path: Path, header: Header | HeaderProblem) -> None:
    """SQLite's magic string, and the application id and format version this module writes in
    the first 100 bytes (see `minichain.sqlite_file`)."""
    if isinstance(header, HeaderProblem):
        raise (CorruptChainFile if header.damaged else NotAChainFile)(path, header.reason)
    version = header.user_version
    if version > SCHEMA_VERSION:
        raise NewerSchema(path, version)
    if 1 <= version < SCHEMA_VERSION:
        raise OlderSchema(path, version)
    if version < 1:
        raise CorruptChainFile(path, say("its file format number {version} is not valid",
                                         version=version))


def _read_everything(path: Path, db: sqlite3.Connection) -> tuple[dict, bytes, bytes, list]:
    """The chain's description, genesis and tip hashes, and every block row, in one snapshot."""
    db.execute("BEGIN")
    try:
        meta = dict(db.execute("SELECT key, value FROM meta"))
        if meta.get("format") != FORMAT:
            raise NotAChainFile(path, say("it is an SQLite database made by another program"))
        try:
            description = json.loads(meta["chain"])
            genesis, tip = bytes.fromhex(meta["genesis"]), bytes.fromhex(meta["tip"])
            if not isinstance(description, dict):
                raise ValueError(say("not a dictionary"))
        except (KeyError, ValueError, RecursionError) as error:
            raise CorruptChainFile(path, say("its description is not readable ({error})",
                                             error=error)) from None
        receipts: dict[bytes, list[tuple[int, bytes, str]]] = {}
        for block_hash, position, txid, receipt in db.execute(
                "SELECT block_hash, position, txid, receipt FROM transactions "
                "ORDER BY block_hash, position"):
            receipts.setdefault(block_hash, []).append((position, txid, receipt))
        rows = [(seq, stored_hash, height, data, diff, receipts.pop(stored_hash, []))
                for seq, stored_hash, height, data, diff in db.execute(
                    "SELECT seq, hash, height, data, diff FROM blocks ORDER BY seq")]
        if receipts:
            raise CorruptChainFile(path, say("it holds transactions of blocks it does not hold"))
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
            raise ChainMismatch(path, _parameter(name), s_params[name], g_params[name])
    s_engine, g_engine = stored["engine"], given["engine"]
    s_kind, g_kind = s_engine["kind"], g_engine["kind"]
    if s_kind != g_kind:
        raise ChainMismatch(path, translate("consensus"), engine_title(s_kind),
                            engine_title(g_kind))
    for name in s_engine:
        if s_engine[name] != g_engine[name]:
            raise ChainMismatch(path, _engine_setting(name), s_engine[name], g_engine[name])
    s_runtime, g_runtime = stored["runtime"], given["runtime"]
    if s_runtime != g_runtime:
        def words(runtime: dict | None) -> str:
            if runtime is None:
                return say("no contracts")
            return say("contracts at gas price {price}", price=runtime["gas_price"])

        raise ChainMismatch(path, translate("contract runtime"), words(s_runtime),
                            words(g_runtime))


def _parameter(name: str) -> str:
    """A chain parameter (a field of ChainParams) as a refusal names it."""
    names = {
        "chain_id": translate("chain id"),
        # TRANSLATORS: the chain's name, one of its parameters
        "name": translate("name"),
        # TRANSLATORS: the balances the genesis block gives, one of the chain's parameters
        "allocations": translate("allocations"),
        "genesis_time": translate("genesis time"),
        "max_money": translate("max money"),
        "max_transaction_size": translate("max transaction size"),
        "max_block_size": translate("max block size"),
        "max_block_transactions": translate("max block transactions"),
    }
    return names.get(name, name.replace("_", " "))


def _engine_setting(name: str) -> str:
    """A setting of the consensus engine as a refusal names it."""
    names = {
        "pow_limit_bits": translate("engine's pow limit bits"),
        "initial_bits": translate("engine's initial bits"),
        "target_spacing": translate("engine's target spacing"),
        "retarget_interval": translate("engine's retarget interval"),
        "block_subsidy": translate("engine's block subsidy"),
        "halving_interval": translate("engine's halving interval"),
        "bitcoin_off_by_one": translate("engine's bitcoin off by one"),
        "validators": translate("engine's validators"),
        "period": translate("engine's period"),
        "epoch": translate("engine's epoch"),
    }
    if name in names:
        return names[name]
    return say("engine's {setting}", setting=name.replace("_", " "))


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
        try:
            block = Block.deserialize(data)
            state_diff = decode_diff(diff)
            receipts = tuple(Receipt.from_json(text) for _, _, text in tx_rows)
        except (MalformedData, RecursionError) as error:
            raise InvalidStoredBlock(path, height, stored_hash, say(
                "what is stored for it is not readable ({error})",
                error=error)) from None
        problem = _row_problem(block, stored_hash, height, tx_rows, receipts,
                               heights if seq > 1 else None)
        if problem:
            raise InvalidStoredBlock(path, height, stored_hash, problem)
        heights[stored_hash] = height
        stored.append((block, state_diff, receipts))
        if progress is not None and (done % 256 == 0 or done == len(rows)):
            progress(done, len(rows))
    return stored, seq


def _row_problem(block: Block, stored_hash: bytes, height: int, tx_rows: list[tuple],
                 receipts: tuple[Receipt, ...], heights: dict[bytes, int] | None) -> str | None:
    """What is wrong with one decoded row, or None: its hash and height, its parent (among
    `heights`, the blocks read before it; None for genesis), Merkle root and receipts."""
    header = block.header
    if header.hash != stored_hash or header.height != height:
        return say("its header was changed after it was stored: it now hashes to {block}",
                   block=short(block.hash))
    if heights is not None and heights.get(header.parent_hash) != height - 1:
        return say("its parent {parent} at height {height} is not in the file (a block before "
                   "it was changed or removed)", parent=short(header.parent_hash),
                   height=height - 1)
    txids = [tx.txid for tx in block.transactions]
    actual_root = merkle_root(txids)
    if actual_root != header.tx_root:
        return str(MerkleRootMismatch(header.tx_root, actual_root))
    if [(p, t) for p, t, _ in tx_rows] != list(enumerate(txids)) \
            or [r.txid for r in receipts] != txids:
        return say("its stored receipts do not match its transactions")
    if receipts_root(receipts) != header.receipts_root:
        return say("its stored receipts do not match the receipts root in its header: a "
                   "receipt was changed")
    return None


def _restore(path: Path, chain: Blockchain, stored: list[_Stored], tip: bytes, *,
             check_state: bool) -> None:
    if not stored or stored[0][0].hash != chain.genesis.hash:
        raise CorruptChainFile(path, say("its first block is not its genesis block"))
    hashes = {block.hash for block, _, _ in stored}
    if tip not in hashes:
        raise CorruptChainFile(path, say("its tip {tip} is not among its blocks",
                                         tip=short(tip)))
    try:
        chain.restore(stored[1:], tip)
    except InvalidBlock as error:
        raise CorruptChainFile(path, str(error).rstrip(".")) from None
    heaviest = max(chain.total_weight(h) for h in hashes)
    if chain.total_weight(tip) < heaviest:
        raise CorruptChainFile(path, say("its recorded tip is not its heaviest block"))
    if check_state:
        if chain.state.root() != chain.tip.header.state_root:
            raise CorruptChainFile(path, say("replaying its stored state changes does not give "
                                             "the state its newest block commits to "
                                             "(`minichain verify` finds the block)"))
        check_structure(chain, path, every_root=False)
