"""A BFT consortium over the simulated network: final blocks, a chain that stops rather than
forks, and lies that are caught.

The story: the platform, the logistics company, the bank and the auditor each run a validator
(nodes 0-3); two shops run ordinary nodes (4, 5). Blocks become final in three message delays.
The auditor's server goes down, then the bank's too; the network is cut in two; and finally two
of the four validators lie, each proposing two blocks at once — which no honest node follows
without saying that more validators lied than the chain can tolerate.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minichain import Wallet
from minichain.network import EventKind, Network

VALIDATORS = {i: Wallet.from_seed(name)
              for i, name in enumerate(("platform", "logistics", "bank", "auditor"))}
customer, shop = Wallet.from_seed("customer"), Wallet.from_seed("shop")
FUNDS = {customer.address: 10_000}


def consortium(latency: float = 0.1, **options) -> Network:
    return Network.bft(6, VALIDATORS, allocations=FUNDS, latency=latency, seed=3, **options)


def heights(net: Network) -> list[int]:
    return [net.chain(name).finalized_height for name in range(6)]


def no_fork(net: Network) -> bool:
    """Every node's main chain is a prefix of the longest one: nobody follows another branch."""
    longest = max((net.chain(n) for n in range(6)), key=lambda c: c.height)
    return all(net.chain(n).tip.hash == longest.block(net.chain(n).height).hash
               for n in range(6))


@pytest.mark.parametrize("latency", [0.05, 0.2])
def test_a_block_is_final_three_message_delays_after_it_is_proposed(latency):
    net = consortium(latency)
    net.run(31)
    proposed = {e.block: e.time for e in net.log if e.kind == EventKind.FOUND}
    final = {}
    for e in net.log:
        if e.kind == EventKind.TIP and e.node in VALIDATORS and e.block in proposed:
            final.setdefault(e.block, []).append(e.time - proposed[e.block])
    delays = [max(times) for times in final.values()]
    assert len(delays) == 6 and all(d == pytest.approx(3 * latency) for d in delays)
    assert heights(net) == [6] * 6 and no_fork(net)


def test_payments_are_final_in_one_block_on_every_node():
    net = consortium()
    payment = customer.pay(shop.address, 25, chain=net.chain(4))
    net.submit(payment, at=4)
    net.run(12)
    assert all(net.chain(n).is_final(payment.txid) for n in range(6))


def test_with_one_validator_down_the_chain_keeps_finalizing():
    net = consortium()
    net.run(6)
    net.crash(3)
    net.run(120)
    assert min(heights(net)[:3] + heights(net)[4:]) >= 12 and no_fork(net)
    round_changes = [e for e in net.log if e.kind == EventKind.FOUND
                     and "round 1" in e.detail]
    assert round_changes, "the auditor's turns were taken over in round 1"


def test_with_two_of_four_down_the_chain_stops_and_resumes_when_one_returns():
    net = consortium()
    net.run(6)
    net.crash(2)
    net.crash(3)
    stopped = net.chain(0).finalized_height
    net.run(200)
    assert net.chain(0).finalized_height == stopped and no_fork(net)
    net.restart(3)
    net.run(400)
    assert net.chain(0).finalized_height > stopped + 3 and no_fork(net)


def test_a_partition_two_against_two_finalizes_nothing_and_never_forks():
    net = consortium()
    net.run(6)
    net.partition([0, 1, 4], [2, 3, 5])
    before = heights(net)
    net.run(200)
    assert heights(net) == before and no_fork(net)
    net.heal()
    net.run(400)
    assert min(heights(net)) > max(before) and no_fork(net)


def test_one_lying_validator_cannot_make_two_blocks_final():
    net = consortium(liars=[1])
    net.run(200)
    conflicts = [e for e in net.log if e.kind == EventKind.REJECTED
                 and "signed two blocks" in e.detail]
    assert conflicts == [] and no_fork(net) and min(heights(net)) >= 10


def test_two_lying_validators_make_two_final_blocks_and_every_honest_node_reports_it():
    net = consortium(liars=[1, 2])
    net.run(60)
    reports = {e.node for e in net.log if e.kind == EventKind.REJECTED
               and "more validators than the chain tolerates signed two blocks" in e.detail}
    assert {0, 3} <= reports  # the honest validators saw both final blocks


def test_a_lying_proposer_that_withholds_its_commit_cannot_make_two_blocks_final():
    """The proposer sends one block to two honest validators and another to the third, then keeps
    its commit back while the next proposer offers a third block; it finally hands out the first
    block, final with its seal. Locked validators never commit the third block, so the late block
    is the only final one at that height: the lie is harmless."""
    net = consortium(liars=[0])
    net.run(300)
    conflicts = [e for e in net.log if e.kind == EventKind.REJECTED
                 and "signed two blocks" in e.detail]
    assert conflicts == [] and no_fork(net) and min(heights(net)) >= 20


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(liar=st.sampled_from([None, 0, 1, 2, 3]), seed=st.integers(0, 10**6),
       crash=st.one_of(st.none(), st.tuples(st.integers(0, 3), st.integers(5, 60),
                                            st.integers(5, 80))),
       cut=st.one_of(st.none(), st.tuples(st.integers(5, 60), st.integers(5, 60))))
def test_with_at_most_one_faulty_validator_no_two_blocks_are_ever_final_at_one_height(
        liar, seed, crash, cut):
    """Any one liar, any one crash of another validator, any partition that heals: whatever
    becomes final on one node is what every other node holds final at that height."""
    net = Network.bft(6, VALIDATORS, allocations=FUNDS, latency=0.1, seed=seed,
                      liars=[] if liar is None else [liar])
    if crash is not None and crash[0] != liar:
        net.at(crash[1], net.crash, crash[0])
        net.at(crash[1] + crash[2], net.restart, crash[0])
    if cut is not None:
        net.at(cut[0], net.partition, [0, 1, 4], [2, 3, 5])
        net.at(cut[0] + cut[1], net.heal)
    net.run(240)
    assert not [e for e in net.log if e.kind == EventKind.REJECTED
                and "signed two blocks" in e.detail]
    assert no_fork(net)


def test_customs_voted_in_votes_from_the_next_block_on():
    customs = Wallet.from_seed("customs")
    net = Network.bft(7, VALIDATORS, allocations=FUNDS, latency=0.1, seed=3)
    net.add_validator(6, customs)  # customs runs a node with its key, not yet a validator
    for name in (0, 1, 2):
        net.vote(name, customs.address, True)
    net.run(61)
    chain = net.chain(5)
    joined = next(h for h in range(1, chain.height + 1) if customs.address in
                  chain.engine.validator_set(chain, chain.block(h).header))
    customs_commits = {e.height for e in net.log if e.kind == EventKind.COMMIT and e.node == 6}
    assert customs_commits and min(customs_commits) == joined + 1
    assert chain.height >= joined + 3 and len(chain.engine.validator_set(
        chain, chain.tip.header)) == 5
