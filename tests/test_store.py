"""A chain is a file: what is written comes back exactly, on every engine and after a reorg.

The shop keeps its node's chain in a file, closes the laptop, and opens it the next day: every
block, balance, receipt and side branch is there, nothing is verified twice, and the node goes
on exactly as a node that never stopped (same blocks, same hashes). A file made for one chain
cannot be opened as another, and a file written twice at once says so instead of mixing
histories.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from minichain import crypto, open_chain
from minichain import AddResult, Blockchain, ChainParams, ProofOfAuthority, ProofOfWork, \
    SimulatedClock, ValidationError, Wallet
from minichain.contracts import ContractClient, ContractRuntime
from minichain.errors import MalformedData
from minichain.state import StateDiff
from minichain.store import (
    ChainFileChanged,
    ChainFileNotFound,
    ChainFileNotWritable,
    ChainMismatch,
    decode_diff,
    encode_diff,
    persist,
    verify_chain_file,
)

customer, shop, courier, miner = (Wallet.from_seed(s) for s in ("customer", "shop", "courier",
                                                                  "miner"))
platform, logistics, bank = (Wallet.from_seed(s) for s in ("platform", "logistics", "bank"))
VALIDATORS = [platform, logistics, bank]
PARAMS = ChainParams(allocations={customer.address: 1_000, shop.address: 300,
                                  platform.address: 500})


def pay_and_produce(chain: Blockchain, payments: int = 2) -> None:
    for amount in range(1, payments + 1):
        chain.submit(customer.pay(shop.address, amount, chain=chain))
    chain.produce_block()


def same_node(a: Blockchain, b: Blockchain) -> None:
    """Everything a node shows about its chain is the same."""
    assert [block.hash for block in a.blocks] == [block.hash for block in b.blocks]
    assert a.state.root() == b.state.root() == a.tip.header.state_root
    assert dict(a.state.items()) == dict(b.state.items())
    assert a.total_weight() == b.total_weight()
    for block in a.blocks:
        assert a.receipts(block.hash) == b.receipts(block.hash)
        for tx in block.transactions:
            assert b.find_transaction(tx.txid).block.hash == block.hash
            assert b.confirmations(tx.txid) == a.confirmations(tx.txid)


# -- reopen, then extend ---------------------------------------------------------------------------

def test_a_pow_chain_reopens_with_every_block_and_balance_then_extends_like_one_that_never_stopped(
        tmp_path):
    path = tmp_path / "shop.chain"
    twin = Blockchain(ProofOfWork(), PARAMS, producers=[miner])  # the same steps, in memory
    chain = open_chain(path, ProofOfWork(), PARAMS, producers=[miner])
    for node in (chain, twin):
        for _ in range(4):
            pay_and_produce(node)
    chain.close()

    again = open_chain(path, producers=[miner])
    same_node(twin, again)
    assert again.balance(shop.address) == 300 + 4 * 3
    assert again.nonce(customer.address) == 8
    assert again.clock.now() == again.tip.header.timestamp  # time goes on from the tip
    assert again.signatures.hits == 0 and len(again.signatures) == 0  # nothing re-verified

    for node in (again, twin):
        for _ in range(12):  # past a retarget (every 10 blocks)
            pay_and_produce(node)
    same_node(twin, again)
    again.close()
    with open_chain(path) as third:
        same_node(twin, third)
        assert third.revalidate() == 16


def test_a_poa_chain_reopens_mid_vote_and_goes_on_through_a_checkpoint(tmp_path):
    """Validator snapshots are rebuilt from the stored headers after reopening: a vote begun
    before the restart completes after it, and the next checkpoint lists the new validator."""
    path = tmp_path / "consortium.chain"
    engine = dict(validators=tuple(w.address for w in VALIDATORS), period=5, epoch=6)
    twin = Blockchain(ProofOfAuthority(**engine), PARAMS, producers=VALIDATORS)
    chain = open_chain(path, ProofOfAuthority(**engine), PARAMS, producers=VALIDATORS)
    for node in (chain, twin):
        node.engine.propose(platform.address, courier.address, True)
        pay_and_produce(node)  # block 1, sealed by logistics: no vote yet
        pay_and_produce(node)  # block 2, sealed by platform: its vote for the courier
    chain.close()

    again = open_chain(path, producers=VALIDATORS)
    same_node(twin, again)
    assert (set(again.engine.validators), again.engine.period, again.engine.epoch) == \
        (set(engine["validators"]), 5, 6)  # the file recorded the engine's options
    for node in (again, twin):
        node.engine.propose(bank.address, courier.address, True)  # proposals are not stored
        for _ in range(5):
            pay_and_produce(node)
    same_node(twin, again)
    snapshot = again.engine.snapshot(again, again.tip.header)
    assert courier.address in snapshot.validators
    assert again.block(6).header.extra == twin.block(6).header.extra  # the checkpoint
    again.close()
    assert verify_chain_file(path, full=True).height == 7


def test_reopening_checks_no_signature_and_no_seal(tmp_path, monkeypatch):
    path = tmp_path / "consortium.chain"
    engine = ProofOfAuthority(validators=tuple(w.address for w in VALIDATORS))
    with open_chain(path, engine, PARAMS, producers=VALIDATORS) as chain:
        for _ in range(5):
            pay_and_produce(chain)

    def refuse(*args):
        raise AssertionError("a signature was verified while reopening")

    monkeypatch.setattr(crypto, "verify", refuse)
    with open_chain(path) as again:
        assert again.height == 5 and again.balance(shop.address) == 300 + 5 * 3


def test_a_reorg_is_kept_and_can_be_undone_after_reopening(tmp_path):
    """Side branches are stored with their diffs: after reopening, the node can switch back to
    a branch it abandoned before the restart without executing anything again."""
    path = tmp_path / "shop.chain"
    shop_node = open_chain(path, ProofOfWork(), PARAMS, producers=[miner])
    payment = customer.pay(shop.address, 100, chain=shop_node)
    shop_node.submit(payment)
    a1 = shop_node.produce_block()

    other = Blockchain(ProofOfWork(), PARAMS, clock=SimulatedClock(PARAMS.genesis_time),
                       producers=[courier])
    b1, b2 = other.produce_block(), other.produce_block()
    assert shop_node.add_block(b1) is AddResult.SIDE_BRANCH
    assert shop_node.add_block(b2) is AddResult.REORGANISED
    assert shop_node.balance(shop.address) == 300
    shop_node.close()

    again = open_chain(path, producers=[miner])
    assert again.tip.hash == b2.hash and a1.hash in again
    assert not again.is_main_chain(a1.hash)
    assert again.balance(shop.address) == 300
    assert again.find_transaction(payment.txid) is None
    assert len(again.mempool) == 0  # waiting transactions are not kept in the file

    third = Blockchain(ProofOfWork(), PARAMS, clock=SimulatedClock(PARAMS.genesis_time),
                       producers=[miner])
    third.add_block(a1)
    third.clock.advance_to(a1.header.timestamp)
    a2, a3 = third.produce_block(), third.produce_block()
    assert again.add_block(a2) is AddResult.SIDE_BRANCH
    assert again.add_block(a3) is AddResult.REORGANISED  # back to branch A, from stored diffs
    same_node(third, again)
    assert again.balance(shop.address) == 400
    again.close()

    with open_chain(path) as last:
        same_node(third, last)
        assert {b1.hash, b2.hash} <= {block.hash for block in _all_blocks(last)}
        assert last.total_weight(b2.hash) < last.total_weight()
    assert verify_chain_file(path, full=True).tip.hash == a3.hash


def test_an_escrow_chain_reopens_with_its_contracts_and_the_order_goes_on(tmp_path):
    path = tmp_path / "escrow.chain"
    engine = ProofOfAuthority(validators=tuple(w.address for w in VALIDATORS))
    chain = open_chain(path, engine, PARAMS, producers=VALIDATORS,
                            runtime=ContractRuntime(gas_price=2))
    order = ContractClient.deploy(chain, platform, "OrderEscrow", buyer=customer.address,
                                  seller=shop.address, arbiter=platform.address, price=120,
                                  order="#1042")
    chain.produce_block()
    order.call(customer, "fund", value=120)
    chain.produce_block()
    chain.close()

    again = open_chain(path, producers=VALIDATORS)
    assert again.runtime == ContractRuntime(gas_price=2)  # recorded in the file
    reopened = ContractClient(again, order.address)
    assert reopened["state"] == "FUNDED" and reopened.balance == 120
    assert [event.name for event in reopened.events()] == ["Created", "Funded"]
    reopened.call(shop, "ship", tracking_hash="ec1c1e71")
    again.produce_block()
    reopened.call(customer, "confirm")
    again.produce_block()
    assert reopened["state"] == "COMPLETED"
    again.close()
    assert verify_chain_file(path, full=True).height == 4


def test_an_in_memory_chain_can_be_kept_in_a_file_later_side_branches_and_all(tmp_path):
    chain = Blockchain(ProofOfWork(), PARAMS, producers=[miner])
    pay_and_produce(chain)
    other = Blockchain(ProofOfWork(), PARAMS, producers=[courier])
    side = other.produce_block()
    assert chain.add_block(side) is AddResult.SIDE_BRANCH
    persist(chain, tmp_path / "later.chain")
    pay_and_produce(chain)  # from now on, written as it is accepted
    chain.close()
    with open_chain(tmp_path / "later.chain") as again:
        same_node(chain, again)
        assert side.hash in again


def _all_blocks(chain):
    from minichain.store import stored_blocks

    return list(stored_blocks(chain))


# -- one chain per file ----------------------------------------------------------------------------

@pytest.fixture
def pow_file(tmp_path):
    path = tmp_path / "shop.chain"
    with open_chain(path, ProofOfWork(), PARAMS, producers=[miner]) as chain:
        pay_and_produce(chain)
    return path


@pytest.mark.parametrize("given, message", [
    (dict(params=ChainParams(chain_id=7, allocations=PARAMS.allocations)),
     "its chain id is 1, not 7"),
    (dict(params=ChainParams(allocations={customer.address: 5})), "its allocations is"),
    (dict(engine=ProofOfAuthority(validators=(platform.address,))),
     "its consensus is proof of work, not proof of authority"),
    (dict(engine=ProofOfWork(target_spacing=60)), "its engine's target spacing is 10, not 60"),
    (dict(runtime=ContractRuntime()), "its contract runtime is no contracts, not "
                                      "contracts at gas price 1"),
])
def test_a_file_refuses_to_be_opened_as_another_chain(pow_file, given, message):
    before = pow_file.read_bytes()
    with pytest.raises(ChainMismatch, match=message) as refused:
        open_chain(pow_file, **given)
    assert isinstance(refused.value, ValidationError)
    assert str(pow_file) in str(refused.value)
    assert pow_file.read_bytes() == before


def test_the_same_parameters_given_again_are_accepted(pow_file):
    with open_chain(pow_file, ProofOfWork(), PARAMS) as chain:
        assert chain.height == 1


def test_opening_a_missing_file_without_an_engine_says_how_to_create_one(tmp_path):
    with pytest.raises(ChainFileNotFound, match="give the consensus engine too"):
        open_chain(tmp_path / "nothing.chain")
    assert not (tmp_path / "nothing.chain").exists()


def test_a_chain_file_is_never_created_over_an_existing_file(pow_file):
    chain = Blockchain(ProofOfWork(), PARAMS)
    with pytest.raises(ChainFileNotWritable, match="a file already exists there"):
        persist(chain, pow_file)


def test_opening_the_file_again_in_the_same_program_hands_it_over(pow_file):
    """A notebook cell that opens the chain, run twice: the second handle takes over."""
    first = open_chain(pow_file, producers=[miner])
    second = open_chain(pow_file, producers=[miner])
    with pytest.raises(ChainFileNotWritable, match="closed"):
        pay_and_produce(first)
    assert first.height == 1 and len(first.mempool) == 2  # refused: nothing moved
    pay_and_produce(second)
    second.close()
    with open_chain(pow_file) as chain:
        assert chain.height == 2


def test_blocks_added_by_another_program_are_not_overwritten(pow_file):
    mine = open_chain(pow_file, producers=[miner])
    script = ("import sys; from minichain import Wallet, open_chain; "
              "c = open_chain(sys.argv[1], producers=[Wallet.from_seed('courier')]); "
              "c.produce_block(); c.close()")
    subprocess.run([sys.executable, "-c", script, str(pow_file)], check=True)
    with pytest.raises(ChainFileChanged, match="another program added blocks"):
        pay_and_produce(mine)
    assert mine.height == 1
    mine.close()
    with open_chain(pow_file) as chain:
        assert chain.height == 2 and chain.tip.header.coinbase == courier.address


def test_a_read_only_chain_refuses_blocks_and_changes_nothing(pow_file):
    before = pow_file.read_bytes()
    chain = open_chain(pow_file, producers=[miner], read_only=True)
    with pytest.raises(ChainFileNotWritable, match="opened read-only"):
        pay_and_produce(chain)
    assert chain.height == 1
    chain.close()
    assert pow_file.read_bytes() == before


# -- encoding --------------------------------------------------------------------------------------

def test_state_diffs_round_trip_and_nothing_else_decodes():
    diff = StateDiff((("account:a", None, b"\x01"), ("storage:b:x", b"{}", None),
                      ("contract:c", b"", b"OrderEscrow")))
    assert decode_diff(encode_diff(diff)) == diff
    assert decode_diff(encode_diff(StateDiff())) == StateDiff()
    data = encode_diff(diff)
    for broken in (data[:-1], data + b"\x00", data.replace(b"\x01", b"\x02", 1)):
        with pytest.raises(MalformedData):
            decode_diff(broken)
