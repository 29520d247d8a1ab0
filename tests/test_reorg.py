"""Reorganisations: when a heavier branch appears, every node switches to it.

The shop sees the customer's payment confirmed on one branch; another miner, who never saw it,
builds a heavier branch; the shop's node switches, the payment loses its confirmation and waits
in the mempool again (or is gone for good, if the other branch spent the same nonce: a double
spend). Fork choice is by total work (or, for proof of authority, in-turn weight), never by
length, and on a tie the node keeps the branch it saw first.
"""

import pytest

from minichain import AddResult, Blockchain, ChainParams, InvalidBlock, ProofOfAuthority, \
    ProofOfWork, SimulatedClock
from minichain.consensus import proof_of_work as mpow


def node(params: ChainParams, *producers, engine=None) -> Blockchain:
    """One node of the chain: shared rules and genesis, its own clock starting at genesis."""
    return Blockchain(engine or ProofOfWork(), params, clock=SimulatedClock(params.genesis_time),
                      producers=producers)


def accounts(chain: Blockchain) -> dict:
    return dict(chain.state.accounts())


@pytest.fixture
def params(customer, attacker):
    return ChainParams(allocations={customer.address: 1_000, attacker.address: 500})


def test_the_shop_sees_a_confirmed_payment_undone_by_a_heavier_branch_and_redone(
        params, customer, shop, courier, miner):
    shop_node = node(params, miner)
    payment = customer.pay(shop.address, 100, chain=shop_node)
    shop_node.submit(payment)
    a1 = shop_node.produce_block()
    assert shop_node.confirmations(payment.txid) == 1
    assert shop_node.balance(shop.address) == 100

    # The courier mines a branch of two blocks that never heard of the payment.
    other = node(params, courier)
    b1, b2 = other.produce_block(), other.produce_block()

    assert shop_node.add_block(b1) is AddResult.SIDE_BRANCH  # equal work: keep the first seen
    assert shop_node.tip.hash == a1.hash
    assert shop_node.confirmations(payment.txid) == 1

    assert shop_node.add_block(b2) is AddResult.REORGANISED
    assert shop_node.tip.hash == b2.hash and shop_node.height == 2
    assert shop_node.blocks == other.blocks
    assert accounts(shop_node) == accounts(other)
    assert shop_node.state.root() == b2.header.state_root
    assert shop_node.balance(shop.address) == 0
    assert shop_node.balance(miner.address) == 0
    assert shop_node.confirmations(payment.txid) == 0
    assert shop_node.find_transaction(payment.txid) is None
    assert payment.txid in shop_node.mempool  # still valid: it waits for a block again
    assert not shop_node.is_main_chain(a1.hash) and a1.hash in shop_node

    # A third node that had seen the shop's block extends that branch past the courier's.
    third = node(params, miner)
    third.add_block(a1)
    third.clock.advance_to(a1.header.timestamp)
    a2, a3 = third.produce_block(), third.produce_block()
    assert shop_node.add_block(a2) is AddResult.SIDE_BRANCH  # a tie again: keep B
    assert shop_node.tip.hash == b2.hash
    assert shop_node.add_block(a3) is AddResult.REORGANISED
    assert shop_node.tip.hash == a3.hash
    assert accounts(shop_node) == accounts(third)
    assert shop_node.balance(shop.address) == 100
    assert shop_node.confirmations(payment.txid) == 3
    assert payment.txid not in shop_node.mempool
    assert shop_node.find_transaction(payment.txid).block.hash == a1.hash


def test_a_payment_returned_to_the_mempool_is_mined_again(params, customer, shop, courier,
                                                          miner):
    shop_node = node(params, miner)
    payment = customer.pay(shop.address, 100, chain=shop_node)
    shop_node.submit(payment)
    shop_node.produce_block()
    other = node(params, courier)
    for block in (other.produce_block(), other.produce_block()):
        shop_node.add_block(block)
    assert shop_node.confirmations(payment.txid) == 0

    shop_node.produce_block()  # the shop's own miner includes the payment again, on branch B
    assert shop_node.height == 3
    assert shop_node.confirmations(payment.txid) == 1
    assert shop_node.balance(shop.address) == 100
    assert len(shop_node.mempool) == 0


def test_a_double_spend_on_the_heavier_branch_drops_the_shops_payment(params, customer, shop,
                                                                      courier, miner):
    shop_node = node(params, miner)
    to_shop = customer.pay(shop.address, 900, chain=shop_node)
    shop_node.submit(to_shop)
    shop_node.produce_block()
    assert shop_node.balance(shop.address) == 900  # the shop ships the goods...

    # ...while the customer spends the same nonce, and the same money, on another branch.
    other = node(params, courier)
    to_courier = customer.pay(courier.address, 900, chain=other, nonce=0)
    other.submit(to_courier)
    branch = [other.produce_block(), other.produce_block()]
    for block in branch:
        shop_node.add_block(block)

    assert shop_node.tip.hash == branch[-1].hash
    assert accounts(shop_node) == accounts(other)
    assert shop_node.balance(shop.address) == 0
    assert shop_node.confirmations(to_shop.txid) == 0
    assert to_shop.txid not in shop_node.mempool  # nonce 0 is spent: the payment is dead
    assert shop_node.confirmations(to_courier.txid) == 2
    assert len(shop_node.mempool) == 0


def test_waiting_payments_of_the_shop_survive_a_reorg(params, customer, shop, courier, miner,
                                                      attacker):
    """Transactions that were only in the mempool stay there if still valid after a reorg;
    those the new branch confirmed leave it."""
    shop_node = node(params, miner)
    shop_node.produce_block()
    pending_customer = customer.pay(shop.address, 10, chain=shop_node)
    pending_attacker = attacker.pay(shop.address, 5, chain=shop_node)
    shop_node.submit(pending_customer)
    shop_node.submit(pending_attacker)

    other = node(params, courier)
    other.submit(pending_attacker)  # the other branch confirms the attacker's payment
    for block in (other.produce_block(), other.produce_block()):
        shop_node.add_block(block)
    assert shop_node.confirmations(pending_attacker.txid) == 2
    assert [tx.txid for tx in shop_node.mempool] == [pending_customer.txid]


def test_a_shorter_branch_with_more_work_beats_a_longer_one(params, miner, courier):
    """Fork choice is by total work, never by length (Bitcoin whitepaper, section 4)."""
    engine = dict(retarget_interval=2, target_spacing=10)
    honest = node(params, miner, engine=ProofOfWork(**engine))
    # Eight blocks, each 20 s apart (slower than aimed for): the target stays at its easiest.
    long_branch = [honest.produce_block(timestamp=params.genesis_time + 20 * i)
                   for i in range(1, 9)]
    assert {b.header.difficulty for b in long_branch} == {0x207FFFFF}

    # The courier mines three blocks one second apart: the retarget at height 2 makes the next
    # blocks 4 times harder (the x4 clamp), so three blocks carry more work than eight easy ones.
    heavy = node(params, courier, engine=ProofOfWork(**engine))
    short_branch = []
    for second in (1, 2, 3):
        block = heavy.build_block(timestamp=params.genesis_time + second)
        heavy.add_block(block)
        short_branch.append(block)
    work = [mpow.block_work(b.header.difficulty) for b in short_branch]
    easy = mpow.block_work(0x207FFFFF)
    assert work[0] == easy and work[1] == work[2] >= 4 * easy - 4
    assert sum(work) > 8 * easy

    results = [honest.add_block(block) for block in short_branch]
    assert results == [AddResult.SIDE_BRANCH, AddResult.SIDE_BRANCH, AddResult.REORGANISED]
    assert honest.height == 3 and honest.tip.hash == short_branch[-1].hash
    assert honest.total_weight() == heavy.total_weight() == sum(work) + easy  # + genesis
    assert honest.balance(courier.address) == 150 and honest.balance(miner.address) == 0


def test_poa_a_shorter_in_turn_branch_beats_a_longer_out_of_turn_one(customer, shop, courier,
                                                                    miner):
    """In-turn blocks weigh 2, out-of-turn blocks 1 (EIP-225)."""
    validators = [shop, courier, miner]
    addresses = tuple(w.address for w in validators)
    params = ChainParams(allocations={customer.address: 1_000})

    def poa_node():
        return node(params, *validators, engine=ProofOfAuthority(validators=addresses))

    def out_of_turn(chain):
        """A validator allowed to seal the next block but not in turn."""
        height = chain.height + 1
        in_turn = sorted(addresses, key=str.lower)[height % 3]
        allowed = [w for w in validators if w.address != in_turn]
        for wallet in allowed:
            block = chain.build_block(wallet)
            chain.clock.advance_to(block.header.timestamp)
            try:
                chain.add_block(block)
                return block
            except InvalidBlock:  # sealed too recently: let the other one seal
                continue
        raise AssertionError("no validator could seal out of turn")

    slow = poa_node()
    long_branch = [out_of_turn(slow) for _ in range(3)]
    assert [b.header.difficulty for b in long_branch] == [1, 1, 1]
    fast = poa_node()
    short_branch = [fast.produce_block() for _ in range(2)]
    assert [b.header.difficulty for b in short_branch] == [2, 2]

    for block in short_branch:
        slow.clock.advance_to(block.header.timestamp)
    results = [slow.add_block(block) for block in short_branch]
    assert results == [AddResult.SIDE_BRANCH, AddResult.REORGANISED]  # 2 < 3, then 4 > 3
    assert slow.height == 2 and slow.tip.hash == short_branch[-1].hash


def test_ties_keep_the_branch_seen_first_on_each_node(params, miner, courier):
    left, right = node(params, miner), node(params, courier)
    a1, b1 = left.produce_block(), right.produce_block()
    assert a1.hash != b1.hash
    assert left.add_block(b1) is AddResult.SIDE_BRANCH
    assert right.add_block(a1) is AddResult.SIDE_BRANCH
    assert left.tip.hash == a1.hash and right.tip.hash == b1.hash
    assert left.total_weight(a1.hash) == left.total_weight(b1.hash)
    # The tie breaks as soon as one branch grows.
    b2 = right.produce_block()
    assert left.add_block(b2) is AddResult.REORGANISED
    assert left.tip.hash == b2.hash
    assert left.add_block(b2) is AddResult.ALREADY_KNOWN


def test_reorg_over_many_blocks_and_back_restores_state_exactly(params, customer, shop, courier,
                                                                miner, attacker):
    """Switching branches several blocks deep and back gives exactly the state each branch
    had on its own node."""
    a_node, b_node = node(params, miner), node(params, courier)
    for i in range(5):
        a_node.submit(customer.pay(shop.address, 10 + i, chain=a_node))
        a_node.produce_block()
        b_node.submit(attacker.pay(courier.address, 7 + i, chain=b_node))
        b_node.produce_block()
    b_node.produce_block()
    a_blocks, a_state, b_state = a_node.blocks[1:], accounts(a_node), accounts(b_node)

    for block in b_node.blocks[1:]:
        a_node.add_block(block)
    assert a_node.tip.hash == b_node.tip.hash
    assert accounts(a_node) == b_state
    assert a_node.state.root() == b_node.tip.header.state_root
    assert {tx.sender for tx in a_node.mempool} == {customer.address}  # A's payments wait again
    assert len(a_node.mempool) == 5

    # Back to A: another node that has A's five blocks mines two more on top of them.
    a_again = node(params, miner)
    for block in a_blocks:
        a_again.add_block(block)
    assert accounts(a_again) == a_state
    a_again.clock.advance_to(a_blocks[-1].header.timestamp)
    extra = [a_again.produce_block(), a_again.produce_block()]
    for block in extra:
        a_node.add_block(block)
    assert a_node.tip.hash == extra[-1].hash and a_node.height == 7
    assert accounts(a_node) == accounts(a_again)
    assert a_node.state.root() == extra[-1].header.state_root
    # B's payments, abandoned in turn, wait in the mempool; A's are confirmed again.
    assert {tx.sender for tx in a_node.mempool} == {attacker.address}
    assert len(a_node.mempool) == 5
    assert all(a_node.confirmations(tx.txid) > 0 for b in a_blocks for tx in b.transactions)
