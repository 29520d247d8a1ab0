"""Escrow invariants under random play, and a thousand orders on a consortium chain.

Whatever the customer, the shop, the platform and a stranger try, in any order, at any time:
money is conserved (fees only move to the validators), the escrow holds exactly what it still
owes, and nobody ever withdraws more than the contract owed them.
"""

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from minichain import Blockchain, Wallet
from minichain.block import ZERO_ADDRESS
from minichain.contracts import (
    ContractClient,
    ContractRuntime,
    call_data,
    contract_address,
    deploy_data,
)

PRICE = 100
validators = [Wallet.from_seed(s) for s in ("platform", "logistics", "bank")]
platform = validators[0]
buyer, seller, stranger = (Wallet.from_seed(s) for s in ("customer", "shop", "attacker"))
PARTIES = [buyer, seller, platform, stranger]
HOLDING = {"FUNDED", "SHIPPED", "DISPUTED"}


class EscrowGame(RuleBasedStateMachine):
    @initialize()
    def open_order(self):
        self.chain = Blockchain.proof_of_authority(
            validators, allocations={w.address: 1_000 for w in PARTIES},
            runtime=ContractRuntime())
        self.order = ContractClient.deploy(
            self.chain, platform, "OrderEscrow", buyer=buyer.address, seller=seller.address,
            arbiter=platform.address, price=PRICE, ship_window=30, confirm_window=30)
        self.chain.produce_block()
        self.total = self.chain.state.total_supply()
        self.withdrawn = {w.address: 0 for w in PARTIES}
        self.owed_ever = {w.address: 0 for w in PARTIES}

    def _send(self, wallet, method, value=0, **args):
        """Mine the call whatever the dry run would say: the contract must hold its own."""
        tx = wallet.pay(self.order.address, value, chain=self.chain, fee=60,
                        data=call_data(method, **args))
        self.chain.submit(tx)
        before = {w.address: self.order[f"owed:{w.address}"] or 0 for w in PARTIES}
        self.chain.produce_block()
        receipt = self.chain.receipt(tx.txid)
        for w in PARTIES:
            after = self.order[f"owed:{w.address}"] or 0
            if after > before[w.address]:
                self.owed_ever[w.address] += after - before[w.address]
        for event in receipt.events:
            if event.name == "Withdrawn":
                self.withdrawn[event.fields["to"]] += event.fields["amount"]

    @rule(who=st.sampled_from(PARTIES), value=st.sampled_from([PRICE, PRICE - 1, 0]))
    def fund(self, who, value):
        self._send(who, "fund", value=value)

    @rule(who=st.sampled_from(PARTIES))
    def ship(self, who):
        self._send(who, "ship", tracking_hash="1Z999")

    @rule(who=st.sampled_from(PARTIES),
          method=st.sampled_from(["confirm", "release", "cancel", "refund", "dispute",
                                  "withdraw"]))
    def act(self, who, method):
        self._send(who, method)

    @rule(who=st.sampled_from(PARTIES), outcome=st.sampled_from(["release", "refund", "split"]),
          share=st.integers(-10, PRICE + 10))
    def resolve(self, who, outcome, share):
        self._send(who, "resolve", outcome=outcome, seller_share=share)

    @rule(seconds=st.integers(1, 40))
    def wait(self, seconds):
        self.chain.clock.advance(seconds)

    @invariant()
    def money_is_conserved(self):
        assert self.chain.state.total_supply() == self.total

    @invariant()
    def the_escrow_holds_exactly_what_it_owes(self):
        storage = self.order.storage()
        owed = sum(v for k, v in storage.items() if k.startswith("owed:"))
        held = PRICE if storage["state"] in HOLDING else 0
        assert self.order.balance == owed + held

    @invariant()
    def nobody_withdraws_more_than_they_were_owed(self):
        for party in PARTIES:
            assert self.withdrawn[party.address] <= self.owed_ever[party.address]
        paid_out = sum(self.withdrawn.values())
        assert paid_out <= PRICE
        assert self.owed_ever[stranger.address] == 0
        assert self.owed_ever[platform.address] == 0


EscrowGame.TestCase.settings = settings(max_examples=25, stateful_step_count=12, deadline=None)
TestEscrowGame = EscrowGame.TestCase


def run_orders(count: int) -> Blockchain:
    """`count` orders, each deployed, funded, shipped, confirmed and withdrawn, many per block."""
    buyers = [Wallet.from_seed(f"customer {i}") for i in range(20)]
    sellers = [Wallet.from_seed(f"shop {i}") for i in range(5)]
    chain = Blockchain.proof_of_authority(
        validators, allocations={w.address: 100_000 for w in buyers + sellers + validators},
        runtime=ContractRuntime())
    orders = []
    for n in range(count):
        b, s = buyers[n % len(buyers)], sellers[n % len(sellers)]
        deploy = platform.pay(ZERO_ADDRESS, 0, chain=chain, fee=90, data=deploy_data(
            "OrderEscrow", buyer=b.address, seller=s.address, arbiter=platform.address,
            price=PRICE, order=f"#{n}"))
        chain.submit(deploy)
        orders.append((ContractClient(chain, contract_address(platform.address, deploy.nonce)),
                       b, s))
    chain.produce_block()
    for step, who, value, args in [("fund", 1, PRICE, {}), ("ship", 2, 0, {"tracking_hash": "x"}),
                                   ("confirm", 1, 0, {}), ("withdraw", 2, 0, {})]:
        for entry in orders:
            tx = entry[who].pay(entry[0].address, value, chain=chain, fee=60,
                                data=call_data(step, **args))
            chain.submit(tx)
        while len(chain.mempool):
            chain.produce_block()
    return chain


def test_a_thousand_orders_complete_on_a_consortium_chain():
    chain = run_orders(1_000)
    receipts = [r for block in chain.blocks for r in chain.receipts(block.hash)]
    assert len(receipts) == 5_000
    assert all(r.success for r in receipts), next(r.error for r in receipts if not r.success)
    completed = [e for r in receipts for e in r.events if e.name == "Completed"]
    assert len(completed) == 1_000
    assert chain.state.total_supply() == 100_000 * 28
