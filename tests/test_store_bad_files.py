"""Bad chain files: each gets its own error, a sentence naming the file, and is left untouched.

A missing path, a folder, a file without permission, a locked file, something that is not
SQLite, another program's database, a newer format, a file cut short or overwritten, and a
chain whose blocks were edited after they were stored. Editing is caught when the file is
opened (hashes, links, Merkle roots, receipts), by `verify` (every stored state change), and
only a careful forgery with every hash recomputed needs `verify --full` (execution and
signatures).
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from minichain import ValidationError, open_chain
from minichain import store
from minichain.store import (
    ChainFileError,
    ChainFileLocked,
    ChainFileNotFound,
    CorruptChainFile,
    InvalidStoredBlock,
    NewerSchema,
    OlderSchema,
    NotAChainFile,
    verify_chain_file,
)

sys.path.insert(0, str(Path(__file__).parent))
from store_helpers import (  # noqa: E402
    being_written_by_another_program,
    change_a_payment,
    change_a_state_diff,
    customer,
    digest,
    forge_money_from_nowhere,
    locked_by_another_program,
    make_chain_file,
    miner,
    overwrite_a_page,
    run_as_ordinary_user,
    run_sql,
    shop,
    truncate,
)


@pytest.fixture
def chain_file(tmp_path):
    return make_chain_file(tmp_path / "shop.chain")


@pytest.fixture(autouse=True)
def impatient(monkeypatch):
    monkeypatch.setattr("minichain.store.opening.BUSY_TIMEOUT", 0.05)


def refused(path: Path, error: type[ChainFileError], match: str, **options) -> ChainFileError:
    """Opening `path` raises `error` with a message naming the file, and the file is untouched."""
    before = digest(path) if path.is_file() else None
    with pytest.raises(error, match=match) as caught:
        open_chain(path, **options)
    assert isinstance(caught.value, ValidationError)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)
    if before is not None:
        assert digest(path) == before
    return caught.value


# -- files that cannot be used ---------------------------------------------------------------------

def test_a_missing_path(tmp_path):
    refused(tmp_path / "nowhere.chain", ChainFileNotFound, "there is no chain file at")
    assert not (tmp_path / "nowhere.chain").exists()


def test_a_folder(tmp_path):
    refused(tmp_path, NotAChainFile, "it is a folder")


def test_an_empty_file(tmp_path):
    path = tmp_path / "empty.chain"
    path.write_bytes(b"")
    refused(path, NotAChainFile, "it is empty")


def test_a_file_that_is_not_sqlite(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("order,amount\n1042,120\n")
    refused(path, NotAChainFile, "it is not an SQLite database")


def test_another_programs_sqlite_database_is_not_touched(tmp_path):
    path = tmp_path / "shop.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE orders (id INTEGER, amount INTEGER)")
    db.commit()
    db.close()
    refused(path, NotAChainFile, "an SQLite database made by another program")
    assert not Path(f"{path}-wal").exists()


def test_a_file_from_a_newer_minichain(chain_file):
    run_sql(chain_file, "PRAGMA user_version = 3")
    refused(chain_file, NewerSchema, r"newer minichain \(file format 3; this one reads format 2\)")


def test_a_file_from_an_older_minichain_whose_headers_have_no_receipts_root(chain_file):
    run_sql(chain_file, "PRAGMA user_version = 1")
    refused(chain_file, OlderSchema, r"older minichain \(file format 1; this one reads format 2, "
                                     r"whose block headers also commit to their receipts\)")


def test_a_file_cut_in_half(chain_file):
    truncate(chain_file, 0.5)
    refused(chain_file, CorruptChainFile, "damaged and cannot be used: SQLite finds its pages "
                                          "malformed")


def test_a_file_cut_inside_its_header(chain_file):
    truncate(chain_file, 50 / chain_file.stat().st_size)
    refused(chain_file, CorruptChainFile, "it ends inside the database header")


def test_a_file_with_a_page_overwritten(chain_file):
    overwrite_a_page(chain_file)
    refused(chain_file, CorruptChainFile, "is damaged")


def test_a_file_locked_by_another_program(chain_file):
    before = chain_file.read_bytes()
    with locked_by_another_program(chain_file):
        refused(chain_file, ChainFileLocked, "locked by another program")
    assert chain_file.read_bytes() == before
    with open_chain(chain_file) as chain:  # and once it is free again, it opens
        assert chain.height == 4


def test_a_block_refused_while_another_program_writes_changes_nothing(chain_file):
    chain = open_chain(chain_file, producers=[miner])
    chain.submit(customer.pay(shop.address, 5, chain=chain))
    root = chain.state.root()
    with being_written_by_another_program(chain_file):
        with pytest.raises(ChainFileLocked, match="locked by another program"):
            chain.produce_block()
        assert chain.height == 4 and chain.state.root() == root and len(chain.mempool) == 1
    chain.produce_block()  # the lock is gone: the same payment goes into block 5
    chain.close()
    with open_chain(chain_file) as again:
        assert again.height == 5 and len(again.tip.transactions) == 1


PROBE = """
import sys
from minichain import Wallet, open_chain
from minichain.store import ChainFileError
try:
    chain = open_chain(sys.argv[1], producers=[Wallet.from_seed("miner")])
    print("opened", chain.height, flush=True)
    chain.produce_block()
    print("added", chain.height)
except ChainFileError as error:
    print(type(error).__name__, error)
"""


def test_a_file_without_read_permission(chain_file):
    chain_file.chmod(0o000)
    try:
        result = run_as_ordinary_user([sys.executable, "-c", PROBE, str(chain_file)])
    finally:
        chain_file.chmod(0o644)
    assert result.stdout == (f"ChainFileNotReadable {chain_file} cannot be read: permission "
                             "denied (ask its owner, or copy it somewhere you may read it).\n")


def test_a_read_only_file_can_be_read_but_not_extended(chain_file):
    before = chain_file.read_bytes()  # (SQLite may leave its empty -wal/-shm companions beside)
    chain_file.chmod(0o444)
    try:
        result = run_as_ordinary_user([sys.executable, "-c", PROBE, str(chain_file)])
    finally:
        chain_file.chmod(0o644)
    assert result.stdout == (f"opened 4\nChainFileNotWritable no block can be added to "
                             f"{chain_file}: the file is read-only.\n")
    assert chain_file.read_bytes() == before


# -- chains edited after they were stored ----------------------------------------------------------

def test_a_payment_changed_inside_a_stored_block_is_caught_on_opening(chain_file):
    change_a_payment(chain_file, height=2)
    error = refused(chain_file, InvalidStoredBlock, "block 2 .* is not valid: the header's Merkle "
                                                    "root is .* but the transactions hash to")
    assert error.height == 2


def test_a_removed_block_breaks_the_link_of_the_next(chain_file):
    run_sql(chain_file, "DELETE FROM transactions WHERE block_hash = "
                        "(SELECT hash FROM blocks WHERE height = 2)")
    run_sql(chain_file, "DELETE FROM blocks WHERE height = 2")
    error = refused(chain_file, InvalidStoredBlock, "its parent .* at height 2 is not in the file")
    assert error.height == 3


def test_a_changed_receipt_is_caught_on_opening(chain_file):
    run_sql(chain_file, "UPDATE transactions SET receipt = '{\"txid\": 5}' WHERE position = 0")
    refused(chain_file, InvalidStoredBlock, "block 1 .* what is stored for it is not readable")


def test_a_changed_state_diff_of_the_newest_block_is_caught_on_opening(chain_file):
    change_a_state_diff(chain_file, height=4)
    refused(chain_file, CorruptChainFile, "replaying its stored state changes does not give")


def test_a_changed_state_diff_further_back_is_named_by_verify(chain_file):
    """Opening checks only the state at the tip (block 4's diff sets the shop's balance right
    again); verify replays every block and names the one whose diff was changed."""
    change_a_state_diff(chain_file, height=3)
    with pytest.raises(InvalidStoredBlock, match="block 3 .* its stored state changes lead to "
                                                 "state .* but its header commits to") as caught:
        verify_chain_file(chain_file)
    assert caught.value.height == 3


def test_a_changed_fee_in_a_receipt_is_caught_by_verify(chain_file):
    db = sqlite3.connect(chain_file)
    (receipt,) = db.execute("SELECT receipt FROM transactions WHERE position = 1 AND block_hash "
                            "= (SELECT hash FROM blocks WHERE height = 2)").fetchone()
    db.close()
    run_sql(chain_file, "UPDATE transactions SET receipt = ? WHERE receipt = ?",
            receipt.replace('"fee":1', '"fee":0'), receipt)
    refused(chain_file, InvalidStoredBlock, "block 2 .* its stored receipts do not match the "
                                            "receipts root in its header: a receipt was changed")
    with pytest.raises(InvalidStoredBlock, match="block 2 .* receipts root"):
        verify_chain_file(chain_file)


def test_a_hostile_description_is_refused_and_never_run(chain_file, tmp_path):
    marker = tmp_path / "ran"
    run_sql(chain_file, "UPDATE meta SET value = ? WHERE key = 'chain'",
            '{"params": {}, "engine": {"kind": "__import__(\'os\').system(\'touch %s\')"}, '
            '"runtime": null}' % marker)
    refused(chain_file, CorruptChainFile, "its chain parameters are not readable")
    assert not marker.exists()


def test_a_recorded_tip_that_is_not_the_heaviest_block(chain_file):
    run_sql(chain_file, "UPDATE meta SET value = (SELECT hex(hash) FROM blocks WHERE height = 2) "
                        "WHERE key = 'tip'")
    refused(chain_file, CorruptChainFile, "its recorded tip is not its heaviest block")


def test_a_forgery_with_every_hash_recomputed_needs_the_full_check(tmp_path):
    path = tmp_path / "forged.chain"
    height = forge_money_from_nowhere(path)
    chain = verify_chain_file(path)  # hashes, links, Merkle and state roots all agree
    assert chain.height == height
    with pytest.raises(InvalidStoredBlock, match=f"block {height} .* the header commits to "
                                                 "state .* but executing the block gives") as e:
        verify_chain_file(path, full=True)
    assert e.value.height == height
