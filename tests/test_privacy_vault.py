"""The personal-data vault: the shop keeps customers' data off chain, encrypted per customer, and
honours access and deletion requests while the chain stays valid."""

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minichain import Blockchain, SimulatedClock, ValidationError, Wallet, open_chain
from minichain.privacy import (
    CorruptVault,
    CustomerErased,
    DuplicateCustomer,
    KeyTooShort,
    NotAVault,
    ResidencyViolation,
    UnknownCustomer,
    VaultError,
    VaultRecordTampered,
    WrongVaultKey,
    verify_disclosure,
)
from minichain.privacy.vault import PersonalDataVault, new_master_key, residue_in_files

AMIRA = {"name": "Amira Haddad", "phone": "+8613800138000", "street": "12 Lake Road",
         "city": "Hangzhou"}
BO = {"name": "Bo Lindqvist", "phone": "+46701740605", "street": "3 Harbour Lane",
      "city": "Malmo"}
MASTER = bytes(range(32))


@pytest.fixture
def vault(tmp_path):
    with PersonalDataVault.open(tmp_path / "customers.vault", MASTER, jurisdiction="EU",
                                clock=SimulatedClock(1_000)) as v:
        yield v


def shop_with_orders(vault):
    """Two customers' data in the vault; their commitments in payments on the chain."""
    shop = Wallet.from_seed("shop")
    customers = {"C-1001": (Wallet.from_seed("amira"), AMIRA),
                 "C-1002": (Wallet.from_seed("bo"), BO)}
    chain = Blockchain.proof_of_authority(
        [shop], allocations={w.address: 100 for w, _ in customers.values()})
    roots = {}
    for customer_id, (wallet, data) in customers.items():
        roots[customer_id] = vault.add(customer_id, data, request="order form").root
        chain.submit(wallet.pay(shop.address, 30, chain=chain, data=roots[customer_id]))
    chain.produce_block()
    return chain, roots


def on_chain(chain):
    """Every payment's data field: what the chain keeps about the orders."""
    return [tx.data for block in chain.blocks for tx in block.transactions]


def raw(vault, sql, *args):
    with sqlite3.connect(vault.path) as db:
        db.execute(sql, args)
    db.close()


# -- keeping and reading ---------------------------------------------------------------------------

def test_records_come_back_decrypted_and_only_the_root_is_on_chain(vault):
    chain, roots = shop_with_orders(vault)
    amira = vault.commitment("C-1001")
    assert dict(amira.attributes) == AMIRA and amira.root == roots["C-1001"]
    assert roots["C-1001"] in on_chain(chain)
    assert verify_disclosure(amira.disclose("city"), roots["C-1001"])
    assert vault.customers() == ["C-1001", "C-1002"]


def test_the_file_never_holds_the_plaintext(vault):
    shop_with_orders(vault)
    needles = {f"{k}={v}": v.encode() for k, v in {**AMIRA, **BO}.items()}
    assert residue_in_files(vault.path, needles) == {name: [] for name in needles}
    wrapped, record = vault.stored_bytes("C-1001")
    assert residue_in_files(vault.path, {"record": record, "key": wrapped}) == \
        {"record": [vault.path.name], "key": [vault.path.name]}


def test_a_customer_is_added_once_and_an_unknown_one_is_named(vault):
    vault.add("C-1001", AMIRA)
    with pytest.raises(DuplicateCustomer, match="already holds a record for customer C-1001"):
        vault.add("C-1001", BO)
    with pytest.raises(UnknownCustomer, match="holds no record for customer C-9"):
        vault.commitment("C-9")
    with pytest.raises(UnknownCustomer):
        vault.erase("C-9", request="R-1")


def test_the_customer_gets_a_copy_of_her_data(vault):
    _, roots = shop_with_orders(vault)
    export = vault.export("C-1001", request="DSAR-7")
    assert export["customer"] == "C-1001"
    assert export["attributes"] == AMIRA
    assert export["kept in"] == "customers.vault (EU)"
    assert export["on the chain"] == f"only the commitment {roots['C-1001'].hex()}"
    assert any("stored" in line for line in export["history"])
    assert vault.audit_trail()[-1].action == "exported"
    assert "Bo" not in str(export)


# -- tampering and keys ----------------------------------------------------------------------------

def test_a_record_changed_in_the_file_fails_authentication(vault):
    vault.add("C-1001", AMIRA)
    _, record = vault.stored_bytes("C-1001")
    flipped = record[:20] + bytes([record[20] ^ 1]) + record[21:]
    raw(vault, "UPDATE records SET record = ? WHERE customer_id = ?", flipped, "C-1001")
    with pytest.raises(VaultRecordTampered, match="stored record of customer C-1001 fails "
                                                  "authentication") as error:
        vault.commitment("C-1001")
    assert isinstance(error.value, ValidationError)


def test_a_record_moved_to_another_customer_fails_authentication(vault):
    vault.add("C-1001", AMIRA)
    vault.add("C-1002", BO)
    key, record = vault.stored_bytes("C-1001")
    raw(vault, "UPDATE records SET record = ? WHERE customer_id = ?", record, "C-1002")
    with pytest.raises(VaultRecordTampered, match="record of customer C-1002"):
        vault.commitment("C-1002")
    raw(vault, "UPDATE data_keys SET wrapped_key = ? WHERE customer_id = ?", key, "C-1002")
    with pytest.raises(VaultRecordTampered, match="data key of customer C-1002"):
        vault.commitment("C-1002")  # Amira's key, wrapped for Amira, does not fit Bo's row


def test_a_record_moved_to_another_jurisdiction_tag_fails_authentication(vault):
    vault.add("C-1001", AMIRA)
    raw(vault, "UPDATE records SET jurisdiction = 'CN' WHERE customer_id = 'C-1001'")
    with pytest.raises(VaultRecordTampered):
        vault.commitment("C-1001")


def test_a_stolen_vault_file_is_useless_without_the_master_key(vault):
    vault.add("C-1001", AMIRA)
    vault.close()
    with pytest.raises(WrongVaultKey, match="does not open the vault"):
        PersonalDataVault.open(vault.path, new_master_key())
    with PersonalDataVault.open(vault.path, MASTER) as again:
        assert dict(again.commitment("C-1001").attributes) == AMIRA
    with pytest.raises(KeyTooShort):
        PersonalDataVault.open(vault.path, b"password")


def test_a_half_deleted_customer_is_reported_as_damage(vault):
    vault.add("C-1001", AMIRA)
    raw(vault, "DELETE FROM data_keys WHERE customer_id = 'C-1001'")
    with pytest.raises(CorruptVault, match="has a record without its data key"):
        vault.commitment("C-1001")



@pytest.mark.parametrize("sql, call, named", [
    ("UPDATE data_keys SET wrapped_key = 'zz'", lambda v: v.commitment("C-1001"),
     "the data key of customer C-1001 is not stored as bytes"),
    ("UPDATE records SET record = 42", lambda v: v.commitment("C-1001"),
     "the record of customer C-1001 is not stored as bytes"),
    ("UPDATE audit SET hash = 'x'", lambda v: v.audit_trail(), "is not stored as bytes"),
    ("UPDATE audit SET hash = 'x'", lambda v: v.add("C-1002", BO), "is not stored as bytes"),
])
def test_a_value_of_the_wrong_type_in_the_file_is_reported_as_damage(vault, sql, call, named):
    """SQLite keeps any type in any column: a hand-edited file must not end in a TypeError."""
    vault.add("C-1001", AMIRA)
    raw(vault, sql)
    with pytest.raises(CorruptVault, match=named):
        call(vault)


def test_a_key_check_of_the_wrong_type_is_reported_as_damage(vault):
    vault.close()
    raw(vault, "UPDATE meta SET value = 'abc' WHERE key = 'key_check'")
    with pytest.raises(CorruptVault, match="its key check is not stored as bytes"):
        PersonalDataVault.open(vault.path, MASTER)

# -- erasure ---------------------------------------------------------------------------------------

def test_erasure_shreds_the_customer_and_the_chain_still_validates(vault):
    chain, roots = shop_with_orders(vault)
    wrapped, record = vault.stored_bytes("C-1001")
    salts = vault.commitment("C-1001").salts
    vault.clock.advance(500)
    receipt = vault.erase("C-1001", request="GDPR-17-0042")
    assert receipt.time == 1_500 and "data key" in receipt.deleted[0]
    assert "customer C-1001 erased on 1970-01-01 00:25:00 UTC (request GDPR-17-0042)" \
        in str(receipt)
    # every trace of her is gone from the file, its journal and any WAL
    needles = {"wrapped key": wrapped, "record": record, "customer id": b"C-1001",
               **{f"salt of {n}": s for n, s in salts.items()},
               **{k: v.encode() for k, v in AMIRA.items()}}
    assert residue_in_files(vault.path, needles) == {name: [] for name in needles}
    # the chain is untouched and still fully valid; her commitment can no longer be opened
    assert chain.revalidate() == chain.height == 1
    assert roots["C-1001"] in on_chain(chain)
    # Bo is unaffected
    assert dict(vault.commitment("C-1002").attributes) == BO


def test_erasure_leaves_no_free_page_behind(vault):
    for n in range(12):
        vault.add(f"C-{n}", AMIRA)
    size = vault.path.stat().st_size
    for n in range(12):
        vault.erase(f"C-{n}", request=f"R-{n}")
    with sqlite3.connect(vault.path) as db:
        assert db.execute("PRAGMA freelist_count").fetchone() == (0,)
    db.close()
    assert vault.path.stat().st_size < size


def test_a_crash_before_the_file_is_rebuilt_still_leaves_no_trace(vault, monkeypatch):
    """The power fails right after the erasure is committed, before the file is rebuilt: the
    deleted bytes were already overwritten with zeros (secure_delete)."""
    vault.add("C-1001", AMIRA)
    wrapped, record = vault.stored_bytes("C-1001")
    monkeypatch.setattr(PersonalDataVault, "_compact", lambda self: None)
    vault.erase("C-1001", request="R-1")
    assert residue_in_files(vault.path, {"key": wrapped, "record": record, "id": b"C-1001"}) \
        == {"key": [], "record": [], "id": []}


def test_an_erased_customer_is_reported_as_erased_everywhere(vault):
    vault.add("C-1001", AMIRA)
    vault.erase("C-1001", request="GDPR-17-0042")
    for attempt in (vault.commitment, vault.export, vault.stored_bytes,
                    lambda c: vault.erase(c, request="again"),
                    lambda c: vault.add(c, AMIRA)):
        with pytest.raises(CustomerErased, match="customer C-1001 was erased on 1970-01-01 "
                                                 r"00:16 UTC \(request GDPR-17-0042\)"):
            attempt("C-1001")
    assert vault.erased("C-1001") and not vault.erased("C-1002")
    assert vault.customers() == []
    vault.close()
    with PersonalDataVault.open(vault.path, MASTER) as again:  # it survives reopening
        with pytest.raises(CustomerErased):
            again.commitment("C-1001")


def test_erasure_in_a_wal_mode_file_leaves_nothing_in_the_wal_either(tmp_path):
    """Someone switched the file to WAL (as the chain store uses): the vault puts it back to a
    rollback journal, so no -wal file keeps old pages after erasure."""
    path = tmp_path / "wal.vault"
    PersonalDataVault.open(path, MASTER, jurisdiction="EU").close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)
    db.close()
    with PersonalDataVault.open(path, MASTER) as vault:
        vault.add("C-1001", AMIRA)
        wrapped, record = vault.stored_bytes("C-1001")
        vault.erase("C-1001", request="R-1")
        found = residue_in_files(path, {"key": wrapped, "record": record, "id": b"C-1001"})
        assert found == {"key": [], "record": [], "id": []}
        assert not path.with_name("wal.vault-wal").exists()


def test_the_audit_trail_records_every_step_without_the_customer_id(vault):
    vault.add("C-1001", AMIRA, request="order form")
    vault.export("C-1001", request="DSAR-7")
    vault.erase("C-1001", request="GDPR-17-0042")
    trail = vault.audit_trail()
    assert [e.action for e in trail] == ["created", "stored", "exported", "erased"]
    assert {e.reference for e in trail[1:]} == {vault.reference("C-1001")}
    assert all("C-1001" not in str(e) for e in trail)
    assert vault.check_audit_trail() == 4
    assert "erased customer ref" in str(trail[-1]) and "GDPR-17-0042" in str(trail[-1])
    assert str(trail[0]).startswith("#1 1970-01-01 00:16:40 UTC created")


def test_an_audit_entry_changed_afterwards_is_detected(vault):
    vault.add("C-1001", AMIRA)
    vault.erase("C-1001", request="GDPR-17-0042")
    raw(vault, "UPDATE audit SET request = 'nothing to see' WHERE action = 'erased'")
    with pytest.raises(CorruptVault, match="audit entry #3 was changed or removed"):
        vault.check_audit_trail()


def test_an_audit_entry_removed_afterwards_is_detected(vault):
    vault.add("C-1001", AMIRA)
    vault.erase("C-1001", request="GDPR-17-0042")
    raw(vault, "DELETE FROM audit WHERE seq = 2")
    with pytest.raises(CorruptVault, match="audit entry #2"):
        vault.check_audit_trail()


# -- residency -------------------------------------------------------------------------------------

def test_a_record_of_another_jurisdiction_is_refused(vault):
    with pytest.raises(ResidencyViolation, match="the record of customer C-2001 is tagged CN and "
                                                 "may only be kept in storage in CN, but the "
                                                 "vault customers.vault is in EU"):
        vault.add("C-2001", AMIRA, jurisdiction="CN")
    assert vault.customers() == []


def test_a_backup_stays_in_the_jurisdiction(vault, tmp_path):
    vault.add("C-1001", AMIRA)
    with PersonalDataVault.open(tmp_path / "backup-eu.vault", new_master_key(),
                                jurisdiction="EU") as backup, \
            PersonalDataVault.open(tmp_path / "cn.vault", new_master_key(),
                                   jurisdiction="CN") as china:
        vault.replicate("C-1001", to=backup, request="nightly backup")
        assert backup.commitment("C-1001").root == vault.commitment("C-1001").root
        with pytest.raises(ResidencyViolation, match="cn.vault is in CN"):
            vault.replicate("C-1001", to=china)
        assert china.customers() == []


# -- files that are not vaults ---------------------------------------------------------------------

def test_files_that_are_not_vaults_get_a_clear_error(tmp_path):
    cases = {"folder": None, "empty": b"", "text": b"name,phone\nAmira,+86138\n",
             "short": b"SQLite format 3\x00" + bytes(20)}
    for name, content in cases.items():
        path = tmp_path / name
        path.mkdir() if content is None else path.write_bytes(content)
        with pytest.raises(VaultError, match=f"{name}"):
            PersonalDataVault.open(path, MASTER)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    db.close()
    with pytest.raises(NotAVault, match="made by another program"):
        PersonalDataVault.open(other, MASTER)
    with pytest.raises(VaultError, match="give its jurisdiction"):
        PersonalDataVault.open(tmp_path / "missing.vault", MASTER)


def test_a_chain_file_is_not_a_vault(tmp_path):
    shop = Wallet.from_seed("shop")
    chain = Blockchain.proof_of_authority([shop])
    with open_chain(tmp_path / "shop.chain", chain.engine, chain.params, producers=[shop]):
        pass
    with pytest.raises(NotAVault, match="shop.chain is not a minichain personal-data vault: it "
                                        "is an SQLite database made by another program"):
        PersonalDataVault.open(tmp_path / "shop.chain", MASTER)


def test_a_damaged_vault_gets_a_clear_error(tmp_path):
    path = tmp_path / "damaged.vault"
    with PersonalDataVault.open(path, MASTER, jurisdiction="EU") as vault:
        for n in range(30):
            vault.add(f"C-{n}", AMIRA)
    data = bytearray(path.read_bytes())
    for offset in range(4096 + 100, len(data), 4096):  # scribble over every page but the first
        data[offset:offset + 600] = b"\xff" * 600
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptVault, match="damaged.vault is damaged"):
        with PersonalDataVault.open(path, MASTER) as vault:
            vault.customers()
            vault.commitment("C-3")


def test_the_wrong_jurisdiction_on_reopening_is_refused(vault):
    vault.close()
    with pytest.raises(VaultError, match="keeps records of EU, not of CN"):
        PersonalDataVault.open(vault.path, MASTER, jurisdiction="CN")


def test_a_vault_in_a_missing_folder_or_held_by_another_program_is_named(tmp_path):
    with pytest.raises(VaultError, match="cannot be opened: check that its folder exists"):
        PersonalDataVault.open(tmp_path / "no such folder" / "eu.vault", MASTER,
                               jurisdiction="EU")
    with PersonalDataVault.open(tmp_path / "eu.vault", MASTER, jurisdiction="EU") as vault:
        other = sqlite3.connect(vault.path, timeout=0)
        other.execute("BEGIN EXCLUSIVE")
        vault._db.execute("PRAGMA busy_timeout = 50")  # do not wait the usual 5 s in a test
        try:
            with pytest.raises(VaultError, match="is locked by another program"):
                vault.add("C-1001", AMIRA)
        finally:
            other.rollback()
            other.close()
        vault.add("C-1001", AMIRA)  # free again
        assert vault.customers() == ["C-1001"]


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attributes=st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=30),
                                  min_size=1, max_size=6), data=st.data())
def test_any_record_round_trips_and_any_flipped_bit_is_caught(vault, attributes, data):
    customer_id = f"C-{len(vault.customers()) + len(vault.audit_trail())}"
    vault.add(customer_id, attributes)
    assert dict(vault.commitment(customer_id).attributes) == attributes
    _, record = vault.stored_bytes(customer_id)
    position = data.draw(st.integers(0, len(record) - 1))
    bit = data.draw(st.integers(0, 7))
    changed = record[:position] + bytes([record[position] ^ (1 << bit)]) + record[position + 1:]
    raw(vault, "UPDATE records SET record = ? WHERE customer_id = ?", changed, customer_id)
    with pytest.raises(VaultRecordTampered):
        vault.commitment(customer_id)
