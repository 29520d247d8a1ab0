"""Validated signed transfers per second through `Blockchain`, against bare `ecdsa` verification
of the very same signatures (keys parsed in advance: the strictest baseline).

The chain's figure includes everything a node does: checking each transaction as it enters the
mempool (signature, nonce, balance), choosing transactions for blocks, executing the blocks,
computing Merkle and state roots, sealing (PoA) and adding the blocks. The goal is a ratio of at
least 0.9: the node should cost little beyond the signature checks it cannot avoid.
"""

from __future__ import annotations

import hashlib

from ecdsa import SECP256k1, VerifyingKey
from ecdsa.util import sigdecode_string
from timing import best_of

from minichain import Blockchain, Wallet, crypto

SENDERS = 40
PAYMENTS_EACH = 10


def _setup() -> tuple[list[Wallet], list[Wallet], list]:
    customers = [Wallet.from_seed(f"customer {i}") for i in range(SENDERS)]
    validators = [Wallet.from_seed(name) for name in ("platform", "logistics", "bank")]
    template = _chain(customers, validators)
    shop = Wallet.from_seed("shop")
    txs = [customer.pay(shop.address, 1, chain=template, nonce=n)
           for n in range(PAYMENTS_EACH) for customer in customers]
    return customers, validators, txs


def _chain(customers: list[Wallet], validators: list[Wallet]) -> Blockchain:
    return Blockchain.proof_of_authority(
        validators, allocations={c.address: 1_000 for c in customers})


def main() -> None:
    customers, validators, txs = _setup()
    keys = {tx.sender_key: VerifyingKey.from_string(tx.sender_key, curve=SECP256k1)
            for tx in txs}
    messages = [(keys[tx.sender_key], tx.signature, tx.signing_bytes()) for tx in txs]

    def bare() -> None:
        for key, signature, message in messages:
            assert key.verify(signature, message, hashfunc=hashlib.sha256,
                              sigdecode=sigdecode_string)

    def through_chain() -> None:
        crypto.forget_parsed_keys()  # the chain pays for parsing keys too
        chain = _chain(customers, validators)
        for tx in txs:
            chain.submit(tx)
        while len(chain.mempool):
            chain.produce_block()
        assert chain.height >= 1 and len(chain.mempool) == 0

    chain_time, bare_time = best_of(3, through_chain, bare)
    n = len(txs)
    print(f"{n} transfers from {SENDERS} customers, PoA chain")
    print(f"  bare ecdsa verify      {n / bare_time:8.0f} signatures/s")
    print(f"  through Blockchain     {n / chain_time:8.0f} transfers/s")
    print(f"  ratio                  {bare_time / chain_time:8.2f}   (goal >= 0.9)")


if __name__ == "__main__":
    main()
