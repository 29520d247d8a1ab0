"""Pulling the plug: a writer killed with SIGKILL at random moments loses no committed block
and never leaves half a block (DESIGN.md section 7).

A writer process (tests/store_crash_writer.py) appends blocks of one to three payments to a
chain file and prints each block after its database transaction has committed. It is killed
at a random (seeded) moment, sixty times, on a proof-of-work and a proof-of-authority file in
turn; each kill leaves SQLite's write-ahead log to be recovered. After every kill the file is
reopened and must hold every printed block at its height (and at most one block more: committed
but killed before it could print), every block's transactions and receipts in full and none
without their block, and must re-validate from genesis, every signature included. The next
writer then reopens the same file and extends it.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from minichain import open_chain
from minichain.block import Block
from minichain.store import verify_chain_file

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

WRITER = Path(__file__).parent / "store_crash_writer.py"
KILLS = 60
SEED = 20261125


def run_writer_until_killed(path: Path, kind: str, delay: float) -> tuple[list[str], bool]:
    """Start a writer, let it append for `delay` seconds after its first committed block, then
    SIGKILL it. Returns the lines it printed and whether it left a write-ahead log behind."""
    writer = subprocess.Popen([sys.executable, str(WRITER), str(path), kind],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = writer.stdout.readline()  # it has committed a block: it is appending now
    if not first:
        writer.kill()
        pytest.fail(f"the writer stopped: {writer.communicate()[1].decode()}")
    time.sleep(delay)
    writer.send_signal(signal.SIGKILL)
    rest, _ = writer.communicate()
    assert writer.returncode == -signal.SIGKILL
    wal_left = Path(f"{path}-wal").exists()
    text = (first + rest).decode()
    return [line for line in text.splitlines(keepends=True) if line.endswith("\n")], wal_left


def assert_no_partial_block(path: Path) -> None:
    """Straight from SQLite: every block row has all its transaction rows, none is orphaned."""
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = db.execute("SELECT seq, hash, data FROM blocks ORDER BY seq").fetchall()
        assert [seq for seq, _, _ in rows] == list(range(1, len(rows) + 1))
        counts = dict(db.execute("SELECT block_hash, COUNT(*) FROM transactions "
                                 "GROUP BY block_hash"))
        for _, block_hash, data in rows:
            block = Block.deserialize(data)
            assert block.hash == block_hash
            assert counts.pop(block_hash, 0) == len(block.transactions)
        assert counts == {}, "transactions without their block"
        (tip,) = db.execute("SELECT value FROM meta WHERE key = 'tip'").fetchone()
        assert bytes.fromhex(tip) == rows[-1][1]  # no side branches here: the tip is the last
    finally:
        db.close()


def test_a_writer_killed_at_random_moments_loses_no_committed_block_and_halves_none(tmp_path):
    rng = random.Random(SEED)
    files = {"pow": tmp_path / "pow.chain", "poa": tmp_path / "poa.chain"}
    printed: dict[str, dict[int, bytes]] = {kind: {} for kind in files}
    committed_unprinted = wal_left_behind = 0
    for kill in range(KILLS):
        kind = "pow" if kill % 2 == 0 else "poa"
        path = files[kind]
        lines, wal_left = run_writer_until_killed(path, kind, delay=rng.uniform(0.0, 0.06))
        wal_left_behind += wal_left
        for line in lines:
            height, block_hash = line.split()
            printed[kind][int(height)] = bytes.fromhex(block_hash)

        with open_chain(path) as chain:  # recovers the write-ahead log
            last = max(printed[kind])
            assert chain.height in (last, last + 1), f"kill {kill}: height {chain.height}"
            committed_unprinted += chain.height == last + 1
            for height, block_hash in printed[kind].items():
                assert chain.block(height).hash == block_hash, f"kill {kill}: block {height}"
        assert_no_partial_block(path)
        verify_chain_file(path, full=True)  # every block, every signature and seal, again

    assert wal_left_behind == KILLS  # every kill left a log for the reopening to recover
    print(f"\n{KILLS} kills; heights reached: " +
          ", ".join(f"{kind} {max(p)}" for kind, p in printed.items()) +
          f"; {committed_unprinted} kills fell between a commit and its report")
