"""Append blocks to a chain file until killed; print each block once it is committed.

    python tests/store_crash_writer.py PATH pow|poa

Used by test_store_crash.py, which kills this process with SIGKILL at random moments. A line
"height hash" is printed (and flushed) only after `produce_block` has returned, that is after
the block's database transaction has committed: every printed block must survive the kill.
"""

import sys

from minichain import ChainParams, ProofOfAuthority, ProofOfWork, Wallet, open_chain

CUSTOMERS = [Wallet.from_seed(f"customer {i}") for i in range(3)]
SHOP = Wallet.from_seed("shop")
MINER = Wallet.from_seed("miner")
VALIDATORS = [Wallet.from_seed(name) for name in ("platform", "logistics", "bank")]
PARAMS = ChainParams(allocations={c.address: 10**9 for c in CUSTOMERS})


def main(path: str, kind: str) -> None:
    if kind == "pow":
        engine, producers = ProofOfWork(), [MINER]
    else:
        engine = ProofOfAuthority(validators=tuple(v.address for v in VALIDATORS))
        producers = VALIDATORS
    chain = open_chain(path, engine, PARAMS, producers=producers)
    while True:
        for customer in CUSTOMERS[: 1 + chain.height % 3]:  # 1 to 3 payments per block
            chain.submit(customer.pay(SHOP.address, 1 + chain.height % 7, chain=chain))
        block = chain.produce_block()
        print(block.height, block.hash.hex(), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
