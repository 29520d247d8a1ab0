"""Measuring throughput: one node confirms a crowd of customers' payments, and the figures say
what was done (how fast is for the machine to say, never for a test)."""

import math

import pytest

from minichain import Blockchain, Wallet, crypto
from minichain.throughput import Throughput, measure_transfers, prepare_transfers

shop = Wallet.from_seed("shop")


def clock(*readings):
    """A timer that reads the given times, in order."""
    return iter(readings).__next__


@pytest.mark.parametrize("consensus", ["proof of work", "proof of authority"])
def test_every_payment_is_confirmed_in_full_blocks(consensus):
    result = measure_transfers(consensus, 45, senders=4, per_block=10)
    assert (result.consensus, result.transfers, result.blocks) == (consensus, 45, 5)
    chain = result.chain
    assert chain.balance(shop.address) == 45 and len(chain.mempool) == 0
    assert [len(block.transactions) for block in chain.blocks[1:]] == [10, 10, 10, 10, 5]
    customer = Wallet.from_seed("customer 3")
    assert chain.nonce(customer.address) == 11  # payments 3, 7, …, 43: eleven of them


def test_the_rate_is_the_transfers_over_the_seconds_timed():
    result = measure_transfers("proof of authority", 30, senders=3, timer=clock(100.0, 102.5))
    assert result.seconds == 2.5
    assert result.per_second == 12.0
    assert ("30 transfers in 1 blocks, 2.50 s on this machine with "
            f"{crypto.backend}: 12 transfers/s") in str(result)


@pytest.mark.parametrize("backend", crypto.available_backends())
def test_the_same_payments_are_confirmed_whichever_library_checks_the_signatures(backend):
    result = measure_transfers("proof of authority", 12, senders=3, per_block=5, backend=backend)
    reference = measure_transfers("proof of authority", 12, senders=3, per_block=5,
                                  backend="ecdsa")
    assert result.backend == backend
    assert [b.hash for b in result.chain.blocks] == [b.hash for b in reference.chain.blocks]


def test_the_schedule_caps_what_the_chain_confirms_whatever_the_machine():
    pow_ = measure_transfers("proof of work", 5, per_block=100, target_spacing=600,
                             timer=clock(0.0, 1.0))
    assert pow_.block_interval == 600 and pow_.capacity_on_schedule == pytest.approx(1 / 6)
    poa = measure_transfers("proof of authority", 5, per_block=100, period=5,
                            timer=clock(0.0, 1.0))
    assert poa.capacity_on_schedule == 20.0


def test_harder_proof_of_work_still_confirms_everything():
    result = measure_transfers("proof of work", 12, senders=2, per_block=6,
                               initial_bits=0x1F00FFFF, pow_limit_bits=0x1F00FFFF)
    assert result.blocks == 2
    assert all(block.hash.hex().startswith("0000") for block in result.chain.blocks[1:])


def test_no_transfers_take_no_blocks():
    result = measure_transfers("proof of authority", 0, timer=clock(5.0, 5.0))
    assert (result.transfers, result.blocks) == (0, 0)
    assert math.isinf(result.per_second)


def test_prepared_payments_take_turns_and_count_their_nonces():
    customers = [Wallet.from_seed(f"customer {i}") for i in range(3)]
    chain = Blockchain.proof_of_work(allocations={c.address: 100 for c in customers})
    payments = prepare_transfers(chain, 7, senders=3)
    assert [p.sender for p in payments[:4]] == [c.address for c in customers] + \
        [customers[0].address]
    assert [p.nonce for p in payments if p.sender == customers[0].address] == [0, 1, 2]
    assert {p.recipient for p in payments} == {shop.address}
    for payment in payments:
        chain.submit(payment)  # each is valid, in this order
    assert len(chain.mempool) == 7


@pytest.mark.parametrize("call, match", [
    (lambda: measure_transfers("proof of stake", 1), "must be one of 'proof of work'"),
    (lambda: measure_transfers("proof of work", 1, per_block=0), "at least one transfer"),
    (lambda: measure_transfers("proof of work", -1), "must be a whole number"),
    (lambda: measure_transfers("proof of work", 1, senders=0), "at least one sender"),
])
def test_impossible_measurements_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_a_throughput_compares_by_its_figures_not_its_chain():
    a = Throughput("proof of work", 1, 1, 1.0, 10, 10)
    assert a == Throughput("proof of work", 1, 1, 1.0, 10, 10, chain=None)
