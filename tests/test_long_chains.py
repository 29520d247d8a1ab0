"""Long chains: a thousand blocks of proof of work and of proof of authority, with payments.

A shop's chain runs for a long time. After 1,000 blocks every one of them must still pass every
check when a fresh node re-validates the chain from genesis (every signature included), the
balances must be exactly what the payments say, and the same script must give the very same
blocks on every run and every machine (seeded wallets, simulated clock).
"""

import functools
from dataclasses import replace

import pytest

from minichain import BlockHasInvalidTransaction, Blockchain, TransactionTooLarge, Wallet

BLOCKS = 1_000
CUSTOMER, SHOP, COURIER, MINER = (Wallet.from_seed(n)
                                  for n in ("customer", "shop", "courier", "miner"))
VALIDATORS = [SHOP, COURIER, MINER]
ALLOCATIONS = {CUSTOMER.address: 100_000, SHOP.address: 1_000}


def spacing(i: int) -> int:
    """Seconds before PoW block i: 50 quick blocks, then 50 slow ones, and so on, so the
    difficulty is retargeted up and down along the way."""
    return 8 if (i // 50) % 2 == 0 else 13


def build(engine: str) -> tuple[Blockchain, dict[str, int]]:
    """The script: every block the customer pays the shop for an order; every 4th block the shop
    pays the courier; every 10th the courier refunds the customer. Returns the chain and the
    balances the payments should give, worked out by hand."""
    if engine == "pow":
        chain = Blockchain.proof_of_work(allocations=ALLOCATIONS, miner=MINER)
    else:
        chain = Blockchain.proof_of_authority(VALIDATORS, allocations=ALLOCATIONS)
    expected = dict.fromkeys([w.address for w in (CUSTOMER, SHOP, COURIER, MINER)], 0)
    expected.update(ALLOCATIONS)

    def pay(sender: Wallet, recipient: Wallet, amount: int, fee: int, **extra) -> int:
        chain.submit(sender.pay(recipient.address, amount, chain=chain, fee=fee, **extra))
        expected[sender.address] -= amount + fee
        expected[recipient.address] += amount
        return fee

    for i in range(1, BLOCKS + 1):
        fees = pay(CUSTOMER, SHOP, 10 + i % 7, 1, data=f"order {i}".encode())
        if i % 4 == 0:
            fees += pay(SHOP, COURIER, 6, 2)
        if i % 10 == 0:
            fees += pay(COURIER, CUSTOMER, 5, 0)
        if engine == "pow":
            block = chain.produce_block(timestamp=chain.tip.header.timestamp + spacing(i))
        else:
            block = chain.produce_block()
        assert len(chain.mempool) == 0  # every payment made it into its block
        expected[block.header.coinbase] += block.header.reward
        assert block.header.reward == (50 if engine == "pow" else 0) + fees
    return chain, expected


@functools.cache
def built(engine: str) -> tuple[Blockchain, dict[str, int]]:
    """The script's chain, built once per test session and then only read."""
    return build(engine)


@pytest.fixture(params=["pow", "poa"])
def long_chain(request):
    return (request.param, *built(request.param))


def test_a_thousand_blocks_all_pass_revalidation_from_genesis(long_chain):
    engine, chain, _ = long_chain
    assert chain.height == BLOCKS
    assert chain.revalidate() == BLOCKS
    assert chain.state.root() == chain.tip.header.state_root


def test_a_thousand_blocks_pay_everyone_exactly_what_the_payments_say(long_chain):
    engine, chain, expected = long_chain
    for address, balance in expected.items():
        assert chain.balance(address) == balance
    subsidies = 50 * BLOCKS if engine == "pow" else 0
    assert chain.state.total_supply() == sum(ALLOCATIONS.values()) + subsidies
    assert chain.nonce(CUSTOMER.address) == BLOCKS
    assert chain.nonce(SHOP.address) == BLOCKS // 4
    assert len(chain.mempool) == 0


def test_a_thousand_blocks_keep_every_payment_findable(long_chain):
    _, chain, _ = long_chain
    first = chain.block(1).transactions[0]
    assert chain.confirmations(first.txid) == BLOCKS
    last = chain.tip.transactions[0]
    assert chain.confirmations(last.txid) == 1
    location = chain.find_transaction(chain.block(500).transactions[-1].txid)
    assert location.block.height == 500


def test_pow_difficulty_was_retargeted_up_and_down_along_the_way():
    chain, _ = built("pow")
    bits = [block.header.difficulty for block in chain.blocks]
    assert len(set(bits)) > 2
    assert any(a != b for a, b in zip(bits, bits[1:]) if a != 0x207FFFFF and b != 0x207FFFFF)


def test_poa_validators_took_turns():
    chain, _ = built("poa")
    sealers = [block.header.coinbase for block in chain.blocks[1:]]
    assert {s: sealers.count(s) for s in set(sealers)} == {
        w.address: BLOCKS // 3 + (1 if w.address == sealers[0] else 0) for w in VALIDATORS}
    assert all(block.header.difficulty == 2 for block in chain.blocks[1:])  # all in turn


def test_the_same_script_gives_the_same_blocks_every_time(long_chain):
    engine, chain, _ = long_chain
    again, _ = build(engine)
    assert again.tip.hash == chain.tip.hash
    assert [b.hash for b in again.blocks] == [b.hash for b in chain.blocks]
    assert again.tip.header.serialize() == chain.tip.header.serialize()


def test_revalidation_really_checks_every_block_down_to_the_last(long_chain):
    """Under a size limit one byte short of the last block's "order 1000" (the only four-digit
    note), only the last block breaks the rules, and re-validation must find it there."""
    _, chain, _ = long_chain
    last = next(tx for tx in chain.tip.transactions if tx.data == b"order 1000")
    longest_before = max(tx.size for block in chain.blocks[1:-1] for tx in block.transactions)
    assert last.size == longest_before + 1
    relaxed = chain.params
    chain.params = replace(relaxed, max_transaction_size=longest_before)
    try:
        with pytest.raises(BlockHasInvalidTransaction) as caught:
            chain.revalidate()
    finally:
        chain.params = relaxed
    assert type(caught.value.reason) is TransactionTooLarge
    assert caught.value.reason.args[0] == (
        f"the transaction is {last.size} bytes; the limit is {longest_before} bytes.")
