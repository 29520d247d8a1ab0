"""The block checklist of DESIGN.md section 3, one rule at a time.

The customer pays the shop; the miner mines; the attacker builds blocks that break one rule each,
and re-mines them so that the proof of work is never what gives him away. Every refused block
must leave the shop's node exactly as it was: same tip, same state, same balances, same payments
waiting in the mempool, and the bad block not stored anywhere.
"""

from dataclasses import replace

import pytest

from minichain import (
    BadSignature,
    Block,
    BlockHasInvalidTransaction,
    Blockchain,
    BlockTooLarge,
    ChainParams,
    DuplicateTransaction,
    InvalidCoinbase,
    MerkleRootMismatch,
    ProofOfWork,
    StateRootMismatch,
    TimestampInFuture,
    TimestampTooEarly,
    UnknownParent,
    WrongHeight,
    WrongReward,
)
from minichain.clock import date_text
from minichain.consensus import proof_of_work as mpow
from minichain.consensus.proof_of_work import mine
from minichain.consensus.poa import BadSeal, UnauthorizedSigner
from minichain.state import apply_transaction


def snapshot(chain: Blockchain) -> tuple:
    return (
        chain.tip.hash,
        chain.height,
        chain.total_weight(),
        chain.state.root(),
        tuple(chain.state.accounts()),
        tuple(tx.txid for tx in chain.mempool),
    )


def refuse(chain: Blockchain, block: Block, error: type, fragment: str):
    """`block` is refused with exactly `error` and nothing about the node changes."""
    before = snapshot(chain)
    with pytest.raises(error, match=fragment) as caught:
        chain.add_block(block)
    assert type(caught.value) is error
    assert snapshot(chain) == before
    assert block.hash not in chain
    return caught.value


def remined(block: Block, **changes) -> Block:
    """The block with some header fields changed and a fresh proof of work."""
    return Block(mine(replace(block.header, **changes)), block.transactions)


def state_root_after(chain: Blockchain, transactions, credits: dict[str, int]) -> bytes:
    """The state root the tip's state would have after `transactions` and `credits`."""
    scratch = chain.state.scratch()
    for tx in transactions:
        apply_transaction(scratch, tx)
    for address, amount in credits.items():
        scratch.credit(address, amount)
    return scratch.root()


@pytest.fixture
def shop_node(pow_chain, customer, shop, courier):
    """The shop's node: one payment confirmed in block 1, another waiting in the mempool."""
    pow_chain.submit(customer.pay(shop.address, 100, chain=pow_chain))
    pow_chain.produce_block()
    pow_chain.submit(customer.pay(courier.address, 20, chain=pow_chain))
    return pow_chain


def twin(chain: Blockchain, *producers) -> Blockchain:
    """A second node of the same chain (same rules, same genesis, its own clock)."""
    return Blockchain(ProofOfWork(), chain.params, producers=producers)


def test_honest_blocks_pass_every_check(shop_node, courier):
    """The control: the miner's ordinary block, with the waiting payment, is accepted."""
    block = shop_node.build_block()
    assert shop_node.add_block(block).name == "EXTENDED"
    assert shop_node.balance(courier.address) == 20


# -- 1. the parent is known ----------------------------------------------------------------------

def test_1_a_block_building_on_a_block_nobody_has_seen_is_refused(shop_node, attacker):
    elsewhere = twin(shop_node, attacker)
    elsewhere.produce_block()
    orphan = elsewhere.produce_block()  # its parent never reached the shop
    refuse(shop_node, orphan, UnknownParent, "parent .* is unknown here")


# -- 2. height = parent + 1 ----------------------------------------------------------------------

def test_2_a_block_claiming_to_be_further_along_than_it_is_is_refused(shop_node):
    block = remined(shop_node.build_block(), height=7)
    refuse(shop_node, block, WrongHeight,
           "says it is at height 7, but its parent is at height 1, so it must be 2")


# -- 3. the Merkle root matches the transactions -------------------------------------------------

def test_3_the_attacker_cannot_swap_a_payment_inside_a_mined_block(shop_node, attacker):
    honest = shop_node.build_block()  # carries the customer's payment to the courier
    swapped = Block(honest.header, (attacker.pay(attacker.address, 20, chain=shop_node),))
    assert swapped.hash == honest.hash  # the header, and so its proof of work, is untouched
    refuse(shop_node, swapped, MerkleRootMismatch, "a transaction was added, removed or changed")


def test_3_the_attacker_cannot_drop_the_customers_payment_from_a_mined_block(shop_node):
    honest = shop_node.build_block()
    refuse(shop_node, Block(honest.header, ()), MerkleRootMismatch, "Merkle root")


# -- 4. no duplicate transactions ----------------------------------------------------------------

def test_4_the_same_payment_twice_in_one_block_is_refused(shop_node):
    waiting = next(iter(shop_node.mempool))
    block = shop_node.build_block(transactions=[waiting, waiting])
    refuse(shop_node, block, DuplicateTransaction, "appears more than once in the block")


# -- 5. within the size and transaction-count limits ---------------------------------------------

@pytest.fixture
def small_chain(customer, miner):
    params = ChainParams(allocations={customer.address: 1_000}, max_block_transactions=2,
                         max_block_size=1_200)
    return Blockchain(ProofOfWork(), params, producers=[miner])


def test_5_a_block_with_too_many_transactions_is_refused(small_chain, customer, shop):
    payments = [customer.pay(shop.address, 1, chain=small_chain, nonce=n) for n in range(3)]
    small_chain.add_block(small_chain.build_block(transactions=payments[:2]))  # 2 is fine
    block = small_chain.build_block(transactions=[
        customer.pay(shop.address, 1, chain=small_chain, nonce=n) for n in range(2, 5)])
    refuse(small_chain, block, BlockTooLarge, "the block has 3 transactions; the limit is 2")


def test_5_a_block_with_too_many_bytes_is_refused(small_chain, customer, shop):
    note = customer.pay(shop.address, 1, chain=small_chain, data=b"order 1234 " * 90)
    block = small_chain.build_block(transactions=[note])
    assert block.size > 1_200
    refuse(small_chain, block, BlockTooLarge,
           f"the block has {block.size} bytes; the limit is 1200")


def test_5_a_block_exactly_at_the_byte_limit_is_accepted(small_chain, customer, shop):
    empty = small_chain.build_block(transactions=[
        customer.pay(shop.address, 1, chain=small_chain)]).size
    note = customer.pay(shop.address, 1, chain=small_chain, data=b"x" * (1_200 - empty))
    block = small_chain.build_block(transactions=[note])
    assert block.size == 1_200
    small_chain.add_block(block)
    assert small_chain.tip.hash == block.hash


# -- 6. the consensus seal -----------------------------------------------------------------------

def test_6_pow_a_block_claiming_more_difficulty_than_the_rule_allows_is_refused(shop_node):
    # A harder target would make the attacker's branch weigh more in fork choice.
    harder = mpow.target_to_bits(mpow.bits_to_target(shop_node.tip.header.difficulty) // 16)
    block = remined(shop_node.build_block(), difficulty=harder)
    assert int.from_bytes(block.hash, "big") <= mpow.bits_to_target(harder)  # the work is real
    refuse(shop_node, block, mpow.WrongDifficulty, "the retarget rule requires 0x207fffff")


def test_6_pow_a_block_whose_hash_misses_the_target_is_refused(shop_node):
    honest = shop_node.build_block()
    target = mpow.bits_to_target(honest.header.difficulty)
    lazy = next(h for h in (honest.header.with_nonce(n) for n in range(1_000))
                if int.from_bytes(h.hash, "big") > target)
    refuse(shop_node, Block(lazy, honest.transactions), mpow.InsufficientWork,
           "above the target .* not enough work was done")


def test_6_poa_the_attacker_cannot_take_over_a_validators_sealed_block(poa_chain, customer,
                                                                      shop, attacker):
    poa_chain.submit(customer.pay(shop.address, 100, chain=poa_chain, fee=5))
    honest = poa_chain.build_block()
    poa_chain.clock.advance_to(honest.header.timestamp)
    stolen = Block(replace(honest.header, coinbase=attacker.address), honest.transactions)
    refuse(poa_chain, stolen, BadSeal, "made with a key that does not belong to")
    poa_chain.add_block(honest)  # the validator's own block is fine
    assert poa_chain.tip.hash == honest.hash


# -- 7. timestamps (PoW: after the median of the last 11, at most 2 hours ahead) ----------------

def test_7_a_block_dated_at_the_median_of_the_last_eleven_is_refused(pow_chain):
    for _ in range(11):
        pow_chain.produce_block()
    median = mpow.median_time_past(pow_chain, pow_chain.tip.header)
    assert median < pow_chain.tip.header.timestamp
    block = remined(pow_chain.build_block(), timestamp=median)
    refuse(pow_chain, block, TimestampTooEarly,
           "later than the median time of the last 11 blocks, so it must be at least "
           f"{date_text(median + 1)}")
    # One second later is fine, even though it is earlier than its parent.
    pow_chain.add_block(remined(block, timestamp=median + 1))


def test_7_a_block_dated_more_than_two_hours_ahead_is_refused(shop_node):
    now = shop_node.clock.now()
    block = shop_node.build_block(timestamp=now + 2 * 60 * 60 + 1)
    refuse(shop_node, block, TimestampInFuture,
           f"in the future: the latest time accepted now is {date_text(now + 7_200)}")
    shop_node.add_block(shop_node.build_block(timestamp=now + 2 * 60 * 60))  # exactly 2 h is ok


# -- 8. the block reward is the subsidy plus the fees --------------------------------------------

def test_8_a_miner_cannot_pay_himself_more_than_subsidy_plus_fees(shop_node, miner):
    honest = shop_node.build_block()
    assert honest.header.reward == 50 + 1
    greedy_root = state_root_after(shop_node, honest.transactions, {miner.address: 151})
    greedy = remined(honest, reward=151, state_root=greedy_root)  # self-consistent, re-mined
    refuse(shop_node, greedy, WrongReward,
           "claims a reward of 151, but the subsidy is 50 and the fees are 1, so the reward "
           "must be 51")
    assert shop_node.balance(miner.address) == 51


# -- 9. every transaction is valid, in order, against the parent's state -------------------------

def test_9_a_block_with_a_payment_the_customer_never_signed_is_refused(shop_node, customer,
                                                                      attacker):
    unsigned = customer.pay(attacker.address, 500, chain=shop_node).with_signature(b"")
    forged = unsigned.with_signature(attacker.sign(unsigned.signing_bytes()))
    waiting = next(iter(shop_node.mempool))
    block = shop_node.build_block(attacker, transactions=[waiting, forged])
    error = refuse(shop_node, block, BlockHasInvalidTransaction, "transaction 1 .* is invalid")
    assert type(error.reason) is BadSignature and error.index == 1
    assert shop_node.balance(attacker.address) == 500


# -- 10. the state root is the state after execution ---------------------------------------------

def test_10_a_block_committing_to_a_state_it_does_not_produce_is_refused(shop_node, customer,
                                                                         attacker, miner):
    honest = shop_node.build_block()
    theft = state_root_after(shop_node, honest.transactions, {
        miner.address: honest.header.reward,
        customer.address: -shop_node.balance(customer.address) + 21,
        attacker.address: shop_node.balance(customer.address) - 21,
    })
    refuse(shop_node, remined(honest, state_root=theft), StateRootMismatch,
           "the header commits to state .* but executing the block gives")
    assert shop_node.balance(attacker.address) == 500


# -- the coinbase is a well-formed address -------------------------------------------------------

@pytest.mark.parametrize("spoil", [str.lower, lambda a: a[:2] + a[2:].upper()],
                         ids=["all lower case", "all upper case"])
def test_coinbase_with_a_broken_checksum_is_refused(shop_node, miner, spoil):
    block = shop_node.build_block(spoil(miner.address))  # the reward would go to a typo
    refuse(shop_node, block, InvalidCoinbase, "coinbase is not valid: .* fails its checksum")


def test_coinbase_that_is_not_an_address_is_refused(shop_node, miner):
    honest = shop_node.build_block()
    block = remined(honest, coinbase=miner.address[:-1])
    refuse(shop_node, block, InvalidCoinbase, "should be '0x' followed by 40 hex characters")


def test_poa_unauthorised_signer_is_not_a_bad_seal(poa_chain, attacker):
    """The seal check is what catches a stolen block above: a block the attacker seals
    honestly with his own key gets the next rule's error instead."""
    block = poa_chain.build_block(attacker)
    poa_chain.clock.advance_to(block.header.timestamp)
    refuse(poa_chain, block, UnauthorizedSigner, "is not a validator of this chain")
