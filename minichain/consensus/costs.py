"""What a consensus costs, measured from a chain's own blocks: hashes, signatures, block time,
and who may take part (lesson 04's side-by-side table).

Proof of work is paid for in hashes. To seal a block a miner must, on average, compute
2^256 / (target + 1) double SHA-256 hashes (the block's "work", Bitcoin whitepaper section 4;
Bitcoin Core's `GetBlockProof`), and every hash costs electricity: this is why the Cambridge
Bitcoin Electricity Consumption Index estimates Bitcoin's energy use from its hash rate. The
work is read from each block's own `bits`, so a chain whose difficulty was retargeted is
counted block by block. Anyone with computing power may mine; nobody has to be let in.

Proof of authority (EIP-225 "Clique") is paid for in signatures: the validator whose turn it
is signs the block, one signature and no puzzle. Only validators voted in by a majority of the
current ones may seal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from minichain.consensus.engine import engine_title
from minichain.language import say

if TYPE_CHECKING:
    from minichain.chain import Blockchain

__all__ = ["ConsensusCost", "consensus_cost", "cost_table"]


@dataclass(frozen=True)
class ConsensusCost:
    """What the blocks of one chain's main branch (genesis excluded) cost to seal."""

    engine: str  # "proof of work" or "proof of authority"
    blocks: int  # blocks measured
    hashes: int  # puzzle hashes needed to seal all of them, on average (the energy proxy)
    signatures: int  # signatures needed to seal all of them
    seconds: int  # time from the genesis block to the last block
    producers: int  # different addresses that sealed the blocks
    validators: int | None  # proof of authority: validators at the tip; None if anyone may join

    @property
    def hashes_per_block(self) -> float:
        return self.hashes / self.blocks

    @property
    def signatures_per_block(self) -> float:
        return self.signatures / self.blocks

    @property
    def seconds_per_block(self) -> float:
        return self.seconds / self.blocks

    @property
    def who_can_join(self) -> str:
        if self.validators is None:
            return say("anyone with computing power; no permission needed")
        return say("only validators voted in by a majority (now {validators})",
                   validators=self.validators)


def consensus_cost(chain: Blockchain) -> ConsensusCost:
    """Measure what sealing `chain`'s main-chain blocks cost, from the blocks themselves.

    Raises ValueError for a chain with no block after genesis. What a seal costs is the
    engine's to say (`ConsensusEngine.sealing_cost`).
    """
    headers = [block.header for block in chain.blocks[1:]]
    if not headers:
        raise ValueError(say("the chain has no blocks after the genesis block yet, so there is "
                             "nothing to measure"))
    engine = chain.engine
    cost = engine.sealing_cost(chain, headers)
    return ConsensusCost(
        engine=engine.name, blocks=len(headers), hashes=cost.hashes, signatures=cost.signatures,
        seconds=headers[-1].timestamp - chain.genesis.header.timestamp,
        producers=len({h.coinbase for h in headers}), validators=cost.validators)


def cost_table(costs: Sequence[ConsensusCost]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """Headers and rows comparing `costs` side by side, one column per chain, ready to print
    or to pass to `minichain.widgets.render.table`."""
    headers = ("", *(engine_title(cost.engine) for cost in costs))
    lines = [
        (say("blocks measured"), lambda c: f"{c.blocks:,}"),
        (say("hashes to seal a block (the puzzle)"), lambda c: f"{c.hashes_per_block:,.0f}"),
        (say("energy proxy: hashes for all these blocks"), lambda c: f"{c.hashes:,}"),
        (say("signatures to seal a block"), lambda c: f"{c.signatures_per_block:,.0f}"),
        (say("seconds per block"), lambda c: f"{c.seconds_per_block:,.1f}"),
        (say("different addresses that sealed them"), lambda c: f"{c.producers:,}"),
        (say("who can join"), lambda c: c.who_can_join),
    ]
    return headers, [(label, *(cell(cost) for cost in costs)) for label, cell in lines]
