"""Validating a BFT consortium's blocks: transfers per second through `Blockchain.add_block`,
against bare verification of every signature those blocks carry with the same backend, for each
signature backend installed (libsecp256k1 and pure-Python ecdsa).

A consortium of four validators (platform, logistics, bank, auditor; a quorum is 3) agrees on 20
blocks of 20 signed transfers. A node that was not there then checks the blocks as it receives
them: every transfer's signature, every proposer's seal and every commit seal, plus the Merkle,
state and receipts roots. The baseline verifies the same signatures and nothing else — the work
no node can skip — so the ratio is what the rest of validation costs.
"""

from __future__ import annotations

from baselines import bare_verify_loop
from timing import best_of

from minichain import Blockchain, Wallet, crypto
from minichain.consensus.bft import commit_message

BLOCKS = 20
PER_BLOCK = 20
VALIDATORS = [Wallet.from_seed(name) for name in ("platform", "logistics", "bank", "auditor")]
SHOP = Wallet.from_seed("shop")
CUSTOMERS = [Wallet.from_seed(f"customer {i}") for i in range(PER_BLOCK)]
FUNDS = {c.address: 10**9 for c in CUSTOMERS}


def _agreed_blocks() -> tuple[Blockchain, list]:
    chain = Blockchain.bft(VALIDATORS, allocations=FUNDS)
    for _ in range(BLOCKS):
        for customer in CUSTOMERS:
            chain.submit(customer.pay(SHOP.address, 1, chain=chain))
        chain.produce_block()
    return chain, chain.blocks[1:]


def _signatures(blocks: list) -> list[tuple[bytes, bytes, bytes]]:
    """(public key, signature, message) for every signature in the blocks."""
    checks = []
    for block in blocks:
        checks += [(tx.sender_key, tx.signature, tx.signing_bytes()) for tx in block.transactions]
        seal = block.header.seal
        checks.append((seal[:33], seal[33:], block.header.sealing_bytes()))
        checks += [(s[:33], s[33:], commit_message(block.hash)) for s in block.commit_seals]
    return checks


def main() -> None:
    agreed, blocks = _agreed_blocks()
    checks = _signatures(blocks)
    transfers = BLOCKS * PER_BLOCK
    print(f"{BLOCKS} BFT blocks of {PER_BLOCK} transfers, 4 validators: {len(checks)} "
          f"signatures ({transfers} transfers, {BLOCKS} proposer seals, "
          f"{len(checks) - transfers - BLOCKS} commit seals)")

    def through_chain() -> None:
        crypto.forget_parsed_keys()  # the node pays for parsing keys too
        node = Blockchain(agreed.engine.fresh(), agreed.params)
        node.clock.advance_to(agreed.clock.now())
        for block in blocks:
            node.add_block(block)
        assert node.tip.hash == agreed.tip.hash and node.finalized_height == BLOCKS

    for backend in crypto.available_backends():
        with crypto.use_backend(backend):
            chain_time, bare_time = best_of(3, through_chain, bare_verify_loop(backend, checks))
        print(f"  {backend}")
        print(f"    bare verify          {len(checks) / bare_time:9,.0f} signatures/s")
        print(f"    through add_block    {transfers / chain_time:9,.0f} transfers/s "
              f"({len(checks) / chain_time:,.0f} signatures/s)")
        print(f"    ratio                {bare_time / chain_time:9.2f}   (signatures checked per "
              "second, chain / bare)")


if __name__ == "__main__":
    main()
