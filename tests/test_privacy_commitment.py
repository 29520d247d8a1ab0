"""Commitments on a chain: the shop publishes fingerprints of a customer's data, never the data.

An attacker who reads the chain tries to find the phone number behind what was published."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain import ValidationError
from minichain.privacy import (
    MIN_SALT_BYTES,
    CommitmentMismatch,
    KeyTooShort,
    SaltTooShort,
    SeededSalts,
    check_opening,
    commit,
    commitment_digest,
    guess_phone_number,
    keyed_reference,
    new_salt,
    opens,
    unsalted_hash,
)

PHONE = "+8613800138000"


def test_an_unsalted_phone_hash_is_reversed_by_trying_every_number():
    published = unsalted_hash(PHONE)
    result = guess_phone_number(published, prefix="+86138001", unknown_digits=5)
    assert result.found == PHONE
    assert result.guesses == 38_001 and result.space == 100_000
    assert "found +8613800138000 after 38,001 guesses" in str(result)


def test_the_same_attack_on_a_salted_commitment_finds_nothing():
    published = commit(PHONE).digest
    result = guess_phone_number(published, prefix="+86138001", unknown_digits=5)
    assert result.found is None and result.guesses == 100_000
    assert "not found after 100,000 guesses" in str(result)


def test_a_number_outside_the_space_searched_is_not_found():
    result = guess_phone_number(unsalted_hash("+8613900000000"), prefix="+86138001",
                                unknown_digits=4)
    assert result.found is None and result.guesses == 10_000


def test_the_guesser_refuses_an_unbounded_search():
    with pytest.raises(ValueError):
        guess_phone_number(b"", prefix="+86", unknown_digits=11)


def test_the_customer_can_open_her_commitment_and_nobody_can_open_it_otherwise():
    c = commit(PHONE)
    assert len(c.salt) == MIN_SALT_BYTES == 16
    assert opens(c.digest, PHONE, c.salt)
    assert not opens(c.digest, "+8613800138001", c.salt)
    assert not opens(c.digest, PHONE, new_salt())
    check_opening(c.digest, PHONE, c.salt)
    with pytest.raises(CommitmentMismatch, match="do not open commitment") as error:
        check_opening(c.digest, "+8613800138001", c.salt)
    assert isinstance(error.value, ValidationError)


def test_fresh_salts_make_every_commitment_of_the_same_number_different():
    assert commit(PHONE).digest != commit(PHONE).digest
    assert PHONE.encode() not in repr(commit(PHONE)).encode()  # the salt is not shown either


def test_a_salt_shorter_than_128_bits_is_refused():
    with pytest.raises(SaltTooShort, match="15 bytes is too short: at least 16 bytes"):
        commit(PHONE, salt=bytes(15))
    assert not opens(commitment_digest(PHONE, bytes(16)), PHONE, bytes(15))


def test_seeded_salts_repeat_for_lessons_and_differ_between_seeds():
    a, b = SeededSalts("lesson 07"), SeededSalts("lesson 07")
    assert [a() for _ in range(3)] == [b() for _ in range(3)]
    first = SeededSalts("lesson 07")()
    assert first != SeededSalts("lesson 08")() and len(first) == 16
    assert commit(PHONE, SeededSalts("x")()).digest == commit(PHONE, SeededSalts("x")()).digest


def test_a_keyed_reference_is_stable_for_the_key_holder_and_useless_without_the_key():
    shop_key, other_key = bytes(range(32)), bytes(range(1, 33))
    assert keyed_reference(shop_key, PHONE) == keyed_reference(shop_key, PHONE)
    assert keyed_reference(shop_key, PHONE) != keyed_reference(other_key, PHONE)
    assert keyed_reference(shop_key, PHONE) != unsalted_hash(PHONE)
    # an attacker without the key cannot run the phone-number search against it
    result = guess_phone_number(keyed_reference(shop_key, PHONE), prefix="+86138001",
                                unknown_digits=5)
    assert result.found is None
    with pytest.raises(KeyTooShort, match="8 bytes long; it must be at least 16"):
        keyed_reference(bytes(8), PHONE)


@settings(max_examples=60, deadline=None)
@given(value=st.text(max_size=40), other=st.text(max_size=40),
       salt=st.binary(min_size=16, max_size=32))
def test_a_commitment_opens_with_its_value_only(value, other, salt):
    digest = commit(value, salt).digest
    assert opens(digest, value, salt)
    assert opens(digest, other, salt) == (other == value)
