"""A BFT consortium over SimBlock's region latencies: time to finality and blocks per second.

Networks of 4 and 16 validators (all of them voting; f = 1 and f = 5), one block every 5
simulated seconds at most, 5 payments a block. Measured in one run, side by side:

* time to finality: from the moment a block is proposed to the moment the last validator holds
  it final (three message delays over the slowest links that matter), in simulated seconds;
* final blocks per simulated second (the block period bounds it at 0.2);
* wall-clock seconds the simulation needed per final block (every proposal checked, every
  commit seal verified, by every validator).
"""

from __future__ import annotations

import statistics
import time

from minichain import Wallet
from minichain.network import EventKind, Network

SIMULATED_SECONDS = 300
CUSTOMER = Wallet.from_seed("customer")
SHOP = Wallet.from_seed("shop")


def _run(validators: int) -> tuple[float, float, float, int]:
    wallets = {i: Wallet.from_seed(f"validator {i}") for i in range(validators)}
    net = Network.bft(validators, wallets, allocations={CUSTOMER.address: 10**9}, seed=1)
    nonce = 0
    start = time.perf_counter()
    for second in range(0, SIMULATED_SECONDS, 5):
        for _ in range(5):
            net.submit(CUSTOMER.pay(SHOP.address, 1, chain=net.chain(0), nonce=nonce), at=0)
            nonce += 1
        net.run(until=second + 5)
    wall = time.perf_counter() - start
    proposed = {e.block: e.time for e in net.log if e.kind == EventKind.FOUND}
    final: dict[bytes, float] = {}
    for e in net.log:
        if e.kind == EventKind.TIP and e.block in proposed:
            final[e.block] = max(final.get(e.block, 0.0), e.time - proposed[e.block])
    blocks = net.chain(0).finalized_height
    return statistics.median(final.values()), blocks / SIMULATED_SECONDS, wall / blocks, blocks


def main() -> None:
    print(f"BFT networks, SimBlock regions, {SIMULATED_SECONDS} simulated seconds, "
          "5 payments a block")
    for validators in (4, 16):
        finality, rate, wall, blocks = _run(validators)
        print(f"  {validators:2d} validators: {blocks} final blocks, median time to finality "
              f"{finality:.2f} s, {rate:.3f} final blocks per simulated second, "
              f"{wall * 1000:.0f} ms of wall time per block")


if __name__ == "__main__":
    main()
