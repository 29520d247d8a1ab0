"""The parameters every node of one chain must agree on: its id, its first balances, its limits.

The limits play the part of Bitcoin's MAX_MONEY and block size limit: they bound what one
transaction or block may cost every node to check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from minichain.clock import GENESIS_TIME

__all__ = ["ChainParams"]


@dataclass(frozen=True)
class ChainParams:
    """What makes a chain this chain; nodes with different parameters cannot agree."""

    chain_id: int = 1
    name: str = "minichain"
    allocations: dict[str, int] = field(default_factory=dict)  # genesis balances
    genesis_time: int = GENESIS_TIME
    max_money: int = 10**15  # no amount, fee or balance may exceed this
    max_transaction_size: int = 4_096  # bytes
    max_block_size: int = 1_000_000  # bytes
    max_block_transactions: int = 2_000

    def __hash__(self) -> int:
        return hash((self.chain_id, self.name, self.genesis_time))
