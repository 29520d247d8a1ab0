"""Attacks on a proof-of-work network: a double spend against a merchant, and the 51 % attack.

The double spend (Bitcoin whitepaper, section 11; Rosenfeld 2014), step by step:

1. The attacker secretly mines a block holding a payment of his coins to another address of his
   ("pre-mining"). A trial starts at the moment he has it: mining has no memory, so how long it
   took changes nothing that follows.
2. At once he pays the same coins, with the same nonce, to the merchant. The honest miners put
   the payment in their next block.
3. He keeps mining his secret branch. The merchant's node shows the payment confirmed; after `z`
   confirmations the merchant ships.
4. As soon as the goods have shipped and his branch is longer than the public one, he publishes
   it. Every node — the merchant's too — checks it in full and switches to it, because it
   carries more work: the payment to the merchant is gone, and the coins are his again.
5. If he falls so far behind that his chance of ever catching up, (q/p)^(deficit + 1), drops
   below `give_up_below` (one in a million by default), he stops. Giving up lowers his chance of
   success by less than `give_up_below`, far below what any number of trials can measure.

The network of `double_spend_trial` is the one the formulas assume: the honest miners as one
node with share p = 1 − q (so honest blocks never compete with each other), the merchant's node,
which does not mine, and the attacker's node with share q; messages take `latency` seconds
(default 0, the formulas' assumption). Every block is built, sealed and checked by the real
chain, and success is read from the merchant's own node.

How the honest miners find blocks decides which formula the frequency estimates:

- `honest_timing="random"` (the default): at random, like the attacker — a Poisson process, as
  in reality. The attacker's progress while the honest miners find z blocks is then negative
  binomial, and the frequency estimates `attacker_success_probability_exact` (Rosenfeld).
- `honest_timing="expected"`: until the merchant ships, honest blocks arrive exactly every
  `block_interval / p` seconds — the whitepaper's assumption that "the honest blocks took the
  average expected time per block". The attacker's progress meanwhile is then Poisson with mean
  z·q/p, and the frequency estimates `attacker_success_probability` (Nakamoto). After shipping
  both sides mine at random, as the whitepaper's gambler's ruin assumes.

`majority_attack` plays the same game on a realistic network (random peers, SimBlock regions,
several honest miners) with an attacker who has more than half of the power: he never needs to
give up, and every honest node ends up on his branch — history rewritten.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import lru_cache

import networkx as nx

from minichain import crypto
from minichain.block import Block
from minichain.chain import Blockchain
from minichain.network.errors import InvalidConfirmations, InvalidRisk
from minichain.network.events import EventKind
from minichain.network.mining import check_share
from minichain.network.network import Network, fixed_difficulty
from minichain.network.node import Node
from minichain.network.theory import (
    attacker_success_probability,
    attacker_success_probability_exact,
    catch_up_probability,
)
from minichain.network.topology import random_peers
from minichain.params import ChainParams
from minichain.transaction import Transaction
from minichain.wallet import Wallet

__all__ = [
    "AttackerNode",
    "DoubleSpend",
    "DoubleSpendEstimate",
    "DoubleSpendOutcome",
    "MajorityAttackOutcome",
    "double_spend_trial",
    "majority_attack",
    "simulate_double_spend",
]

HONEST_TIMINGS = ("random", "expected")
PRICE = 90  # what the goods cost
FUNDS = 100  # what the attacker owns


class AttackerNode(Node):
    """A node that mines a secret branch and publishes it only when that pays.

    It never builds on the honest branch: public blocks that compete with its branch are only
    counted (`public_height`); blocks that extend its own branch it accepts like any node.
    It does not relay anything.
    """

    honest = False

    def __init__(self, network: Network, name: Hashable, chain: Blockchain, **options):
        super().__init__(network, name, chain, **options)
        self.fork_height = 0  # the last block its branch shares with the honest chain
        self.public_height = 0  # the height of the best competing public branch it has seen
        self.attack: DoubleSpend | None = None

    @property
    def private_height(self) -> int:
        return self.chain.height

    def receive_block(self, block: Block, sender: Node | None) -> None:
        chain = self.chain
        if block.hash in chain:
            return
        parent = block.parent_hash
        if parent in chain and chain.is_main_chain(parent) \
                and chain.block(parent).height > self.fork_height:
            super().receive_block(block, sender)  # someone built on my branch: welcome
            return
        if block.height > self.public_height:
            self.public_height = block.height
            if self.attack is not None:
                self.attack.check()

    def receive_transaction(self, tx: Transaction, sender: Node | None) -> None:
        """The attacker does not help relay or mine other people's payments."""

    def greet(self, peer: Node) -> None:
        """The attacker does not show his tip to anyone before he publishes."""

    def receive_block_request(self, locator: list[bytes], sender: Node) -> None:
        """Nor does he answer requests: he sends his whole branch when he publishes."""

    def _new_tip(self, block: Block, detail: str, sender: Node | None) -> None:
        """A block on the secret branch: recorded, not relayed."""
        self.network.record(EventKind.TIP, self, block, detail)
        previous = self.tip_history[-1][2]
        self.tip_history.append((self.network.now, block.height, block.hash))
        self.network.tip_moved(self, previous, block)
        if self.attack is not None:
            self.attack.check()

    def premine(self, transactions: list[Transaction]) -> Block:
        """Secretly mine a block holding `transactions` on the current tip."""
        self.fork_height = self.chain.height
        self.public_height = max(self.public_height, self.chain.height)
        block = self.chain.build_block(self.producer, timestamp=self.network.clock.now(),
                                       transactions=transactions)
        self.chain.add_block(block)
        self.network.record(EventKind.FOUND, self, block, "secret")
        self._new_tip(block, "extended", None)
        return block

    def publish(self) -> list[Block]:
        """Send the whole secret branch to every peer, parents first."""
        chain = self.chain
        branch = [chain.block(h) for h in range(self.fork_height + 1, chain.height + 1)]
        size = sum(block.size for block in branch) + 8
        for peer, channel in self.peers.items():
            self.network.send(channel, peer.receive_blocks, branch, size)
        self.network.record(EventKind.PUBLISH, self, branch[-1], f"{len(branch)} secret blocks")
        return branch


@dataclass
class DoubleSpendOutcome:
    """How one double spend ended."""

    success: bool
    shipped_at: float | None  # simulated seconds after the payment; None if never shipped
    ended_at: float
    honest_blocks: int  # honest blocks found on the competing branch, at the end
    attacker_blocks: int  # secret blocks, the pre-mined one included
    network: Network | None = field(default=None, repr=False)


class DoubleSpend:
    """Runs the race on `network` between `attacker` and the honest nodes, watched through the
    merchant's node; see the module docstring for the steps."""

    def __init__(self, network: Network, *, attacker: Hashable, merchant: Hashable,
                 payment: Transaction, double_spend: Transaction, z: int, q: float,
                 give_up_below: float = 1e-6):
        if not isinstance(z, int) or isinstance(z, bool) or z < 0:
            raise InvalidConfirmations(z)
        if not isinstance(give_up_below, (int, float)) or not 0 <= give_up_below <= 1:
            raise InvalidRisk(give_up_below)
        self.network = network
        self.attacker: AttackerNode = network.node(attacker)  # type: ignore[assignment]
        self.merchant = network.node(merchant)
        self.payment, self.double_spend, self.z = payment, double_spend, z
        self.q = check_share(q)
        self.give_up_at = _give_up_deficit(self.q, give_up_below)
        self.shipped_at: float | None = None
        self.success: bool | None = None
        self.published_height = -1
        self.on_ship: list = []  # called when the merchant ships
        self.attacker.attack = self
        network.watchers.append(self._tip_changed)

    def start(self) -> None:
        """Pre-mine the conflicting payment, then pay the merchant."""
        self.attacker.premine([self.double_spend])
        self.network.submit(self.payment, at=self.merchant.name)
        self._tip_changed(self.merchant, self.merchant.chain.tip)

    @property
    def done(self) -> bool:
        return self.success is not None

    def _tip_changed(self, node: Node, block: Block) -> None:
        if node is not self.merchant or self.done:
            return
        chain = self.merchant.chain
        if self.shipped_at is None and (
                self.z == 0 or chain.confirmations(self.payment.txid) >= self.z):
            self.shipped_at = self.network.now
            for action in self.on_ship:
                action()
            self.check()
        if self.shipped_at is not None and chain.confirmations(self.double_spend.txid) > 0:
            self._finish(True)

    def check(self) -> None:
        """The attacker's decision after anything he sees: publish, keep mining or give up."""
        if self.done:
            return
        attacker = self.attacker
        private = attacker.private_height - attacker.fork_height
        public = attacker.public_height - attacker.fork_height
        if self.shipped_at is not None and private > public \
                and attacker.private_height > self.published_height:
            self.published_height = attacker.private_height
            attacker.publish()
        elif self.give_up_at is not None and public - private + 1 >= self.give_up_at:
            self._finish(False)

    def _finish(self, success: bool) -> None:
        self.success = success
        self.network.scheduler.stop()

    def outcome(self, keep_network: bool = False) -> DoubleSpendOutcome:
        attacker = self.attacker
        return DoubleSpendOutcome(
            success=bool(self.success), shipped_at=self.shipped_at, ended_at=self.network.now,
            honest_blocks=attacker.public_height - attacker.fork_height,
            attacker_blocks=attacker.private_height - attacker.fork_height,
            network=self.network if keep_network else None)


def _give_up_deficit(q: float, give_up_below: float) -> int | None:
    """The smallest lead the honest chain needs (counted as blocks the attacker must gain) for
    the attacker's chance to fall below `give_up_below`; None if he never gives up."""
    if give_up_below == 0 or q >= 0.5:
        return None
    needed = 1
    while catch_up_probability(q, needed) >= give_up_below:
        needed += 1
    return needed


@lru_cache(maxsize=8)
def _actors(chain_id: int) -> tuple[Wallet, Wallet, Wallet, Transaction, Transaction]:
    """The attacker, the merchant, the attacker's second address, and the two conflicting
    payments (signed once: signing is the slow part, and they are the same in every trial)."""
    attacker = Wallet.from_seed("attacker")
    merchant = Wallet.from_seed("merchant")
    hideout = Wallet.from_seed("attacker's other wallet")

    def pay(recipient: Wallet) -> Transaction:
        return attacker.sign_transaction(Transaction(
            sender_key=attacker.public_key, recipient=recipient.address, amount=PRICE, fee=1,
            nonce=0, chain_id=chain_id))

    return attacker, merchant, hideout, pay(merchant), pay(hideout)


def double_spend_trial(q: float, z: int, *, seed: int | str = 0, honest_timing: str = "random",
                       block_interval: float = 600.0, latency: float = 0.0,
                       give_up_below: float = 1e-6,
                       signatures: crypto.SignatureCache | bool = True,
                       max_seconds: float | None = None,
                       keep_network: bool = True) -> DoubleSpendOutcome:
    """One double spend by an attacker with share `q` against a merchant who ships after `z`
    confirmations, on the three-node network of the module docstring."""
    q = check_share(q)
    if honest_timing not in HONEST_TIMINGS:
        raise ValueError(f"honest_timing is one of {HONEST_TIMINGS}, not {honest_timing!r}")
    attacker_wallet, _, _, payment, double_spend = _actors(1)
    graph = nx.complete_graph(["honest", "merchant", "attacker"])
    network = Network(graph, fixed_difficulty(block_interval),
                      params=ChainParams(allocations={attacker_wallet.address: FUNDS}),
                      latency=latency, seed=seed, block_interval=block_interval,
                      signatures=signatures, node_types={"attacker": AttackerNode})
    race = DoubleSpend(network, attacker="attacker", merchant="merchant", payment=payment,
                       double_spend=double_spend, z=z, q=q, give_up_below=give_up_below)
    p = 1.0 - q
    network.set_shares({"attacker": q})
    honest = network.node("honest")
    if honest_timing == "random" or z == 0:
        network.set_shares({"honest": p})
    else:  # one honest block every block_interval / p seconds until the merchant ships
        spacing = block_interval / p

        def steady_block() -> None:
            if race.shipped_at is None and not race.done:
                honest.produce_block()
                network.scheduler.after(spacing, steady_block)

        network.scheduler.after(spacing, steady_block)
        race.on_ship.append(lambda: network.set_shares({"honest": p}))
    race.start()
    if not race.done:
        limit = max_seconds if max_seconds is not None else 1e5 * block_interval
        network.scheduler.run(network.now + limit)
    return race.outcome(keep_network)


@dataclass(frozen=True)
class DoubleSpendEstimate:
    """The frequency of success over many seeded trials, beside the two formulas."""

    q: float
    z: int
    trials: int
    successes: int
    honest_timing: str
    whitepaper: float  # attacker_success_probability (Nakamoto)
    exact: float  # attacker_success_probability_exact (Rosenfeld)

    @property
    def frequency(self) -> float:
        return self.successes / self.trials

    @property
    def predicted(self) -> float:
        """The formula whose assumptions this simulation follows."""
        return self.whitepaper if self.honest_timing == "expected" else self.exact

    @property
    def standard_error(self) -> float:
        """The standard deviation of the frequency if `predicted` is right:
        sqrt(P (1 − P) / trials)."""
        return math.sqrt(self.predicted * (1 - self.predicted) / self.trials)

    def deviation(self) -> float:
        """How many standard errors the frequency lies from `predicted`."""
        if self.standard_error == 0:
            return 0.0 if self.frequency == self.predicted else math.inf
        return (self.frequency - self.predicted) / self.standard_error


def simulate_double_spend(q: float, z: int, *, trials: int = 1_000, seed: int = 0,
                          honest_timing: str = "random", **options) -> DoubleSpendEstimate:
    """Run `trials` seeded double spends and count the successes.

    Trial i uses seed f"{seed}/{i}", so any trial can be replayed alone with
    `double_spend_trial(q, z, seed=f"{seed}/{i}", ...)`. All trials share one signature cache.
    """
    q = check_share(q)
    cache = crypto.SignatureCache()
    successes = sum(
        double_spend_trial(q, z, seed=f"{seed}/{i}", honest_timing=honest_timing,
                           signatures=cache, keep_network=False, **options).success
        for i in range(trials))
    return DoubleSpendEstimate(q, z, trials, successes, honest_timing,
                               attacker_success_probability(q, z),
                               attacker_success_probability_exact(q, z))


@dataclass
class MajorityAttackOutcome:
    """How a 51 % attack rewrote history."""

    success: bool
    shipped_at: float | None  # when the merchant shipped, seconds after the payment
    reversed_at: float | None  # when the merchant's node switched to the attacker's branch
    confirmations_reversed: int  # confirmations the payment had just before it vanished
    blocks_replaced: int  # blocks that left the merchant's main chain at the switch
    honest_nodes_switched: int  # honest nodes whose main chain holds the double spend at the end
    honest_nodes: int
    network: Network = field(repr=False)


def majority_attack(q: float = 0.6, z: int = 6, *, nodes: int = 12, honest_miners: int = 4,
                    seed: int = 0, block_interval: float = 600.0, latency=None,
                    max_seconds: float | None = None) -> MajorityAttackOutcome:
    """An attacker with share `q` reverses a payment that the merchant (node 0) shipped after `z`
    confirmations, on a network of `nodes` honest nodes — random peers, SimBlock's regions
    unless `latency` says otherwise — of which `honest_miners` share the rest of the power.

    With more than half of the power he never gives up and always wins in the end; with less
    he may still win, or give up as in `double_spend_trial`.
    """
    q = check_share(q)
    attacker_wallet, _, _, payment, double_spend = _actors(1)
    graph = random_peers(nodes, outbound=4, seed=seed)
    for peer in random.Random(f"{seed}:attacker links").sample(range(nodes), min(4, nodes)):
        graph.add_edge("attacker", peer)
    network = Network(graph, fixed_difficulty(block_interval),
                      params=ChainParams(allocations={attacker_wallet.address: FUNDS}),
                      latency=latency, seed=seed, block_interval=block_interval,
                      node_types={"attacker": AttackerNode})
    merchant = network.node(0)
    race = DoubleSpend(network, attacker="attacker", merchant=0, payment=payment,
                       double_spend=double_spend, z=z, q=q)
    miners = random.Random(f"{seed}:honest miners").sample(range(nodes), honest_miners)
    network.set_shares({"attacker": q, **{m: (1 - q) / honest_miners for m in miners}})
    seen = {"confirmations": 0, "reversed_at": None, "replaced": 0}

    def watch_merchant(node: Node, block: Block) -> None:
        if node is not merchant or seen["reversed_at"] is not None:
            return
        if node.chain.confirmations(double_spend.txid) > 0:
            seen["reversed_at"] = network.now
            before = node.tip_history[-2][1]  # the merchant's height just before the switch
            seen["replaced"] = before - race.attacker.fork_height
        else:
            seen["confirmations"] = node.chain.confirmations(payment.txid)

    network.watchers.insert(0, watch_merchant)
    race.start()
    network.scheduler.run(network.now + (max_seconds or 1e4 * block_interval))
    network.settle()  # let the published branch reach everyone
    honest = [n for n in network.nodes if n.honest]
    switched = sum(1 for n in honest if n.chain.confirmations(double_spend.txid) > 0
                   and n.chain.confirmations(payment.txid) == 0)
    return MajorityAttackOutcome(
        success=bool(race.success), shipped_at=race.shipped_at,
        reversed_at=seen["reversed_at"], confirmations_reversed=seen["confirmations"],
        blocks_replaced=seen["replaced"], honest_nodes_switched=switched,
        honest_nodes=len(honest), network=network)
