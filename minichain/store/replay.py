"""Replaying a chain's stored diffs along every branch, side branches included, on a fresh state:
the check behind reopening a file and `minichain verify`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from minichain.block import Block
from minichain.chain import Blockchain
from minichain.errors import WrongReward, short
from minichain.language import say, translate
from minichain.state import StateDiff, WorldState
from minichain.store.errors import InvalidStoredBlock
from minichain.store.format import Progress

__all__ = ["check_structure", "stored_blocks"]


def check_structure(chain: Blockchain, path: str | os.PathLike[str] | None = None, *,
                    progress: Progress | None = None, every_root: bool = True) -> int:
    """Replay the stored diffs of every branch on a fresh state, parents before children (a
    walk down the tree of blocks that commits each diff on the way down and reverts it on the
    way back), checking each block's Merkle root, reward and that its diff starts from the
    state before it, and its state root — on every block, or with `every_root=False` on side
    branches and the tip only (reopening, where the rest is checked by the tip's root).
    Returns the number of blocks checked. A bad block raises InvalidStoredBlock naming it and
    `path` (the chain's file; without one, "the chain")."""
    if path is None:
        path = translate("the chain")
    children: dict[bytes, list[Block]] = {}
    for block in stored_blocks(chain):
        children.setdefault(block.parent_hash, []).append(block)
    main = {block.hash for block in chain.blocks}
    total = sum(map(len, children.values())) - 1  # genesis is its own parent's only child
    state = WorldState(chain.params.allocations) if every_root \
        else _Entries(chain.params.allocations)
    pending = [(block, False) for block in reversed(children.get(chain.genesis.hash, []))]
    done = 0
    while pending:
        block, leaving = pending.pop()
        if leaving:
            state.revert(chain.state_diff(block.hash))
            continue
        with_root = every_root or block.hash not in main or block.hash == chain.tip.hash
        _check_stored_block(path, chain, state, block, with_root=with_root)
        pending.append((block, True))
        pending.extend((child, False) for child in reversed(children.get(block.hash, [])))
        done += 1
        if progress is not None and (done % 256 == 0 or done == total):
            progress(done, total)
    return done


class _Entries(WorldState):
    """A state's entries without the hash of each that a `WorldState` keeps up to date for its
    root: a cheaper replay where only a few roots are asked for (each is computed afresh)."""

    def _set(self, key: str, value: bytes | None) -> None:
        if value is None:
            self._values.pop(key, None)
        else:
            self._values[key] = value

    def root(self) -> bytes:
        state = WorldState()
        state.commit(StateDiff(tuple((key, None, value) for key, value in self._values.items())))
        return state.root()


def _check_stored_block(path: str | os.PathLike[str], chain: Blockchain,
                        state: WorldState | _Entries,
                        block: Block, *, with_root: bool) -> None:
    def invalid(reason: str) -> InvalidStoredBlock:
        return InvalidStoredBlock(path, block.height, block.hash, reason)

    header = block.header  # its Merkle and receipts roots were checked when it was read
    fees = sum(receipt.fee for receipt in chain.receipts(block.hash))
    subsidy = chain.engine.subsidy(block.height)
    if header.reward != subsidy + fees:
        raise invalid(str(WrongReward(header.reward, subsidy, fees)))
    diff = chain.state_diff(block.hash)
    for key, before, _after in diff.changes:
        if state.get(key) != before:
            raise invalid(say("its stored change of {key!r} does not start from the state "
                              "before the block", key=key))
    state.commit(diff)
    if with_root and state.root() != header.state_root:
        raise invalid(say("its stored state changes lead to state {state}, but its header "
                          "commits to {committed}", state=short(state.root()),
                          committed=short(header.state_root)))




def stored_blocks(chain: Blockchain) -> Iterator[Block]:
    """Every block the chain holds, side branches included, in the order it accepted them."""
    for block, _, _ in chain.held_blocks():
        yield block
