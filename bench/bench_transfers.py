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
node's other work shows), at least 0.9 with ecdsa.
"""

from __future__ import annotations

import hashlib

from timing import best_of

from minichain import Blockchain, Wallet, crypto
from minichain.block import Block

SENDERS = 40
PAYMENTS_EACH = 10
GOALS = {"libsecp256k1": 0.6, "ecdsa": 0.9}


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


def bare_verifier(backend: str, txs: list):
    """A loop verifying every transaction's signature with `backend`'s own objects, keys parsed
    and signatures decoded beforehand."""
    if backend == "libsecp256k1":
        from coincurve import PublicKey
        from coincurve.ecdsa import cdata_to_der, deserialize_compact
        keys = {tx.sender_key: PublicKey(tx.sender_key) for tx in txs}
        work = [(keys[tx.sender_key], cdata_to_der(deserialize_compact(tx.signature)),
                 tx.signing_bytes()) for tx in txs]

        def sha256(message: bytes) -> bytes:
            return hashlib.sha256(message).digest()

        def bare() -> None:
            for key, signature, message in work:
                assert key.verify(signature, message, hasher=sha256)
        return bare
    from ecdsa import SECP256k1, VerifyingKey
    from ecdsa.util import sigdecode_string
    keys = {tx.sender_key: VerifyingKey.from_string(tx.sender_key, curve=SECP256k1)
            for tx in txs}
    work = [(keys[tx.sender_key], tx.signature, tx.signing_bytes()) for tx in txs]

    def bare() -> None:
        for key, signature, message in work:
            assert key.verify(signature, message, hashfunc=hashlib.sha256,
                              sigdecode=sigdecode_string)
    return bare


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

    with crypto.use_backend(backend):
        producing_node()
        bare = bare_verifier(backend, txs)
        bare_time, produce_time, receive_time = best_of(3, bare, producing_node, receiving_node)
    n = len(txs)
    print(f"  {backend}")
    print(f"    bare verify              {n / bare_time:9,.0f} signatures/s")
    print(f"    producing node           {n / produce_time:9,.0f} transfers/s"
          f"   ratio {bare_time / produce_time:.2f}")
    print(f"    receiving node           {n / receive_time:9,.0f} transfers/s"
          f"   ratio {bare_time / receive_time:.2f}   (goal >= {GOALS[backend]})")


def main() -> None:
    customers, validators, txs = _setup()
    print(f"{len(txs)} transfers from {SENDERS} customers in PoA blocks, "
          f"signature backends: {', '.join(crypto.available_backends())}")
    for backend in crypto.available_backends():
        one_backend(backend, customers, validators, txs)


if __name__ == "__main__":
    main()
