"""A simulated peer-to-peer network: a networkx graph whose every node runs a full `Blockchain`.

Messages between nodes are events of a deterministic discrete-event scheduler; each takes the
time a latency model says (`minichain.network.latency`), and messages on one link arrive in the
order they were sent. Miners find blocks at random at rates set by their shares of the mining
power, or validators seal in turn (`minichain.network.mining`); every block is built and
checked by the real chain. Links can be cut and healed (a partition during a flash sale),
nodes can crash and restart, and everything that happens is written to an event log from which
`minichain.network.metrics` computes propagation times, stale-block rates and convergence.

    >>> from minichain.network import Network
    >>> net = Network.proof_of_work(20, miners=4, seed=1)
    >>> net.run(blocks=5)
    >>> net.settle()
    >>> net.converged()
    True

All the nodes of one network share one simulated clock, which the scheduler moves forward to
the time of each event, and by default one signature cache (`signatures=True`): a signature
checked by one node is not checked again by the next, as the threads of one Bitcoin Core process
share its cache. With it, nodes also share the result of executing each block (its state diff
and receipts): every node still checks each block's structure and seal itself, but a block's
execution depends only on the block and its parent, so it is done once for the whole network and
the diffs live in memory once. Both caches remember only what passed every check, so the outcome
is the same with `signatures=False` (every node keeps its own cache and executes every block),
only slower and bigger.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any
from numbers import Real

import networkx as nx

from minichain import crypto
from minichain.block import Block
from minichain.chain import Blockchain
from minichain.clock import SimulatedClock
from minichain.consensus.engine import ConsensusEngine
from minichain.errors import ValidationError
from minichain.execution import Runtime
from minichain.language import say
from minichain.consensus.bft import ByzantineFaultTolerance
from minichain.consensus.poa import ProofOfAuthority
from minichain.consensus.proof_of_work import ProofOfWork
from minichain.network.errors import NotAValidator, NotLinked, UnknownNode, WrongConsensus
from minichain.network.events import Event, EventKind
from minichain.network.latency import FixedDelay, LatencyModel, RegionLatency
from minichain.network.bft_rounds import BftRounds
from minichain.network.mining import CliqueTurns, PoissonMining
from minichain.network.node import Node, miner_address
from minichain.network.scheduler import Scheduler
from minichain.network.topology import random_peers
from minichain.params import ChainParams
from minichain.transaction import Transaction
from minichain.wallet import Wallet

__all__ = ["Network", "fixed_difficulty"]

NEVER = 2**62  # a retarget interval no simulation reaches


def fixed_difficulty(block_interval: float = 600.0, **options) -> ProofOfWork:
    """Proof of work that never retargets, so every block carries the same work.

    In the simulation the time between blocks comes from the miners' shares and the block
    interval, as in SimBlock; retargeting would only make branches weigh differently.
    """
    return ProofOfWork(retarget_interval=NEVER, target_spacing=max(1, round(block_interval)),
                       **options)


class _Link:
    """One undirected link; its `epoch` changes whenever it is cut, so messages that were on
    the wire are lost."""

    __slots__ = ("a", "b", "up", "epoch")

    def __init__(self, a: Node, b: Node):
        self.a, self.b, self.up, self.epoch = a, b, True, 0


class Channel:
    """One direction of a link; `last` is when its latest message arrives (first in, first out)."""

    __slots__ = ("link", "sender", "receiver", "last")

    def __init__(self, link: _Link, sender: Node, receiver: Node):
        self.link, self.sender, self.receiver, self.last = link, sender, receiver, 0.0


class Network:
    """Nodes, links, latency, miners or validators, and a scheduler that runs them.

    `graph` says who is linked to whom (its node names become the nodes' names; each edge gets
    an "up" attribute that says whether the link works). Every node runs a `Blockchain` with a
    fresh copy of `engine` (default: proof of work without retargeting) and the same `params`.
    `latency` is a model from `minichain.network.latency`, a number of seconds for every
    message, or None for SimBlock's regions. `block_interval` is the average time between
    blocks when the whole mining power (shares adding up to 1) is at work. `signatures`: True
    for one cache shared by all nodes, False for one per node, or a cache to use.
    `node_types` maps node names to a class (or factory) other than `Node`, such as
    `AttackerNode`. `runtime` (a `ContractRuntime`) makes every node run contracts.
    """

    def __init__(self, graph: nx.Graph, engine: ConsensusEngine | None = None, *,
                 params: ChainParams | None = None,
                 latency: LatencyModel | float | None = None,
                 seed: int | str = 0, block_interval: float = 600.0,
                 signatures: crypto.SignatureCache | bool = True,
                 node_types: Mapping[Hashable, Callable[..., Node]] | None = None,
                 runtime: Runtime | None = None):
        self.graph = graph
        self.runtime = runtime
        self.seed = seed
        self.block_interval = float(block_interval)
        self.params = params or ChainParams()
        self.engine = engine or fixed_difficulty(self.block_interval)
        self.clock_start = self.params.genesis_time
        self.clock = SimulatedClock(self.clock_start)
        self.scheduler = Scheduler(on_time=self._tick)
        self.latency = self._latency_model(latency, graph, seed)
        self._delay = self.latency.delay
        self._delays = getattr(self.latency, "delays_to", None) or self._delays_one_by_one
        self._latency_rng = random.Random(f"{seed}:latency")
        if isinstance(signatures, crypto.SignatureCache):
            self.signatures: crypto.SignatureCache | None = signatures
        else:  # True: one cache for all nodes; False: every node keeps its own
            self.signatures = crypto.SignatureCache() if signatures else None
        # Nodes that share a signature cache also share the results of executing each block.
        self.executions: dict | None = {} if self.signatures is not None else None
        self.log: list[Event] = []
        # each refusal with the rule it broke, whatever language its message is in
        self.refusals: list[tuple[Event, ValidationError]] = []
        self.blocks_found = 0
        self._stop_at_blocks = math.inf  # `run(blocks=…)` stops the scheduler at this count
        self._second = 0  # the whole simulated second the shared clock shows
        self.watchers: list[Callable[[Node, Block], None]] = []  # told of every new tip
        self._nodes: dict[Hashable, Node] = {}
        self._tips: Counter[bytes] = Counter()
        node_types = node_types or {}
        for name in graph.nodes:
            self._add_node(name, node_types.get(name, Node))
        self._links: dict[tuple[Hashable, Hashable], _Link] = {}
        self._link_list: list[_Link] = []
        for a, b in graph.edges:
            self._add_link(a, b)
        if self.engine.producer_schedule == "rounds":
            self.mining: PoissonMining | CliqueTurns | BftRounds = BftRounds(self, seed)
        elif self.engine.producer_schedule == "turns":
            self.mining = CliqueTurns(self, seed)
        else:
            self.mining = PoissonMining(self, seed)

    # -- building networks -----------------------------------------------------------------------
    @classmethod
    def proof_of_work(cls, nodes: int | Iterable[Hashable] | nx.Graph = 20, *,
                      miners: int | Mapping[Hashable, float] = 4, outbound: int = 8,
                      seed: int = 0, block_interval: float = 600.0,
                      allocations: Mapping[str, int] | None = None,
                      **options) -> Network:
        """A Bitcoin-like network: random peers (`outbound` links opened per node), SimBlock's
        regions, and `miners` — a number of nodes chosen at random sharing the power equally,
        or a mapping from node to share."""
        graph = nodes if isinstance(nodes, nx.Graph) else random_peers(nodes, outbound=outbound,
                                                                      seed=seed)
        params = ChainParams(allocations=dict(allocations or {}))
        network = cls(graph, fixed_difficulty(block_interval), params=params, seed=seed,
                      block_interval=block_interval, **options)
        if isinstance(miners, int):
            rng = random.Random(f"{seed}:miners")
            chosen = rng.sample(list(graph.nodes), min(miners, graph.number_of_nodes()))
            miners = {name: 1 / len(chosen) for name in chosen} if chosen else {}
        network.set_shares(miners)
        return network

    @classmethod
    def proof_of_authority(cls, nodes: int | Iterable[Hashable] | nx.Graph,
                           validators: Mapping[Hashable, Wallet], *, period: int = 5,
                           seed: int = 0, allocations: Mapping[str, int] | None = None,
                           **options) -> Network:
        """A consortium network: `validators` maps the nodes that seal to their wallets."""
        graph = nodes if isinstance(nodes, nx.Graph) else nx.complete_graph(
            nodes if isinstance(nodes, int) else list(nodes))
        engine = ProofOfAuthority(validators=tuple(w.address for w in validators.values()),
                                  period=period)
        params = ChainParams(allocations=dict(allocations or {}))
        network = cls(graph, engine, params=params, seed=seed, block_interval=period,
                      **options)
        for name, wallet in validators.items():
            network.add_validator(name, wallet)
        return network

    @classmethod
    def bft(cls, nodes: int | Iterable[Hashable] | nx.Graph,
            validators: Mapping[Hashable, Wallet], *, period: int = 5, seed: int = 0,
            allocations: Mapping[str, int] | None = None, liars: Iterable[Hashable] = (),
            **options) -> Network:
        """A consortium with final blocks: `validators` maps the nodes that vote to their
        wallets (n = 3f + 1 of them tolerate f faulty); `liars` are Byzantine validators."""
        graph = nodes if isinstance(nodes, nx.Graph) else nx.complete_graph(
            nodes if isinstance(nodes, int) else list(nodes))
        engine = ByzantineFaultTolerance(validators=tuple(w.address for w in validators.values()),
                                         period=period)
        params = ChainParams(allocations=dict(allocations or {}))
        network = cls(graph, engine, params=params, seed=seed, block_interval=period, **options)
        lying = set(liars)
        for name, wallet in validators.items():
            network.add_validator(name, wallet, lies=name in lying)
        return network

    @staticmethod
    def _latency_model(latency, graph: nx.Graph, seed: int) -> LatencyModel:
        if latency is None:
            return RegionLatency.spread(graph.nodes, seed=seed)
        if isinstance(latency, Real):
            return FixedDelay(latency)
        return latency

    def _add_node(self, name: Hashable, node_type: Callable[..., Node]) -> Node:
        chain = Blockchain(self.engine.fresh(), self.params, clock=self.clock,
                           signatures=self.signatures, executions=self.executions,
                           runtime=self.runtime)
        node = node_type(self, name, chain)
        self._nodes[name] = node
        if node.honest:
            self._tips[chain.tip.hash] += 1
        return node

    def _add_link(self, a: Hashable, b: Hashable) -> None:
        node_a, node_b = self._nodes[a], self._nodes[b]
        link = _Link(node_a, node_b)
        self._links[(a, b)] = self._links[(b, a)] = link
        self._link_list.append(link)
        node_a.peers[node_b] = Channel(link, node_a, node_b)
        node_b.peers[node_a] = Channel(link, node_b, node_a)
        self.graph.edges[a, b]["up"] = True

    # -- looking around --------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated seconds since the start."""
        return self.scheduler.now

    @property
    def nodes(self) -> list[Node]:
        return list(self._nodes.values())

    def node(self, name: Hashable) -> Node:
        try:
            return self._nodes[name]
        except (KeyError, TypeError):
            raise UnknownNode(name, self._nodes) from None

    def chain(self, name: Hashable) -> Blockchain:
        return self.node(name).chain

    @property
    def validators(self) -> list[Hashable]:
        """The nodes that hold a validator's key (PoA or BFT), in the order they were added;
        none on a proof-of-work network."""
        return list(getattr(self.mining, "validators", {}))

    def vote(self, name: Hashable, candidate: str, add: bool) -> None:
        """Validator node `name` votes, in the blocks it proposes, to add (or drop) the address
        `candidate` as a validator (PoA or BFT)."""
        if name not in self.validators:
            raise NotAValidator(name)
        wallet = self.mining.validators[name]
        self.chain(name).engine.propose(wallet.address, candidate, add)

    def tips(self) -> dict[Hashable, tuple[int, str]]:
        """Each node's tip as (height, short hash)."""
        return {name: (node.chain.height, node.chain.tip.hash.hex()[:8])
                for name, node in self._nodes.items()}

    def converged(self) -> bool:
        """Do all honest nodes that are up have the same tip?"""
        return len(self._tips) <= 1

    @property
    def shares(self) -> dict[Hashable, float]:
        return dict(getattr(self.mining, "shares", {}))

    # -- miners and validators -------------------------------------------------------------------
    def set_shares(self, shares: Mapping[Hashable, float]) -> None:
        """Give nodes shares of the mining power (proof of work); 0 stops a node mining. Each
        miner gets a teaching wallet, 'miner <name>', to receive its rewards."""
        if not isinstance(self.mining, PoissonMining):
            raise WrongConsensus(self.engine.name, shares=True)
        for name in shares:
            node = self.node(name)
            if node.producer is None:
                node.producer = miner_address(name)
        self.mining.set_shares(shares)

    def set_share(self, name: Hashable, share: float) -> None:
        self.set_shares({name: share})

    def add_validator(self, name: Hashable, wallet: Wallet, *, lies: bool = False) -> None:
        """Let node `name` seal blocks with `wallet`, one of the chain's validators (PoA or
        BFT); `lies=True` makes a BFT validator Byzantine (see `minichain.network.bft_rounds`)."""
        if isinstance(self.mining, BftRounds):
            self.mining.add(name, wallet, lies=lies)
            return
        if not isinstance(self.mining, CliqueTurns):
            raise WrongConsensus(self.engine.name)
        if lies:
            raise WrongConsensus(self.engine.name, liars=True)
        self.mining.add(name, wallet)

    def consensus_message(self, node: Node, message: Any, sender: Node | None) -> None:
        """A consensus message reached `node`: the BFT rounds deal with it (others have none)."""
        if isinstance(self.mining, BftRounds):
            self.mining.receive(node, message, sender)

    # -- running ---------------------------------------------------------------------------------
    def run(self, seconds: float | None = None, *, until: float | None = None,
            blocks: int | None = None, stop_when: Callable[[], bool] | None = None) -> None:
        """Let simulated time pass: `seconds` more, `until` a moment, or until `blocks` more
        blocks have been found, or `stop_when()` is true — whichever comes first."""
        end = math.inf
        if seconds is not None:
            end = self.now + seconds
        if until is not None:
            end = min(end, until)
        if end == math.inf and blocks is None and stop_when is None:
            raise ValueError(say("say how long to run: seconds=, until=, blocks= or "
                                 "stop_when="))
        if blocks is not None:
            if blocks <= 0:
                return
            self._stop_at_blocks = self.blocks_found + blocks
        if stop_when is not None and stop_when():
            return
        try:
            self.scheduler.run(end, stop_when=stop_when)
        finally:
            self._stop_at_blocks = math.inf

    def step(self) -> None:
        """Run the next event only: for stepping through a simulation in a widget."""
        self.scheduler.run(stop_when=lambda: True)

    def run_until_converged(self, timeout: float) -> bool:
        """Run until every honest node that is up has the same tip, or `timeout` seconds pass;
        returns whether they agree."""
        if not self.converged():
            self.scheduler.run(self.now + timeout, stop_when=self.converged)
        return self.converged()

    def settle(self) -> None:
        """Stop mining, deliver every message already on its way, then mine again."""
        self.mining.pause()
        self.scheduler.run()
        self.mining.resume()

    def at(self, time: float, action: Callable, *args) -> None:
        """Do `action(*args)` at simulated time `time`, e.g. `net.at(3600, net.heal)`."""
        self.scheduler.at(time, action, *args)

    def _tick(self, time: float) -> float:
        """The scheduler's clock moved to `time`: the shared clock shows its whole second.
        Returns when the next second starts, the next moment the clock needs to hear of."""
        second = int(time)
        if second != self._second:
            self._second = second
            self.clock.advance_to(self.clock_start + second)
        return float(second + 1)

    # -- messages --------------------------------------------------------------------------------
    def send(self, channel: Channel, deliver: Callable, payload, size: int) -> None:
        """Put a message on a link; `deliver(payload, sender)` runs when it arrives."""
        receiver = channel.receiver
        if not channel.link.up or not receiver.up:
            return
        arrival = self.scheduler.now + self._delay(channel.sender.name, receiver.name, size,
                                                   self._latency_rng)
        if arrival < channel.last:
            arrival = channel.last
        channel.last = arrival
        self.scheduler.at(arrival, self._deliver, channel, channel.link.epoch, deliver, payload)

    def send_to_peers(self, node: Node, handler: str, payload, size: int,
                      skip: Node | None = None) -> None:
        """Put the same message on every live link of `node` but the one to `skip` (the peer it
        came from), in the order the links were made; on arrival each peer's method `handler`
        (e.g. "receive_block") gets `(payload, node)`.

        The same as `send` to each peer in turn — the same latency draws in the same order, the
        same arrival times and order of events — with the work that does not change from one
        peer to the next done once: gossip is nearly every event of a simulation.
        """
        live = [(peer, channel) for peer, channel in node.peers.items()
                if peer is not skip and peer.up and channel.link.up]
        if not live:
            return
        delays = self._delays(node.name, [peer.name for peer, _ in live], size,
                              self._latency_rng)
        now = self.scheduler.now
        times: list[float] = []
        messages: list[tuple] = []
        for (peer, channel), delay in zip(live, delays):
            arrival = now + delay
            if arrival < channel.last:
                arrival = channel.last
            channel.last = arrival
            times.append(arrival)
            messages.append((channel, channel.link.epoch, getattr(type(peer), handler), payload))
        self.scheduler.at_all(times, self._deliver_to, messages)

    def _delays_one_by_one(self, sender: Hashable, receivers: list[Hashable], size: int,
                           rng: random.Random) -> list[float]:
        """`delays_to` for a latency model that offers only `delay`."""
        delay = self._delay
        return [delay(sender, receiver, size, rng) for receiver in receivers]

    @staticmethod
    def _deliver(channel: Channel, epoch: int, deliver: Callable, payload) -> None:
        link = channel.link
        if link.epoch == epoch and link.up and channel.receiver.up:
            deliver(payload, channel.sender)

    @staticmethod
    def _deliver_to(channel: Channel, epoch: int, handler: Callable, payload) -> None:
        link, receiver = channel.link, channel.receiver
        if link.epoch == epoch and link.up and receiver.up:
            handler(receiver, payload, channel.sender)

    # -- transactions ----------------------------------------------------------------------------
    def submit(self, tx: Transaction, at: Hashable) -> bytes:
        """Hand a signed transaction to node `at`, which checks it and relays it."""
        return self.node(at).submit(tx)

    # -- partitions, crashes ---------------------------------------------------------------------
    def partition(self, *groups: Iterable[Hashable]) -> None:
        """Cut every link between nodes of different groups; nodes in no group form one more
        group together."""
        member: dict[Hashable, int] = {}
        for index, group in enumerate(groups):
            for name in group:
                self.node(name)
                member[name] = index
        rest = len(groups)
        cut = 0
        for link in self._link_list:
            if link.up and member.get(link.a.name, rest) != member.get(link.b.name, rest):
                self._cut(link)
                cut += 1
        sizes = Counter(member.get(name, rest) for name in self._nodes)
        self.record(EventKind.PARTITION, None, None,
                  f"{len(sizes)} groups of {', '.join(str(sizes[i]) for i in sorted(sizes))} "
                  f"nodes; {cut} links cut")

    def cut_link(self, a: Hashable, b: Hashable) -> None:
        link = self._link(a, b)
        if link.up:
            self._cut(link)
            self.record(EventKind.CUT, link.a, None, f"link {a!r}–{b!r} cut")

    def heal(self) -> None:
        """Every cut link works again; the two ends of each tell each other their tips."""
        healed = []
        for link in self._link_list:
            if not link.up:
                self._restore(link)
                healed.append(link)
        self.record(EventKind.HEAL, None, None, f"{len(healed)} links restored")
        for link in healed:
            link.a.greet(link.b)
            link.b.greet(link.a)

    def _link(self, a: Hashable, b: Hashable) -> _Link:
        self.node(a), self.node(b)
        try:
            return self._links[(a, b)]
        except KeyError:
            raise NotLinked(a, b) from None

    def _cut(self, link: _Link) -> None:
        link.up = False
        link.epoch += 1
        link.a.peers.pop(link.b, None)
        link.b.peers.pop(link.a, None)
        link.a._asked.discard(link.b)
        link.b._asked.discard(link.a)
        self.graph.edges[link.a.name, link.b.name]["up"] = False

    def _restore(self, link: _Link) -> None:
        link.up = True
        link.a.peers[link.b] = Channel(link, link.a, link.b)
        link.b.peers[link.a] = Channel(link, link.b, link.a)
        self.graph.edges[link.a.name, link.b.name]["up"] = True

    def crash(self, name: Hashable) -> None:
        """Node `name` goes down: it stops mining, and messages to it are lost."""
        node = self.node(name)
        if not node.up:
            return
        node.up = False
        node.forget_requests()
        self.mining.stop(node)
        if node.honest:
            self._untrack(node.chain.tip.hash)
        self.record(EventKind.CRASH, node)

    def restart(self, name: Hashable) -> None:
        """Node `name` comes back with the blocks (and mempool) it had stored, greets its peers
        and catches up from them."""
        node = self.node(name)
        if node.up:
            return
        node.up = True
        if node.honest:
            self._tips[node.chain.tip.hash] += 1
        self.record(EventKind.RESTART, node)
        for peer in list(node.peers):
            node.greet(peer)
            peer.greet(node)
        self.mining.start(node)

    # -- bookkeeping -----------------------------------------------------------------------------
    def record(self, kind: str, node: Node | None, block: Block | None = None,
               detail: str = "") -> None:
        """Note an event in the log (and stop `run(blocks=…)` when enough were found)."""
        if kind == EventKind.FOUND:
            self.blocks_found += 1
            if self.blocks_found >= self._stop_at_blocks:
                self.scheduler.stop()
        self.log.append(Event(self.scheduler.now, kind, None if node is None else node.name,
                              None if block is None else block.hash,
                              None if block is None else block.height, detail))

    def refused(self, node: Node, block: Block, reason: ValidationError) -> None:
        """A node refused a block: logged with its reason, which `refusals` keeps as it is."""
        self.record(EventKind.REJECTED, node, block, str(reason))
        self.refusals.append((self.log[-1], reason))

    def tip_moved(self, node: Node, previous: bytes, block: Block) -> None:
        """A node's tip moved: count agreement, reschedule producers, tell the watchers."""
        if node.honest and node.up:
            self._untrack(previous)
            self._tips[block.hash] += 1
        self.mining.tip_changed(node)
        for watcher in self.watchers:
            watcher(node, block)

    def _untrack(self, block_hash: bytes) -> None:
        self._tips[block_hash] -= 1
        if self._tips[block_hash] <= 0:
            del self._tips[block_hash]

    @property
    def metrics(self):
        """Propagation, stale blocks, convergence and tip histories, as plain data."""
        from minichain.network.metrics import Metrics

        return Metrics(self)
