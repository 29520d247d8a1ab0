"""Miner hash rate against a bare hashlib midstate loop over the same header.

Both hash the same fixed header prefix once and then, per nonce, copy the midstate, add the
nonce and finish a double SHA-256. The miner also compares each hash with the target. The goal
is a ratio of at least 0.9.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import replace

from timing import best_of

from minichain import Blockchain, Wallet
from minichain.consensus.proof_of_work import mine

ATTEMPTS = 300_000
IMPOSSIBLE_BITS = 0x03000001  # target 1: no nonce wins, so the miner tries every one


def main() -> None:
    chain = Blockchain.proof_of_work(miner=Wallet.from_seed("miner"))
    header = replace(chain.build_block().header, difficulty=IMPOSSIBLE_BITS)

    def miner() -> None:
        try:
            mine(header, max_attempts=ATTEMPTS)
        except RuntimeError:
            pass

    prefix = header.prefix_bytes()
    suffix = len(header.seal).to_bytes(4, "big") + header.seal

    def bare() -> None:
        midstate = hashlib.sha256(prefix)
        pack, sha256 = struct.Struct(">Q").pack, hashlib.sha256
        for nonce in range(ATTEMPTS):
            h = midstate.copy()
            h.update(pack(nonce) + suffix)
            sha256(h.digest()).digest()

    miner_time, bare_time = best_of(3, miner, bare)
    print(f"{ATTEMPTS} nonces over one {len(prefix) + 8 + len(suffix)}-byte header")
    print(f"  bare hashlib midstate  {ATTEMPTS / bare_time:10.0f} hashes/s")
    print(f"  minichain miner        {ATTEMPTS / miner_time:10.0f} hashes/s")
    print(f"  ratio                  {bare_time / miner_time:10.2f}   (goal >= 0.9)")


if __name__ == "__main__":
    main()
