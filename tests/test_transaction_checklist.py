"""The transaction checklist of DESIGN.md section 3, one rule at a time.

Each test breaks exactly one rule and checks three things: the node refuses with the error that
names that rule (not a neighbouring one), the message says so in plain words, and nothing
changed (balances, nonces, mempool). The second half of the file puts the same bad transactions
inside a block: the block is refused with `BlockHasInvalidTransaction`, whose `.reason` is the
very same rule's error.
"""

import hashlib
from dataclasses import replace

import pytest
from ecdsa import SECP256k1, VerifyingKey
from ecdsa.util import sigdecode_string

from minichain import (
    AmountOutOfRange,
    BadSignature,
    Blockchain,
    BlockHasInvalidTransaction,
    InsufficientFunds,
    InvalidRecipient,
    NonCanonicalSignature,
    NonceAlreadyUsed,
    NonceTooHigh,
    TransactionAlreadyInChain,
    TransactionAlreadyPending,
    TransactionTooLarge,
    WrongChain,
    crypto,
)

N = crypto.CURVE_ORDER


def snapshot(chain: Blockchain) -> tuple:
    """Everything a refused transaction or block must leave as it was."""
    return (
        chain.tip.hash,
        chain.height,
        chain.state.root(),
        tuple(chain.state.accounts()),
        tuple(tx.txid for tx in chain.mempool),
    )


def refuse(chain: Blockchain, tx, error: type, fragment: str):
    """Submit `tx`, expect exactly `error` with `fragment` in its message, and no change."""
    before = snapshot(chain)
    with pytest.raises(error, match=fragment) as caught:
        chain.submit(tx)
    assert type(caught.value) is error
    assert snapshot(chain) == before
    return caught.value


def split(signature: bytes) -> tuple[int, int]:
    return int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")


def join(r: int, s: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


# -- 1. the signature is the sender's ------------------------------------------------------------

def test_1_the_attacker_cannot_raise_the_amount_of_the_customers_signed_payment(
        pow_chain, customer, shop):
    payment = customer.pay(shop.address, 10, chain=pow_chain)
    forged = replace(payment, amount=900)  # same signature, bigger amount
    refuse(pow_chain, forged, BadSignature, "does not match sender")
    assert pow_chain.balance(customer.address) == 1_000
    assert len(pow_chain.mempool) == 0


def test_1_the_attacker_cannot_redirect_the_customers_payment_to_himself(
        pow_chain, customer, shop, attacker):
    payment = customer.pay(shop.address, 10, chain=pow_chain)
    refuse(pow_chain, replace(payment, recipient=attacker.address), BadSignature,
           "changed after it was signed")


def test_1_the_attacker_cannot_sign_a_payment_from_the_customers_account(
        pow_chain, customer, attacker):
    unsigned = customer.pay(attacker.address, 500, chain=pow_chain).with_signature(b"")
    forged = unsigned.with_signature(attacker.sign(unsigned.signing_bytes()))
    refuse(pow_chain, forged, BadSignature, "signed with another key")
    assert pow_chain.balance(attacker.address) == 500


def test_1_the_genuine_payment_is_accepted(pow_chain, customer, shop):
    """The control for the tests above: the untouched payment passes every check."""
    payment = customer.pay(shop.address, 10, chain=pow_chain)
    assert pow_chain.submit(payment) == payment.txid
    assert payment.txid in pow_chain.mempool


# -- 2. low-S and 1 <= r, s < n ------------------------------------------------------------------

def test_2_a_high_s_copy_of_a_valid_signature_is_refused(pow_chain, customer, shop):
    payment = customer.pay(shop.address, 10, chain=pow_chain)
    r, s = split(payment.signature)
    flipped = payment.with_signature(join(r, N - s))
    # The flipped signature is valid ECDSA (the `ecdsa` package accepts it) and gives the payment
    # a new id: without the low-S rule anyone could change a transaction's id without the key.
    key = VerifyingKey.from_string(payment.sender_key, curve=SECP256k1, hashfunc=hashlib.sha256)
    assert key.verify(flipped.signature, payment.signing_bytes(), sigdecode=sigdecode_string)
    assert flipped.txid != payment.txid
    refuse(pow_chain, flipped, NonCanonicalSignature, r"upper half of the range \(high-S\)")


def test_2_a_signature_with_r_zero_is_refused(pow_chain, customer, shop):
    payment = customer.pay(shop.address, 10, chain=pow_chain)
    _, s = split(payment.signature)
    refuse(pow_chain, payment.with_signature(join(0, s)), NonCanonicalSignature,
           "r is out of range")


def test_2_a_signature_with_s_zero_is_refused(pow_chain, customer, shop):
    payment = customer.pay(shop.address, 10, chain=pow_chain)
    r, _ = split(payment.signature)
    refuse(pow_chain, payment.with_signature(join(r, 0)), NonCanonicalSignature,
           "s is out of range")


def test_2_a_signature_with_r_equal_to_the_curve_order_is_refused(pow_chain, customer, shop):
    payment = customer.pay(shop.address, 10, chain=pow_chain)
    _, s = split(payment.signature)
    refuse(pow_chain, payment.with_signature(join(N, s)), NonCanonicalSignature,
           "r is out of range")


def test_2_a_signature_of_the_wrong_length_is_refused(pow_chain, customer, shop):
    payment = customer.pay(shop.address, 10, chain=pow_chain)
    refuse(pow_chain, payment.with_signature(payment.signature + b"\x00"), NonCanonicalSignature,
           "65 bytes, not 64")


# -- 3. the chain id is this chain's (EIP-155) ---------------------------------------------------

def test_3_a_payment_made_on_the_test_network_cannot_be_replayed_on_the_main_chain(
        pow_chain, customer, shop):
    testnet = Blockchain.proof_of_work(allocations={customer.address: 1_000}, chain_id=2)
    trial = customer.pay(shop.address, 100, chain=testnet)
    testnet.submit(trial)  # fine where it was signed
    refuse(pow_chain, trial, WrongChain, "signed for chain 2, but this is chain 1")
    assert pow_chain.balance(shop.address) == 0


# -- 4. the nonce is the sender's next one -------------------------------------------------------

def test_4_nonce_too_low_a_second_payment_reusing_a_confirmed_nonce_is_a_replay(
        pow_chain, customer, shop, courier):
    pow_chain.submit(customer.pay(shop.address, 10, chain=pow_chain))
    pow_chain.produce_block()
    again = customer.pay(courier.address, 20, chain=pow_chain, nonce=0)
    refuse(pow_chain, again, NonceAlreadyUsed, "nonce 0 was already used .* next valid nonce is 1")
    assert pow_chain.balance(courier.address) == 0


def test_4_nonce_too_low_a_nonce_already_waiting_in_the_mempool_cannot_be_used_again(
        pow_chain, customer, shop, courier):
    pow_chain.submit(customer.pay(shop.address, 10, chain=pow_chain))
    rival = customer.pay(courier.address, 20, chain=pow_chain, nonce=0)
    refuse(pow_chain, rival, NonceAlreadyUsed, "nonce 0 was already used")
    assert len(pow_chain.mempool) == 1


def test_4_nonce_too_high_leaves_a_gap(pow_chain, customer, shop):
    early = customer.pay(shop.address, 10, chain=pow_chain, nonce=1)
    refuse(pow_chain, early, NonceTooHigh, "nonce 1 .* leaves a gap: the next valid nonce is 0")
    assert pow_chain.next_nonce(customer.address) == 0


# -- 5. balance >= amount + fee ------------------------------------------------------------------

def test_5_the_customer_cannot_pay_more_than_she_has(pow_chain, customer, shop):
    refuse(pow_chain, customer.pay(shop.address, 1_000, chain=pow_chain, fee=1),
           InsufficientFunds, r"has 1000 but tries to spend 1001 \(1000 plus a fee of 1\)")


def test_5_payments_waiting_in_the_mempool_count_against_the_balance(pow_chain, customer, shop,
                                                                     courier):
    pow_chain.submit(customer.pay(shop.address, 600, chain=pow_chain))
    second = customer.pay(courier.address, 400, chain=pow_chain)  # 600+1 + 400+1 > 1000
    refuse(pow_chain, second, InsufficientFunds,
           "has 1000, of which only 399 is left after the payments already waiting in the "
           r"mempool, but tries to spend 401 \(400 plus a fee of 1\)")
    assert len(pow_chain.mempool) == 1


def test_5_spending_exactly_the_balance_is_allowed(pow_chain, customer, shop):
    pow_chain.submit(customer.pay(shop.address, 999, chain=pow_chain, fee=1))
    assert len(pow_chain.mempool) == 1


# -- 6. amounts and fee are whole numbers within the supply limit --------------------------------

def _unsignable(chain, customer, shop, **fields):
    """A payment with a field no signer could encode: the customer's signature of another one."""
    return replace(customer.pay(shop.address, 10, chain=chain), **fields)


@pytest.mark.parametrize("fields, fragment", [
    ({"amount": -1}, "amount -1 is not allowed"),
    ({"fee": -5}, "fee -5 is not allowed"),
    ({"amount": True}, "amount True is not allowed"),
    ({"amount": 10.0}, "amount 10.0 is not allowed"),
    ({"fee": 0.5}, "fee 0.5 is not allowed"),
    ({"nonce": -1}, "nonce -1 is not allowed"),
], ids=["negative amount", "negative fee", "bool amount", "float amount", "float fee",
        "negative nonce"])
def test_6_amounts_that_are_not_whole_non_negative_numbers_are_refused(
        pow_chain, customer, shop, fields, fragment):
    bad = _unsignable(pow_chain, customer, shop, **fields)
    refuse(pow_chain, bad, AmountOutOfRange, fragment + ": it must be a whole number from 0")


@pytest.mark.parametrize("amount, fee, fragment", [
    (10**15 + 1, 1, "amount 1000000000000001 is not allowed"),
    (1, 10**15 + 1, "fee 1000000000000001 is not allowed"),
    (10**15, 1, "amount plus fee 1000000000000001 is not allowed"),
], ids=["amount above supply", "fee above supply", "sum above supply"])
def test_6_amounts_above_the_supply_limit_are_refused_even_when_properly_signed(
        pow_chain, customer, shop, amount, fee, fragment):
    huge = customer.pay(shop.address, amount, chain=pow_chain, fee=fee)
    refuse(pow_chain, huge, AmountOutOfRange, fragment)


# -- 7. size within the limit --------------------------------------------------------------------

def test_7_a_payment_with_an_oversized_note_is_refused(pow_chain, customer, shop):
    bulky = customer.pay(shop.address, 10, chain=pow_chain, data=b"x" * 5_000)
    refuse(pow_chain, bulky, TransactionTooLarge, f"is {bulky.size} bytes; the limit is 4096")


def test_7_a_payment_exactly_at_the_size_limit_is_accepted(pow_chain, customer, shop):
    base = customer.pay(shop.address, 10, chain=pow_chain).size
    exact = customer.pay(shop.address, 10, chain=pow_chain, data=b"x" * (4_096 - base))
    assert exact.size == 4_096
    pow_chain.submit(exact)


# -- 8. not already in the chain or the mempool --------------------------------------------------

def test_8_the_shop_cannot_collect_a_confirmed_payment_twice(pow_chain, customer, shop):
    payment = customer.pay(shop.address, 30, chain=pow_chain)
    pow_chain.submit(payment)
    pow_chain.produce_block()
    error = refuse(pow_chain, payment, TransactionAlreadyInChain, "is already in block 1")
    assert isinstance(error, NonceAlreadyUsed)  # a replay is a reused nonce, named precisely
    assert pow_chain.balance(shop.address) == 30


def test_8_sending_the_same_payment_to_the_mempool_twice_is_refused(pow_chain, customer, shop):
    payment = customer.pay(shop.address, 30, chain=pow_chain)
    pow_chain.submit(payment)
    refuse(pow_chain, payment, TransactionAlreadyPending, "already waiting in the mempool")
    assert len(pow_chain.mempool) == 1


# -- 9. the recipient is a well-formed, checksummed address --------------------------------------

def _mistyped(address: str) -> str:
    """The address with its first decimal digit replaced by the next one (a typo)."""
    i = next(i for i, ch in enumerate(address) if i >= 2 and ch.isdigit())
    return address[:i] + str((int(address[i]) + 1) % 10) + address[i + 1:]


def _recased(address: str) -> str:
    """The address with the capitalisation of its first letter swapped."""
    i = next(i for i, ch in enumerate(address) if i >= 2 and ch.isalpha())
    return address[:i] + address[i].swapcase() + address[i + 1:]


@pytest.mark.parametrize("typo, fragment", [
    (_mistyped, "fails its checksum"),
    (_recased, "fails its checksum"),
    (lambda a: "0x" + a[2:].lower(), "fails its checksum"),
    (lambda a: a[:-1], "should be '0x' followed by 40 hex characters"),
    (lambda a: a + "0", "should be '0x' followed by 40 hex characters"),
    (lambda a: a[2:] + "00", "should be '0x' followed by 40 hex characters"),
    (lambda a: a[:-1] + "g", "not hex digits"),
], ids=["one digit mistyped", "one letter recased", "all lower case", "one character short",
        "one character long", "no 0x", "not hex"])
def test_9_a_payment_to_a_mistyped_address_is_refused(pow_chain, customer, shop, typo, fragment):
    wrong = typo(shop.address)
    assert wrong != shop.address and not crypto.is_valid_address(wrong)
    refuse(pow_chain, customer.pay(wrong, 10, chain=pow_chain), InvalidRecipient, fragment)


# -- the same rules inside a block ---------------------------------------------------------------

def refuse_block(chain: Blockchain, transactions, reason: type, index: int = 0,
                 fragment: str = "") -> BlockHasInvalidTransaction:
    """Build a block of exactly `transactions`, expect it refused because of transaction
    `index` with `reason`, and check that nothing changed."""
    block = chain.build_block(transactions=transactions)
    before = snapshot(chain)
    with pytest.raises(BlockHasInvalidTransaction, match=f"transaction {index} ") as caught:
        chain.add_block(block)
    error = caught.value
    assert type(error) is BlockHasInvalidTransaction
    assert type(error.reason) is reason, error.reason
    assert error.index == index
    assert fragment in str(error.reason)
    assert snapshot(chain) == before
    assert block.hash not in chain
    return error


def test_in_block_1_a_tampered_payment_sinks_the_whole_block(pow_chain, customer, shop):
    forged = replace(customer.pay(shop.address, 10, chain=pow_chain), amount=900)
    refuse_block(pow_chain, [forged], BadSignature, fragment="does not match sender")
    assert pow_chain.balance(shop.address) == 0


def test_in_block_2_a_high_s_signature_sinks_the_block(pow_chain, customer, shop, attacker):
    honest = attacker.pay(shop.address, 5, chain=pow_chain)
    payment = customer.pay(shop.address, 10, chain=pow_chain)
    r, s = split(payment.signature)
    refuse_block(pow_chain, [honest, payment.with_signature(join(r, N - s))],
                 NonCanonicalSignature, index=1, fragment="high-S")


@pytest.mark.parametrize("make", [lambda r, s: join(0, s), lambda r, s: join(r, 0)],
                         ids=["r = 0", "s = 0"])
def test_in_block_2_a_zero_r_or_s_sinks_the_block(pow_chain, customer, shop, make):
    payment = customer.pay(shop.address, 10, chain=pow_chain)
    refuse_block(pow_chain, [payment.with_signature(make(*split(payment.signature)))],
                 NonCanonicalSignature, fragment="out of range")


def test_in_block_3_a_payment_from_another_chain_sinks_the_block(pow_chain, customer, shop):
    testnet = Blockchain.proof_of_work(allocations={customer.address: 1_000}, chain_id=2)
    refuse_block(pow_chain, [customer.pay(shop.address, 10, chain=testnet)], WrongChain,
                 fragment="signed for chain 2")


def test_in_block_4_a_reused_nonce_sinks_the_block(pow_chain, customer, shop, courier):
    pow_chain.submit(customer.pay(shop.address, 10, chain=pow_chain))
    pow_chain.produce_block()
    refuse_block(pow_chain, [customer.pay(courier.address, 20, chain=pow_chain, nonce=0)],
                 NonceAlreadyUsed, fragment="nonce 0 was already used")


def test_in_block_4_a_nonce_gap_sinks_the_block(pow_chain, customer, shop):
    refuse_block(pow_chain, [customer.pay(shop.address, 10, chain=pow_chain, nonce=1)],
                 NonceTooHigh, fragment="leaves a gap")


def test_in_block_4_payments_of_one_sender_out_of_order_sink_the_block(pow_chain, customer,
                                                                       shop):
    first = customer.pay(shop.address, 10, chain=pow_chain, nonce=0)
    second = customer.pay(shop.address, 20, chain=pow_chain, nonce=1)
    refuse_block(pow_chain, [second, first], NonceTooHigh)


def test_in_block_5_an_overspend_sinks_the_block(pow_chain, customer, shop):
    refuse_block(pow_chain, [customer.pay(shop.address, 1_000, chain=pow_chain)],
                 InsufficientFunds, fragment="has 1000 but tries to spend 1001")


def test_in_block_5_two_payments_affordable_only_one_at_a_time_sink_the_block(
        pow_chain, customer, shop, courier):
    first = customer.pay(shop.address, 600, chain=pow_chain, nonce=0)
    second = customer.pay(courier.address, 400, chain=pow_chain, nonce=1)
    refuse_block(pow_chain, [first, second], InsufficientFunds, index=1,
                 fragment="has 399 but tries to spend 401")


def test_in_block_6_an_amount_above_the_supply_limit_sinks_the_block(pow_chain, customer, shop):
    refuse_block(pow_chain, [customer.pay(shop.address, 10**15 + 1, chain=pow_chain)],
                 AmountOutOfRange, fragment="amount 1000000000000001 is not allowed")


def test_in_block_7_an_oversized_payment_sinks_the_block(pow_chain, customer, shop):
    refuse_block(pow_chain, [customer.pay(shop.address, 1, chain=pow_chain, data=bytes(5_000))],
                 TransactionTooLarge, fragment="the limit is 4096")


def test_in_block_8_a_confirmed_payment_included_again_is_a_reused_nonce(pow_chain, customer,
                                                                         shop):
    payment = customer.pay(shop.address, 30, chain=pow_chain)
    pow_chain.submit(payment)
    pow_chain.produce_block()
    # Inside a block the replay is caught by the nonce rule, against the parent's state.
    refuse_block(pow_chain, [payment], NonceAlreadyUsed, fragment="nonce 0 was already used")
    assert pow_chain.balance(shop.address) == 30


@pytest.mark.parametrize("typo", [_mistyped, _recased, lambda a: a[:-1]],
                         ids=["one digit mistyped", "one letter recased", "one character short"])
def test_in_block_9_a_payment_to_a_mistyped_address_sinks_the_block(pow_chain, customer, shop,
                                                                    typo):
    refuse_block(pow_chain, [customer.pay(typo(shop.address), 10, chain=pow_chain)],
                 InvalidRecipient, fragment="the recipient is not valid")


def test_in_block_the_same_payments_are_accepted_when_valid(pow_chain, customer, shop, courier):
    """The control for the block tests: a block of valid payments is accepted."""
    first = customer.pay(shop.address, 600, chain=pow_chain, nonce=0)
    second = customer.pay(courier.address, 398, chain=pow_chain, nonce=1)
    block = pow_chain.build_block(transactions=[first, second])
    pow_chain.add_block(block)
    assert pow_chain.tip.hash == block.hash
    assert pow_chain.balance(customer.address) == 0
