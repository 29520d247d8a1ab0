"""Executing a block: checklist items 8, 9 and 10, against the state of the block's parent.

The producer's reward must be exactly the subsidy plus the fees (8); every transaction must be
valid when applied in order (9); the state that results must be the one the header commits to
(10). Execution happens on a scratch copy, so a block that fails at any step changes nothing;
a block that passes yields the diff that moves the state forward (and, reversed, back).
"""

from __future__ import annotations

from minichain.block import Block
from minichain.crypto import SignatureCache
from minichain.errors import (
    BlockHasInvalidTransaction,
    InvalidTransaction,
    StateRootMismatch,
    WrongReward,
)
from minichain.params import ChainParams
from minichain.state import StateDiff, WorldState, apply_transaction
from minichain.transaction import check_transaction

__all__ = ["execute_block"]


def execute_block(state: WorldState, block: Block, *, subsidy: int, params: ChainParams,
                  signatures: SignatureCache | None = None) -> StateDiff:
    """Check and run `block` on top of `state` (its parent's state) without changing it."""
    header = block.header
    fees = sum(tx.fee for tx in block.transactions)
    if header.reward != subsidy + fees:
        raise WrongReward(header.reward, subsidy, fees)
    scratch = state.scratch()
    for index, tx in enumerate(block.transactions):
        try:
            check_transaction(
                tx, chain_id=params.chain_id, max_money=params.max_money,
                max_size=params.max_transaction_size, signatures=signatures,
            )
            apply_transaction(scratch, tx)
        except InvalidTransaction as reason:
            raise BlockHasInvalidTransaction(index, tx.txid, reason) from reason
    scratch.credit(header.coinbase, header.reward)
    root = scratch.root()
    if root != header.state_root:
        raise StateRootMismatch(header.state_root, root)
    return scratch.diff()
