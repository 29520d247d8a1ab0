"""Selective disclosure: the courier learns the delivery city, and nothing else, and can check
it against the root the shop put on the chain."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain import Blockchain, Wallet
from minichain.merkle import leaf_hash
from minichain.privacy import (
    AttributeCommitment,
    DisclosureDoesNotMatch,
    SaltTooShort,
    SeededSalts,
    check_disclosure,
    verify_disclosure,
)

CUSTOMER = {"name": "Amira Haddad", "phone": "+8613800138000", "street": "12 Lake Road",
            "city": "Hangzhou", "birthday": "1990-04-01"}
CITIES = ["Beijing", "Shanghai", "Hangzhou", "Shenzhen", "Chengdu", "Wuhan"]


def committed_on_chain():
    shop, customer = Wallet.from_seed("shop"), Wallet.from_seed("customer")
    chain = Blockchain.proof_of_authority([shop], allocations={customer.address: 100})
    attributes = AttributeCommitment.create(CUSTOMER)
    chain.submit(customer.pay(shop.address, 30, chain=chain, data=attributes.root))
    block = chain.produce_block()
    return attributes, block.transactions[0].data


def test_the_courier_verifies_the_city_against_the_root_on_chain():
    attributes, root_on_chain = committed_on_chain()
    city = attributes.disclose("city")
    assert (city.name, city.value) == ("city", "Hangzhou")
    assert verify_disclosure(city, root_on_chain)
    check_disclosure(city, root_on_chain)
    assert str(city) == "city = Hangzhou (attribute 2 of 5, proven with 3 hashes)"


def test_a_changed_attribute_fails_its_proof():
    attributes, root = committed_on_chain()
    forged = replace(attributes.disclose("city"), value="Shanghai")
    assert not verify_disclosure(forged, root)
    with pytest.raises(DisclosureDoesNotMatch, match="the disclosed city 'Shanghai' is not what"):
        check_disclosure(forged, root)


def test_an_attribute_passed_off_under_another_name_or_salt_fails():
    attributes, root = committed_on_chain()
    city = attributes.disclose("city")
    assert not verify_disclosure(replace(city, name="street"), root)
    assert not verify_disclosure(replace(city, salt=bytes(16)), root)
    assert not verify_disclosure(replace(city, salt=b"short"), root)
    other = AttributeCommitment.create(CUSTOMER)  # same data, other salts: another root
    assert other.root != attributes.root
    assert not verify_disclosure(other.disclose("city"), root)


def test_the_proof_reveals_no_other_attribute():
    attributes, root = committed_on_chain()
    city = attributes.disclose("city")
    shown = repr(city).encode() + b"".join(city.proof.siblings) + city.salt
    for name, value in CUSTOMER.items():
        if name != "city":
            assert value.encode() not in shown


def test_salted_leaves_stop_guessing_a_hidden_attribute_from_its_hash():
    """Without a salt, the street's leaf hash (a sibling in some proof) could be matched against
    every city; with its salt unknown, no guess matches."""
    attributes = AttributeCommitment.create({"city": "Hangzhou", "street": "12 Lake Road"})
    sibling = attributes.disclose("street").proof.siblings[0]  # the city's leaf hash
    unsalted = AttributeCommitment({"city": "Hangzhou"}, {"city": bytes(16)})
    assert sibling != leaf_hash(unsalted.leaves()[0])
    guesses = [AttributeCommitment({"city": c}, {"city": bytes(16)}).leaves()[0] for c in CITIES]
    assert sibling not in {leaf_hash(g) for g in guesses}
    assert leaf_hash(unsalted.leaves()[0]) in {leaf_hash(g) for g in guesses}


def test_seeded_salts_give_the_same_root_every_time():
    a = AttributeCommitment.create(CUSTOMER, SeededSalts("lesson 07"))
    b = AttributeCommitment.create(CUSTOMER, SeededSalts("lesson 07"))
    assert a.root == b.root and len(a.root) == 32


def test_an_unknown_attribute_and_a_short_salt_are_refused():
    attributes = AttributeCommitment.create(CUSTOMER)
    with pytest.raises(KeyError, match="there is no attribute 'email'"):
        attributes.disclose("email")
    with pytest.raises(SaltTooShort):
        AttributeCommitment.create(CUSTOMER, salt=lambda: bytes(8)).root


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=12), min_size=1,
                       max_size=7), st.data())
def test_every_attribute_verifies_and_no_changed_one_does(attrs, data):
    committed = AttributeCommitment.create(attrs)
    name = data.draw(st.sampled_from(sorted(attrs)))
    assert verify_disclosure(committed.disclose(name), committed.root)
    changed = data.draw(st.text(max_size=12).filter(lambda v: v != attrs[name]))
    assert not verify_disclosure(replace(committed.disclose(name), value=changed), committed.root)
