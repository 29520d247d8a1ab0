"""No single account can halt or split the chain (DESIGN.md section 2, the boundary rule).

The story: an attacker with an ordinary account and a little money tries to stop a consortium's
nodes producing blocks, or to make two honest nodes disagree about the same block — with
contract data nested thousands deep, with text that cannot be encoded, with calls that only fail
when the validating node's stack is already deep, with a fee too small to pay for any work, and
by editing a chain file's side branch. Every attempt ends in a specific ValidationError, the
nodes keep producing blocks, and every node agrees on every state root.
"""

import logging
import sqlite3
import sys
from dataclasses import replace

import pytest
from contract_helpers import at_stack_depth

from minichain import Blockchain, ValidationError, Wallet, open_chain
from minichain.block import ZERO_ADDRESS, Block, BlockHeader, transactions_root
from minichain.cli import main
from minichain.contracts import (
    BadCall,
    Contract,
    ContractClient,
    ContractRuntime,
    DuplicateField,
    FeeBelowIntrinsicGas,
    MessageNotJSON,
    MessageTooDeep,
    NotAWholeNumber,
    NumberOutOfRange,
    UnencodableText,
    UnknownMessageField,
    call_data,
    deploy_data,
    public,
    register,
)
from minichain.errors import (
    BlockCannotBeExecuted,
    BlockHasInvalidTransaction,
    ReceiptsRootMismatch,
    RememberedResultDiffers,
)
from minichain.network import Network
from minichain.receipt import receipts_root
from minichain.state import StateDiff
from minichain.store import (
    InvalidStoredBlock,
    decode_diff,
    encode_diff,
    persist,
    verify_chain_file,
)

validators = [Wallet.from_seed(s) for s in ("platform", "logistics", "bank")]
platform = validators[0]
customer, shop, attacker = (Wallet.from_seed(s) for s in ("customer", "shop", "attacker"))
FUNDS = {customer.address: 10_000, shop.address: 10_000, attacker.address: 10_000,
         platform.address: 10_000}


@register
class Burrow(Contract):
    """A test contract whose call recurses as deep as it is asked to, in plain Python."""

    @public
    def dig(self, levels: int) -> None:
        self.store("reached", _dig(levels))

    @public
    def keep(self, name: str, item: object = 1) -> None:
        self.store(name, item)

    @public
    def write_odd_key(self) -> None:
        self.store(chr(0xD800) + "note", 1)  # a key no encoder can write


def _dig(levels: int) -> int:
    return 0 if levels == 0 else 1 + _dig(levels - 1)


def node() -> Blockchain:
    return Blockchain.proof_of_authority(validators, allocations=FUNDS,
                                         runtime=ContractRuntime())


def follower(chain: Blockchain, upto: int | None = None) -> Blockchain:
    """A second node that has checked and added the first node's blocks (up to height `upto`)."""
    other = node()
    other.clock.advance_to(chain.clock.now())
    for block in chain.blocks[1:None if upto is None else upto + 1]:
        other.add_block(block)
    return other


def raw_call(chain: Blockchain, to: str, data: bytes, *, fee: int = 200,
             wallet: Wallet = attacker):
    """A validly signed transaction with any data, as a hostile sender would write it."""
    return wallet.pay(to, 0, chain=chain, fee=fee, data=data)


def nested(levels: int) -> bytes:
    return b'{"call": ' + b"[" * levels + b"]" * levels + b"}"


def in_a_block(chain: Blockchain, *transactions):
    """A block holding exactly `transactions`, valid or not, as a hostile producer builds it."""
    block = chain.build_block(transactions=list(transactions))
    chain.clock.advance_to(block.header.timestamp)
    return block


@pytest.fixture
def chain():
    return node()


@pytest.fixture
def burrow(chain):
    burrow = ContractClient.deploy(chain, shop, "Burrow")
    chain.produce_block()
    return burrow


# -- contract data is bounded at the door --------------------------------------------------------

def test_deeply_nested_data_is_refused_at_the_door_and_blocks_keep_coming(chain, burrow):
    tx = raw_call(chain, burrow.address, nested(1_400))  # about 3 kB, validly signed
    assert tx.size < chain.params.max_transaction_size
    with pytest.raises(MessageTooDeep, match="nests lists and objects more than 8 deep"):
        chain.submit(tx)
    assert len(chain.mempool) == 0
    burrow.call(customer, "keep", name="order", item=7)
    chain.produce_block()
    assert burrow["order"] == 7


def test_a_block_holding_deeply_nested_data_is_refused_by_every_node(chain, burrow):
    other = follower(chain)
    block = in_a_block(chain, raw_call(chain, burrow.address, nested(1_400)))
    other.clock.advance_to(block.header.timestamp)
    for checker in (chain, other):
        before = checker.tip.hash, checker.state.root()
        with pytest.raises(BlockHasInvalidTransaction, match="more than 8 deep"):
            checker.add_block(block)
        assert (checker.tip.hash, checker.state.root()) == before


def test_nesting_as_deep_as_allowed_is_welcome(chain, burrow):
    items = [[[[[["tea"]]]]]]  # the message, its args and six lists: eight deep
    burrow.call(customer, "keep", name="box", item=items)
    chain.produce_block()
    assert burrow["box"] == items
    with pytest.raises(MessageTooDeep):
        burrow.call(customer, "keep", name="box", item=[items])


@pytest.mark.parametrize("data, error, match", [
    (b'{"call": "keep", "args": {"name": "a", "item": 1.5}}', NotAWholeNumber, "1.5"),
    (b'{"call": "keep", "args": {"name": "a", "item": NaN}}', NotAWholeNumber, "NaN"),
    (b'{"call": "keep", "args": {"name": "a", "item": -Infinity}}', NotAWholeNumber,
     "-Infinity"),
    (b'{"call": "keep", "args": {"name": "a", "item": 1' + b"0" * 400 + b"}}",
     NumberOutOfRange, "more than 100 digits"),
    (b'{"call": "keep", "args": {"name": "a", "item": -9223372036854775809}}',
     NumberOutOfRange, "19 digits"),
    (b'{"call": "keep", "args": {"name": "a", "name": "b"}}', DuplicateField,
     "names the field 'name' twice"),
    (b'{"call": "keep", "args": {}, "gas": 5}', UnknownMessageField, "not 'gas'"),
    (b'{"call": "keep", "deploy": "Burrow"}', UnknownMessageField, "both 'deploy' and 'call'"),
    (b'{"args": {}}', UnknownMessageField, "must name a contract to deploy"),
    (b'{"call": 7}', ValidationError, "the method name must be non-empty text, not a number"),
    (b'{"call": "keep", "args": [1]}', ValidationError, "'args' must be an object"),
    (b'{"call": "keep", "args": {"name": "\\ud800"}}', UnencodableText, "U\\+D800"),
    (b'{"call": "keep", "args": {"\\udfff": 1}}', UnencodableText, "U\\+DFFF"),
    (b'{"call": "keep"', MessageNotJSON, "it is not JSON"),
    (b'{"call": "keep", "args": {"name": "a"}} trailing', MessageNotJSON, "not JSON"),
])
def test_malformed_contract_data_gets_its_own_clear_refusal(chain, burrow, data, error, match):
    with pytest.raises(error, match=match):
        chain.submit(raw_call(chain, burrow.address, data))
    assert len(chain.mempool) == 0


def test_notes_and_hashes_that_are_not_contract_messages_still_travel_with_payments(chain):
    note = customer.pay(shop.address, 5, chain=chain, data="order #1002: 2 mugs".encode())
    commitment = customer.pay(shop.address, 5, chain=chain, nonce=1,
                              data=b"{" + bytes(range(200, 231)))  # binary, begins with '{'
    for tx in (note, commitment):
        chain.submit(tx)
    chain.produce_block()
    assert all(chain.receipt(tx.txid).success for tx in (note, commitment))


def test_a_call_that_cannot_pay_for_its_intrinsic_gas_is_invalid(chain, burrow):
    free = raw_call(chain, burrow.address, call_data("keep", name="spam"), fee=4)
    with pytest.raises(FeeBelowIntrinsicGas, match="costs at least 5 gas .* its fee is only 4"):
        chain.submit(free)
    with pytest.raises(BlockHasInvalidTransaction, match="costs at least 5 gas"):
        chain.add_block(in_a_block(chain, free))
    deploy = attacker.pay(ZERO_ADDRESS, 0, chain=chain, fee=24, data=deploy_data("Burrow"))
    with pytest.raises(FeeBelowIntrinsicGas, match="costs at least 25 gas"):
        chain.submit(deploy)


# -- what a contract stores or announces ---------------------------------------------------------

def test_an_unencodable_storage_key_is_a_failed_call_not_a_halted_chain(chain, burrow):
    tx = burrow.chain.submit(raw_call(chain, burrow.address, call_data("write_odd_key")))
    block = chain.produce_block()
    receipt = chain.receipt(tx)
    assert not receipt.success and "U+D800" in receipt.error
    other = follower(chain)
    assert other.state.root() == chain.state.root() == block.header.state_root


def test_an_escrow_names_real_addresses_for_every_role(chain):
    for role in ("buyer", "seller", "arbiter"):
        roles = {"buyer": customer.address, "seller": shop.address, "arbiter": platform.address,
                 role: "shop"}
        with pytest.raises(BadCall, match=f"the {role} must be an address: 'shop' is not an "
                                          "address"):
            ContractClient.deploy(chain, platform, "OrderEscrow", price=120, **roles)
    with pytest.raises(UnencodableText, match="U\\+D800"):
        ContractClient.deploy(chain, platform, "OrderEscrow", buyer=customer.address,
                              seller="\ud800", arbiter=platform.address, price=120)
    with pytest.raises(BadCall, match="the order must be text"):
        ContractClient.deploy(chain, platform, "OrderEscrow", buyer=customer.address,
                              seller=shop.address, arbiter=platform.address, price=120,
                              order=["a"])


# -- a fault no rule foresaw ---------------------------------------------------------------------

class FaultyRuntime(ContractRuntime):
    """A runtime with a bug: it crashes on any transaction that moves exactly 13 coins."""

    def apply(self, scratch, tx, block):
        if tx.amount == 13:
            raise KeyError("a bug")
        return super().apply(scratch, tx, block)


def test_block_assembly_leaves_out_and_drops_a_transaction_that_crashes_it(caplog):
    chain = Blockchain.proof_of_authority(validators, allocations=FUNDS,
                                          runtime=FaultyRuntime())
    burrow = ContractClient.deploy(chain, shop, "Burrow")
    chain.produce_block()
    crashing = attacker.pay(burrow.address, 13, chain=chain, fee=50, data=call_data("keep",
                                                                                     name="x"))
    chain.submit(crashing)
    honest = customer.pay(shop.address, 20, chain=chain)
    chain.submit(honest)
    with caplog.at_level(logging.WARNING, logger="minichain.chain"):
        block = chain.produce_block()
    assert [tx.txid for tx in block.transactions] == [honest.txid]
    assert crashing.txid not in chain.mempool
    assert crashing.txid.hex() in caplog.text and "KeyError" in caplog.text
    with pytest.raises(BlockCannotBeExecuted, match="could not be executed \\(KeyError\\)"):
        chain.add_block(in_a_block(chain, crashing))


# -- the stack depth of the validating node does not matter ---------------------------------------

def test_two_nodes_at_very_different_stack_depths_agree_on_every_state_root(chain, burrow):
    deep_node = follower(chain)
    within = raw_call(chain, burrow.address, call_data("dig", levels=150))
    beyond = raw_call(chain, burrow.address, call_data("dig", levels=400), wallet=customer)
    block = at_stack_depth(40, lambda: in_a_block(chain, within, beyond))
    at_stack_depth(40, lambda: chain.add_block(block))
    deep_node.clock.advance_to(chain.clock.now())
    at_stack_depth(sys.getrecursionlimit() - 120, lambda: deep_node.add_block(block))
    assert deep_node.tip.hash == chain.tip.hash == block.hash
    assert deep_node.state.root() == chain.state.root() == block.header.state_root
    assert chain.receipt(within.txid).success and burrow["reached"] == 150
    assert "nested more than 200 calls" in chain.receipt(beyond.txid).error
    assert deep_node.receipts(block.hash) == chain.receipts(block.hash)


# -- the header commits to the receipts ----------------------------------------------------------

def test_a_block_whose_receipts_root_is_not_what_its_transactions_did_is_refused(chain, burrow):
    block = in_a_block(chain, raw_call(chain, burrow.address, call_data("keep", name="n")))
    sealer = next(w for w in validators if w.address == block.header.coinbase)
    lying = chain.engine.seal(replace(block.header, receipts_root=receipts_root([]), seal=b""),
                              sealer)
    with pytest.raises(ReceiptsRootMismatch, match="executing the block gives receipts"):
        chain.add_block(Block(lying, block.transactions))
    assert chain.add_block(block).name == "EXTENDED"


# -- the network keeps going -----------------------------------------------------------------------

def test_a_network_of_contract_nodes_survives_a_hostile_block_and_keeps_producing():
    net = Network.proof_of_authority(4, dict(enumerate(validators)), seed=1, allocations=FUNDS,
                                     runtime=ContractRuntime(), latency=0.05)
    first = net.chain(0)
    hostile = first.build_block(validators[0], timestamp=first.params.genesis_time + 5,
                                transactions=[raw_call(first, ZERO_ADDRESS, nested(1_400))])
    net.at(net.now + 12, net.node(3).receive_block, hostile, None)
    net.run(60)
    assert net.run_until_converged(timeout=30) and net.chain(3).height >= 10
    assert hostile.hash not in net.chain(3)
    assert any("more than 8 deep" in event.detail for event in net.log
               if event.kind == "rejected")


# -- a chain file's side branches ----------------------------------------------------------------

def chain_with_a_side_branch() -> tuple[Blockchain, Block]:
    """A node whose main chain and side branch (at height 2) both pay the shop."""
    chain = node()
    chain.submit(customer.pay(shop.address, 10, chain=chain))
    chain.produce_block()
    main = chain.produce_block()
    rival = follower(chain, upto=1)
    rival.submit(attacker.pay(shop.address, 99, chain=rival))
    third = next(w for w in validators
                 if w.address not in (main.header.coinbase, chain.blocks[1].header.coinbase))
    side = rival.build_block(third)
    assert chain.add_block(side).name == "SIDE_BRANCH"
    chain.produce_block()
    return chain, side


def forge_a_side_block(chain: Blockchain) -> Block:
    """A side-branch block on block 1 that pays the attacker 1,000,000 out of nothing, with
    roots that match the diff it is stored with — as a hostile program writing a file would."""
    parent = chain.blocks[1]
    rival = follower(chain, upto=1)
    sealer = next(w for w in validators if w.address != parent.header.coinbase
                  and w.address != chain.blocks[2].header.coinbase)
    fields = rival.engine.prepare(rival, parent.header, sealer.address,
                                  parent.header.timestamp + 7)
    scratch = rival.state.scratch()
    subsidy = rival.engine.subsidy(2)
    scratch.credit(sealer.address, subsidy)
    scratch.credit(attacker.address, 1_000_000)
    header = BlockHeader(parent_hash=parent.hash, height=2, timestamp=fields["timestamp"],
                         tx_root=transactions_root([]), state_root=scratch.root(),
                         receipts_root=receipts_root([]), difficulty=fields["difficulty"],
                         coinbase=sealer.address, reward=subsidy, extra=fields["extra"])
    forged = Block(header.with_seal(b"not a signature"))
    chain.restore([(forged, scratch.diff(), ())], chain.tip.hash)  # as if it had been accepted
    return forged


def _edit_side_diff(path, side: Block) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    (raw,) = db.execute("SELECT diff FROM blocks WHERE hash = ?", (side.hash,)).fetchone()
    diff = decode_diff(raw)
    key, before, after = next(c for c in diff.changes if c[0] == f"account:{shop.address}")
    richer = (int.from_bytes(after[:8], "big") + 500).to_bytes(8, "big") + after[8:]
    changes = tuple((k, b, richer if k == key else a) for k, b, a in diff.changes)
    db.execute("UPDATE blocks SET diff = ? WHERE hash = ?",
               (encode_diff(StateDiff(changes)), side.hash))
    db.close()


def test_a_tampered_side_branch_diff_is_found_on_reopening_and_by_verify(tmp_path):
    path = tmp_path / "shop.chain"
    chain, side = chain_with_a_side_branch()
    persist(chain, path).close()
    _edit_side_diff(path, side)
    for check in (lambda: open_chain(path), lambda: verify_chain_file(path)):
        with pytest.raises(InvalidStoredBlock, match=f"block 2 \\({side.hash.hex()[:12]}….*"
                                                     "stored state changes lead to state"):
            check()


def test_verify_full_re_executes_side_branches(tmp_path, capsys):
    path = tmp_path / "shop.chain"
    chain, _side = chain_with_a_side_branch()
    forged = forge_a_side_block(chain)
    persist(chain, path).close()
    open_chain(path).close()  # its links, roots and diffs are consistent...
    verify_chain_file(path)
    with pytest.raises(InvalidStoredBlock, match=f"block 2 \\({forged.hash.hex()[:12]}…"):
        verify_chain_file(path, full=True)  # ...but it was never a valid block
    assert main(["verify", str(path), "--full"]) == 1
    out, err = capsys.readouterr()
    assert f"block 2 ({forged.hash.hex()[:12]}…)" in out + err and "Traceback" not in out + err


def test_re_executing_a_block_must_give_the_results_kept_for_it(chain, burrow):
    burrow.call(customer, "keep", name="order", item=5)
    chain.produce_block()
    tip = chain._entries[chain.tip.hash]
    kept = replace(tip.receipts[0], gas_used=tip.receipts[0].gas_used + 1)
    chain._entries[chain.tip.hash] = replace(tip, receipts=(kept,))
    with pytest.raises(RememberedResultDiffers, match="other receipts than the ones kept"):
        chain.revalidate()


def test_a_refusal_names_a_huge_bogus_address_briefly(chain):
    with pytest.raises(BadCall) as refused:
        ContractClient.deploy(chain, platform, "OrderEscrow", buyer=customer.address,
                              seller="0x" + "g" * 3_000, arbiter=platform.address, price=120)
    assert "is not an address" in str(refused.value) and len(str(refused.value)) < 300
