"""Executing a block: checklist items 8, 9 and 10, against the state of the block's parent.

Every transaction must be valid when applied in order (9); the producer's reward must be
exactly the subsidy plus the fees the transactions paid (8); the state that results, and the
receipts, must be the ones the header commits to (10). Execution happens on a scratch copy, so a
block that fails at any step changes nothing; a block that passes yields the diff that moves the
state forward (and, reversed, back) and one receipt per transaction.

A plain payment moves `amount` and pays `fee`. Transactions for contracts are handed to the
chain's contract runtime (see `minichain.contracts`), which the core knows only through the
small `Runtime` protocol below, so the core never depends on the layer above it. A runtime
describes itself for a chain file (`describe`) and registers how it is rebuilt from that
description (`register_runtime`), so the store, too, knows runtimes only through this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from minichain.block import Block
from minichain.crypto import SignatureCache
from minichain.errors import (
    BlockHasInvalidTransaction,
    InvalidTransaction,
    ReceiptsRootMismatch,
    StateRootMismatch,
    WrongReward,
)
from minichain.params import ChainParams
from minichain.receipt import Receipt, receipts_root
from minichain.state import Scratch, StateDiff, WorldState, apply_transaction
from minichain.transaction import Transaction, check_transaction

__all__ = ["BlockContext", "Runtime", "apply_in_block", "execute_block", "register_runtime",
           "runtime_from_description"]


@dataclass(frozen=True)
class BlockContext:
    """What a transaction may know about the block it is in."""

    height: int
    timestamp: int


class Runtime(Protocol):
    """Executes the transactions that are meant for contracts."""

    def handles(self, tx: Transaction, state: Scratch) -> bool:
        """True if `tx` deploys or calls a contract, or pays one (InvalidTransaction if its
        data cannot be meant for anything else but is malformed)."""

    def check(self, tx: Transaction, state: Scratch | WorldState) -> None:
        """Raise InvalidTransaction if `tx` may never be in a block (checked at the door)."""

    def apply(self, scratch: Scratch, tx: Transaction, block: BlockContext) -> Receipt:
        """Check nonce and funds (raising InvalidTransaction), then run the contract."""

    def describe(self) -> dict[str, Any]:
        """The runtime as plain JSON values, with its registered "kind"."""


_RUNTIMES: dict[str, Callable[[dict[str, Any]], Runtime]] = {}


def register_runtime(kind: str, rebuild: Callable[[dict[str, Any]], Runtime]) -> None:
    """Let chain files name runtimes of `kind`: `rebuild` turns a description back into one."""
    _RUNTIMES[kind] = rebuild


def runtime_from_description(description: Any) -> Runtime | None:
    """The runtime a description names (None for none); ValueError if it cannot be rebuilt,
    LookupError if its kind is not registered (its module was never imported)."""
    if description is None:
        return None
    if not isinstance(description, dict) or not isinstance(description.get("kind"), str):
        raise ValueError("a runtime is described by its kind and options")
    kind = description["kind"]
    if kind not in _RUNTIMES:
        raise LookupError(kind)
    return _RUNTIMES[kind](description)


def apply_in_block(scratch: Scratch, tx: Transaction, block: BlockContext,
                   runtime: Runtime | None) -> Receipt:
    """Apply one (already checked) transaction to `scratch`; returns its receipt."""
    if runtime is not None and runtime.handles(tx, scratch):
        return runtime.apply(scratch, tx, block)
    apply_transaction(scratch, tx)
    return Receipt.of_payment(tx.txid, tx.fee)


def execute_block(state: WorldState, block: Block, *, subsidy: int, params: ChainParams,
                  signatures: SignatureCache | None = None, runtime: Runtime | None = None
                  ) -> tuple[StateDiff, tuple[Receipt, ...]]:
    """Check and run `block` on top of `state` (its parent's state) without changing it."""
    header = block.header
    context = BlockContext(header.height, header.timestamp)
    scratch = state.scratch()
    receipts = []
    for index, tx in enumerate(block.transactions):
        try:
            check_transaction(tx, params, signatures)
            receipts.append(apply_in_block(scratch, tx, context, runtime))
        except InvalidTransaction as reason:
            raise BlockHasInvalidTransaction(index, tx.txid, reason) from reason
    fees = sum(receipt.fee for receipt in receipts)
    if header.reward != subsidy + fees:
        raise WrongReward(header.reward, subsidy, fees)
    scratch.credit(header.coinbase, header.reward)
    root = scratch.root()
    if root != header.state_root:
        raise StateRootMismatch(header.state_root, root)
    committed = receipts_root(receipts)
    if committed != header.receipts_root:
        raise ReceiptsRootMismatch(header.receipts_root, committed)
    return scratch.diff(), tuple(receipts)
