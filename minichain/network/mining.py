"""Who produces the next block, and when.

Proof of work (`PoissonMining`). Each try of a nonce is a lottery ticket, and a miner tries
billions a second, so the moment a miner with a share `s` of the mining power finds its next
block is exponentially distributed with mean `block_interval / s` — block discovery is a Poisson
process (Bitcoin whitepaper, section 11; SimBlock and BlockSim draw mining times the same way).
The process has no memory: what a miner has tried on its old tip does not bring its next block
nearer, so nothing is redrawn when its tip changes. When its time comes, the miner builds the
block with the real chain on whatever tip it has then; with the default easiest target the real
seal takes a couple of hashes, so the simulated time, not the hashing, decides who wins.
The whole power (shares adding up to 1) finds a block every `block_interval` seconds on average.

Proof of authority (`CliqueTurns`, EIP-225 and go-ethereum's clique `Seal`). When its tip
changes, a validator that may seal the next block waits until `period` seconds after its tip's
timestamp; the in-turn validator seals then, the others only after a random extra delay of up to
(N/2 + 1) × 0.5 s ("wiggle"), so that the in-turn block usually arrives first and the others
drop their attempt.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping
from numbers import Real
from typing import TYPE_CHECKING

from minichain.network.errors import InvalidShare, SharesExceedWhole
from minichain.wallet import Wallet

if TYPE_CHECKING:
    from minichain.network.network import Network
    from minichain.network.node import Node

__all__ = ["CliqueTurns", "PoissonMining"]

WIGGLE_SECONDS = 0.5  # go-ethereum's clique wiggleTime


def check_share(share: object, node: Hashable | None = None) -> float:
    """`share` as a float, or InvalidShare naming node `node` (None: the attacker)."""
    if not isinstance(share, Real) or isinstance(share, bool) or not 0 <= share <= 1:
        raise InvalidShare(share, node)
    return float(share)


class PoissonMining:
    """Proof-of-work miners, each finding blocks at random at a rate set by its share."""

    def __init__(self, network: Network, seed: int):
        self.network = network
        self.seed = seed
        self.shares: dict[Hashable, float] = {}
        self._rng: dict[Hashable, random.Random] = {}
        self._next: dict[Hashable, list] = {}  # each miner's scheduled discovery
        self.paused = False

    def set_shares(self, shares: Mapping[Hashable, float]) -> None:
        new = dict(self.shares)
        for name, share in shares.items():
            self.network.node(name)  # raises UnknownNode
            new[name] = check_share(share, name)
        total = sum(new.values())
        if total > 1 + 1e-9:
            raise SharesExceedWhole(total)
        self.shares = {name: share for name, share in new.items() if share > 0}
        for name in shares:
            self.start(self.network.node(name))

    def start(self, node: Node) -> None:
        """(Re)start the node's mining: a fresh exponential wait, if it has a share."""
        self.stop(node)
        if self.shares.get(node.name, 0.0) > 0 and node.up and not self.paused:
            self._schedule(node)

    def stop(self, node: Node) -> None:
        self.network.scheduler.cancel(self._next.pop(node.name, None))

    def tip_changed(self, node: Node) -> None:
        """Nothing to do: mining is memoryless."""

    def pause(self) -> None:
        self.paused = True
        for name in list(self._next):
            self.stop(self.network.node(name))

    def resume(self) -> None:
        self.paused = False
        for name in list(self.shares):
            self.start(self.network.node(name))

    def _schedule(self, node: Node) -> None:
        rng = self._rng.get(node.name)
        if rng is None:
            rng = self._rng[node.name] = random.Random(f"{self.seed}:mining:{node.name!r}")
        rate = self.shares[node.name] / self.network.block_interval
        self._next[node.name] = self.network.scheduler.after(rng.expovariate(rate),
                                                             self._found, node)

    def _found(self, node: Node) -> None:
        self._next.pop(node.name, None)
        self._schedule(node)  # draw the next discovery first, so a refusal cannot stop mining
        node.produce_block()


class CliqueTurns:
    """Proof-of-authority validators sealing in turn, out-of-turn ones after a random wiggle."""

    def __init__(self, network: Network, seed: int):
        self.network = network
        self.rng = random.Random(f"{seed}:clique")
        self.validators: dict[Hashable, Wallet] = {}
        self._next: dict[Hashable, list] = {}
        self.paused = False

    def add(self, name: Hashable, wallet: Wallet) -> None:
        node = self.network.node(name)
        self.validators[name] = wallet
        node.producer = wallet
        self.start(node)

    def start(self, node: Node) -> None:
        self.stop(node)
        if node.name in self.validators and node.up and not self.paused:
            self._plan(node)

    def stop(self, node: Node) -> None:
        self.network.scheduler.cancel(self._next.pop(node.name, None))

    def tip_changed(self, node: Node) -> None:
        if node.name in self.validators:
            self.start(node)

    def pause(self) -> None:
        self.paused = True
        for name in list(self._next):
            self.stop(self.network.node(name))

    def resume(self) -> None:
        self.paused = False
        for name in self.validators:
            self.start(self.network.node(name))

    def _plan(self, node: Node) -> None:
        chain, wallet = node.chain, self.validators[node.name]
        parent = chain.tip.header
        snapshot = chain.engine.snapshot(chain, parent)
        height = parent.height + 1
        if wallet.address not in snapshot.validators \
                or snapshot.last_sealed(wallet.address, height) is not None:
            return  # not allowed to seal the next block: wait for the next tip
        network = self.network
        ready = parent.timestamp + chain.engine.period - network.clock_start
        when = max(network.now, float(ready))
        if not snapshot.in_turn(height, wallet.address):
            wiggle = (len(snapshot.validators) // 2 + 1) * WIGGLE_SECONDS
            when += self.rng.uniform(0, wiggle)
        self._next[node.name] = network.scheduler.at(when, self._seal, node)

    def _seal(self, node: Node) -> None:
        self._next.pop(node.name, None)
        node.produce_block()
