"""The contract runtime: gas, all-or-nothing calls, fees that are paid even when a call fails,
and the same state on every node."""

import pytest

from minichain import Blockchain, Wallet
from minichain.contracts import (
    GAS,
    BadCall,
    Contract,
    ContractClient,
    ContractRuntime,
    NotPayable,
    OutOfGas,
    UnknownContract,
    UnknownMethod,
    WrongAmount,
    call_data,
    contract_address,
    deploy_data,
    public,
    register,
)
from minichain.block import ZERO_ADDRESS

validators = [Wallet.from_seed(s) for s in ("platform", "logistics", "bank")]
customer, shop, attacker = (Wallet.from_seed(s) for s in ("customer", "shop", "attacker"))


@register
class TipJar(Contract):
    """A test contract: counts tips, can pay out, can crash, can loop on storage."""

    def setup(self, owner: str) -> None:
        self.store("owner", owner)
        self.store("tips", 0)

    @public(payable=True)
    def tip(self, note: str = "") -> None:
        self.store("tips", self.load("tips") + self.value)
        self.emit("Tipped", by=self.caller, amount=self.value, note=note)

    @public
    def pay_out(self, amount: int) -> None:
        self.store("tips", 0)
        self.pay(self.load("owner"), amount)

    @public(payable=True)
    def crash(self) -> None:
        self.store("tips", 999)
        1 / 0

    @public
    def scribble(self, times: int) -> None:
        for i in range(times):
            self.store(f"line {i}", i)

    def not_public(self) -> None:
        self.store("owner", self.caller)


def new_chain() -> Blockchain:
    return Blockchain.proof_of_authority(
        validators, allocations={customer.address: 1_000, shop.address: 1_000,
                                 attacker.address: 1_000}, runtime=ContractRuntime())


@pytest.fixture
def chain():
    return new_chain()


@pytest.fixture
def jar(chain):
    jar = ContractClient.deploy(chain, shop, "TipJar", owner=shop.address)
    chain.produce_block()
    return jar


def mine_anyway(chain, tx):
    """Put `tx` in a block without the client's dry run, as a hostile sender could."""
    block = chain.build_block(transactions=[tx])
    chain.clock.advance_to(block.header.timestamp)
    chain.add_block(block)
    return chain.receipt(tx.txid)


def test_a_deployment_lives_at_the_predicted_address(chain):
    nonce = chain.next_nonce(shop.address)
    jar = ContractClient.deploy(chain, shop, "TipJar", owner=shop.address)
    assert jar.address == contract_address(shop.address, nonce)
    block = chain.produce_block()
    receipt = chain.receipts(block.hash)[0]
    assert receipt.success and receipt.contract == jar.address
    assert jar.name == "TipJar"
    assert jar.storage() == {"owner": shop.address, "tips": 0}


def test_fee_is_gas_used_times_price_and_the_rest_is_returned(chain, jar):
    before = chain.balance(customer.address)
    tx = jar.call(customer, "tip", value=10, fee=100, note="thanks")
    chain.produce_block()
    receipt = chain.receipt(tx.txid)
    # call, read tips, write tips (1 word), one event
    assert receipt.gas_used == GAS["call"] + GAS["read"] + GAS["write"] + 1 + GAS["event"]
    assert receipt.fee == receipt.gas_used * 1
    assert chain.balance(customer.address) == before - 10 - receipt.fee
    assert jar.balance == 10
    assert [str(e) for e in receipt.events] == [
        f"Tipped(amount=10, by={customer.address!r}, note='thanks')"]


def test_out_of_gas_undoes_everything_and_keeps_the_whole_fee(chain, jar):
    with pytest.raises(OutOfGas, match="ran out of gas"):
        jar.call(customer, "scribble", times=50, fee=30)
    tx = customer.pay(jar.address, 0, chain=chain, fee=30, data=call_data("scribble", times=50))
    before = chain.balance(customer.address)
    receipt = mine_anyway(chain, tx)
    assert not receipt.success and "ran out of gas" in receipt.error
    assert receipt.fee == 30 and receipt.gas_used == 30
    assert chain.balance(customer.address) == before - 30
    assert "line 0" not in jar.storage()
    assert chain.nonce(customer.address) == 1  # the failed call still used its nonce


def test_a_crashing_contract_is_undone_value_returned_fee_paid(chain, jar):
    tx = customer.pay(jar.address, 25, chain=chain, fee=50, data=call_data("crash"))
    before = chain.balance(customer.address)
    receipt = mine_anyway(chain, tx)
    assert not receipt.success
    assert "ZeroDivisionError" in receipt.error
    assert jar["tips"] == 0 and jar.balance == 0
    assert chain.balance(customer.address) == before - receipt.fee
    assert receipt.events == ()


@pytest.mark.parametrize("method, args, error, match", [
    ("steal", {}, UnknownMethod, "TipJar has no method 'steal'"),
    ("not_public", {}, UnknownMethod, "has no method 'not_public'"),
    ("_only", {}, UnknownMethod, "has no method '_only'"),
    ("setup", {"owner": "x"}, UnknownMethod, "has no method 'setup'"),
    ("tip", {"colour": "red"}, BadCall, "wrong arguments"),
])
def test_only_public_methods_with_their_arguments_can_be_called(chain, jar, method, args, error,
                                                                match):
    with pytest.raises(error, match=match):
        jar.call(attacker, method, **args)
    assert jar["owner"] == shop.address


def test_money_cannot_be_sent_to_a_method_that_does_not_take_it(chain, jar):
    with pytest.raises(NotPayable, match="does not accept money"):
        jar.call(customer, "pay_out", value=5, amount=0)


def test_a_plain_payment_to_a_contract_is_refused_not_swallowed(chain, jar):
    tx = customer.pay(jar.address, 40, chain=chain, fee=20)
    receipt = mine_anyway(chain, tx)
    assert not receipt.success and "accepts money only through its methods" in receipt.error
    assert jar.balance == 0


def test_calling_an_address_without_a_contract(chain):
    ghost = ContractClient(chain, shop.address)
    with pytest.raises(UnknownContract, match="there is no contract at"):
        ghost.call(customer, "tip", value=1)


def test_deploying_an_unknown_contract(chain):
    with pytest.raises(UnknownContract, match="no contract named 'Ponzi' is installed"):
        ContractClient.deploy(chain, attacker, "Ponzi")


def test_a_deployment_must_be_sent_to_the_zero_address(chain):
    tx = attacker.pay(shop.address, 0, chain=chain, fee=100,
                      data=deploy_data("TipJar", owner=attacker.address))
    with pytest.raises(BadCall, match="sent to the zero address"):
        from minichain.contracts import dry_run
        dry_run(chain, tx)


def test_a_contract_cannot_pay_out_more_than_it_holds(chain, jar):
    jar.call(customer, "tip", value=10)
    chain.produce_block()
    with pytest.raises(WrongAmount, match="holds 10 and cannot pay 11"):
        jar.call(shop, "pay_out", amount=11)
    before = chain.balance(shop.address)
    tx = jar.call(shop, "pay_out", amount=10)
    chain.produce_block()
    assert chain.balance(shop.address) == before + 10 - chain.receipt(tx.txid).fee


def test_contracts_of_the_same_kind_keep_separate_storage(chain, jar):
    other = ContractClient.deploy(chain, customer, "TipJar", owner=customer.address)
    chain.produce_block()
    jar.call(attacker, "tip", value=3)
    chain.produce_block()
    assert jar["tips"] == 3 and other["tips"] == 0


def test_two_nodes_executing_the_same_blocks_reach_the_same_state(chain, jar):
    jar.call(customer, "tip", value=7, note="great tea")
    tx = customer.pay(jar.address, 0, chain=chain, fee=40, data=call_data("crash"))
    chain.submit(tx)
    chain.produce_block()
    other = new_chain()
    other.clock.advance_to(chain.clock.now())
    for block in chain.blocks[1:]:
        other.add_block(block)
    assert other.tip.hash == chain.tip.hash
    assert other.state.root() == chain.state.root()
    assert other.receipts(chain.tip.hash) == chain.receipts(chain.tip.hash)


def test_money_is_conserved_fees_go_to_the_sealer(chain, jar):
    total = chain.state.total_supply()
    jar.call(customer, "tip", value=7)
    chain.produce_block()
    jar.call(shop, "pay_out", amount=7)
    chain.produce_block()
    assert chain.state.total_supply() == total


def test_the_client_needs_a_chain_that_runs_contracts():
    plain = Blockchain.proof_of_authority(validators)
    with pytest.raises(ValueError, match="runs no contracts"):
        ContractClient(plain, ZERO_ADDRESS)
