"""The simulation's fast paths change how fast a network runs, never what happens in it.

Gossip puts a node's message on all its links in one batch (`Scheduler.at_all`,
`Network.send_to_peers`, `RegionLatency.delays_to`), the shared clock hears only of whole
seconds, and the cyclic garbage collector scans less often while events run. Each is checked
here against the plain path it replaces: one `at` per event, one `send` per peer, one `delay`
per message, a clock told of every move — the same seed must give the very same run.
"""

import gc
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minichain import Wallet
from minichain.network import FixedDelay, LinkDelays, Network, RegionLatency
from minichain.network.scheduler import RUN_THRESHOLDS, Scheduler, fewer_collections

CUSTOMERS = [Wallet.from_seed(f"customer {i}") for i in range(6)]
SHOP = Wallet.from_seed("shop")


# -- the scheduler ----------------------------------------------------------------------------

# A plan: groups of event times; a group of one is scheduled with `at`, a bigger one with
# `at_all` (or, on the plain path, with `at` for each). Times repeat on purpose: ties are where
# the order could go wrong.
plans = st.lists(st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0]), min_size=1,
                          max_size=6), min_size=1, max_size=12)


def _run_plan(plan: list[list[float]], batched: bool, cancel: set[int]) -> list[tuple]:
    """Run the plan, the single events of the groups in `cancel` cancelled; each single event
    also schedules a follow-up group, as a node that relays what it received."""
    scheduler = Scheduler()
    ran: list[tuple] = []

    def event(label: tuple) -> None:
        ran.append((scheduler.now, label))
        if label[-1] == "single":
            schedule([scheduler.now + t for t in (0.5, 0.0, 0.5)], (*label, "relay"))

    def schedule(times: list[float], label: tuple) -> None:
        labels = [(*label, i) for i in range(len(times))]
        if batched:
            scheduler.at_all(times, event, [(lab,) for lab in labels])
        else:
            for time, lab in zip(times, labels):
                scheduler.at(time, event, lab)

    for group, times in enumerate(plan):
        if len(times) == 1:
            handle = scheduler.at(times[0], event, (group, "single"))
            if group in cancel:
                scheduler.cancel(handle)
        else:
            schedule(times, (group,))
    scheduler.run()
    return ran


@settings(max_examples=200, deadline=None)
@given(plans, st.sets(st.integers(0, 11), max_size=3))
def test_a_batch_runs_its_events_exactly_when_and_in_the_order_single_events_would(plan, cancel):
    assert _run_plan(plan, batched=True, cancel=cancel) == \
        _run_plan(plan, batched=False, cancel=cancel)


def test_a_batch_counts_every_event_and_refuses_the_past():
    scheduler = Scheduler()
    scheduler.at_all([3.0, 1.0, 2.0], lambda: None, [(), (), ()])
    assert len(scheduler) == 3 and scheduler.next_time == 1.0
    assert scheduler.run(until=2.0) == 2 and len(scheduler) == 1
    with pytest.raises(ValueError, match="already"):
        scheduler.at_all([4.0, 1.0], lambda: None, [(), ()])


def test_the_clock_callback_hears_what_it_asks_for():
    heard: list[float] = []
    every = Scheduler(on_time=heard.append)  # returns None: told of every move
    for time in (0.2, 0.7, 1.1, 1.1, 3.0):
        every.at(time, lambda: None)
    every.run(until=5.0)
    assert heard == [0.2, 0.7, 1.1, 3.0, 5.0]

    seconds: list[float] = []

    def whole_seconds(time: float) -> float:
        seconds.append(time)
        return float(int(time) + 1)

    ticking = Scheduler(on_time=whole_seconds)
    for time in (0.2, 0.7, 1.1, 1.9, 3.0):
        ticking.at(time, lambda: None)
    ticking.run(until=5.0)
    assert seconds == [0.2, 1.1, 3.0, 5.0]


def test_the_collector_collects_less_while_events_run_and_is_put_back_after():
    saved = gc.get_threshold()
    seen = []
    scheduler = Scheduler()
    scheduler.at(1.0, lambda: seen.append(gc.get_threshold()))
    scheduler.at(2.0, lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        scheduler.run()
    assert seen == [tuple(max(a, b) for a, b in zip(RUN_THRESHOLDS, saved))]
    assert gc.get_threshold() == saved  # put back even when an event fails
    gc.disable()
    try:
        with fewer_collections():
            assert not gc.isenabled()  # a collector switched off stays off
    finally:
        gc.enable()


# -- latency ----------------------------------------------------------------------------------

@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 30), st.integers(0, 100_000),
       st.floats(0.1, 5.0), st.booleans())
def test_region_delays_to_many_peers_equal_one_delay_after_another(seed, peers, size, scale,
                                                                   jitter):
    latency = RegionLatency.spread(range(peers + 1), seed=seed, scale=scale, jitter=jitter)
    receivers = list(range(1, peers + 1))
    batch = latency.delays_to(0, receivers, size, random.Random(seed))
    rng = random.Random(seed)
    assert batch == [latency.delay(0, receiver, size, rng) for receiver in receivers]


# -- the network ------------------------------------------------------------------------------

def _plain_send_to_peers(self, node, handler, payload, size, skip=None):
    """The gossip loop as it was: one `send` per peer."""
    for peer, channel in node.peers.items():
        if peer is not skip:
            self.send(channel, getattr(peer, handler), payload, size)


def _story(latency=None, seed: int = 5) -> Network:
    """A sale with a partition, a crash and a restart: every kind of message and event."""
    options = {} if latency is None else {"latency": latency}
    funds = {c.address: 1_000 for c in CUSTOMERS}
    net = Network.proof_of_work(24, miners=5, outbound=3, seed=seed, block_interval=60,
                                allocations=funds, **options)
    rng = random.Random(seed)
    for customer in CUSTOMERS:  # four payments each, to random nodes (a gap waits)
        for nonce, at in enumerate(sorted(rng.uniform(0, 900) for _ in range(4))):
            tx = customer.pay(SHOP.address, rng.randint(1, 20), nonce=nonce,
                              chain=net.chain(0))
            net.at(at, net.node(rng.randrange(24)).receive_transaction, tx, None)
    net.run(blocks=6)
    net.partition(range(10))
    net.crash(15)
    net.run(seconds=400)
    net.heal()
    net.restart(15)
    net.run(blocks=4)
    net.settle()
    return net


def _outcome(net: Network) -> tuple:
    return (net.log, net.now, net.scheduler.processed, net.clock.now(), net.tips(),
            [node.tip_history for node in net.nodes],
            [sorted(tx.txid for tx in node.chain.mempool) for node in net.nodes])


@pytest.mark.parametrize("latency", [None, 0.4, LinkDelays({(0, 1): 2.0}, default=0.3)],
                         ids=["regions", "fixed", "per link"])
def test_batched_gossip_gives_the_same_run_as_one_send_per_peer(latency, monkeypatch):
    fast = _outcome(_story(latency))
    monkeypatch.setattr(Network, "send_to_peers", _plain_send_to_peers)
    plain = _outcome(_story(latency))
    assert len(fast[0]) > 300
    assert fast == plain


def test_the_shared_clock_shows_the_whole_simulated_second():
    net = _story(FixedDelay(0.25))
    assert net.clock.now() == net.clock_start + int(net.now)
    net.run(seconds=12.5)
    assert net.clock.now() == net.clock_start + int(net.now)
