"""The blockchain as one node sees it: a tree of valid blocks, the heaviest branch, its state and
a mempool.

Every block is checked in full before it is stored, even on a side branch: structure (block
checklist 1–5), consensus seal and timestamp (6–7, by the engine) and execution against its
parent's state (8–10). The node follows the branch with the greatest total weight — cumulative
work for proof of work (Bitcoin whitepaper, section 4), in-turn weight for proof of authority
(EIP-225) — never simply the longest, and on ties keeps the branch it saw first.

Each stored block keeps the diff it made to the state, so moving from one branch to another
(a reorganisation) reverts the abandoned blocks' diffs and commits the new ones without
re-executing anything. Transactions of abandoned blocks return to the mempool if still valid.
A block that fails any check leaves the state, the tree and the mempool exactly as they were.

The boundary rule (DESIGN.md section 2): `submit` and `add_block` refuse only with a
`ValidationError`. Should checking fail in a way no rule foresaw (a bug, or input no rule
anticipated), the transaction or block is refused with `TransactionCannotBeRead` or
`BlockCannotBeExecuted` and nothing changes; block assembly leaves such a transaction out, drops
it from the mempool and logs why, so one transaction can never stop a node producing blocks.

A chain may be kept in a file (`minichain.open_chain`, see `minichain.store`), a layer above
this one that uses only the chain's persistence protocol: `held_blocks` (every block it holds,
with its diff and receipts), `restore` (take back blocks it checked before) and `attach_store`
(a `BlockStore` handed each accepted block before the node moves on, so what is on disk is never
behind what the node has told anyone). The core never imports the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from minichain import crypto, signature_batch
from minichain.block import ZERO_ADDRESS, ZERO_HASH, Block, BlockHeader, check_block_body, \
    transactions_root
from minichain.clock import SimulatedClock
from minichain.consensus.engine import ConsensusEngine
from minichain.errors import (
    RECEIPTS,
    STATE_CHANGES,
    BlockCannotBeExecuted,
    ConflictingFinalBlocks,
    WouldReplaceFinalBlock,
    InvalidCoinbase,
    InvalidTransaction,
    RememberedResultDiffers,
    TransactionCannotBeRead,
    ValidationError,
    UnknownParent,
    WrongHeight,
)
from minichain.language import say, translate
from minichain.execution import BlockContext, Runtime, apply_in_block, execute_block
from minichain.mempool import Mempool
from minichain.params import ChainParams
from minichain.receipt import Receipt, receipts_root
from minichain.state import Scratch, StateDiff, WorldState
from minichain.transaction import Transaction, check_transaction
from minichain.wallet import Wallet

__all__ = ["AddResult", "BlockStore", "Blockchain", "TransactionLocation"]

_HEADER_ROOM = 400  # bytes kept free for the header, seal and framing when filling a block
log = logging.getLogger(__name__)


class AddResult(Enum):
    """What happened to a block that was accepted."""

    EXTENDED = "extended the main chain"
    SIDE_BRANCH = "stored on a side branch"
    REORGANISED = "reorganised: the node switched to a heavier branch"
    ALREADY_KNOWN = "already known"

    def __str__(self) -> str:
        """What happened, in the reader's language (the value stays English, for code)."""
        return {AddResult.EXTENDED: translate("extended the main chain"),
                AddResult.SIDE_BRANCH: translate("stored on a side branch"),
                AddResult.REORGANISED: translate(
                    "reorganised: the node switched to a heavier branch"),
                AddResult.ALREADY_KNOWN: translate("already known")}[self]


@dataclass(frozen=True)
class TransactionLocation:
    """Where a transaction sits on the main chain."""

    block: Block
    index: int


@dataclass
class _Entry:
    block: Block
    total_weight: int
    diff: StateDiff
    receipts: tuple[Receipt, ...] = ()


class BlockStore(Protocol):
    """Where a chain keeps its blocks beyond memory (`minichain.store.ChainFile` is one)."""

    def block_accepted(self, block: Block, diff: StateDiff, receipts: tuple[Receipt, ...],
                       becomes_tip: bool) -> None:
        """Keep a block that passed every check, with its diff and receipts, and whether it is
        the new tip; all at once or not at all. Raising refuses the block."""

    def close(self) -> None:
        """Let go of the file."""


class Blockchain:
    """One node's view of a chain."""

    def __init__(
        self,
        engine: ConsensusEngine,
        params: ChainParams | None = None,
        *,
        clock: SimulatedClock | None = None,
        producers: Iterable[Wallet] = (),
        signatures: crypto.SignatureCache | None = None,
        runtime: Runtime | None = None,
        executions: dict[bytes, tuple[StateDiff, tuple[Receipt, ...]]] | None = None,
    ):
        self.engine = engine
        self.runtime = runtime
        # Results of executing blocks, by block hash, that nodes of one simulation may share:
        # a block's diff depends only on the block and its parent's state, both fixed by the
        # block's hash, and only blocks that passed every check are remembered.
        self.executions = executions
        self.params = params or ChainParams()
        self.clock = clock or SimulatedClock(self.params.genesis_time)
        self.producers: dict[str, Wallet] = {w.address: w for w in producers}
        self.signatures = signatures if signatures is not None else crypto.SignatureCache()
        self.state = WorldState(self.params.allocations)
        self.mempool = Mempool()
        genesis = self._genesis()
        self._entries: dict[bytes, _Entry] = {
            genesis.hash: _Entry(genesis, engine.weight(genesis.header), StateDiff())
        }
        self._main: list[bytes] = [genesis.hash]
        self._txindex: dict[bytes, tuple[bytes, int]] = {}
        self._finalized = 0  # the genesis block is final by definition
        self.store: BlockStore | None = None  # see attach_store

    # -- ready-made chains -----------------------------------------------------------------------
    @classmethod
    def proof_of_work(cls, *, allocations: dict[str, int] | None = None, miner: Wallet | None = None,
                      chain_id: int = 1, clock: SimulatedClock | None = None,
                      runtime: Runtime | None = None, **engine_options: int) -> Blockchain:
        """A Bitcoin-style chain; `miner` receives the rewards of blocks this node mines."""
        from minichain.consensus.proof_of_work import ProofOfWork

        params = ChainParams(chain_id=chain_id, allocations=dict(allocations or {}))
        return cls(ProofOfWork(**engine_options), params, clock=clock,
                   producers=[miner] if miner else [], runtime=runtime)

    @classmethod
    def proof_of_authority(cls, validators: Sequence[Wallet], *,
                           allocations: dict[str, int] | None = None, chain_id: int = 1,
                           clock: SimulatedClock | None = None, runtime: Runtime | None = None,
                           **engine_options: int) -> Blockchain:
        """A consortium chain sealed in turn by `validators` (EIP-225 Clique)."""
        from minichain.consensus.poa import ProofOfAuthority

        engine = ProofOfAuthority(validators=tuple(w.address for w in validators), **engine_options)
        params = ChainParams(chain_id=chain_id, allocations=dict(allocations or {}))
        return cls(engine, params, clock=clock, producers=validators, runtime=runtime)

    @classmethod
    def bft(cls, validators: Sequence[Wallet], *, allocations: dict[str, int] | None = None,
            chain_id: int = 1, clock: SimulatedClock | None = None,
            runtime: Runtime | None = None, **engine_options: int) -> Blockchain:
        """A consortium chain with final blocks (QBFT-style): `validators` propose in turn and
        commit each block together; this node holds their keys, so it seals blocks at once."""
        from minichain.consensus.bft import ByzantineFaultTolerance

        engine = ByzantineFaultTolerance(validators=tuple(w.address for w in validators),
                                         **engine_options)
        params = ChainParams(chain_id=chain_id, allocations=dict(allocations or {}))
        return cls(engine, params, clock=clock, producers=validators, runtime=runtime)

    def close(self) -> None:
        """Let go of the chain's file (if it has one); the chain can still be read."""
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> Blockchain:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _genesis(self) -> Block:
        fields = self.engine.genesis_fields()
        header = BlockHeader(
            parent_hash=ZERO_HASH, height=0, timestamp=self.params.genesis_time,
            tx_root=transactions_root([]), state_root=self.state.root(),
            receipts_root=receipts_root([]), difficulty=fields["difficulty"],
            coinbase=ZERO_ADDRESS, reward=0,
            extra=fields["extra"],
        )
        return Block(header)

    # -- reading the chain -----------------------------------------------------------------------
    @property
    def tip(self) -> Block:
        """The last block of the main chain."""
        return self._entries[self._main[-1]].block

    @property
    def height(self) -> int:
        return len(self._main) - 1

    @property
    def genesis(self) -> Block:
        return self._entries[self._main[0]].block

    @property
    def blocks(self) -> list[Block]:
        """The main chain, genesis first."""
        return [self._entries[h].block for h in self._main]

    def block(self, ref: int | bytes) -> Block:
        """A block by main-chain height, or any stored block by hash."""
        if isinstance(ref, int):
            return self._entries[self._main[ref]].block
        return self._entries[ref].block

    def __contains__(self, block_hash: object) -> bool:
        return block_hash in self._entries

    def header(self, block_hash: bytes) -> BlockHeader:
        return self._entries[block_hash].block.header

    def ancestors(self, header: BlockHeader) -> Iterator[BlockHeader]:
        """`header`, its parent, its grandparent… down to genesis."""
        current: BlockHeader | None = header
        while current is not None:
            yield current
            parent = self._entries.get(current.parent_hash)
            current = parent.block.header if parent else None

    def total_weight(self, block_hash: bytes | None = None) -> int:
        """Cumulative work / weight of the branch ending at `block_hash` (default: the tip)."""
        return self._entries[block_hash or self._main[-1]].total_weight

    def is_main_chain(self, block_hash: bytes) -> bool:
        entry = self._entries.get(block_hash)
        if entry is None or entry.block.height > self.height:
            return False
        return self._main[entry.block.height] == block_hash

    # -- accounts --------------------------------------------------------------------------------
    def balance(self, address: str) -> int:
        return self.state.balance(address)

    def nonce(self, address: str) -> int:
        """How many transactions of `address` are in the main chain."""
        return self.state.nonce(address)

    def next_nonce(self, address: str) -> int:
        """The nonce of the address's next transaction, counting those waiting in the mempool."""
        return self.mempool.next_nonce(address, self.state.nonce(address))

    def find_transaction(self, txid: bytes) -> TransactionLocation | None:
        found = self._txindex.get(txid)
        if found is None:
            return None
        block_hash, index = found
        return TransactionLocation(self._entries[block_hash].block, index)

    def receipt(self, txid: bytes) -> Receipt | None:
        """What executing a main-chain transaction did: success, fee, events, error."""
        found = self._txindex.get(txid)
        if found is None:
            return None
        block_hash, index = found
        return self._entries[block_hash].receipts[index]

    def receipts(self, block_hash: bytes) -> tuple[Receipt, ...]:
        """The receipts of a stored block's transactions, in order."""
        return self._entries[block_hash].receipts

    def state_diff(self, block_hash: bytes) -> StateDiff:
        """What a stored block changed in the state: (key, before, after) for each entry."""
        return self._entries[block_hash].diff

    def confirmations(self, txid: bytes) -> int:
        """Blocks on the main chain since (and including) the one holding `txid`; 0 if none."""
        location = self.find_transaction(txid)
        return 0 if location is None else self.height - location.block.height + 1

    # -- transactions ----------------------------------------------------------------------------
    def submit(self, tx: Transaction) -> bytes:
        """Check a transaction against the tip and put it in the mempool; returns its id."""
        try:
            self._admit(tx)
        except ValidationError:
            raise
        except Exception as problem:  # the boundary rule: a refusal, never a crash
            raise TransactionCannotBeRead(problem) from problem
        return tx.txid

    def _admit(self, tx: Transaction) -> None:
        check_transaction(tx, self.params, self.signatures)
        if self.runtime is not None:
            self.runtime.check(tx, self.state)
        self.mempool.admit(tx, self.state, self._height_holding)

    def _height_holding(self, txid: bytes) -> int | None:
        """The height of the main-chain block holding transaction `txid`, if any."""
        location = self._txindex.get(txid)
        return None if location is None else self._entries[location[0]].block.height

    # -- producing blocks ------------------------------------------------------------------------
    def build_block(self, producer: Wallet | str | None = None, *, timestamp: int | None = None,
                    transactions: Sequence[Transaction] | None = None) -> Block:
        """A sealed block on the tip, from the mempool (or exactly `transactions`), not yet added.

        Nothing is checked against consensus rules here: that is `add_block`'s job, so a
        lesson can build a block that breaks a rule and watch it be refused.
        """
        parent = self.tip.header
        wallet, address = self._producer(producer, parent)
        fields = self.engine.prepare(self, parent, address,
                                     self.clock.now() if timestamp is None else timestamp)
        scratch = self.state.scratch()
        room = self.params.max_block_size - _HEADER_ROOM - len(fields["extra"])
        context = BlockContext(parent.height + 1, fields["timestamp"])
        chosen, receipts = self._fill(scratch, context, transactions, room)
        reward = self.engine.subsidy(parent.height + 1) + sum(r.fee for r in receipts)
        scratch.credit(address, reward)
        header = BlockHeader(
            parent_hash=parent.hash, height=parent.height + 1, timestamp=fields["timestamp"],
            tx_root=transactions_root(chosen), state_root=scratch.root(),
            receipts_root=receipts_root(receipts), difficulty=fields["difficulty"],
            coinbase=address, reward=reward,
            extra=fields["extra"],
        )
        sealed = Block(self.engine.seal(header, wallet), tuple(chosen))
        return self.engine.finish(self, sealed, self.producers.values())

    def _fill(self, scratch: Scratch, context: BlockContext,
              transactions: Sequence[Transaction] | None, room: int
              ) -> tuple[list[Transaction], list[Receipt]]:
        """Apply `transactions` as given, or the best that fit from the mempool; returns them
        and the receipts of those that applied."""
        receipts: list[Receipt] = []
        if transactions is not None:  # exactly these, valid or not
            for tx in transactions:
                try:  # only valid ones move money in the state root (a bad address cannot)
                    check_transaction(tx, self.params, self.signatures)
                    receipts.append(self._try(scratch, tx, context))
                except ValidationError:
                    pass
            return list(transactions), receipts
        chosen: list[Transaction] = []
        size = 0
        for tx in self.mempool.by_fee():
            if len(chosen) == self.params.max_block_transactions:
                break
            if size + tx.size + 4 > room:
                continue
            try:
                receipts.append(self._try(scratch, tx, context))
            except TransactionCannotBeRead as reason:
                log.warning("left transaction %s out of the block and dropped it from the "
                            "mempool: %s", tx.txid.hex(), reason)
                self.mempool.remove(tx.txid)
                continue
            except InvalidTransaction:
                continue
            chosen.append(tx)
            size += tx.size + 4
        return chosen, receipts

    def _try(self, scratch: Scratch, tx: Transaction, context: BlockContext) -> Receipt:
        """Apply one transaction to `scratch`, or change nothing and raise InvalidTransaction."""
        trial = scratch.child()
        try:
            receipt = apply_in_block(trial, tx, context, self.runtime)
        except ValidationError:
            raise
        except Exception as problem:  # the boundary rule: left out, never a crash
            raise TransactionCannotBeRead(problem) from problem
        trial.merge()
        return receipt

    def produce_block(self, producer: Wallet | str | None = None, *,
                      timestamp: int | None = None) -> Block:
        """Let one block interval pass, build a block on the tip from the mempool, and add it."""
        if timestamp is None:
            self.clock.advance(self.engine.block_interval)
        block = self.build_block(producer, timestamp=timestamp)
        self.clock.advance_to(block.header.timestamp)
        self.add_block(block)
        return block

    def _producer(self, producer: Wallet | str | None, parent: BlockHeader
                  ) -> tuple[Wallet | None, str]:
        if isinstance(producer, Wallet):
            return producer, producer.address
        if isinstance(producer, str):
            return self.producers.get(producer), producer
        chosen = self.engine.choose_producer(self, parent, list(self.producers))
        if chosen is None:
            raise ValueError(say("this node holds no producer key; pass "
                                 "producer=<wallet or address>"))
        return self.producers[chosen], chosen

    # -- accepting blocks ------------------------------------------------------------------------
    def add_block(self, block: Block) -> AddResult:
        """Check `block` in full and store it; switch branches if it makes a heavier one."""
        try:
            if block.hash in self._entries:
                return AddResult.ALREADY_KNOWN
            signature_batch.verify_ahead(block, self.signatures)  # big blocks: on every core
            entry = self._check(block)
        except ValidationError:
            raise
        except Exception as problem:  # the boundary rule: a refusal, never a crash
            raise BlockCannotBeExecuted(problem) from problem
        becomes_tip = entry.total_weight > self.total_weight()
        if self.store is not None:  # on disk first: if that fails, the node has not moved
            self.store.block_accepted(block, entry.diff, entry.receipts, becomes_tip)
        self._entries[block.hash] = entry
        if not becomes_tip:
            return AddResult.SIDE_BRANCH
        extends = block.parent_hash == self._main[-1]
        self._switch_to(block.hash)
        return AddResult.EXTENDED if extends else AddResult.REORGANISED

    def check_proposal(self, block: Block) -> None:
        """Every check `add_block` makes except the commit seals, which a BFT block gathers only
        after it is proposed; raises only ValidationError and changes nothing."""
        try:
            self._check(block, commit_seals=False)
        except ValidationError:
            raise
        except Exception as problem:  # the boundary rule: a refusal, never a crash
            raise BlockCannotBeExecuted(problem) from problem

    def _check(self, block: Block, *, commit_seals: bool = True) -> _Entry:
        """Every check of the block checklist; the entry the block would have in the tree."""
        parent_entry = self._entries.get(block.parent_hash)
        if parent_entry is None:
            raise UnknownParent(block.parent_hash)
        parent = parent_entry.block.header
        if block.height != parent.height + 1:
            raise WrongHeight(block.height, parent.height)
        check_block_body(block, max_block_size=self.params.max_block_size,
                         max_block_transactions=self.params.max_block_transactions)
        problem = crypto.address_problem(block.header.coinbase)
        if problem:
            raise InvalidCoinbase(problem)
        self.engine.verify_header(self, block.header, parent, self.clock.now())
        if commit_seals:
            self.engine.verify_block(self, block)
        self._check_finality(block)
        diff, receipts = self._execute(block)
        return _Entry(block, parent_entry.total_weight + self.engine.weight(block.header), diff,
                      receipts)

    def _check_finality(self, block: Block) -> None:
        """A final block is never replaced: a block for a height already final on the main
        chain is refused, and if it claims to be final itself, it is evidence that more than the
        tolerated number of validators signed two blocks."""
        if block.height > self.finalized_height or self._main[block.height] == block.hash:
            return
        final = self._entries[self._main[block.height]].block
        if self.engine.is_final(block.header):
            raise ConflictingFinalBlocks(final, block)
        raise WouldReplaceFinalBlock(final.height)

    # -- finality --------------------------------------------------------------------------------
    @property
    def finalized_height(self) -> int:
        """The height of the newest final block of the main chain (0, the genesis block, if the
        engine never makes blocks final: proof of work and Clique blocks only get deeper)."""
        return self._finalized

    def is_final(self, txid: bytes) -> bool:
        """True if the transaction is in a final block of the main chain."""
        location = self.find_transaction(txid)
        return location is not None and location.block.height <= self._finalized

    def _execute(self, block: Block) -> tuple[StateDiff, tuple[Receipt, ...]]:
        """Checklist 8-10 against the parent's state (or a result shared by another node)."""
        known = self.executions.get(block.hash) if self.executions is not None else None
        if known is not None:
            return known
        with self._state_at(block.parent_hash):
            result = execute_block(
                self.state, block, subsidy=self.engine.subsidy(block.height), params=self.params,
                signatures=self.signatures, runtime=self.runtime)
        if self.executions is not None:
            self.executions[block.hash] = result
        return result

    def _path(self, start: bytes, end: bytes) -> tuple[list[bytes], list[bytes]]:
        """Blocks to undo (from `start` down) and to redo (up to `end`) to get from one to the
        other through their last common ancestor."""
        undo: list[bytes] = []
        redo: list[bytes] = []
        a, b = self._entries[start].block, self._entries[end].block
        while a.height > b.height:
            undo.append(a.hash)
            a = self._entries[a.parent_hash].block
        while b.height > a.height:
            redo.append(b.hash)
            b = self._entries[b.parent_hash].block
        while a.hash != b.hash:
            undo.append(a.hash)
            redo.append(b.hash)
            a = self._entries[a.parent_hash].block
            b = self._entries[b.parent_hash].block
        redo.reverse()
        return undo, redo

    @contextmanager
    def _state_at(self, block_hash: bytes) -> Iterator[None]:
        """Temporarily move the state to just after `block_hash`, then back to the tip."""
        undo, redo = self._path(self._main[-1], block_hash)
        self._walk(undo, redo)
        try:
            yield
        finally:
            back_undo, back_redo = self._path(block_hash, self._main[-1])
            self._walk(back_undo, back_redo)

    def _walk(self, undo: list[bytes], redo: list[bytes]) -> None:
        for block_hash in undo:
            self.state.revert(self._entries[block_hash].diff)
        for block_hash in redo:
            self.state.commit(self._entries[block_hash].diff)

    def _switch_to(self, new_tip: bytes) -> None:
        """Make `new_tip` the end of the main chain: move state, index and mempool along."""
        undo, redo = self._path(self._main[-1], new_tip)
        self._walk(undo, redo)
        returned: list[Transaction] = []
        for block_hash in undo:
            self._main.pop()
            for tx in self._entries[block_hash].block.transactions:
                del self._txindex[tx.txid]
            returned[:0] = self._entries[block_hash].block.transactions
        senders: set[str] = set()
        for block_hash in redo:
            block = self._entries[block_hash].block
            self._main.append(block_hash)
            if self.engine.is_final(block.header):
                self._finalized = block.height
            for index, tx in enumerate(block.transactions):
                self._txindex[tx.txid] = (block_hash, index)
                self.mempool.remove(tx.txid)
                senders.add(tx.sender)
        if undo:
            self._refresh_mempool(returned, senders=None)
        else:
            self._refresh_mempool([], senders=senders)

    def _refresh_mempool(self, returned: list[Transaction], senders: set[str] | None) -> None:
        """Re-admit the waiting transactions of `senders` (None: everyone), and those returned
        from abandoned blocks, against the new tip; drop what is no longer valid."""
        stale = [tx for tx in self.mempool if senders is None or tx.sender in senders]
        for tx in stale:
            self.mempool.remove(tx.txid)
        for tx in returned + sorted(stale, key=lambda tx: (tx.sender, tx.nonce)):
            try:
                self._admit(tx)
            except InvalidTransaction:
                pass

    # -- checking a whole chain again ------------------------------------------------------------
    def revalidate(self, progress: Callable[[Block], object] | None = None, *,
                   signatures: crypto.SignatureCache | None = None) -> int:
        """Re-check every block this node holds, side branches included, from genesis on a
        fresh node, every signature included, and compare what executing each gives with the
        state changes and receipts this node kept for it; returns the number of blocks checked
        or raises the first InvalidBlock.

        `progress`, if given, is called with each block just before it is checked, so the last
        block it saw is the block an error is about. `signatures` is the fresh node's signature
        cache (empty by default; minichain.signature_batch fills one ahead on every core)."""
        fresh = Blockchain(self.engine.fresh(), self.params, clock=self.clock,
                           runtime=self.runtime, signatures=signatures)
        checked = 0
        for entry in list(self._entries.values())[1:]:  # parents before children
            if progress is not None:
                progress(entry.block)
            fresh.add_block(entry.block)
            again = fresh._entries[entry.block.hash]
            if again.diff != entry.diff:
                raise RememberedResultDiffers(STATE_CHANGES)
            if [r.committed() for r in again.receipts] != [r.committed() for r in entry.receipts]:
                raise RememberedResultDiffers(RECEIPTS)
            checked += 1
        return checked

    # -- being kept somewhere: the persistence protocol -----------------------------------------
    def attach_store(self, store: BlockStore | None) -> None:
        """Hand every block accepted from now on to `store` before moving on (None: stop)."""
        self.store = store

    def held_blocks(self) -> Iterator[tuple[Block, StateDiff, tuple[Receipt, ...]]]:
        """Every stored block with its diff and receipts, parents before children."""
        for entry in self._entries.values():
            yield entry.block, entry.diff, entry.receipts

    def restore(self, stored: Iterable[tuple[Block, StateDiff, tuple[Receipt, ...]]],
                 tip: bytes) -> None:
        """Take back blocks this node checked before (read from its own file) without checking
        them again, parents first, and move the state to `tip` by committing their diffs.

        Only the links are checked here; `minichain.store` checks what it reads."""
        for block, diff, receipts in stored:
            if block.hash in self._entries:
                continue
            parent = self._entries.get(block.parent_hash)
            if parent is None:
                raise UnknownParent(block.parent_hash)
            if block.height != parent.block.height + 1:
                raise WrongHeight(block.height, parent.block.height)
            weight = parent.total_weight + self.engine.weight(block.header)
            self._entries[block.hash] = _Entry(block, weight, diff, receipts)
        if tip != self._main[-1]:
            self._switch_to(tip)
