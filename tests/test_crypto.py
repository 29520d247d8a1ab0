"""Keys, signatures and addresses: what lets the chain know a payment is really the customer's."""

import hashlib

import pytest
from ecdsa import SECP256k1, SigningKey
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain import Wallet, crypto

N = crypto.CURVE_ORDER


@pytest.fixture
def customer():
    return Wallet.from_seed("customer")


def _flip_s(signature: bytes) -> bytes:
    """The other valid signature for the same message: (r, n - s)."""
    r, s = signature[:32], int.from_bytes(signature[32:], "big")
    return r + (N - s).to_bytes(32, "big")


def test_a_signature_is_64_bytes_deterministic_and_low_s(customer):
    order = b"order 1042: 2 x green tea, 18.00"
    first, second = customer.sign(order), customer.sign(order)
    assert len(first) == 64 and first == second  # RFC 6979: same key + message, same signature
    assert int.from_bytes(first[32:], "big") <= N // 2


def test_signatures_match_rfc6979_as_computed_by_ecdsa_itself(customer):
    """Our signature is ecdsa's RFC 6979 signature of SHA-256(message), normalised to low S."""
    message = b"pay the shop 30"
    key = SigningKey.from_secret_exponent(customer.secret, curve=SECP256k1,
                                          hashfunc=hashlib.sha256)
    reference = key.sign_deterministic(message, hashfunc=hashlib.sha256)
    s = int.from_bytes(reference[32:], "big")
    expected = reference[:32] + min(s, N - s).to_bytes(32, "big")
    assert customer.sign(message) == expected


def test_the_customers_signature_verifies_and_a_changed_order_does_not(customer):
    signature = customer.sign(b"pay the shop 30")
    assert crypto.verify(customer.public_key, b"pay the shop 30", signature)
    assert not crypto.verify(customer.public_key, b"pay the shop 300", signature)
    assert not crypto.verify(Wallet.from_seed("attacker").public_key, b"pay the shop 30",
                             signature)


def test_a_high_s_twin_of_a_valid_signature_is_refused(customer):
    """Anyone can turn (r, s) into (r, n - s) without the key; only the low form counts."""
    signature = customer.sign(b"refund 12")
    twin = _flip_s(signature)
    assert twin != signature
    assert not crypto.verify(customer.public_key, b"refund 12", twin)


@pytest.mark.parametrize("signature", [
    b"", b"\x01" * 63, b"\x01" * 65, bytes(64),
    bytes(32) + (1).to_bytes(32, "big"),  # r = 0
    (1).to_bytes(32, "big") + bytes(32),  # s = 0
    N.to_bytes(32, "big") + (1).to_bytes(32, "big"),  # r = n
    b"\xff" * 64,
])
def test_malformed_signatures_are_false_never_an_exception(customer, signature):
    assert crypto.verify(customer.public_key, b"anything", signature) is False


@pytest.mark.parametrize("key", [b"", b"\x02" + bytes(32), b"\x05" + b"\x11" * 32, b"\x04" * 65])
def test_malformed_public_keys_are_false_never_an_exception(customer, key):
    assert crypto.verify(key, b"anything", customer.sign(b"anything")) is False


def test_public_key_is_33_byte_compressed_sec1(customer):
    key = customer.public_key
    assert len(key) == 33 and key[0] in (2, 3)


def test_addresses_carry_a_checksum_that_catches_a_typo(customer):
    address = customer.address
    assert crypto.is_valid_address(address)
    position = next(i for i, c in enumerate(address) if i > 1 and c in "0123456789")
    typo = address[:position] + str((int(address[position]) + 1) % 10) + address[position + 1:]
    assert not crypto.is_valid_address(typo)
    assert "checksum" in crypto.address_problem(typo)


def test_changing_the_capitalisation_of_an_address_is_caught(customer):
    address = customer.address
    letter = next(i for i, c in enumerate(address) if i > 1 and c.isalpha())
    swapped = address[:letter] + address[letter].swapcase() + address[letter + 1:]
    assert not crypto.is_valid_address(swapped)


@pytest.mark.parametrize("bad", ["", "0x123", "shop", "0x" + "g" * 40, 42, None])
def test_things_that_are_not_addresses_are_named(bad):
    assert not crypto.is_valid_address(bad)
    assert crypto.address_problem(bad)


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=20, max_size=20))
def test_every_checksummed_address_round_trips(raw):
    address = crypto.to_checksum_address(raw)
    assert crypto.is_valid_address(address)
    assert crypto.address_bytes(address) == raw


def test_signature_cache_remembers_only_successes(customer):
    cache = crypto.SignatureCache()
    message = b"pay 5"
    good = customer.sign(message)
    assert cache.verify(customer.public_key, message, good)
    assert cache.verify(customer.public_key, message, good)
    assert cache.hits == 1
    assert not cache.verify(customer.public_key, b"pay 50", good)
    assert not cache.verify(customer.public_key, message, _flip_s(good))
    assert len(cache) == 1


def test_signature_cache_forgets_the_oldest_when_full(customer):
    cache = crypto.SignatureCache(max_entries=2)
    for amount in range(3):
        message = f"pay {amount}".encode()
        assert cache.verify(customer.public_key, message, customer.sign(message))
    assert len(cache) == 2


def test_sm3_gives_the_standards_own_example():
    """GB/T 32905-2016, appendix A.1: SM3("abc")."""
    assert crypto.sm3(b"abc").hex() == \
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm3_without_openssls_comes_from_gmssl_with_the_same_fingerprints(monkeypatch):
    """The browser edition's Python has no SM3 in OpenSSL: the pure-Python gmssl gives the
    standard's example (GB/T 32905-2016, appendix A.1 and A.2) and the same bytes as OpenSSL."""
    import hashlib

    pytest.importorskip("gmssl")
    inputs = [b"abc", b"abcd" * 16, b"", bytes(range(256))]
    from_openssl = [crypto.sm3(data) for data in inputs]
    real_new = hashlib.new

    def openssl_without_sm3(name, *args, **kwargs):
        if name.lower() == "sm3":
            raise ValueError("unsupported hash type sm3")
        return real_new(name, *args, **kwargs)

    monkeypatch.setattr(hashlib, "new", openssl_without_sm3)
    assert crypto.sm3(b"abc").hex() == \
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert crypto.sm3(b"abcd" * 16).hex() == \
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    assert [crypto.sm3(data) for data in inputs] == from_openssl
