"""The vault's cipher, AES-256-GCM, from either of its two libraries: OpenSSL's (through
`cryptography`) on the shop's server and in `make lab`, tlslite-ng's pure Python in the browser
edition, where `cryptography` has no build. A trainee's vault file must not care which one wrote
it: both give the published answers, the same bytes for the same input, each opens what the
other sealed, and both refuse the same tampering.

The fixed answers are the AES-256 test cases 13 to 18 of McGrew & Viega, "The Galois/Counter
Mode of Operation (GCM)" (revised submission to NIST, 2005), Appendix B, which NIST SP 800-38D
adopted.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain.language import set_language
from minichain.privacy import aes_gcm
from minichain.privacy.aes_gcm import AuthenticationFailed, CipherUnavailable
from minichain.privacy.vault import PersonalDataVault

BACKENDS = ("openssl", "python")  # both are in the test extra: neither may go missing unseen


@dataclass(frozen=True)
class Vector:
    key: str
    iv: str
    plaintext: str
    associated: str
    ciphertext: str
    tag: str

    def bytes(self, field: str) -> bytes:
        return bytes.fromhex(getattr(self, field))


K0 = "00" * 32
K = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
P = ("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255")
P60 = P[:120]  # test cases 16 to 18 encrypt the first 60 bytes
A = "feedfacedeadbeeffeedfacedeadbeefabaddad2"
C15 = ("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
       "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad")
VECTORS = {
    13: Vector(K0, "00" * 12, "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"),
    14: Vector(K0, "00" * 12, "00" * 16, "", "cea7403d4d606b6e074ec5d3baf39d18",
               "d0d1c8a799996bf0265b98b5d48ab919"),
    15: Vector(K, "cafebabefacedbaddecaf888", P, "", C15, "b094dac5d93471bdec1a502270e3cc6c"),
    16: Vector(K, "cafebabefacedbaddecaf888", P60, A, C15[:120],
               "76fc6ece0f4e1768cddf8853bb2d551b"),
    17: Vector(K, "cafebabefacedbad", P60, A,
               "c3762df1ca787d32ae47c13bf19844cbaf1ae14d0b976afac52ff7d7"
               "9bba9de0feb582d33934a4f0954cc2363bc73f7862ac430e64abe499f47c9b1f",
               "3a337dbf46a792c45e454913fe2ea8f2"),
    18: Vector(K, "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728"
                  "c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b", P60, A,
               "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf4"
               "0fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f",
               "a44a8266ee1c8eb0c8b5d4cf5ae9f19a"),
}
TWELVE_BYTE_IV = [13, 14, 15, 16]

keys = st.binary(min_size=32, max_size=32)
nonces = st.binary(min_size=12, max_size=12)
texts = st.binary(max_size=300)
labels = st.binary(max_size=64)


def sealed_by(backend: str, key: bytes, nonce: bytes, plaintext: bytes, associated: bytes
              ) -> bytes:
    with aes_gcm.use_backend(backend):
        return aes_gcm.encrypt(key, nonce, plaintext, associated)


def opened_by(backend: str, key: bytes, nonce: bytes, sealed: bytes, associated: bytes) -> bytes:
    with aes_gcm.use_backend(backend):
        return aes_gcm.decrypt(key, nonce, sealed, associated)


# -- the published answers ---------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", TWELVE_BYTE_IV)
def test_each_library_gives_the_published_answer(backend, case):
    v = VECTORS[case]
    sealed = sealed_by(backend, v.bytes("key"), v.bytes("iv"), v.bytes("plaintext"),
                       v.bytes("associated"))
    assert sealed == v.bytes("ciphertext") + v.bytes("tag"), f"test case {case}"
    assert opened_by(backend, v.bytes("key"), v.bytes("iv"), sealed,
                     v.bytes("associated")) == v.bytes("plaintext")


@pytest.mark.parametrize("case", [17, 18])
def test_the_iv_lengths_the_vault_never_writes_are_refused_by_both_libraries_alike(case):
    """Test cases 17 and 18 use 64- and 480-bit IVs. GCM allows them (such an IV is hashed into
    the first counter block), but SP 800-38D recommends 96 bits, the vault writes 96 bits, and
    tlslite-ng's GCM takes nothing else: so both backends refuse other lengths, and no file can
    depend on which library wrote it. OpenSSL itself computes the published answer, so the
    refusal is the kit's choice, not a wrong vector."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    v = VECTORS[case]
    assert AESGCM(v.bytes("key")).encrypt(v.bytes("iv"), v.bytes("plaintext"),
                                          v.bytes("associated")) == \
        v.bytes("ciphertext") + v.bytes("tag")
    refusals = set()
    for backend in BACKENDS:
        with pytest.raises(ValueError, match="nonce") as sealing:
            sealed_by(backend, v.bytes("key"), v.bytes("iv"), v.bytes("plaintext"),
                      v.bytes("associated"))
        with pytest.raises(ValueError, match="nonce") as opening:
            opened_by(backend, v.bytes("key"), v.bytes("iv"),
                      v.bytes("ciphertext") + v.bytes("tag"), v.bytes("associated"))
        refusals |= {str(sealing.value), str(opening.value)}
    assert refusals == {f"an AES-GCM nonce here is 12 bytes (96 bits) long, not "
                        f"{len(v.bytes('iv'))}."}


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_aes_128_key_is_refused_even_by_the_library_that_would_take_it(backend):
    with aes_gcm.use_backend(backend), \
            pytest.raises(ValueError, match="an AES-256 key is 32 bytes long, not 16"):
        aes_gcm.encrypt(bytes(16), bytes(12), b"order 1001")


# -- the same bytes, both ways -------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(keys, nonces, texts, labels)
def test_both_libraries_seal_the_same_bytes_and_open_each_others(key, nonce, plaintext,
                                                                 associated):
    by_openssl = sealed_by("openssl", key, nonce, plaintext, associated)
    by_python = sealed_by("python", key, nonce, plaintext, associated)
    assert by_openssl == by_python
    assert len(by_python) == len(plaintext) + aes_gcm.TAG_BYTES
    assert opened_by("python", key, nonce, by_openssl, associated) == plaintext
    assert opened_by("openssl", key, nonce, by_python, associated) == plaintext


@settings(max_examples=150, deadline=None)
@given(keys, nonces, texts, labels, st.sampled_from(["key", "nonce", "sealed", "associated"]),
       st.integers(min_value=0))
def test_a_single_flipped_bit_anywhere_is_refused_by_both(key, nonce, plaintext, associated,
                                                          where, position):
    """An attacker who edits the stored bytes, or a program that opens them with another key,
    nonce or label, gets no plaintext from either library: one bit is enough."""
    parts = {"key": key, "nonce": nonce, "associated": associated,
             "sealed": sealed_by("openssl", key, nonce, plaintext, associated)}
    if not parts[where]:  # nothing to flip in empty associated data: add a byte instead
        parts[where] = b"\x00"
    else:
        changed = bytearray(parts[where])
        bit = position % (len(changed) * 8)
        changed[bit // 8] ^= 1 << (bit % 8)
        parts[where] = bytes(changed)
    for backend in BACKENDS:
        with pytest.raises(AuthenticationFailed):
            opened_by(backend, parts["key"], parts["nonce"], parts["sealed"],
                      parts["associated"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_ciphertext_too_short_to_hold_a_tag_fails_authentication_the_same_way(backend):
    with pytest.raises(AuthenticationFailed, match="fails authentication"):
        opened_by(backend, bytes(32), bytes(12), bytes(15), b"")


# -- the vault, whichever library runs -----------------------------------------------------------

AMIRA = {"name": "Amira Haddad", "phone": "+33612345678", "city": "Lyon"}
BO = {"name": "Bo Lindqvist", "phone": "+46701740605", "city": "Malmö"}
MASTER = bytes(range(32))


@pytest.mark.parametrize("writer, reader", [("python", "openssl"), ("openssl", "python")])
def test_a_vault_written_in_the_browser_opens_on_the_server_and_back(tmp_path, writer, reader):
    """A trainee fills a vault in the browser edition (pure Python); the instructor opens the
    same file with OpenSSL, adds a customer and erases one; the browser reads the result."""
    path = tmp_path / "eu-customers.vault"
    with aes_gcm.use_backend(writer), \
            PersonalDataVault.open(path, MASTER, jurisdiction="EU") as vault:
        amira = vault.add("C-1001", AMIRA, request="order form")
    with aes_gcm.use_backend(reader), PersonalDataVault.open(path, MASTER) as vault:
        assert vault.commitment("C-1001") == amira
        vault.add("C-1002", BO, request="order form")
        vault.erase("C-1001", request="ERASE-0042")
    with aes_gcm.use_backend(writer), PersonalDataVault.open(path, MASTER) as vault:
        assert vault.customers() == ["C-1002"]
        assert vault.commitment("C-1002").attributes == BO
        assert vault.erased("C-1001")
        assert vault.check_audit_trail() == 4


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_master_key_longer_than_aes_256_takes_is_refused_in_plain_words(tmp_path, backend):
    from minichain.privacy import VaultError

    with aes_gcm.use_backend(backend), pytest.raises(VaultError, match="exactly 32 bytes"):
        PersonalDataVault.open(tmp_path / "v.vault", bytes(40), jurisdiction="EU")
    assert not (tmp_path / "v.vault").exists()


# -- which library, and saying so ---------------------------------------------------------------

def test_the_backend_in_use_is_the_one_minichain_vault_cipher_names():
    """`make test-fallback` sets MINICHAIN_VAULT_CIPHER=python to run every vault test on the
    browser edition's library: if OpenSSL quietly took its place, this fails."""
    chosen = os.environ.get("MINICHAIN_VAULT_CIPHER", "").strip()
    if chosen:
        assert aes_gcm.backend == aes_gcm.ALIASES.get(chosen, chosen)
    else:
        assert aes_gcm.backend == aes_gcm.available_backends()[0] == "openssl"


def test_use_backend_switches_for_the_block_only():
    before = aes_gcm.backend
    other = "python" if before == "openssl" else "openssl"
    with aes_gcm.use_backend(other) as name:
        assert name == aes_gcm.backend == other
    assert aes_gcm.backend == before


def run_python(code: str, *, environment: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MINICHAIN_VAULT_CIPHER"}
    env.update(environment or {})
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60)


ROUND_TRIP = """
import sys, tempfile, pathlib
from minichain.privacy import aes_gcm
from minichain.privacy.vault import PersonalDataVault
path = pathlib.Path(tempfile.mkdtemp()) / "v.vault"
with PersonalDataVault.open(path, bytes(32), jurisdiction="EU") as vault:
    vault.add("C-1001", {"city": "Lyon"})
with PersonalDataVault.open(path, bytes(32)) as vault:
    city = vault.commitment("C-1001").attributes["city"]
loaded = [m for m, module in sys.modules.items() if m.startswith("cryptography") and module]
print(aes_gcm.backend, city, bool(loaded))
"""
WITHOUT_CRYPTOGRAPHY = "import sys; sys.modules['cryptography'] = None\n"  # as in Pyodide


def test_asked_for_pure_python_the_vault_never_loads_openssl():
    done = run_python(ROUND_TRIP, environment={"MINICHAIN_VAULT_CIPHER": "python"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["python", "Lyon", "False"]


def test_where_cryptography_has_no_build_the_vault_runs_on_pure_python_by_itself():
    done = run_python(WITHOUT_CRYPTOGRAPHY + ROUND_TRIP)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["python", "Lyon", "False"]


def test_in_a_python_without_dbm_as_pyodide_the_cipher_loads_without_tlslites_tls_stack():
    """tlslite-ng's package loads its TLS servers' password databases, which import `dbm`;
    Pyodide has no `dbm`. The browser edition still gets the cipher, and the published answer."""
    done = run_python("import sys; sys.modules['dbm'] = None\n" + WITHOUT_CRYPTOGRAPHY
                      + ROUND_TRIP + "print(aes_gcm.encrypt(bytes(32), bytes(12), b'').hex())")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["python", "Lyon", "False", VECTORS[13].tag]


def test_forcing_a_library_that_is_not_there_fails_loudly_instead_of_falling_back():
    done = run_python(WITHOUT_CRYPTOGRAPHY + ROUND_TRIP,
                      environment={"MINICHAIN_VAULT_CIPHER": "openssl"})
    assert done.returncode != 0
    assert "CipherUnavailable: the openssl AES-GCM backend cannot be used here" in done.stderr


def test_an_unknown_backend_name_says_which_ones_exist():
    with pytest.raises(CipherUnavailable, match="choose one of openssl, python"):
        with aes_gcm.use_backend("rot13"):
            pass


def test_with_no_aes_gcm_library_at_all_the_vault_says_what_to_install():
    done = run_python("import sys; sys.modules['cryptography'] = sys.modules['tlslite'] = None\n"
                      "import minichain.privacy.vault")
    assert done.returncode != 0
    assert "needs AES-256-GCM from the `cryptography` package or, in pure Python, from " \
           "`tlslite-ng`, and neither can be used here: the openssl AES-GCM backend cannot be " \
           "used here" in done.stderr


@pytest.mark.parametrize("backend, library, words", [
    ("openssl", "cryptography", "compiled code"),
    ("python", "tlslite-ng", "pure Python"),
])
def test_the_lesson_can_say_which_library_encrypts(backend, library, words):
    with aes_gcm.use_backend(backend):
        english = aes_gcm.description()
        set_language("zh_CN")
        chinese = aes_gcm.description()
    assert library in english and words in english and "AES-256-GCM" in english
    assert library in chinese and "AES-256-GCM" in chinese and chinese != english
