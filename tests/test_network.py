"""The simulated network: gossip, full validation at every node, partitions that heal, crashes
and restarts, orphans, latency, metrics, determinism and the shared signature cache.

The story: a shop's payments travel through a network of full nodes; during a flash sale the
network splits in two, both halves keep mining, and when the link comes back every honest node
must end on one chain — the heaviest — with payments from the losing half waiting to be mined
again rather than lost.
"""

import math
import random

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minichain import ValidationError, Wallet
from minichain.network import (
    EventKind,
    FixedDelay,
    InvalidShare,
    LinkDelays,
    Network,
    NodeIsDown,
    NotLinked,
    RegionLatency,
    SharesExceedWhole,
    UnknownNode,
    WrongConsensus,
    random_peers,
)
from minichain.network.latency import LATENCY_2019_MS, REGIONS

CUSTOMERS = [Wallet.from_seed(f"customer {i}") for i in range(4)]
SHOP = Wallet.from_seed("shop")
FUNDS = {c.address: 1_000 for c in CUSTOMERS}


def shop_network(seed: int = 3, nodes: int = 12, **options) -> Network:
    """Twelve nodes, four of them miners, a block every 60 simulated seconds on average."""
    return Network.proof_of_work(nodes, miners=4, outbound=3, seed=seed, block_interval=60,
                                 allocations=FUNDS, **options)


def agreement(net: Network) -> set:
    """What the honest nodes that are up hold: (tip, state root) pairs — one if they agree."""
    return {(n.chain.tip.hash, n.chain.state.root()) for n in net.nodes if n.honest and n.up}


def pay(net: Network, customer: Wallet, amount: int, at) -> bytes:
    return net.submit(customer.pay(SHOP.address, amount, chain=net.chain(at)), at=at)


# -- gossip and agreement ------------------------------------------------------------------------

def test_payments_and_blocks_reach_every_node_and_all_agree_on_the_state():
    net = shop_network()
    txids = [pay(net, c, 10 * (i + 1), at=i) for i, c in enumerate(CUSTOMERS)]
    net.run(blocks=6)
    net.settle()
    assert net.converged() and len(agreement(net)) == 1
    for node in net.nodes:
        assert node.chain.height == net.chain(0).height >= 6
        assert node.chain.balance(SHOP.address) == 100
        assert all(node.chain.confirmations(txid) > 0 for txid in txids)
        assert len(node.chain.mempool) == 0
    assert net.metrics.stale_rate(settled=0) < 0.5


def test_nodes_share_one_copy_of_each_block_and_one_signature_cache():
    net = shop_network()
    pay(net, CUSTOMERS[0], 5, at=0)
    net.run(blocks=3)
    net.settle()
    tips = {id(node.chain.tip) for node in net.nodes}
    assert len(tips) == 1  # the very same Block object, not copies
    assert all(node.chain.signatures is net.signatures for node in net.nodes)
    assert net.signatures.hits >= len(net.nodes) - 1  # one node checked, the others remembered


def test_a_node_refuses_an_invalid_block_and_does_not_pass_it_on():
    net = shop_network()
    net.run(blocks=2)
    net.settle()
    miner = next(n for n in net.nodes if n.name in net.shares)
    block = miner.chain.build_block(miner.producer, timestamp=net.clock.now())
    from dataclasses import replace

    from minichain import Block
    from minichain.consensus.proof_of_work import mine
    greedy = Block(mine(replace(block.header, reward=block.header.reward + 1, nonce=0)),
                   block.transactions)
    victim = next(iter(miner.peers))
    victim.receive_block(greedy, sender=miner)
    net.settle()
    refusals = [e for e in net.log if e.kind == EventKind.REJECTED]
    assert [(e.node, e.block) for e in refusals] == [(victim.name, greedy.hash)]
    assert "reward" in refusals[0].detail
    assert all(greedy.hash not in node.chain for node in net.nodes)


def test_a_block_that_arrives_before_its_parent_waits_and_the_parent_is_fetched():
    net = Network(nx.path_graph(3), latency=FixedDelay(1.0), block_interval=60)
    first, last = net.node(0), net.node(2)
    blocks = [first.produce_block() for _ in range(3)]
    net.step()  # one event: the first block reaches node 1
    assert net.now == 1.0 and net.chain(1).height == 1 and net.chain(2).height == 0
    net.settle()
    assert last.chain.tip.hash == blocks[-1].hash

    # Node 2 is told about a new block whose parent it has never seen.
    a = first.chain.build_block(first.producer, timestamp=net.clock.now())
    first.chain.add_block(a)
    b = first.chain.build_block(first.producer, timestamp=net.clock.now())
    first.chain.add_block(b)
    middle = net.node(1)
    middle.receive_block(b, sender=first)  # middle misses `a`...
    assert middle.chain.tip.hash == blocks[-1].hash
    assert [e.kind for e in net.log[-1:]] == [EventKind.ORPHAN]
    net.settle()  # ...asks node 0 with a locator, gets `a`, then `b` connects
    assert middle.chain.tip.hash == b.hash == last.chain.tip.hash
    assert middle.locator()[0] == b.hash and middle.locator()[-1] == middle.chain.genesis.hash


def test_a_payment_whose_predecessor_has_not_arrived_waits_for_it():
    net = Network(nx.path_graph(2), latency=FixedDelay(0.5), block_interval=60,
                  params=shop_network().params)
    customer = CUSTOMERS[0]
    first = customer.pay(SHOP.address, 10, chain=net.chain(0), nonce=0)
    second = customer.pay(SHOP.address, 20, chain=net.chain(0), nonce=1)
    node = net.node(1)
    node.receive_transaction(second, sender=None)  # nonce 1 before nonce 0: a gap
    assert second.txid not in node.chain.mempool
    node.receive_transaction(first, sender=None)
    assert first.txid in node.chain.mempool and second.txid in node.chain.mempool
    net.settle()
    assert second.txid in net.chain(0).mempool  # relayed once its turn came


# -- partitions ----------------------------------------------------------------------------------

@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), groups=st.lists(st.integers(0, 2), min_size=12, max_size=12),
       split_for=st.floats(60, 1_800), crash=st.one_of(st.none(), st.integers(0, 11)))
def test_all_honest_nodes_converge_on_one_tip_after_any_partition_heals(seed, groups, split_for,
                                                                        crash):
    net = shop_network(seed=seed)
    pay(net, CUSTOMERS[0], 10, at=0)
    net.run(blocks=2)
    sides = [[n for n, g in enumerate(groups) if g == side] for side in range(3)]
    net.partition(*sides)
    pay(net, CUSTOMERS[1], 20, at=11)
    if crash is not None:
        net.crash(crash)
    net.run(seconds=split_for)
    net.heal()
    if crash is not None:
        net.restart(crash)
    healed = net.now
    assert net.run_until_converged(timeout=200 * 60)
    assert len(agreement(net)) == 1
    tip = net.chain(0).tip
    heaviest = max(n.chain.total_weight(n.chain.tip.hash) for n in net.nodes)
    assert net.chain(0).total_weight() == heaviest
    assert net.metrics.convergence_time(since=healed) == pytest.approx(net.now - healed)
    assert all(n.chain.state.root() == tip.header.state_root for n in net.nodes)


def test_a_split_during_a_sale_heals_and_payments_of_the_losing_side_are_mined_again():
    """Two halves mine apart for an hour; the lighter half's blocks become stale, but its
    payments go back to the mempool and end up in the common chain."""
    graph = nx.barbell_graph(4, 0)  # two cliques of four joined by one link (3–4)
    net = Network(graph, latency=FixedDelay(0.2), block_interval=60, seed=5,
                  params=shop_network().params)
    net.set_shares({0: 0.3, 1: 0.3, 6: 0.4})
    net.run(blocks=2)
    net.settle()
    split = net.now
    net.partition(range(4))
    west = pay(net, CUSTOMERS[0], 10, at=2)  # a customer paying in the west...
    east = pay(net, CUSTOMERS[1], 20, at=5)  # ...and one in the east
    net.run(seconds=3_600)
    assert net.chain(2).confirmations(west) > 0 and net.chain(5).confirmations(east) > 0
    assert net.chain(2).tip.hash != net.chain(5).tip.hash
    healed = net.now
    net.heal()
    assert net.run_until_converged(timeout=3_600)
    assert net.metrics.convergence_time(healed) == net.now - healed < 10
    net.run(seconds=1_800)
    net.settle()
    for node in net.nodes:  # the losing side's payment was mined again on the winning chain
        assert node.chain.confirmations(west) > 0 and node.chain.confirmations(east) > 0
        assert node.chain.balance(SHOP.address) == 30
    assert len(net.metrics.stale_blocks(settled=0)) > 0
    assert max(net.metrics.propagation_delays()) > 600  # held up by the partition...
    assert max(net.metrics.propagation_delays(end=split)) < 2  # ...not before it
    kinds = [e.kind for e in net.log]
    assert EventKind.PARTITION in kinds and EventKind.HEAL in kinds
    assert any(e.detail == "reorganised" for e in net.log if e.time >= healed)


def test_cutting_one_link_and_messages_on_the_wire_are_lost():
    net = Network(nx.path_graph(2), latency=FixedDelay(5.0), block_interval=60)
    block = net.node(0).produce_block()
    net.run(seconds=1)
    net.cut_link(0, 1)  # the block was on its way: it is lost with the link
    net.run(seconds=10)
    assert block.hash not in net.chain(1)
    net.heal()  # the ends greet each other with their tips
    net.settle()
    assert net.chain(1).tip.hash == block.hash
    with pytest.raises(NotLinked, match="no link between them"):
        net.cut_link(0, 0)


# -- crashes -------------------------------------------------------------------------------------

def test_a_crashed_node_misses_blocks_and_catches_up_after_restart():
    net = shop_network(seed=8)
    miners = sorted(net.shares)
    net.crash(miners[0])
    net.crash(7)
    assert not net.node(7).up
    with pytest.raises(NodeIsDown, match="node 7 is down"):
        pay(net, CUSTOMERS[0], 1, at=7)
    net.run(blocks=5)
    assert net.chain(7).height == 0
    assert not any(e.kind == EventKind.FOUND and e.node == miners[0] for e in net.log)
    restarted = net.now
    net.restart(7)
    net.restart(miners[0])
    net.settle()
    assert net.chain(7).tip.hash == net.chain(0).tip.hash and net.converged()
    assert net.metrics.convergence_time(restarted) is not None
    history = net.metrics.tip_history(7)
    assert history[0][1] == 0 and history[-1][1] == net.chain(0).height
    assert all(time >= restarted for time, _, _ in history[1:])


# -- latency -------------------------------------------------------------------------------------

def test_simblock_latency_has_the_tables_mean_plus_transfer_time():
    nodes = {"ny": "north_america", "berlin": "europe", "tokyo": "japan"}
    model = RegionLatency(nodes)
    rng = random.Random(1)
    samples = [model.delay("ny", "berlin", 0, rng) for _ in range(40_000)]
    mean = sum(samples) / len(samples)
    assert mean == pytest.approx(0.124, rel=0.01)  # SimBlock 2019: 124 ms
    assert min(samples) >= 0.119  # Pareto: never below mean − 5 ms
    assert model.mean_delay("tokyo", "tokyo") == pytest.approx(0.012)
    fixed = RegionLatency(nodes, jitter=False)
    one_megabyte = fixed.delay("ny", "berlin", 1_000_000, rng)
    assert one_megabyte == pytest.approx(0.124 + 8e6 / 19_200_000)  # the uploader's bandwidth
    assert len(LATENCY_2019_MS) == len(REGIONS) == 6


def test_messages_on_a_link_keep_their_order_and_link_delays_are_per_direction():
    slow = LinkDelays({(0, 1): 30.0}, default=0.5)
    net = Network(nx.path_graph(2), latency=slow, block_interval=60)
    a = net.node(0).produce_block()
    b = net.node(1).produce_block()
    net.settle()
    arrivals = {(e.node, e.block): e.time for e in net.log if e.kind in ("tip", "stored")}
    assert arrivals[(1, a.hash)] == pytest.approx(30.0)
    assert arrivals[(0, b.hash)] == pytest.approx(0.5)


# -- metrics -------------------------------------------------------------------------------------

def test_propagation_along_a_line_of_relays():
    """Five nodes in a line, 2 s per hop, only the first mines: every block reaches node k
    after exactly 2k seconds."""
    net = Network(nx.path_graph(5), latency=FixedDelay(2.0), block_interval=600, seed=2)
    net.set_shares({0: 1.0})
    net.run(blocks=4)
    net.settle()
    metrics = net.metrics
    assert metrics.propagation_delays() == pytest.approx([2, 4, 6, 8] * 4)
    assert metrics.propagation_percentiles((0, 50, 100)) == pytest.approx(
        {0: 2.0, 50: 5.0, 100: 8.0})
    assert list(metrics.time_to_reach(1.0).values()) == pytest.approx([8.0] * 4)
    assert list(metrics.time_to_reach(0.6).values()) == pytest.approx([4.0] * 4)
    assert metrics.stale_rate(settled=0) == 0.0
    summary = metrics.summary()
    assert summary["blocks found"] == 4 and summary["honest nodes agree"] is True
    assert "found block 1" in str(net.log[0])


# -- determinism and the signature cache ---------------------------------------------------------

def scenario(seed: int, signatures=True) -> Network:
    """Payments, mining, a partition, a crash, a restart and a heal."""
    net = shop_network(seed=seed, signatures=signatures)
    for i, customer in enumerate(CUSTOMERS):
        net.at(30 * i, lambda c=customer, i=i: pay(net, c, 5 + i, at=i))
    net.run(blocks=3)
    net.partition(range(6))
    net.crash(9)
    net.run(seconds=600)
    net.restart(9)
    net.heal()
    net.run(seconds=600)
    net.settle()
    return net


def test_same_seed_gives_the_same_event_log():
    first, second = scenario(seed=11), scenario(seed=11)
    assert len(first.log) > 100
    assert first.log == second.log
    assert first.tips() == second.tips()
    assert scenario(seed=12).log != first.log


def test_consensus_is_identical_with_and_without_the_shared_signature_cache():
    shared, separate = scenario(seed=4), scenario(seed=4, signatures=False)
    assert shared.log == separate.log
    assert [n.chain.state.root() for n in shared.nodes] == \
        [n.chain.state.root() for n in separate.nodes]
    assert shared.signatures.hits > 0 and separate.signatures is None
    assert len({id(n.chain.signatures) for n in separate.nodes}) == len(separate.nodes)


# -- proof of authority --------------------------------------------------------------------------

def test_a_consortium_of_validators_takes_turns_and_survives_a_split():
    platform, logistics, bank = (Wallet.from_seed(n) for n in ("platform", "logistics", "bank"))
    net = Network.proof_of_authority(
        ["platform", "logistics", "bank", "shop", "auditor"],
        {"platform": platform, "logistics": logistics, "bank": bank},
        period=5, latency=FixedDelay(0.3), seed=1)
    net.run(seconds=60)
    net.settle()
    chain = net.chain("auditor")
    assert net.converged() and chain.height >= 10
    assert all(b.header.difficulty == 2 for b in chain.blocks[1:])  # every block in turn
    with pytest.raises(WrongConsensus, match="validators take turns"):
        net.set_share("shop", 0.5)
    net.partition(["platform", "logistics", "shop"])  # the bank is cut off with the auditor
    net.run(seconds=120)
    assert net.chain("shop").height > net.chain("auditor").height + 5
    net.heal()
    assert net.run_until_converged(timeout=120)
    assert net.chain("auditor").tip.hash == net.chain("shop").tip.hash


# -- errors a trainee can meet -------------------------------------------------------------------

@pytest.mark.parametrize("action, error, fragment", [
    (lambda net: net.node("warehouse"), UnknownNode, "there is no node 'warehouse'"),
    (lambda net: net.set_share(0, 1.5), InvalidShare, "share of 1.5"),
    (lambda net: net.set_shares({0: 0.7, 1: 0.7}), SharesExceedWhole, "add up to 1.4"),
    (lambda net: net.partition(["nowhere"]), UnknownNode, "its nodes are 0, 1, 2"),
    (lambda net: net.cut_link(0, 99), UnknownNode, "no node 99"),
    (lambda net: net.add_validator(0, SHOP), WrongConsensus, "runs proof of work, which has no "
                                                             "validators; its miners compete"),
])
def test_mistakes_in_setting_up_a_network_get_one_plain_sentence(action, error, fragment):
    net = Network(random_peers(8, outbound=2), latency=0.1)
    with pytest.raises(error, match=fragment) as caught:
        action(net)
    assert isinstance(caught.value, ValidationError)
    assert str(caught.value).endswith(".")


def test_run_needs_to_know_when_to_stop():
    net = Network(nx.path_graph(2), latency=0.1)
    with pytest.raises(ValueError, match="say how long"):
        net.run()
    net.run(seconds=5)
    assert net.now == 5 and math.isnan(net.metrics.stale_rate())
