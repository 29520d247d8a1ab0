"""A simulated node: a full `Blockchain` that talks to its peers.

A node checks everything it receives in full — blocks with `Blockchain.add_block`, transactions
with `Blockchain.submit` — and passes on only what it accepted:

- A transaction is relayed to every peer once it is in the mempool. One whose nonce leaves a gap
  (an earlier payment of the same sender has not arrived yet) waits beside the mempool until
  the gap is filled, like the "queued" transactions of Ethereum clients.
- A block is relayed to every peer when it becomes this node's new tip, as Bitcoin Core
  announces new tips (compact-block relay in high-bandwidth mode, BIP 152, pushes them at once).
  A block that only lands on a side branch is stored but not relayed.
- A block that arrives before its parent is an orphan. The node keeps it and asks the peer that
  sent it for what it is missing with a block locator, as Bitcoin's `getblocks` does: the
  hashes of its last ten main-chain blocks, then exponentially further back, down to genesis.
  The peer answers with its main chain after the last block they share, at most 500 blocks at
  a time; then the orphans connect.

When a link comes up — a partition heals, a node restarts — both ends send each other their tip,
which is how the two sides of a healed partition discover each other's branch.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Protocol

from minichain.block import Block
from minichain.chain import AddResult, Blockchain
from minichain.errors import NonceTooHigh, ValidationError
from minichain.network.errors import NodeIsDown
from minichain.network.events import EventKind
from minichain.transaction import Transaction
from minichain.wallet import Wallet

if TYPE_CHECKING:
    from minichain.clock import SimulatedClock
    from minichain.network.network import Channel

__all__ = ["Node", "NodeNetwork", "miner_address"]


class NodeNetwork(Protocol):
    """All a node may ask of the network it is part of (`minichain.network.Network` is one)."""

    clock: SimulatedClock

    @property
    def now(self) -> float: ...

    def send(self, channel: Channel, deliver: Callable[..., None], payload: Any,
             size: int) -> None:
        """Put a message on the link to a peer; `deliver(payload, sender)` runs on arrival."""

    def send_to_peers(self, node: Node, handler: str, payload: Any, size: int,
                      skip: Node | None = None) -> None:
        """Put a message on every live link of `node` but the one to `skip`; each peer's method
        named `handler` gets `(payload, node)` on arrival."""

    def record(self, kind: str, node: Node | None, block: Block | None = None,
               detail: str = "") -> None:
        """Note an event in the network's log."""

    def tip_moved(self, node: Node, previous: bytes, block: Block) -> None:
        """Tell the network a node's tip moved from `previous` to `block`."""

    def consensus_message(self, node: Node, message: Any, sender: Node | None) -> None:
        """Hand a consensus message (a BFT proposal or vote) that reached `node` to the rounds."""

LOCATOR_DENSE = 10  # Bitcoin's locator lists the last ten blocks one by one
BLOCKS_PER_REPLY = 500  # like Bitcoin's reply to getblocks
MAX_ORPHANS = 500
MAX_WAITING = 1_000


def miner_address(name: Hashable) -> str:
    """The address paid for the blocks of node `name` unless told otherwise: that of the teaching
    wallet 'miner <name>'."""
    return Wallet.from_seed(f"miner {name}").address


class Node:
    """One participant of the network: its own chain, mempool and peers."""

    honest = True  # counted when asking whether the honest nodes agree

    def __init__(self, network: NodeNetwork, name: Hashable, chain: Blockchain, *,
                 producer: Wallet | str | None = None):
        self.network = network
        self.name = name
        self.chain = chain
        self.producer = producer  # the key or address paid for the blocks this node produces
        self.up = True
        self.peers: dict[Node, Channel] = {}  # live links, to each peer
        genesis = chain.genesis
        self.tip_history: list[tuple[float, int, bytes]] = [(0.0, 0, genesis.hash)]
        self._orphans: dict[bytes, list[tuple[Block, Node | None]]] = {}
        self._orphan_count = 0
        self._waiting: dict[str, dict[int, Transaction]] = {}
        self._asked: set[Node] = set()  # peers we sent a block request and await an answer from

    def __repr__(self) -> str:
        state = "" if self.up else ", down"
        return f"Node({self.name!r}, height {self.chain.height}{state})"

    @property
    def tip(self) -> Block:
        return self.chain.tip

    # -- producing -------------------------------------------------------------------------------
    def produce_block(self) -> Block | None:
        """Build a block on this node's tip with the real chain, add it and relay it.

        Returns None (and logs why) if the node's own chain refuses it, e.g. a validator that
        sealed too recently.
        """
        if not self.up:
            raise NodeIsDown(self.name)
        if self.producer is None:
            self.producer = miner_address(self.name)
        network = self.network
        block = self.chain.build_block(self.producer, timestamp=network.clock.now())
        try:
            self.chain.add_block(block)
        except ValidationError as reason:
            network.refused(self, block, reason)
            return None
        network.record(EventKind.FOUND, self, block)
        self._new_tip(block, "extended", None)
        return block

    # -- consensus messages (BFT) ----------------------------------------------------------------
    def receive_consensus(self, message: Any, sender: Node | None) -> None:
        """A proposal or vote from a peer: the network's consensus rounds deal with it."""
        if self.up:
            self.network.consensus_message(self, message, sender)

    # -- blocks ----------------------------------------------------------------------------------
    def receive_block(self, block: Block, sender: Node | None) -> None:
        """A block from a peer (or from outside, with sender None)."""
        chain = self.chain
        if block.hash in chain:
            return
        if block.parent_hash not in chain:
            self._keep_orphan(block, sender)
            return
        if self._add(block, sender):
            self._connect_orphans(block.hash)

    def _add(self, block: Block, sender: Node | None) -> bool:
        try:
            result = self.chain.add_block(block)
        except ValidationError as reason:
            self.network.refused(self, block, reason)
            return False
        if result is AddResult.SIDE_BRANCH:
            self.network.record(EventKind.STORED, self, block)
        elif result is not AddResult.ALREADY_KNOWN:
            detail = "reorganised" if result is AddResult.REORGANISED else "extended"
            self._new_tip(block, detail, sender)
        if self._waiting:
            for sender_address in {tx.sender for tx in block.transactions} & self._waiting.keys():
                self._retry_waiting(sender_address)
        return True

    def _new_tip(self, block: Block, detail: str, sender: Node | None) -> None:
        self.network.record(EventKind.TIP, self, block, detail)
        previous = self.tip_history[-1][2]
        self.tip_history.append((self.network.now, block.height, block.hash))
        self.network.tip_moved(self, previous, block)
        self.network.send_to_peers(self, "receive_block", block, block.size, sender)

    def _keep_orphan(self, block: Block, sender: Node | None) -> None:
        waiting = self._orphans.setdefault(block.parent_hash, [])
        if any(kept.hash == block.hash for kept, _ in waiting):
            return
        if self._orphan_count >= MAX_ORPHANS:  # forget the oldest, as Bitcoin's orphan pool does
            oldest = next(iter(self._orphans))
            self._orphans[oldest].pop(0)
            self._orphan_count -= 1
            if not self._orphans[oldest]:
                del self._orphans[oldest]
            waiting = self._orphans.setdefault(block.parent_hash, [])
        waiting.append((block, sender))
        self._orphan_count += 1
        self.network.record(EventKind.ORPHAN, self, block)
        if sender is not None:
            self._ask_for_blocks(sender)

    def _connect_orphans(self, parent_hash: bytes) -> None:
        ready = [parent_hash]
        while ready:
            children = self._orphans.pop(ready.pop(), [])
            self._orphan_count -= len(children)
            for block, sender in children:
                if block.hash not in self.chain and self._add(block, sender):
                    ready.append(block.hash)

    def locator(self) -> list[bytes]:
        """Hashes of main-chain blocks, dense near the tip and sparse further back (Bitcoin's
        block locator), ending with genesis."""
        chain = self.chain
        hashes, height, step = [], chain.height, 1
        while height > 0:
            hashes.append(chain.block(height).hash)
            if len(hashes) >= LOCATOR_DENSE:
                step *= 2
            height -= step
        hashes.append(chain.genesis.hash)
        return hashes

    def _ask_for_blocks(self, peer: Node) -> None:
        channel = self.peers.get(peer)
        if channel is None or peer in self._asked:
            return
        self._asked.add(peer)
        locator = self.locator()
        self.network.send(channel, peer.receive_block_request, locator, 32 * len(locator))

    def receive_block_request(self, locator: list[bytes], sender: Node) -> None:
        """Answer a locator with our main chain after the last block we share with the asker."""
        chain = self.chain
        start = 1
        for block_hash in locator:
            if chain.is_main_chain(block_hash):
                start = chain.block(block_hash).height + 1
                break
        end = min(chain.height, start + BLOCKS_PER_REPLY - 1)
        blocks = [chain.block(height) for height in range(start, end + 1)]
        channel = self.peers.get(sender)
        if channel is not None:
            self.network.send(channel, sender.receive_blocks, blocks,
                              sum(block.size for block in blocks) + 8)

    def receive_blocks(self, blocks: list[Block], sender: Node) -> None:
        """The answer to our block request: blocks in order, parents first."""
        self._asked.discard(sender)
        for block in blocks:
            self.receive_block(block, sender)
        if len(blocks) == BLOCKS_PER_REPLY and self._orphans:  # more to fetch
            self._ask_for_blocks(sender)

    # -- transactions ----------------------------------------------------------------------------
    def submit(self, tx: Transaction) -> bytes:
        """A payment handed to this node directly: checked (errors reach the caller), relayed."""
        if not self.up:
            raise NodeIsDown(self.name)
        self.chain.submit(tx)
        self.network.record(EventKind.TRANSACTION, self, None, tx.txid.hex())
        self._relay_transaction(tx, None)
        if tx.sender in self._waiting:
            self._retry_waiting(tx.sender)
        return tx.txid

    def receive_transaction(self, tx: Transaction, sender: Node | None) -> None:
        chain = self.chain
        if tx.txid in chain.mempool or chain.find_transaction(tx.txid) is not None:
            return
        if self._waiting.get(tx.sender, {}).get(tx.nonce) is tx:
            return
        try:
            chain.submit(tx)
        except NonceTooHigh:
            self._wait(tx)
            return
        except ValidationError:
            return
        self._relay_transaction(tx, sender)
        if tx.sender in self._waiting:
            self._retry_waiting(tx.sender)

    def _relay_transaction(self, tx: Transaction, sender: Node | None) -> None:
        self.network.send_to_peers(self, "receive_transaction", tx, tx.size, sender)

    def _wait(self, tx: Transaction) -> None:
        if sum(len(q) for q in self._waiting.values()) >= MAX_WAITING:
            return
        self._waiting.setdefault(tx.sender, {})[tx.nonce] = tx

    def _retry_waiting(self, sender_address: str) -> None:
        """Admit the sender's waiting transactions whose turn has come."""
        queue = self._waiting.get(sender_address, {})
        while queue:
            expected = self.chain.next_nonce(sender_address)
            for stale in [nonce for nonce in queue if nonce < expected]:
                del queue[stale]
            tx = queue.pop(expected, None)
            if tx is None:
                break
            try:
                self.chain.submit(tx)
            except ValidationError:
                continue
            self._relay_transaction(tx, None)
        if not queue:
            self._waiting.pop(sender_address, None)

    # -- links -----------------------------------------------------------------------------------
    def greet(self, peer: Node) -> None:
        """A link to `peer` came up: tell it our tip."""
        channel = self.peers.get(peer)
        if channel is not None and self.up:
            tip = self.chain.tip
            self.network.send(channel, peer.receive_block, tip, tip.size)

    def forget_requests(self) -> None:
        self._asked.clear()
