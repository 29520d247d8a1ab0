"""Chain files for the store and command-line tests: a good one, and ways to spoil it.

Spoiling is done the way a curious trainee or a careless copy would: with SQL on the file,
by cutting it short, by overwriting a page, by taking away permissions, or by another
program holding it. `forge_money_from_nowhere` is the careful forger: every hash, link and
state root of the forged block is consistent, so only full re-validation can catch it.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import sqlite3
import subprocess
from dataclasses import replace
from pathlib import Path

from minichain import Blockchain, ChainParams, ProofOfWork, Wallet, open_chain
from minichain.block import Block, BlockHeader, transactions_root
from minichain.receipt import receipts_root
from minichain.store import decode_diff, encode_diff, persist
from minichain.state import StateDiff

customer, shop, miner, attacker = (Wallet.from_seed(s) for s in ("customer", "shop", "miner",
                                                                   "attacker"))
PARAMS = ChainParams(allocations={customer.address: 1_000})
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def make_chain_file(path: Path, blocks: int = 4) -> Path:
    """A proof-of-work chain file: each block carries two payments from the customer."""
    with open_chain(path, ProofOfWork(), PARAMS, producers=[miner]) as chain:
        for _ in range(blocks):
            for amount in (1, 2):
                chain.submit(customer.pay(shop.address, amount, chain=chain))
            chain.produce_block()
    return path


def digest(path: Path) -> str:
    """A fingerprint of the file and its SQLite companions, to show nothing was touched."""
    h = hashlib.sha256()
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        h.update(part.read_bytes() if part.is_file() else b"-")
    return h.hexdigest()


def run_sql(path: Path, sql: str, *args: object) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute(sql, args)
    finally:
        db.close()


def stored_block(path: Path, height: int) -> tuple[Block, StateDiff]:
    db = sqlite3.connect(path)
    try:
        data, diff = db.execute("SELECT data, diff FROM blocks WHERE height = ?",
                                (height,)).fetchone()
    finally:
        db.close()
    return Block.deserialize(data), decode_diff(diff)


def change_a_payment(path: Path, height: int) -> None:
    """Rewrite one payment's amount inside a stored block (its signature no longer matches)."""
    block, _ = stored_block(path, height)
    changed = replace(block.transactions[0], amount=block.transactions[0].amount + 100)
    forged = Block(block.header, (changed, *block.transactions[1:]))
    run_sql(path, "UPDATE blocks SET data = ? WHERE height = ?", forged.serialize(), height)


def change_a_state_diff(path: Path, height: int) -> None:
    """Give the shop 500 more in what a stored block says it changed."""
    _, diff = stored_block(path, height)
    key, before, after = next(c for c in diff.changes if c[0] == f"account:{shop.address}")
    richer = (int.from_bytes(after[:8], "big") + 500).to_bytes(8, "big") + after[8:]
    changes = tuple((k, b, richer if k == key else a) for k, b, a in diff.changes)
    run_sql(path, "UPDATE blocks SET diff = ? WHERE height = ?",
            encode_diff(StateDiff(changes)), height)


def forge_money_from_nowhere(path: Path, blocks: int = 3) -> int:
    """A chain file whose last block, mined and linked like any other, pays the attacker
    1,000,000 coins out of nothing. Returns the forged block's height."""
    chain = Blockchain(ProofOfWork(), PARAMS, producers=[miner])
    for _ in range(blocks):
        chain.submit(customer.pay(shop.address, 1, chain=chain))
        chain.produce_block()
    parent = chain.tip.header
    fields = chain.engine.prepare(chain, parent, miner.address, parent.timestamp + 10)
    subsidy = chain.engine.subsidy(parent.height + 1)
    scratch = chain.state.scratch()
    scratch.credit(miner.address, subsidy)
    scratch.credit(attacker.address, 1_000_000)
    header = BlockHeader(parent_hash=parent.hash, height=parent.height + 1,
                         timestamp=fields["timestamp"], tx_root=transactions_root([]),
                         state_root=scratch.root(), receipts_root=receipts_root([]),
                         difficulty=fields["difficulty"],
                         coinbase=miner.address, reward=subsidy, extra=fields["extra"])
    forged = Block(chain.engine.seal(header, None))
    chain.restore([(forged, scratch.diff(), ())], forged.hash)  # as if it had been accepted
    persist(chain, path)
    chain.close()
    return forged.height


def truncate(path: Path, fraction: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * fraction)])


def overwrite_a_page(path: Path, page: int = 3) -> None:
    """Fill one 4 KiB page in the middle of the file with noise."""
    data = bytearray(path.read_bytes())
    start = min(page * 4096, len(data) - 4096)
    data[start:start + 4096] = hashlib.sha256(b"noise").digest() * 128
    path.write_bytes(bytes(data))


@contextlib.contextmanager
def locked_by_another_program(path: Path):
    """Hold the file as an SQLite tool can: an exclusive lock that shuts out even readers."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA locking_mode = EXCLUSIVE")
    db.execute("BEGIN EXCLUSIVE")
    db.execute("COMMIT")  # the lock stays until the connection closes
    try:
        yield
    finally:
        db.close()


@contextlib.contextmanager
def being_written_by_another_program(path: Path):
    """Another program in the middle of a write transaction."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        db.execute("ROLLBACK")
        db.close()


def _drop_permission_override() -> None:
    """Run as root without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH, so file permissions apply
    (prctl PR_CAPBSET_DROP; the capabilities leave the process when it executes Python)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def run_as_ordinary_user(command: list[str], **options) -> subprocess.CompletedProcess:
    """Run a command for which file permissions apply, even if the tests run as root."""
    return subprocess.run(command, capture_output=True, text=True,
                          preexec_fn=_drop_permission_override if IS_ROOT else None, **options)
