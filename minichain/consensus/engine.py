"""What a consensus engine decides, and what it needs from the chain.

The chain handles everything every blockchain shares (parent, height, transactions, state). An
engine answers the questions that differ between proof of work and proof of authority: who may
produce the next block and how that is proven (the seal), which timestamps are acceptable, how
much new money a block creates, and how much a block weighs when choosing between branches.
This split follows go-ethereum's `consensus.Engine` interface.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from minichain.block import BlockHeader

if TYPE_CHECKING:
    from minichain.wallet import Wallet

__all__ = ["ConsensusEngine", "HeaderSource"]


class HeaderSource(Protocol):
    """The part of a chain an engine may read: headers by hash, walking back through parents."""

    def header(self, block_hash: bytes) -> BlockHeader: ...

    def ancestors(self, header: BlockHeader) -> Iterator[BlockHeader]: ...

    # A chain may also offer `signatures`, a crypto.SignatureCache engines may use for seals.


class ConsensusEngine(ABC):
    """Rules that differ between proof of work and proof of authority."""

    name: str = "engine"
    block_interval: int = 10  # simulated seconds between blocks

    @abstractmethod
    def genesis_fields(self) -> dict:
        """Header fields of the genesis block that belong to this engine (difficulty, extra)."""

    @abstractmethod
    def prepare(self, chain: HeaderSource, parent: BlockHeader, producer: str,
                timestamp: int) -> dict:
        """Engine fields for a new block by `producer` on `parent`: timestamp, difficulty, extra."""

    @abstractmethod
    def seal(self, header: BlockHeader, producer: Wallet | None) -> BlockHeader:
        """Make the header valid: mine a nonce (PoW) or sign it (PoA)."""

    @abstractmethod
    def verify_header(self, chain: HeaderSource, header: BlockHeader, parent: BlockHeader,
                      now: int) -> None:
        """Checklist items 6 (seal) and 7 (timestamp); raises an InvalidBlock subclass."""

    @abstractmethod
    def weight(self, header: BlockHeader) -> int:
        """How much this block counts in fork choice: work (PoW) or in-turn weight (PoA)."""

    def choose_producer(self, chain: HeaderSource, parent: BlockHeader,
                        candidates: list[str]) -> str | None:
        """Which of the keys this node holds should produce the next block (default: the first)."""
        return candidates[0] if candidates else None

    def subsidy(self, height: int) -> int:
        """New money created by the block at `height` (none unless the engine says so)."""
        return 0

    def fresh(self) -> ConsensusEngine:
        """The same rules with nothing remembered: for re-validating a chain from scratch."""
        return dataclasses.replace(self)  # type: ignore[type-var]
