"""Teaching wallets are the same on every machine; encodings are canonical and strict."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain import Block, Blockchain, MalformedData, Transaction, Wallet, crypto


def test_a_seeded_wallet_is_the_same_everywhere():
    alice = Wallet.from_seed("alice")
    assert alice == Wallet.from_seed("alice")
    assert alice.address != Wallet.from_seed("bob").address
    # the seed phrase's SHA-256 is the secret: this address is fixed forever
    assert alice.address == crypto.address_from_public_key(alice.public_key)
    assert Wallet.from_secret(alice.secret).address == alice.address


@pytest.mark.parametrize("secret", [0, -1, crypto.CURVE_ORDER, "1"])
def test_secrets_outside_the_curve_are_refused(secret):
    with pytest.raises(ValueError):
        Wallet.from_secret(secret)


def test_the_secret_never_shows_in_repr():
    alice = Wallet.from_seed("alice")
    assert str(alice.secret) not in repr(alice)


@pytest.fixture
def chain():
    return Blockchain.proof_of_work(allocations={Wallet.from_seed("alice").address: 100},
                                    miner=Wallet.from_seed("miner"))


def test_a_transaction_round_trips_through_its_bytes(chain):
    tx = Wallet.from_seed("alice").pay(Wallet.from_seed("shop").address, 5, chain=chain,
                                       data="gift wrap".encode())
    again = Transaction.deserialize(tx.serialize())
    assert again == tx and again.txid == tx.txid


def test_a_block_round_trips_through_its_bytes(chain):
    chain.submit(Wallet.from_seed("alice").pay(Wallet.from_seed("shop").address, 5, chain=chain))
    block = chain.produce_block()
    again = Block.deserialize(block.serialize())
    assert again == block and again.hash == block.hash


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_are_malformed_data_not_a_crash(data):
    for decode in (Transaction.deserialize, Block.deserialize):
        try:
            decode(data)
        except MalformedData as error:
            assert str(error)


def test_trailing_bytes_are_refused(chain):
    tx = Wallet.from_seed("alice").pay(Wallet.from_seed("shop").address, 5, chain=chain)
    with pytest.raises(MalformedData, match="unexpected bytes"):
        Transaction.deserialize(tx.serialize() + b"\x00")
    with pytest.raises(MalformedData, match="ends too early"):
        Transaction.deserialize(tx.serialize()[:-1])


TEMPLATE = Transaction(sender_key=Wallet.from_seed("alice").public_key,
                       recipient=Wallet.from_seed("shop").address, amount=5, fee=1, nonce=0,
                       chain_id=1, data="gift wrap".encode(), signature=bytes(range(64)))


@settings(max_examples=300, deadline=None)
@given(position=st.integers(0, 400), change=st.binary(min_size=1, max_size=4),
       text=st.text(max_size=12))
def test_any_bytes_a_transaction_is_decoded_from_are_the_bytes_it_encodes_to(position, change,
                                                                             text):
    """A node keeps the bytes it decoded a transaction from as its encoding (for its id and its
    signature check) instead of encoding it again: that is only right because decoding is
    strict, so a changed byte anywhere either is refused or decodes to a transaction that
    encodes to exactly those bytes."""
    original = TEMPLATE.altered(recipient=TEMPLATE.recipient + text).serialize()
    for data in (original, original[:position] + change + original[position + len(change):],
                 original[:position] + change + original[position:]):
        try:
            decoded = Transaction.deserialize(data)
        except MalformedData:
            continue
        fresh = decoded.altered()                   # the same fields, nothing remembered
        assert fresh == decoded and hash(fresh) == hash(decoded)  # decoding skips __init__
        assert fresh.serialize() == data and fresh.txid == decoded.txid
        assert fresh.signing_bytes() == decoded.signing_bytes()


@settings(max_examples=200, deadline=None)
@given(success=st.booleans(), fee=st.integers(0, 2**64), gas=st.integers(0, 2**64),
       txid=st.binary(min_size=32, max_size=32))
def test_a_plain_payments_receipt_commits_to_the_same_json_as_any_receipt(success, fee, gas,
                                                                          txid):
    """Receipts roots are consensus: the quick way a payment's receipt is written must give
    the bytes the general JSON encoding gives."""
    import json

    from minichain.receipt import Receipt
    receipt = Receipt(txid=txid, success=success, fee=fee, gas_used=gas)
    general = json.dumps({"txid": txid.hex(), "success": success, "fee": fee, "gas_used": gas,
                          "contract": None, "events": []},
                         sort_keys=True, separators=(",", ":")).encode("ascii")
    assert receipt.committed() == general
    if success and gas == 0:  # a payment's receipt, as a node makes one for every payment
        quick = Receipt.of_payment(txid, fee)
        assert quick == receipt and repr(quick) == repr(receipt)
        assert quick.committed() == general
