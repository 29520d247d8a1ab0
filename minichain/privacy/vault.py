"""The off-chain personal-data vault: customer records encrypted with a key per customer, so that
erasing a customer means destroying her key (crypto-shredding).

Why a vault: a chain cannot forget, but the GDPR gives everyone the right to have their data
erased (Art. 17) and PIPL gives the same right in China (Art. 47). The EU Blockchain Observatory
and Forum (2018, "Blockchain and the GDPR"), CNIL (2018, "Blockchain: solutions for a
responsible use") and the EDPB (Guidelines 02/2025 on processing of personal data through
blockchain technologies) all arrive at the same design:
personal data off chain; on chain only a salted commitment whose salt lives off chain too; and
erasure that deletes the data and the key, after which the commitment can no longer be linked
to anyone. The customer's right of access (GDPR Art. 15) is `export`.

Where the keys live (a key hierarchy, as NIST SP 800-57 Part 1 describes key wrapping):
- the **master key** (32 bytes) is never stored in the vault file: it comes from the shop's key
  store (an HSM or a cloud KMS in production; a variable in a lesson). A stolen vault file
  without it is useless (`WrongVaultKey`);
- each customer has her own random **data key**, kept in the file only *wrapped* (encrypted) by
  the master key, with her customer id as associated data;
- her record (attributes and their disclosure salts, see `minichain.privacy.disclosure`) is
  encrypted with her data key, with her id and jurisdiction as associated data, so a record
  moved to another customer's row, or changed by a single bit, fails authentication
  (`VaultRecordTampered`).
Encryption is AES-256-GCM (NIST SP 800-38D) with a fresh random 96-bit nonce per encryption,
stored in front of the ciphertext and its tag. It comes from a kept library, never a home-made
cipher: OpenSSL's through the `cryptography` package, or, where that package has no build (the
browser edition), tlslite-ng's pure-Python one; both write and read the same bytes, so a vault
written with one opens with the other (`minichain.privacy.aes_gcm` picks and names the backend).

Erasure deletes the wrapped key and the record in one transaction, writes an audit entry and a
tombstone, then rebuilds the file. The tombstone and the audit trail keep only a *keyed
reference* of the customer id (HMAC-SHA256 under a key derived from the master key), so the
vault can say "this customer was erased" without keeping her id in clear. SQLite would otherwise
keep deleted bytes in free pages: every connection sets `PRAGMA secure_delete = ON` (deleted
content is overwritten with zeros) and erasure ends with `VACUUM`. The file uses SQLite's
rollback journal (`journal_mode = DELETE`), not WAL: a WAL file keeps old copies of pages until
a checkpoint, the rollback journal is removed at every commit. Copies outside the file (backups,
the disk's own remapped blocks) are out of its reach: that is what destroying the key is for.

The audit trail is hash-chained (each entry's hash covers the previous one), so an entry removed
or changed afterwards is detected by `check_audit_trail`.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from minichain.clock import SimulatedClock
from minichain.crypto import sha256
from minichain.language import say, translate
from minichain.privacy import aes_gcm
from minichain.privacy.aes_gcm import AuthenticationFailed
from minichain.privacy.commitment import keyed_reference, new_salt
from minichain.privacy.disclosure import AttributeCommitment
from minichain.privacy.errors import (
    CorruptVault,
    CustomerErased,
    DuplicateCustomer,
    KeyTooShort,
    NotAVault,
    UnknownCustomer,
    VaultError,
    VaultRecordTampered,
    WrongVaultKey,
)
from minichain.privacy.residency import check_residency
from minichain.sqlite_file import HeaderProblem, error_kind, integrity_problem, read_header

__all__ = ["AuditEntry", "ErasureReceipt", "PersonalDataVault", "new_master_key",
           "residue_in_files"]

APPLICATION_ID = 0x6D635056  # "mcPV", in the SQLite header: this file is a minichain vault
SCHEMA_VERSION = 1
FORMAT = "minichain personal-data vault"
MASTER_KEY_BYTES = aes_gcm.KEY_BYTES
NONCE_BYTES = aes_gcm.NONCE_BYTES
_KEY_CHECK = b"minichain vault master key check"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE data_keys (customer_id TEXT PRIMARY KEY, wrapped_key BLOB NOT NULL);
CREATE TABLE records (customer_id TEXT PRIMARY KEY, jurisdiction TEXT NOT NULL,
                      record BLOB NOT NULL);
CREATE TABLE erased (reference BLOB PRIMARY KEY, erased_at INTEGER NOT NULL,
                     request TEXT NOT NULL);
CREATE TABLE audit (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, action TEXT NOT NULL,
                    reference TEXT NOT NULL, request TEXT NOT NULL, detail TEXT NOT NULL,
                    hash BLOB NOT NULL);
"""


def new_master_key() -> bytes:
    """32 bytes from the operating system's randomness: a vault's master key (keep it in a key
    store, never beside the vault file)."""
    return aes_gcm.new_key()


def _seal(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    """A fresh random nonce, then the AES-256-GCM ciphertext and its tag."""
    nonce = aes_gcm.new_nonce()
    return nonce + aes_gcm.encrypt(key, nonce, plaintext, associated)


def _blob(path: str | os.PathLike[str], value: object, problem: Callable[[], str]) -> bytes:
    """A value the vault stored as bytes; SQLite lets a damaged or edited file hold any type in
    any column, so anything else means the file is damaged, as `problem()` says."""
    if not isinstance(value, bytes):
        raise CorruptVault(path, problem())
    return value


def _open(key: bytes, sealed: bytes, associated: bytes) -> bytes:
    """Decrypt and authenticate; AuthenticationFailed if anything (key, bytes, associated data)
    differs."""
    if len(sealed) < NONCE_BYTES + aes_gcm.TAG_BYTES:
        raise AuthenticationFailed()
    return aes_gcm.decrypt(key, sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)


def _key_aad(customer_id: str) -> bytes:
    return b"minichain/vault/data-key\x00" + customer_id.encode("utf-8")


def _record_aad(customer_id: str, jurisdiction: str) -> bytes:
    return (b"minichain/vault/record\x00" + customer_id.encode("utf-8") + b"\x00"
            + jurisdiction.encode("utf-8"))


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail: when, what, for which customer (a keyed reference, never the
    id in clear), under which request."""

    seq: int
    time: int
    action: str
    reference: str
    request: str
    detail: str
    hash: bytes

    @property
    def when(self) -> str:
        """The entry's time in UTC, as a person reads it: '2026-01-01 09:30:00 UTC'."""
        return datetime.fromtimestamp(self.time, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")

    @property
    def action_text(self) -> str:
        """The action in the reader's language (the file keeps it in English)."""
        return _shown_action(self.action)

    @property
    def detail_text(self) -> str:
        """The detail in the reader's language (the file keeps it in English)."""
        return _shown_detail(self.detail)

    def __str__(self) -> str:
        values = dict(seq=self.seq, when=self.when, action=self.action_text,
                      reference=self.reference, request=self.request, detail=self.detail_text)
        if self.reference != "-" and self.request:
            return say("#{seq} {when} {action} customer ref {reference} (request {request}): "
                       "{detail}", **values)
        if self.reference != "-":
            return say("#{seq} {when} {action} customer ref {reference}: {detail}", **values)
        if self.request:
            return say("#{seq} {when} {action} (request {request}): {detail}", **values)
        return say("#{seq} {when} {action}: {detail}", **values)


# The audit trail keeps each entry's action and detail in English, the same whoever wrote it (the
# entry's hash covers them); they are shown in the reader's language.

def _shown_action(action: str) -> str:
    shown = {
        # TRANSLATORS: an action in the vault's audit trail
        "created": translate("created"),
        # TRANSLATORS: an action in the vault's audit trail: a customer's record was stored
        "stored": translate("stored"),
        # TRANSLATORS: an action in the vault's audit trail: a copy was given to the customer
        "exported": translate("exported"),
        # TRANSLATORS: an action in the vault's audit trail: copied to another vault
        "replicated": translate("replicated"),
        # TRANSLATORS: an action in the vault's audit trail: the customer was crypto-shredded
        "erased": translate("erased"),
    }
    return shown.get(action, action)


def _shown_detail(detail: str) -> str:
    if detail == "copy of the record given to the customer":
        return translate("copy of the record given to the customer")
    if detail == "data key and record destroyed (crypto-shredding)":
        return translate("data key and record destroyed (crypto-shredding)")
    if match := re.fullmatch(r"vault for records of (.+)", detail):
        return say("vault for records of {jurisdiction}", jurisdiction=match[1])
    if match := re.fullmatch(r"(\d+) attributes encrypted", detail):
        return say("{count} attributes encrypted", count=int(match[1]))
    if match := re.fullmatch(r"copied to (.+) \(([^()]+)\)", detail):
        return say("copied to {vault} ({jurisdiction})", vault=match[1],
                   jurisdiction=match[2])
    return detail


def _entry_hash(previous: bytes, seq: int, time: int, action: str, reference: str,
                request: str, detail: str) -> bytes:
    body = json.dumps([seq, time, action, reference, request, detail], ensure_ascii=False)
    return sha256(previous + body.encode("utf-8"))


@dataclass(frozen=True)
class ErasureReceipt:
    """What an erasure did, to answer the customer and the regulator."""

    customer_id: str
    request: str
    time: int
    deleted: tuple[str, ...]  # what was destroyed, in words
    audit_seq: int

    def __str__(self) -> str:
        when = datetime.fromtimestamp(self.time, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        # TRANSLATORS: what goes between the items of a list ("a, b, c")
        separator = translate(", ")
        return say("customer {customer} erased on {when} (request {request}): {deleted}; audit "
                   "entry #{seq}.", customer=self.customer_id, when=when, request=self.request,
                   deleted=separator.join(self.deleted), seq=self.audit_seq)


class PersonalDataVault:
    """An SQLite file of encrypted customer records in one jurisdiction."""

    def __init__(self, path: Path, db: sqlite3.Connection, master_key: bytes, jurisdiction: str,
                 clock: SimulatedClock):
        self.path = path
        self._db = db
        self._master = master_key
        self.jurisdiction = jurisdiction
        self.clock = clock
        self._reference_key = hmac.new(master_key, b"minichain/vault/reference-key",
                                       "sha256").digest()

    # -- opening ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str], master_key: bytes, *,
             jurisdiction: str | None = None, clock: SimulatedClock | None = None
             ) -> PersonalDataVault:
        """The vault in the file at `path`, created there (for `jurisdiction`) if there is no
        file yet. A file that is not a vault, is damaged, or was made with another master key is
        refused with a VaultError that says which."""
        path = Path(path)
        if len(master_key) < MASTER_KEY_BYTES:
            raise KeyTooShort(len(master_key), MASTER_KEY_BYTES, vault=True)
        if len(master_key) > MASTER_KEY_BYTES:
            raise VaultError(say("the vault master key is {length} bytes long; AES-256 takes a "
                                 "key of exactly {size} bytes ({bits} bits).",
                                 length=len(master_key), size=MASTER_KEY_BYTES,
                                 bits=MASTER_KEY_BYTES * 8))
        clock = clock or SimulatedClock()
        if not path.exists():
            if jurisdiction is None:
                raise VaultError(say("there is no vault at {path}; give its jurisdiction (for "
                                     "example 'EU' or 'CN') to create one.", path=path))
            return cls._create(path, bytes(master_key), jurisdiction, clock)
        _check_header(path)
        with _translated(path):
            db = _connect(path)
            try:
                vault = cls._reopen(path, db, bytes(master_key), clock)
            except BaseException:
                db.close()
                raise
        if jurisdiction is not None and jurisdiction != vault.jurisdiction:
            vault.close()
            raise VaultError(say("the vault {path} keeps records of {kept}, not of {asked}.",
                                 path=path, kept=vault.jurisdiction, asked=jurisdiction))
        return vault

    @classmethod
    def _create(cls, path: Path, master_key: bytes, jurisdiction: str,
                clock: SimulatedClock) -> PersonalDataVault:
        with _translated(path):
            db = _connect(path)
            try:
                db.execute("BEGIN IMMEDIATE")
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                check = _seal(master_key, _KEY_CHECK, b"minichain/vault/key-check")
                db.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("format", FORMAT), ("jurisdiction", jurisdiction), ("key_check", check)])
                db.execute("COMMIT")
            except BaseException:
                db.close()
                raise
        vault = cls(path, db, master_key, jurisdiction, clock)
        vault._audit("created", "-", "", f"vault for records of {jurisdiction}")
        return vault

    @classmethod
    def _reopen(cls, path: Path, db: sqlite3.Connection, master_key: bytes,
                clock: SimulatedClock) -> PersonalDataVault:
        (application_id,) = db.execute("PRAGMA application_id").fetchone()
        if application_id != APPLICATION_ID:
            raise NotAVault(path, say("it is an SQLite database made by another program"))
        (version,) = db.execute("PRAGMA user_version").fetchone()
        if version != SCHEMA_VERSION:
            raise NotAVault(path, say("its format {version} is not one this minichain reads "
                                      "(format {supported})", version=version,
                                      supported=SCHEMA_VERSION))
        problem = integrity_problem(db)
        if problem:
            raise CorruptVault(path, say("SQLite's integrity check fails ({problem})",
                                         problem=problem))
        try:
            meta = dict(db.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as error:
            raise CorruptVault(path, say("its tables are missing ({error})",
                                         error=error)) from None
        if meta.get("format") != FORMAT or "key_check" not in meta or "jurisdiction" not in meta:
            raise CorruptVault(path, say("its description is missing"))
        key_check = _blob(path, meta["key_check"],
                          lambda: say("its key check is not stored as bytes"))
        try:
            if _open(master_key, key_check, b"minichain/vault/key-check") != _KEY_CHECK:
                raise AuthenticationFailed()
        except AuthenticationFailed:
            raise WrongVaultKey(path) from None
        return cls(path, db, master_key, str(meta["jurisdiction"]), clock)

    def close(self) -> None:
        """Let go of the file."""
        self._db.close()

    def __enter__(self) -> PersonalDataVault:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PersonalDataVault({self.path.name!r}, jurisdiction={self.jurisdiction!r})"

    # -- keeping records -------------------------------------------------------------------------
    def reference(self, customer_id: str) -> str:
        """The customer's keyed reference, as the audit trail shows it (16 hex digits)."""
        return keyed_reference(self._reference_key, customer_id).hex()[:16]

    def add(self, customer_id: str, attributes: Mapping[str, str], *,
            jurisdiction: str | None = None, request: str = "",
            salt: Callable[[], bytes] = new_salt) -> AttributeCommitment:
        """Keep a new customer's attributes, salted for selective disclosure, under a new data
        key; returns the commitment whose `root` may go on the chain.

        A record tagged with another jurisdiction than the vault's is refused
        (ResidencyViolation): it must go to a vault in its own jurisdiction."""
        jurisdiction = jurisdiction or self.jurisdiction
        commitment = AttributeCommitment.create(attributes, salt)
        self._store(customer_id, commitment, jurisdiction, request)
        return commitment

    def _store(self, customer_id: str, commitment: AttributeCommitment, jurisdiction: str,
               request: str) -> None:
        check_residency(say("the record of customer {customer}", customer=customer_id),
                        jurisdiction, say("the vault {vault}", vault=self.path.name),
                        self.jurisdiction)
        self._refuse_if_erased(customer_id)
        if self._row(customer_id) is not None:
            raise DuplicateCustomer(customer_id)
        data_key = aes_gcm.new_key()
        with self._transaction():
            self._db.execute("INSERT INTO data_keys VALUES (?, ?)",
                             (customer_id, _seal(self._master, data_key, _key_aad(customer_id))))
            self._db.execute("INSERT INTO records VALUES (?, ?, ?)",
                             (customer_id, jurisdiction,
                              _seal(data_key, _encode(commitment),
                                    _record_aad(customer_id, jurisdiction))))
            self._audit("stored", self.reference(customer_id), request,
                        f"{len(commitment.attributes)} attributes encrypted", commit=False)

    def commitment(self, customer_id: str) -> AttributeCommitment:
        """The customer's attributes and salts, decrypted and authenticated."""
        row = self._row(customer_id)
        if row is None:
            self._refuse_if_erased(customer_id)
            raise UnknownCustomer(customer_id)
        wrapped, jurisdiction, sealed = row
        try:
            data_key = _open(self._master, wrapped, _key_aad(customer_id))
        except AuthenticationFailed:
            raise VaultRecordTampered(customer_id, key=True) from None
        try:
            plaintext = _open(data_key, sealed, _record_aad(customer_id, jurisdiction))
        except AuthenticationFailed:
            raise VaultRecordTampered(customer_id) from None
        return _decode(self.path, plaintext)

    def customers(self) -> list[str]:
        """The ids of the customers whose records the vault holds, in order."""
        with _translated(self.path):
            return [row[0] for row in
                    self._db.execute("SELECT customer_id FROM records ORDER BY customer_id")]

    def export(self, customer_id: str, *, request: str = "") -> dict[str, Any]:
        """Everything the vault keeps about the customer, in plain words (GDPR Art. 15, the right
        of access); the export is written to the audit trail."""
        commitment = self.commitment(customer_id)
        reference = self.reference(customer_id)
        history = [str(e) for e in self.audit_trail() if e.reference == reference]
        result = {
            "customer": customer_id,
            "kept in": f"{self.path.name} ({self.jurisdiction})",
            "attributes": dict(commitment.attributes),
            "on the chain": say("only the commitment {commitment}",
                                commitment=commitment.root.hex()),
            "history": history,
        }
        self._audit("exported", reference, request, "copy of the record given to the customer")
        return result

    def stored_bytes(self, customer_id: str) -> tuple[bytes, bytes]:
        """The customer's wrapped data key and encrypted record exactly as the file holds them
        (for checking afterwards that erasure left none of them behind)."""
        row = self._row(customer_id)
        if row is None:
            self._refuse_if_erased(customer_id)
            raise UnknownCustomer(customer_id)
        return row[0], row[2]

    def replicate(self, customer_id: str, to: PersonalDataVault, *, request: str = "") -> None:
        """Copy the customer's record into another vault (a backup, a second site); refused with
        ResidencyViolation if that vault is in another jurisdiction."""
        row = self._row(customer_id)
        if row is None:
            self._refuse_if_erased(customer_id)
            raise UnknownCustomer(customer_id)
        check_residency(say("the record of customer {customer}", customer=customer_id), row[1],
                        say("the vault {vault}", vault=to.path.name), to.jurisdiction)
        to._store(customer_id, self.commitment(customer_id), row[1], request)
        self._audit("replicated", self.reference(customer_id), request,
                    f"copied to {to.path.name} ({to.jurisdiction})")

    # -- erasure ---------------------------------------------------------------------------------
    def erase(self, customer_id: str, *, request: str) -> ErasureReceipt:
        """Crypto-shred the customer (GDPR Art. 17, PIPL Art. 47): delete her wrapped data key
        and her record in one transaction, keep a tombstone under her keyed reference, write the
        audit entry, then rebuild the file so no deleted page survives."""
        if self._row(customer_id) is None:
            self._refuse_if_erased(customer_id)
            raise UnknownCustomer(customer_id)
        reference = keyed_reference(self._reference_key, customer_id)
        now = self.clock.now()
        deleted = (say("her data key (without it the record can never be decrypted)"),
                   say("her encrypted record"), say("the salts that linked her to the chain"))
        with self._transaction():
            self._db.execute("DELETE FROM data_keys WHERE customer_id = ?", (customer_id,))
            self._db.execute("DELETE FROM records WHERE customer_id = ?", (customer_id,))
            self._db.execute("INSERT INTO erased VALUES (?, ?, ?)", (reference, now, request))
            seq = self._audit("erased", reference.hex()[:16], request,
                              "data key and record destroyed (crypto-shredding)", commit=False)
        self._compact()
        return ErasureReceipt(customer_id, request, now, deleted, seq)

    def _compact(self) -> None:
        """Rebuild the file without free pages, so no page once used can still be read."""
        with _translated(self.path):
            self._db.execute("VACUUM")

    def erased(self, customer_id: str) -> bool:
        """True if the customer was erased from this vault."""
        return self._tombstone(customer_id) is not None

    # -- the audit trail -------------------------------------------------------------------------
    def audit_trail(self) -> list[AuditEntry]:
        """Every entry, oldest first."""
        with _translated(self.path):
            rows = self._db.execute("SELECT seq, time, action, reference, request, detail, hash "
                                    "FROM audit ORDER BY seq").fetchall()
        return [AuditEntry(*row[:6], _blob(self.path, row[6], lambda seq=row[0]: say(
                    "audit entry #{seq} is not stored as bytes", seq=seq)))
                for row in rows]

    def check_audit_trail(self) -> int:
        """Re-check the hash chain of the audit trail; returns the number of entries, or raises
        CorruptVault naming the first entry that was changed or removed."""
        previous = b""
        for number, entry in enumerate(self.audit_trail(), 1):
            expected = _entry_hash(previous, entry.seq, entry.time, entry.action,
                                   entry.reference, entry.request, entry.detail)
            if entry.seq != number or entry.hash != expected:
                raise CorruptVault(self.path, say("audit entry #{seq} was changed or removed "
                                                  "after it was written", seq=number))
            previous = entry.hash
        return len(self.audit_trail())

    # -- inside ----------------------------------------------------------------------------------
    def _row(self, customer_id: str) -> tuple[bytes, str, bytes] | None:
        with _translated(self.path):
            key = self._db.execute("SELECT wrapped_key FROM data_keys WHERE customer_id = ?",
                                   (customer_id,)).fetchone()
            record = self._db.execute("SELECT jurisdiction, record FROM records WHERE "
                                      "customer_id = ?", (customer_id,)).fetchone()
        if key is None and record is None:
            return None
        if key is None:
            raise CorruptVault(self.path, say("customer {customer} has a record without its "
                                              "data key", customer=customer_id))
        if record is None:
            raise CorruptVault(self.path, say("customer {customer} has a data key without its "
                                              "record", customer=customer_id))
        return (_blob(self.path, key[0], lambda: say(
                    "the data key of customer {customer} is not stored as bytes",
                    customer=customer_id)),
                str(record[0]),
                _blob(self.path, record[1], lambda: say(
                    "the record of customer {customer} is not stored as bytes",
                    customer=customer_id)))

    def _tombstone(self, customer_id: str) -> tuple[int, str] | None:
        reference = keyed_reference(self._reference_key, customer_id)
        with _translated(self.path):
            return self._db.execute("SELECT erased_at, request FROM erased WHERE reference = ?",
                                    (reference,)).fetchone()

    def _refuse_if_erased(self, customer_id: str) -> None:
        tombstone = self._tombstone(customer_id)
        if tombstone is not None:
            raise CustomerErased(customer_id, tombstone[0], tombstone[1])

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with _translated(self.path):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _audit(self, action: str, reference: str, request: str, detail: str, *,
               commit: bool = True) -> int:
        """Append an entry (in its own transaction unless `commit` is False); returns its seq.
        `action` and `detail` are written in English, as `_shown_action` and `_shown_detail`
        know them, and shown in the reader's language."""
        if commit:
            with self._transaction():
                return self._audit(action, reference, request, detail, commit=False)
        last = self._db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, previous = ((last[0] + 1, _blob(self.path, last[1], lambda: say(
                              "audit entry #{seq} is not stored as bytes", seq=last[0])))
                          if last else (1, b""))
        time = self.clock.now()
        digest = _entry_hash(previous, seq, time, action, reference, request, detail)
        self._db.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (seq, time, action, reference, request, detail, digest))
        return seq


# -- the file --------------------------------------------------------------------------------------

def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        db.execute("PRAGMA secure_delete = ON")
        db.execute("PRAGMA journal_mode = DELETE")
        db.execute("PRAGMA synchronous = FULL")
    except BaseException:
        db.close()
        raise
    return db


def _check_header(path: Path) -> None:
    """Refuse what is plainly not a vault before SQLite touches it."""
    if path.is_dir():
        raise NotAVault(path, say("it is a folder"))
    try:
        header = read_header(path, APPLICATION_ID)
    except OSError as error:
        raise NotAVault(path, say("it cannot be read ({error})", error=error.strerror)) from None
    if isinstance(header, HeaderProblem):
        raise (CorruptVault if header.damaged else NotAVault)(path, header.reason)


@contextmanager
def _translated(path: Path) -> Iterator[None]:
    """SQLite's own errors become a VaultError that says what to do, never a traceback: a file
    another program holds, a read-only file or folder, or else a damaged file."""
    try:
        yield
    except sqlite3.OperationalError as error:
        kind = error_kind(error)
        if kind == "locked":
            raise VaultError(say("the vault {path} is locked by another program; close it there "
                                 "and try again.", path=path)) from None
        if kind == "read-only":
            raise VaultError(say("the vault {path} cannot be written: the file or its folder is "
                                 "read-only (SQLite writes its journal beside the file).",
                                 path=path)) from None
        if kind == "cannot open":
            raise VaultError(say("the vault {path} cannot be opened: check that its folder "
                                 "exists and may be written to.", path=path)) from None
        raise CorruptVault(path, say("SQLite cannot read it ({error})", error=error)) from None
    except sqlite3.DatabaseError as error:
        raise CorruptVault(path, say("SQLite cannot read it ({error})", error=error)) from None


def _encode(commitment: AttributeCommitment) -> bytes:
    return json.dumps({"attributes": dict(commitment.attributes),
                       "salts": {n: s.hex() for n, s in commitment.salts.items()}},
                      ensure_ascii=False, sort_keys=True).encode("utf-8")


def _decode(path: Path, plaintext: bytes) -> AttributeCommitment:
    try:
        data = json.loads(plaintext)
        return AttributeCommitment({k: str(v) for k, v in data["attributes"].items()},
                                   {k: bytes.fromhex(v) for k, v in data["salts"].items()})
    except (ValueError, KeyError, TypeError, AttributeError):
        raise CorruptVault(path, say("a record decrypts but is not a record")) from None


def residue_in_files(path: str | os.PathLike[str], needles: Mapping[str, bytes]
                     ) -> dict[str, list[str]]:
    """For each named byte string, the files among the database and its SQLite companions
    (-journal, -wal, -shm) whose raw bytes still contain it: a forensic check that erased data
    is really gone. An empty list means: found nowhere."""
    path = Path(path)
    files = [path] + [path.with_name(path.name + s) for s in ("-journal", "-wal", "-shm")]
    contents = {f.name: f.read_bytes() for f in files if f.exists()}
    return {name: [f for f, data in contents.items() if needle in data]
            for name, needle in needles.items()}
