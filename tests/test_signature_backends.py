"""Two signature backends, one set of bytes: libsecp256k1 (Bitcoin Core's library, through
coincurve) and pure-Python ecdsa sign the same 64 bytes for every key and message, and accept and
refuse exactly the same signatures, so a chain written on a laptop with the fast library verifies
in the browser edition, which has only the slow one."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain import Blockchain, Wallet, crypto

pytest.importorskip("coincurve", reason="libsecp256k1 (coincurve) is not installed")

N = crypto.CURVE_ORDER
BACKENDS = ("libsecp256k1", "ecdsa")


def with_each(function, *args):
    """function(*args) computed by each backend."""
    results = []
    for name in BACKENDS:
        with crypto.use_backend(name):
            results.append(function(*args))
    return results


def test_both_backends_are_available_and_the_fast_one_is_the_default():
    assert crypto.available_backends() == list(BACKENDS)
    with crypto.use_backend("ecdsa") as name:
        assert name == crypto.backend == "ecdsa"
    assert crypto.backend in BACKENDS


def test_three_thousand_random_messages_sign_to_the_same_bytes_and_verify_across():
    rng = random.Random(6979)
    for _ in range(3000):
        secret = rng.randrange(1, N)
        message = rng.randbytes(rng.randrange(0, 200))
        fast, slow = with_each(crypto.sign, secret, message)
        assert fast == slow
        key_fast, key_slow = with_each(crypto.public_key_of, secret)
        assert key_fast == key_slow
        assert with_each(crypto.verify, key_fast, message, fast) == [True, True]
        tampered = message + b"!"
        assert with_each(crypto.verify, key_fast, tampered, fast) == [False, False]


def test_a_high_s_twin_is_refused_by_both_though_the_maths_would_accept_it():
    customer = Wallet.from_seed("customer")
    message = b"pay the shop 30"
    signature = customer.sign(message)
    twin = signature[:32] + (N - int.from_bytes(signature[32:], "big")).to_bytes(32, "big")
    assert with_each(crypto.verify, customer.public_key, message, twin) == [False, False]


@settings(max_examples=300, deadline=None)
@given(key=st.one_of(st.binary(min_size=33, max_size=33), st.binary(max_size=70)),
       signature=st.one_of(st.binary(min_size=64, max_size=64), st.binary(max_size=80)),
       message=st.binary(max_size=40))
def test_any_bytes_get_the_same_answer_from_both_and_never_an_exception(key, signature, message):
    fast, slow = with_each(crypto.verify, key, message, signature)
    assert fast == slow


def test_a_chain_built_with_one_backend_is_accepted_block_for_block_by_the_other():
    shop, customer = Wallet.from_seed("shop"), Wallet.from_seed("customer")

    def build():
        chain = Blockchain.proof_of_authority(validators=[shop],
                                              allocations={customer.address: 100})
        for amount in (5, 7, 11):
            chain.submit(customer.pay(shop.address, amount, chain=chain))
            chain.produce_block()
        return chain

    fast, slow = with_each(build)
    assert [b.hash for b in fast.blocks] == [b.hash for b in slow.blocks]
    with crypto.use_backend("ecdsa"):
        follower = Blockchain.proof_of_authority(validators=[shop],
                                                 allocations={customer.address: 100})
        for block in fast.blocks[1:]:
            follower.clock.advance_to(block.header.timestamp)
            follower.add_block(block)
    assert follower.balance(shop.address) == fast.balance(shop.address)


def test_an_unknown_backend_is_named_in_the_refusal():
    from minichain.secp256k1 import BackendUnavailable
    with pytest.raises(BackendUnavailable, match="no signature backend called 'rsa'"):
        with crypto.use_backend("rsa"):
            pass
