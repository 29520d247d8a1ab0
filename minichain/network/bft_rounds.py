"""The message rounds of Byzantine fault tolerance over the simulated network (after QBFT and
Tendermint; see `minichain.consensus.bft` for the block rules they produce).

At each height every validator runs the same small state machine, round after round:

1. **Propose.** The proposer of the round (round-robin) sends a block to every validator. If it
   is locked on a block from an earlier round, it proposes that block again.
2. **Prepare.** A validator that finds the proposal valid (every check but the commit seals) and
   is not locked on another block sends a PREPARE for it to everyone.
3. **Commit.** Having seen ⌈2n/3⌉ PREPAREs for a block, a validator locks on it and sends its
   COMMIT: its commit seal, a signature of the block hash.
4. **Final.** With ⌈2n/3⌉ COMMITs a validator puts the seals in the block and adds it: the block
   is final, and the node passes it on to every peer, validators or not.

A round that does not finish in time (a silent proposer, lost messages, a partition) is
abandoned: the validator moves to the next round, with a new proposer and twice the timeout
(QBFT's round change, capped here at 2^5 times). Locking is what keeps two different blocks
from both becoming final while at most f validators lie: a block that gathered a PREPARE quorum
is the only one its lockers will commit at that height. With more than f validators unreachable
nothing becomes final: the chain stops instead of forking, and goes on once they are back.

A validator marked as a liar does what Byzantine means: as proposer it sends one block to half
of the validators and another block to the rest; it prepares and commits whatever it sees; and it
holds its own commit back, to hand out the block it committed, final with its seal, after the
next round — when honest validators that did not lock might have finalized another.
"""

from __future__ import annotations

import random
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from minichain import crypto
from minichain.block import Block
from minichain.consensus.bft import ValidatorSet, commit_message, commit_seals
from minichain.errors import ValidationError
from minichain.network.events import EventKind

if TYPE_CHECKING:
    from minichain.network.network import Network
    from minichain.network.node import Node
    from minichain.wallet import Wallet

__all__ = ["BftRounds", "Commit", "Prepare", "Proposal"]

ROUND_TIMEOUT = 10.0  # seconds a round may take before validators move on (QBFT's default)
MAX_BACKOFF = 5  # the timeout doubles each round, at most 2^5 times
MESSAGE_BYTES = 120  # a PREPARE or COMMIT on the wire
WITHHELD_SECONDS = ROUND_TIMEOUT + 2.0  # a liar holds its commit back past the next round


@dataclass(frozen=True)
class Proposal:
    height: int
    round: int
    block: Block


@dataclass(frozen=True)
class Prepare:
    height: int
    round: int
    block_hash: bytes
    validator: str


@dataclass(frozen=True)
class Commit:
    height: int
    round: int
    block_hash: bytes
    validator: str
    seal: bytes


@dataclass
class _Height:
    """What one validator knows about the height it is deciding."""

    height: int
    validators: ValidatorSet  # who decides this height (votes may have changed the set)
    round: int = 0
    blocks: dict[bytes, Block] = field(default_factory=dict)  # proposals seen, by hash
    prepares: dict[tuple[int, bytes], set[str]] = field(default_factory=dict)
    commits: dict[bytes, dict[str, bytes]] = field(default_factory=dict)
    prepared: set[int] = field(default_factory=set)  # rounds this validator prepared in
    locked: Block | None = None
    committed: Commit | None = None  # this validator's commit at this height, if it sent one


class BftRounds:
    """Runs the validators of a BFT network (the network's producer schedule for "rounds")."""

    def __init__(self, network: Network, seed: int | str):
        self.network = network
        self.rng = random.Random(f"{seed}:bft")
        self.validators: dict[Hashable, Wallet] = {}
        self.liars: set[Hashable] = set()
        self._state: dict[Hashable, _Height] = {}
        self._timers: dict[Hashable, Any] = {}
        self.paused = False

    # -- the schedule interface the network uses --------------------------------------------------
    def add(self, name: Hashable, wallet: Wallet, *, lies: bool = False) -> None:
        node = self.network.node(name)
        self.validators[name] = wallet
        if lies:
            self.liars.add(name)
        node.producer = wallet
        self.start(node)

    def start(self, node: Node) -> None:
        self.stop(node)
        if node.name in self.validators and node.up and not self.paused:
            self._enter(node, node.chain.height + 1, 0)

    def stop(self, node: Node) -> None:
        self.network.scheduler.cancel(self._timers.pop(node.name, None))

    def tip_changed(self, node: Node) -> None:
        state = self._state.get(node.name)
        if node.name in self.validators and (state is None or node.chain.height >= state.height):
            self.start(node)

    def pause(self) -> None:
        self.paused = True
        for name in list(self._timers):
            self.stop(self.network.node(name))

    def resume(self) -> None:
        self.paused = False
        for name in self.validators:
            self.start(self.network.node(name))

    # -- rounds ----------------------------------------------------------------------------------
    def _enter(self, node: Node, height: int, round_: int) -> None:
        state = self._state.get(node.name)
        engine = node.chain.engine
        if state is None or state.height != height:
            state = self._state[node.name] = _Height(
                height, engine.validator_set(node.chain, node.chain.tip.header))
        state.round = round_
        if self.validators[node.name].address not in state.validators:
            return  # not (or no longer) a validator at this height: it follows the chain only
        ready = node.chain.tip.header.timestamp + engine.period - self.network.clock_start
        start = max(self.network.now, float(ready)) if round_ == 0 else self.network.now
        timeout = ROUND_TIMEOUT * 2 ** min(round_, MAX_BACKOFF)
        self.stop(node)
        self._timers[node.name] = self.network.scheduler.at(start + timeout, self._timed_out,
                                                            node, height, round_)
        if round_ > 0 and state.committed is not None:  # it may have been lost: say it again
            self._broadcast(node, state.committed)
        if state.validators.proposer(height, round_) == self.validators[node.name].address:
            late = 1.0 if node.name in self.liars else 0.0  # a second for a second timestamp
            self.network.scheduler.at(start + late, self._propose, node, height, round_)

    def _timed_out(self, node: Node, height: int, round_: int) -> None:
        state = self._state.get(node.name)
        if node.up and state is not None and (state.height, state.round) == (height, round_):
            self._enter(node, height, round_ + 1)

    def _propose(self, node: Node, height: int, round_: int) -> None:
        state = self._state.get(node.name)
        if not node.up or state is None or (state.height, state.round) != (height, round_):
            return
        wallet, chain = self.validators[node.name], node.chain
        now = self.network.clock.now()
        if state.locked is not None:
            blocks = [state.locked]
        else:
            blocks = [chain.build_block(wallet, timestamp=now)]
            if node.name in self.liars:  # another block at this height, for half the validators
                blocks.append(self._other_block(chain, wallet, blocks[0], now))
        self.network.record(EventKind.FOUND, node, blocks[0], f"proposed in round {round_}")
        honest = [p for p in sorted(node.peers, key=lambda p: str(p.name))
                  if p.name in self.validators and p.name not in self.liars]
        for peer in sorted(node.peers, key=lambda p: str(p.name)):
            if peer.name not in self.validators:
                continue
            if peer.name in self.liars or len(blocks) == 1:
                offered = blocks
            else:
                offered = [blocks[0] if honest.index(peer) < len(honest) / 2 else blocks[1]]
            for block in offered:
                self._send(node, peer, Proposal(height, round_, block), block.size)
        for block in blocks:
            self.receive(node, Proposal(height, round_, block), node)

    @staticmethod
    def _other_block(chain: Any, wallet: Wallet, first: Block, now: int) -> Block:
        """A second, different block the liar can offer at the same height and round."""
        other = chain.build_block(wallet, timestamp=now, transactions=[])
        if other.hash == first.hash:  # nothing was waiting: differ in time instead
            other = chain.build_block(wallet, timestamp=now - 1, transactions=[])
        return other

    # -- messages --------------------------------------------------------------------------------
    def _send(self, node: Node, peer: Node, message: object, size: int) -> None:
        channel = node.peers.get(peer)
        if channel is not None:
            self.network.send(channel, peer.receive_consensus, message, size)

    def _broadcast(self, node: Node, message: Prepare | Commit) -> None:
        kind = EventKind.PREPARE if isinstance(message, Prepare) else EventKind.COMMIT
        state = self._state[node.name]
        self.network.record(kind, node, state.blocks.get(message.block_hash),
                            f"round {message.round}")
        for peer in sorted(node.peers, key=lambda p: str(p.name)):
            if peer.name in self.validators:
                self._send(node, peer, message, MESSAGE_BYTES)
        self.receive(node, message, node)

    def receive(self, node: Node, message: object, sender: Node | None) -> None:
        """A consensus message reached validator `node` (from `sender`)."""
        state = self._state.get(node.name)
        if node.name not in self.validators or not node.up or state is None \
                or self.validators[node.name].address not in state.validators:
            return
        if getattr(message, "height", None) != state.height:
            return
        if isinstance(message, Proposal):
            self._on_proposal(node, state, message, sender)
        elif isinstance(message, Prepare):
            self._on_prepare(node, state, message)
        elif isinstance(message, Commit):
            self._on_commit(node, state, message)

    def _on_proposal(self, node: Node, state: _Height, message: Proposal,
                     sender: Node | None) -> None:
        engine, block = node.chain.engine, message.block
        proposer = state.validators.proposer(state.height, message.round)
        if sender is None or sender.name not in self.validators \
                or self.validators[sender.name].address != proposer \
                or message.round < state.round or engine.round_of(block.header) > message.round:
            return
        try:
            node.chain.check_proposal(block)
        except ValidationError as reason:
            self.network.refused(node, block, reason)
            return
        if message.round > state.round:
            self._enter(node, state.height, message.round)
        state.blocks[block.hash] = block
        liar = node.name in self.liars
        if message.round in state.prepared and not liar:
            return
        if state.locked is not None and state.locked.hash != block.hash and not liar:
            return
        state.prepared.add(message.round)
        me = self.validators[node.name].address
        self._broadcast(node, Prepare(state.height, message.round, block.hash, me))
        self._maybe_commit(node, state, message.round, block.hash)

    def _on_prepare(self, node: Node, state: _Height, message: Prepare) -> None:
        if message.validator not in state.validators:
            return
        state.prepares.setdefault((message.round, message.block_hash), set()).add(
            message.validator)
        self._maybe_commit(node, state, message.round, message.block_hash)

    def _maybe_commit(self, node: Node, state: _Height, round_: int, block_hash: bytes) -> None:
        if len(state.prepares.get((round_, block_hash), ())) < state.validators.quorum \
                or block_hash not in state.blocks:
            return
        liar = node.name in self.liars
        if state.committed is not None and not liar:
            return  # an honest validator commits one block a height, and says so once a round
        state.locked = state.blocks[block_hash]
        wallet = self.validators[node.name]
        seal = commit_seals(state.locked, [wallet])[0]
        commit = Commit(state.height, round_, block_hash, wallet.address, seal)
        if liar:
            self.network.scheduler.at(self.network.now + WITHHELD_SECONDS, self._publish_withheld,
                                      node, state, commit)
            return
        state.committed = commit
        self._broadcast(node, commit)

    def _publish_withheld(self, node: Node, state: _Height, commit: Commit) -> None:
        """The liar's late move: the block it committed, final with the seals it has, to all."""
        seals = {**state.commits.get(commit.block_hash, {}), commit.validator: commit.seal}
        block = state.blocks[commit.block_hash]
        if not node.up or len(seals) < state.validators.quorum:
            self._broadcast(node, commit)
            return
        final = Block(block.header, block.transactions,
                      tuple(seals[v] for v in sorted(seals, key=str.lower)))
        for peer in sorted(node.peers, key=lambda p: str(p.name)):
            channel = node.peers[peer]
            self.network.send(channel, peer.receive_block, final, final.size)
        node.receive_block(final, None)

    def _on_commit(self, node: Node, state: _Height, message: Commit) -> None:
        key = message.seal[:crypto.PUBLIC_KEY_SIZE]
        signature = message.seal[crypto.PUBLIC_KEY_SIZE:]
        if message.validator not in state.validators \
                or crypto.address_from_public_key(key) != message.validator \
                or not node.chain.signatures.verify(key, commit_message(message.block_hash),
                                                    signature):
            return
        seals = state.commits.setdefault(message.block_hash, {})
        seals[message.validator] = message.seal
        block = state.blocks.get(message.block_hash)
        if block is None or len(seals) < state.validators.quorum \
                or block.hash in node.chain:
            return
        final = Block(block.header, block.transactions,
                      tuple(seals[v] for v in sorted(seals, key=str.lower)))
        node.receive_block(final, None)
