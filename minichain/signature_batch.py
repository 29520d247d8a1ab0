"""Checking many signatures at once, on every core: a batch of (public key, message, signature)
triples verified by a pool of worker processes, each answer exactly what `crypto.verify` gives.

Verifying one ECDSA signature does not depend on any other, so a node that must check thousands
— a big block, or every block of a chain file (`minichain verify --full`) — can spread them over
the machine's cores, as Bitcoin Core spreads a block's script checks over threads (its "check
queue", `-par`). Python runs one thread at a time in a process, so the work goes to processes,
in batches of a few hundred signatures so that sending a batch costs little next to checking
it. The pool is started the first time it pays, reused after, and shut down when the program
ends (or by `shutdown()`); its workers verify with the backend the program uses
(`crypto.backend`), whichever it is when a batch is sent.

Where it does not pay, nothing is started: too few signatures, one core, or no processes at all
(the browser edition runs on Pyodide, which has none) — `verify_many` then checks the batch
here, one signature after the other, with the same answers.

A chain uses the pool only to fill its signature cache (`crypto.SignatureCache`): before a big
block is checked, `verify_ahead` verifies the block's signatures that the cache does not know
yet on every core and remembers the valid ones. The block's ordinary checks then run as they
always do, one by one and in order, and decide every error with the same message; a signature
found invalid is simply not remembered, so the serial check finds it and refuses the block.
`ahead(blocks)` does the same for a whole run of blocks (re-validating a chain file): workers
verify the blocks' signatures while the program executes the blocks before them, and the
program settles each block's answers into its cache just before checking it.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from minichain import crypto

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from minichain.block import Block

__all__ = ["Ahead", "ahead", "block_signatures", "parallel_workers", "shutdown", "verify_ahead",
           "verify_many"]

Triple = tuple[bytes, bytes, bytes]  # public key, message, signature

# A batch sent to a worker: large enough that sending it costs little next to checking it
# (libsecp256k1 checks about 20,000 signatures a second, pure-Python ecdsa about 400).
BATCH = {"libsecp256k1": 500, "ecdsa": 16}
# A block is worth the pool from this many signatures its chain has not checked yet: about a
# twentieth of a second of work. Lessons' blocks are far smaller, so they never start it.
PARALLEL_FROM = {"libsecp256k1": 1_000, "ecdsa": 50}

log = logging.getLogger(__name__)

_pool: ProcessPoolExecutor | None = None
_unavailable = ""  # why there is no pool here ("" while none has been tried or it works)


# -- verifying a batch ---------------------------------------------------------------------------

def verify_many(triples: Sequence[Triple], *, parallel: bool | None = None) -> list[bool]:
    """`crypto.verify(*triple)` for each triple, in order: on the pool's workers if there are
    enough of them to pay (`parallel=None`), if asked (`parallel=True`) and a pool can run
    here, else in this process."""
    triples = list(triples)
    size = _batch_size()
    if parallel is None:
        parallel = len(triples) >= PARALLEL_FROM.get(crypto.backend, 1_000)
    pool = _the_pool() if parallel and len(triples) > 1 else None
    if pool is None:
        return _verify_here(triples)
    futures = [pool.submit(_verify_batch, crypto.backend, triples[i:i + size])
               for i in range(0, len(triples), size)]
    results: list[bool] = []
    for start, future in zip(range(0, len(triples), size), futures):
        results.extend(_result(future, triples[start:start + size]))
    return results


def _verify_here(triples: Iterable[Triple]) -> list[bool]:
    return [crypto.verify(*triple) for triple in triples]


def _verify_batch(backend: str, triples: list[Triple]) -> list[bool]:
    """In a worker: one batch, with the backend the program that sent it uses."""
    if crypto.backend == backend:
        return _verify_here(triples)
    with crypto.use_backend(backend):
        return _verify_here(triples)


def _result(future: Future, triples: list[Triple]) -> list[bool]:
    """A batch's answers; if its worker died, the batch is checked here instead."""
    try:
        return future.result()
    except Exception as problem:  # BrokenProcessPool, or a batch that could not be sent
        _give_up(f"a worker failed ({type(problem).__name__}: {problem})")
        return _verify_here(triples)


def _batch_size() -> int:
    return BATCH.get(crypto.backend, 100)


# -- the pool ------------------------------------------------------------------------------------

def parallel_workers() -> int:
    """How many worker processes the pool has (or would have): one a core, or as many as
    `MINICHAIN_WORKERS` says; 0 where it would not help or cannot run: one core or one worker
    (`MINICHAIN_WORKERS=1` verifies in this process only), no processes (Pyodide)."""
    if _unavailable or sys.platform in ("emscripten", "wasi"):
        return 0
    asked = os.environ.get("MINICHAIN_WORKERS", "").strip()
    if asked.isdigit():
        workers = int(asked)
    elif hasattr(os, "sched_getaffinity"):
        workers = len(os.sched_getaffinity(0))  # the cores this process may run on
    else:
        workers = os.cpu_count() or 1
    return workers if workers > 1 else 0


def _the_pool() -> ProcessPoolExecutor | None:
    """The pool, started on first use; None where processes cannot run."""
    global _pool
    if _pool is not None:
        return _pool
    workers = parallel_workers()
    if not workers:
        return None
    try:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        methods = multiprocessing.get_all_start_methods()
        # fork starts a worker at once, but is only safe in a program running one thread (a
        # notebook's kernel runs several); spawn starts a fresh Python that imports minichain.
        method = "fork" if "fork" in methods and threading.active_count() == 1 else "spawn"
        _pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))
    except (ImportError, OSError, NotImplementedError, ValueError) as problem:
        _give_up(f"no worker processes can be started here ({problem})")
        return None
    return _pool


def _give_up(why: str) -> None:
    """Stop using the pool for the rest of the program; everything is verified here."""
    global _unavailable
    log.info("verifying signatures in this process only: %s", why)
    _unavailable = why
    shutdown()


def shutdown() -> None:
    """Stop the pool's workers (a later batch that pays starts a new pool)."""
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown)  # at the latest when the program ends, while it still can cleanly


# -- which signatures a block carries ------------------------------------------------------------

def block_signatures(block: Block, *, seals: bool = True) -> list[Triple]:
    """The signatures a block's checks verify: each transaction's, and with `seals` the header's
    seal (proof of authority, BFT) and the commit seals (BFT). A transaction too malformed to
    give its signed bytes is left out: its own checks refuse it."""
    triples: list[Triple] = []
    for tx in block.transactions:
        try:
            triples.append((tx.sender_key, tx.signing_bytes(), tx.signature))
        except Exception:  # noqa: BLE001 - the serial checks give this transaction's error
            continue
    if not seals:
        return triples
    from minichain.consensus.bft import commit_message
    from minichain.consensus.signer_seal import SEAL_SIZE

    header, split = block.header, crypto.PUBLIC_KEY_SIZE
    if len(header.seal) == SEAL_SIZE:
        triples.append((header.seal[:split], header.sealing_bytes(), header.seal[split:]))
    for seal in block.commit_seals:
        if len(seal) == SEAL_SIZE:
            triples.append((seal[:split], commit_message(block.hash), seal[split:]))
    return triples


# -- filling a chain's signature cache ahead of its checks -------------------------------------

def verify_ahead(block: Block, cache: crypto.SignatureCache) -> None:
    """Before `block` is checked: put its valid signatures into `cache`, verified on every core,
    if the block is big enough to pay. Never raises and never decides anything: the block's
    checks still verify every signature the cache lacks."""
    try:
        if len(block.transactions) < PARALLEL_FROM.get(crypto.backend, 1_000) \
                or not parallel_workers():
            return
        unknown = [t for t in block_signatures(block, seals=False) if not cache.knows(*t)]
        if len(unknown) >= PARALLEL_FROM.get(crypto.backend, 1_000):
            _remember_valid(cache, unknown, verify_many(unknown, parallel=True))
    except Exception:  # noqa: BLE001 - only a saving is lost; the checks decide
        log.debug("verifying a block's signatures ahead failed; they are checked one by one",
                  exc_info=True)


@contextmanager
def ahead(blocks: Iterable[Block]) -> Iterator[Ahead]:
    """While inside, the pool verifies the signatures and seals of `blocks` (in the order they
    will be checked); `settle(block_hash, cache)` hands one block's valid ones to the checking
    chain's cache just before that block is checked. Without a pool, settling does nothing."""
    pool = _the_pool()
    sent = Ahead(pool, blocks if pool is not None else ())
    try:
        yield sent
    finally:
        sent.cancel()


class Ahead:
    """Batches of many blocks' signatures sent to the pool, and which block each answer is for."""

    def __init__(self, pool: ProcessPoolExecutor | None, blocks: Iterable[Block]):
        self._waiting: dict[bytes, tuple[Future, int, list[Triple]]] = {}
        self._futures: list[Future] = []
        size = _batch_size()
        batch: list[Triple] = []
        members: list[tuple[bytes, int, list[Triple]]] = []
        for block in blocks:
            triples = block_signatures(block)
            members.append((block.hash, len(batch), triples))
            batch.extend(triples)
            if len(batch) >= size:
                self._send(pool, batch, members)
                batch, members = [], []
        if members:
            self._send(pool, batch, members)

    def _send(self, pool: ProcessPoolExecutor, batch: list[Triple],
              members: list[tuple[bytes, int, list[Triple]]]) -> None:
        future = pool.submit(_verify_batch, crypto.backend, batch)
        self._futures.append(future)
        for block_hash, start, triples in members:
            self._waiting[block_hash] = (future, start, triples)

    def settle(self, block_hash: bytes, cache: crypto.SignatureCache) -> bool:
        """Remember the valid signatures of one block sent ahead; False if it was not sent."""
        waiting = self._waiting.pop(block_hash, None)
        if waiting is None:
            return False
        future, start, triples = waiting
        try:
            results = future.result()
        except Exception as problem:  # a worker died: this block's checks verify its signatures
            _give_up(f"a worker failed ({type(problem).__name__}: {problem})")
            self.cancel()
            return True
        _remember_valid(cache, triples, results[start:start + len(triples)])
        return True

    def cancel(self) -> None:
        """Drop what is no longer needed (a block was found invalid, or all are checked)."""
        for future in self._futures:
            future.cancel()
        self._futures.clear()
        self._waiting.clear()


def _remember_valid(cache: crypto.SignatureCache, triples: Sequence[Triple],
                    results: Sequence[bool]) -> None:
    """Put the triples found valid into `cache`, as its own `verify` would have."""
    for triple, valid in zip(triples, results):
        if valid:
            cache.remember(*triple)
