"""Checking a chain file from scratch (`minichain verify`): structure always, and with `full`
every block re-executed on a fresh node, every signature and seal included.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from minichain import signature_batch
from minichain.block import Block
from minichain.chain import Blockchain
from minichain.crypto import SignatureCache
from minichain.errors import InvalidBlock
from minichain.store.errors import ChainFileNotFound, InvalidStoredBlock
from minichain.store.format import Progress
from minichain.store.opening import _open_existing
from minichain.store.replay import check_structure

__all__ = ["verify_chain_file"]


def verify_chain_file(path: str | os.PathLike[str], *, full: bool = False,
                      progress: Progress | None = None) -> Blockchain:
    """Open the file read-only and check it; returns the chain, or raises the first problem.

    Always: every stored block decodes to the hash it was stored under and links to its parent,
    and on every branch each block's transactions match its Merkle root, its receipts its
    transactions and its receipts root, its reward the subsidy plus its fees, and its stored
    diff starts from the state before it and ends at the state root in its header. With
    `full`, every block, side branches included, is also re-executed from genesis on a fresh
    node, every signature and seal included, and must give the diff and receipts stored for it
    (`Blockchain.revalidate`). A bad block raises InvalidStoredBlock naming it.
    """
    path = Path(path)
    if not os.path.lexists(path):
        raise ChainFileNotFound(path)
    # progress: reading is quick, replaying diffs quicker, re-validating is most of the work
    parts = (0.0, 0.1, 0.2, 1.0) if full else (0.0, 0.5, 1.0)
    chain = _open_existing(path, None, None, producers=(), runtime=None, clock=None,
                           signatures=None, read_only=True, check_tip_state=False,
                           progress=_part(progress, parts[0], parts[1]))
    chain.close()
    if not full:
        check_structure(chain, path, progress=_part(progress, parts[1], parts[2]))
        return chain
    # the pool verifies signatures and seals ahead while this process replays and re-executes
    blocks = (block for block, _, _ in itertools.islice(chain.held_blocks(), 1, None))
    with signature_batch.ahead(blocks) as verified:
        check_structure(chain, path, progress=_part(progress, parts[1], parts[2]))
        _revalidate(path, chain, verified, _part(progress, parts[2], parts[3]))
    return chain


def _revalidate(path: Path, chain: Blockchain, verified: signature_batch.Ahead,
                report: Progress | None) -> None:
    """Every block re-executed on a fresh node (`Blockchain.revalidate`), the first invalid one
    named; each block's signatures verified ahead by the pool, if any, are settled into the
    fresh node's cache just before the block is checked."""
    total = sum(1 for _ in chain.held_blocks()) - 1
    checking: list[Block] = []
    cache = SignatureCache()

    def step(block: Block) -> None:
        verified.settle(block.hash, cache)
        checking.append(block)
        if report is not None and (len(checking) % 64 == 0 or len(checking) == total):
            report(len(checking), total)

    try:
        chain.revalidate(step, signatures=cache)
    except InvalidBlock as error:
        raise InvalidStoredBlock(path, checking[-1].height, checking[-1].hash,
                                 str(error)) from error


def _part(progress: Progress | None, start: float, end: float) -> Progress | None:
    """Report one stage of the work as the part from `start` to `end` of one bar (0 to 1000)."""
    if progress is None:
        return None

    def report(done: int, total: int) -> None:
        part = done / total if total else 1.0
        progress(int(1000 * (start + (end - start) * part)), 1000)

    return report
