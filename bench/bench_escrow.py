"""Orders per second through OrderEscrow on a proof-of-authority chain.

Each order is five signed transactions (deploy, fund, ship, confirm, withdraw), each checked on
entry to the mempool and executed with gas in a block. The baseline beside it is bare
verification of the same transactions' signatures with the same backend (each one installed:
libsecp256k1, pure-Python ecdsa): the part of the work no node can skip.
"""

from __future__ import annotations

from baselines import bare_verify_loop
from timing import best_of

from minichain import Blockchain, Wallet, crypto
from minichain.block import ZERO_ADDRESS
from minichain.contracts import ContractRuntime, call_data, contract_address, deploy_data

ORDERS = 200
PRICE = 100
STEPS = [("fund", "buyer", PRICE, {}), ("ship", "seller", 0, {"tracking_hash": "1Z"}),
         ("confirm", "buyer", 0, {}), ("withdraw", "seller", 0, {})]


def _world():
    validators = [Wallet.from_seed(s) for s in ("platform", "logistics", "bank")]
    buyers = [Wallet.from_seed(f"customer {i}") for i in range(20)]
    sellers = [Wallet.from_seed(f"shop {i}") for i in range(5)]
    funds = {w.address: 1_000_000 for w in validators + buyers + sellers}
    return validators, buyers, sellers, funds


def _signed_rounds():
    """Every transaction of every order, signed in advance, round by round."""
    validators, buyers, sellers, funds = _world()
    platform = validators[0]
    template = Blockchain.proof_of_authority(validators, allocations=funds)
    nonces: dict[str, int] = {}

    def sign(wallet, to, value, data):
        nonce = nonces.get(wallet.address, 0)
        nonces[wallet.address] = nonce + 1
        return wallet.pay(to, value, chain=template, fee=90, nonce=nonce, data=data)

    parties = [{"buyer": buyers[n % 20], "seller": sellers[n % 5]} for n in range(ORDERS)]
    deploys = [sign(platform, ZERO_ADDRESS, 0, deploy_data(
        "OrderEscrow", buyer=p["buyer"].address, seller=p["seller"].address,
        arbiter=platform.address, price=PRICE)) for p in parties]
    addresses = [contract_address(platform.address, tx.nonce) for tx in deploys]
    rounds = [deploys] + [
        [sign(p[who], address, value, call_data(method, **args))
         for p, address in zip(parties, addresses)]
        for method, who, value, args in STEPS]
    return validators, funds, rounds


def main() -> None:
    validators, funds, rounds = _signed_rounds()
    every_tx = [tx for r in rounds for tx in r]
    checks = [(tx.sender_key, tx.signature, tx.signing_bytes()) for tx in every_tx]

    def through_chain() -> None:
        crypto.forget_parsed_keys()
        chain = Blockchain.proof_of_authority(validators, allocations=funds,
                                              runtime=ContractRuntime())
        for batch in rounds:
            for tx in batch:
                chain.submit(tx)
            while len(chain.mempool):
                chain.produce_block()
        receipts = [r for b in chain.blocks for r in chain.receipts(b.hash)]
        assert len(receipts) == len(every_tx) and all(r.success for r in receipts)

    print(f"{ORDERS} orders = {len(every_tx)} transactions (deploy, fund, ship, confirm, "
          f"withdraw), PoA chain")
    for backend in crypto.available_backends():
        with crypto.use_backend(backend):
            chain_time, bare_time = best_of(2, through_chain, bare_verify_loop(backend, checks))
        print(f"  {backend}")
        print(f"    through Blockchain   {ORDERS / chain_time:9,.1f} orders/s "
              f"({len(every_tx) / chain_time:,.0f} transactions/s)")
        print(f"    bare verify          {len(every_tx) / bare_time:9,.0f} signatures/s")
        print(f"    ratio                {bare_time / chain_time:9.2f}")


if __name__ == "__main__":
    main()
