"""Keeping a chain in a file: what it costs to append, to reopen, and to check a file again.

1. Append throughput: the same pre-signed payments go into blocks on a node that keeps its
   chain in a file (one SQLite transaction and one sync per block) and on a node that keeps it
   in memory, side by side; the ratio is the price of durability. Goal: at least 0.8.
2. A file of 10,000 blocks (one payment each): its size, the time to reopen it (read, decode,
   replay the stored diffs; no signature checked), the time `minichain verify` takes (every
   Merkle and state root replayed) and `minichain verify --full` (every block re-validated on
   a fresh node, every signature and seal). Reopening should be many times faster than
   re-validating: that is the point of storing the diffs and receipts.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from timing import best_of

from minichain import Blockchain, ChainParams, ProofOfAuthority, Wallet, open_chain
from minichain.store import verify_chain_file

SENDERS = 40
PAYMENTS_EACH = 10  # 400 payments in blocks of up to 20: 20 blocks per round
PER_BLOCK = 20
EMPTY_BLOCKS = 300
LONG_CHAIN = 10_000

VALIDATORS = [Wallet.from_seed(name) for name in ("platform", "logistics", "bank")]
SHOP = Wallet.from_seed("shop")
CUSTOMERS = [Wallet.from_seed(f"customer {i}") for i in range(SENDERS)]
PARAMS = ChainParams(allocations={c.address: 10**9 for c in CUSTOMERS},
                     max_block_transactions=PER_BLOCK)


def _engine() -> ProofOfAuthority:
    return ProofOfAuthority(validators=tuple(v.address for v in VALIDATORS))


def _payments(count_each: int, senders: list[Wallet]) -> list:
    template = Blockchain(_engine(), PARAMS)
    return [sender.pay(SHOP.address, 1, chain=template, nonce=n)
            for n in range(count_each) for sender in senders]


def _fill(chain: Blockchain, txs: list) -> None:
    for tx in txs:
        chain.submit(tx)
    while len(chain.mempool):
        chain.produce_block()


def append_throughput(folder: Path) -> None:
    txs = _payments(PAYMENTS_EACH, CUSTOMERS)
    rounds = iter(range(1000))

    def in_memory() -> None:
        _fill(Blockchain(_engine(), PARAMS, producers=VALIDATORS), txs)

    def in_a_file() -> None:
        chain = open_chain(folder / f"append-{next(rounds)}.chain", _engine(), PARAMS,
                                producers=VALIDATORS)
        _fill(chain, txs)
        chain.close()

    def empty_in_memory() -> None:
        chain = Blockchain(_engine(), PARAMS, producers=VALIDATORS)
        for _ in range(EMPTY_BLOCKS):
            chain.produce_block()

    def empty_in_a_file() -> None:
        chain = open_chain(folder / f"empty-{next(rounds)}.chain", _engine(), PARAMS,
                                producers=VALIDATORS)
        for _ in range(EMPTY_BLOCKS):
            chain.produce_block()
        chain.close()

    in_memory()  # warm the key cache for both
    file_time, memory_time, empty_file, empty_memory = best_of(
        3, in_a_file, in_memory, empty_in_a_file, empty_in_memory)
    blocks = -(-len(txs) // PER_BLOCK)
    print(f"append: {len(txs)} payments in {blocks} PoA blocks of {PER_BLOCK} "
          "(signature checks included)")
    print(f"  in memory              {blocks / memory_time:8.0f} blocks/s "
          f"{len(txs) / memory_time:8.0f} transfers/s")
    print(f"  to a file              {blocks / file_time:8.0f} blocks/s "
          f"{len(txs) / file_time:8.0f} transfers/s")
    print(f"  ratio                  {memory_time / file_time:8.2f}   (goal >= 0.8)")
    print(f"append: {EMPTY_BLOCKS} empty PoA blocks (sealing and one commit each)")
    print(f"  in memory              {EMPTY_BLOCKS / empty_memory:8.0f} blocks/s")
    print(f"  to a file              {EMPTY_BLOCKS / empty_file:8.0f} blocks/s   "
          f"({(empty_file - empty_memory) / EMPTY_BLOCKS * 1000:.2f} ms more a block)")


def long_file(folder: Path) -> None:
    path = folder / "long.chain"
    customer = Wallet.from_seed("customer")
    params = ChainParams(allocations={customer.address: 10**9})
    start = time.perf_counter()
    chain = open_chain(path, _engine(), params, producers=VALIDATORS)
    for _ in range(LONG_CHAIN):
        chain.submit(customer.pay(SHOP.address, 1, chain=chain))
        chain.produce_block()
    tip = chain.tip.hash
    chain.close()
    built = time.perf_counter() - start
    size = os.path.getsize(path)

    def reopen() -> None:
        with open_chain(path) as again:
            assert again.tip.hash == tip

    (reopen_time,) = best_of(3, reopen)
    start = time.perf_counter()
    verify_chain_file(path)
    verify_time = time.perf_counter() - start
    start = time.perf_counter()
    verify_chain_file(path, full=True)
    full_time = time.perf_counter() - start

    print(f"\na file of {LONG_CHAIN:,} PoA blocks, one payment each "
          f"(built in {built:.1f} s: {LONG_CHAIN / built:.0f} blocks/s, signing included)")
    print(f"  file size              {size / 1e6:8.2f} MB   "
          f"({size / LONG_CHAIN:.0f} bytes a block)")
    print(f"  reopen                 {reopen_time:8.2f} s")
    print(f"  minichain verify       {verify_time:8.2f} s    "
          "(hashes, links, Merkle and state roots)")
    print(f"  minichain verify --full{full_time:8.2f} s    (every signature and seal)")
    print(f"  verify --full / reopen {full_time / reopen_time:8.1f} x")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="minichain-bench-") as folder:
        append_throughput(Path(folder))
        long_file(Path(folder))


if __name__ == "__main__":
    main()
