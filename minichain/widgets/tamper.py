"""A working copy of a chain that a trainee may tamper with (the model behind `ChainView`).

Editing an order builds a new `Transaction` and a new `BlockHeader` (with the new Merkle root)
with `dataclasses.replace`, so the block's hash is recomputed by `BlockHeader.hash` itself.
As in the famous web demo, each block's "previous" field follows the current hash of the
block before it, so a change re-hashes that block and every later one. A block is sealed when
its hash is at most its proof-of-work target: after an edit, the edited block and every later
one fail (but for a 1-in-2^k fluke at a target with k zero bits) until each is sealed again
with `minichain.consensus.proof_of_work.mine`, in order. Nothing here changes the chain the copy
was made from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from minichain.block import Block, transactions_root
from minichain.chain import Blockchain
from minichain.consensus.proof_of_work import bits_to_target, mine
from minichain.language import say, translate

__all__ = ["BlockStatus", "TamperableChain"]


@dataclass(frozen=True)
class BlockStatus:
    """Whether one block of the working copy is still sealed, and why not."""

    height: int
    ok: bool
    reasons: tuple[str, ...] = ()


class TamperableChain:
    """The main chain's blocks, copied so that their orders can be edited and re-sealed."""

    def __init__(self, chain: Blockchain):
        self.chain = chain
        self.original = chain.blocks
        self.blocks: list[Block] = list(self.original)

    def edit(self, height: int, index: int, *, amount: int | None = None,
             note: str | None = None) -> Block:
        """Change order `index` of block `height`; the block's Merkle root and hash follow."""
        block = self.blocks[height]
        tx = block.transactions[index]
        changes: dict = {}
        if amount is not None:
            changes["amount"] = amount
        if note is not None:
            changes["data"] = note.encode("utf-8")
        txs = list(block.transactions)
        txs[index] = replace(tx, **changes)
        header = replace(block.header, tx_root=transactions_root(txs))
        self.blocks[height] = Block(header, tuple(txs))
        self._relink(height + 1)
        return self.blocks[height]

    def reseal(self, height: int) -> Block:
        """Point block `height` at its parent's current hash and mine a new nonce for it."""
        block = self.blocks[height]
        self.blocks[height] = Block(mine(replace(block.header, nonce=0)), block.transactions)
        self._relink(height + 1)
        return self.blocks[height]

    def _relink(self, start: int) -> None:
        """Point every block from `start` on at its parent's current hash."""
        for height in range(max(start, 1), len(self.blocks)):
            block = self.blocks[height]
            parent = self.blocks[height - 1].hash
            if block.parent_hash != parent:
                self.blocks[height] = Block(replace(block.header, parent_hash=parent),
                                            block.transactions)

    def reset(self) -> None:
        self.blocks = list(self.original)

    def is_edited(self, height: int) -> bool:
        return self.blocks[height] != self.original[height]

    def status(self, height: int) -> BlockStatus:
        block = self.blocks[height]
        reasons = []
        if height > 0 and int.from_bytes(block.hash, "big") > \
                bits_to_target(block.header.difficulty):
            if block.parent_hash != self.original[height].parent_hash:
                reasons.append(say("block {parent}'s hash changed, and this block records it "
                                   "as its previous block, so this block's hash changed too",
                                   parent=height - 1))
            if block.transactions != self.original[height].transactions:
                reasons.append(translate("its orders were changed, so its Merkle root and hash "
                                         "changed"))
            reasons.append(translate("its hash is now above the target: the proof of work no "
                                     "longer fits this block; it must be sealed (mined) again"))
        if height == 0 and block.hash != self.original[0].hash:
            reasons.append(translate("the genesis block everyone agreed on has changed"))
        return BlockStatus(height, not reasons, tuple(reasons))

    def statuses(self) -> list[BlockStatus]:
        return [self.status(h) for h in range(len(self.blocks))]
