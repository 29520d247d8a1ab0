"""Validated signed transfers per second through `Blockchain`, against bare verification of the
very same signatures by the same backend (keys parsed in advance: the strictest baseline), for
each signature backend installed: libsecp256k1 (coincurve) and pure-Python ecdsa.

Two nodes of a PoA chain. The producing node checks each transaction as it enters the mempool
(signature, nonce, balance), chooses transactions for blocks, executes them, computes Merkle and
state roots and seals. The receiving node gets the finished blocks as bytes, as from the network, decodes them and
validates them with `add_block`: every seal and every signature checked again (its own
signature cache starts empty), every transaction executed, every root recomputed. Its rate is
the headline figure.
Goals: at least 0.6 of bare verification with libsecp256k1 (where the signature is cheap, the
node's other work shows), at least 0.9 with ecdsa. The goals compare one process with one core;
a block big enough for it (minichain.signature_batch: 50 unchecked signatures with ecdsa, 1,000
with libsecp256k1) also has its signatures verified on every core, shown on its own line.
"""

from __future__ import annotations

import os

from baselines import bare_verify_loop
from timing import best_of

from minichain import Blockchain, Wallet, crypto
from minichain.block import Block

SENDERS = 40
PAYMENTS_EACH = 10
GOALS = {"libsecp256k1": 0.6, "ecdsa": 0.9}
ROUNDS = {"libsecp256k1": 10, "ecdsa": 3}  # a round takes 0.07 s with one and 2.5 s with the other


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


def one_backend(backend: str, customers: list[Wallet], validators: list[Wallet],
                txs: list) -> None:
    blocks: list[bytes] = []

    def producing_node() -> None:
        crypto.forget_parsed_keys()  # the node pays for parsing keys too
        chain = _chain(customers, validators)
        for tx in txs:
            chain.submit(tx)
        while len(chain.mempool):
            chain.produce_block()
        blocks[:] = [block.serialize() for block in chain.blocks[1:]]

    def receiving_node() -> None:
        crypto.forget_parsed_keys()
        chain = _chain(customers, validators)
        for data in blocks:
            block = Block.deserialize(data)
            chain.clock.advance_to(block.header.timestamp)
            chain.add_block(block)
        assert chain.height == len(blocks) and len(chain.signatures) >= len(txs)

    def receiving_node_one_process() -> None:
        os.environ["MINICHAIN_WORKERS"] = "1"      # signature_batch: no worker processes
        try:
            receiving_node()
        finally:
            os.environ.pop("MINICHAIN_WORKERS")

    checks = [(tx.sender_key, tx.signature, tx.signing_bytes()) for tx in txs]
    with crypto.use_backend(backend):
        producing_node()
        bare_time, produce_time, receive_time, every_core_time = best_of(
            ROUNDS[backend], bare_verify_loop(backend, checks), producing_node, receiving_node_one_process,
            receiving_node)
    n = len(txs)
    print(f"  {backend}")
    print(f"    bare verify, one core        {n / bare_time:9,.0f} signatures/s")
    print(f"    producing node               {n / produce_time:9,.0f} transfers/s"
          f"   ratio {bare_time / produce_time:.2f}")
    print(f"    receiving node, one process  {n / receive_time:9,.0f} transfers/s"
          f"   ratio {bare_time / receive_time:.2f}   (goal >= {GOALS[backend]})")
    print(f"    receiving node, every core   {n / every_core_time:9,.0f} transfers/s"
          f"   ratio {bare_time / every_core_time:.2f}")


def main() -> None:
    customers, validators, txs = _setup()
    print(f"{len(txs)} transfers from {SENDERS} customers in PoA blocks, "
          f"signature backends: {', '.join(crypto.available_backends())}")
    for backend in crypto.available_backends():
        one_backend(backend, customers, validators, txs)


if __name__ == "__main__":
    main()
