"""Fuzzing the boundary rule: whatever contract data an attacker signs, nothing but a
ValidationError escapes, blocks keep coming, and every node agrees.

The story: five contracts run on a consortium chain kept in a file — an order escrow, loyalty
points, a product registry and two payment channels. The attacker sends every method (and every
deployment) hostile arguments: lists nested thousands deep, every Unicode code point including
lone surrogates and NUL, numbers with hundreds of digits, fractions, NaN and infinities, the same
field twice, very long text, arguments of the wrong type. Each transaction goes to the door
(`submit`), a dry run (`dry_run`), into a block built exactly as the attacker wants and into the
next honest block, to a second node that checks everything from deep in its stack, and through
the chain file. Nothing may crash, the honest block must always be built, and the two nodes and
the file must agree on every state root.
"""

import inspect
import json
import sys

import pytest
from contract_helpers import at_stack_depth
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from minichain import Blockchain, ValidationError, Wallet
from minichain.block import ZERO_ADDRESS
from minichain.contracts import ContractClient, ContractRuntime, dry_run
from minichain.contracts.runtime import REGISTRY, public_methods
from minichain.store import persist, verify_chain_file

validators = [Wallet.from_seed(s) for s in ("platform", "logistics", "bank")]
platform = validators[0]
customer, shop = Wallet.from_seed("customer"), Wallet.from_seed("shop")
ATTACKERS = [Wallet.from_seed(f"attacker {i}") for i in range(6)]
FUNDS = {w.address: 10**9 for w in (customer, shop, platform, *ATTACKERS)}
CONTRACTS = ("OrderEscrow", "LoyaltyPoints", "ProductRegistry", "PaymentChannel",
             "BidirectionalChannel")


def node() -> Blockchain:
    return Blockchain.proof_of_authority(validators, allocations=FUNDS,
                                         runtime=ContractRuntime())


class Scene:
    """The shop's node (kept in a file), a second node that checks it, and the contracts."""

    def __init__(self, path):
        self.path = path
        self.chain = node()
        self.store = persist(self.chain, path)
        chain_id = self.chain.params.chain_id
        deployments = [
            (platform, "OrderEscrow", 0, dict(buyer=customer.address, seller=shop.address,
                                              arbiter=platform.address, price=120)),
            (shop, "LoyaltyPoints", 0, dict(name="Tea Points", symbol="TEA")),
            (platform, "ProductRegistry", 0, dict(chain_id=chain_id, name="tea")),
            (customer, "PaymentChannel", 500, dict(merchant=shop.address,
                                                   customer_key=customer.public_key.hex(),
                                                   chain_id=chain_id)),
            (customer, "BidirectionalChannel", 300, dict(partner=shop.address,
                                                         opener_key=customer.public_key.hex(),
                                                         partner_key=shop.public_key.hex(),
                                                         chain_id=chain_id)),
        ]
        self.contracts = {}
        for wallet, name, value, args in deployments:
            client = ContractClient.deploy(self.chain, wallet, name, value=value, **args)
            self.chain.produce_block()
            self.contracts[name] = client.address
        self.checker = node()
        self.catch_up()

    def catch_up(self) -> None:
        checker = self.checker
        checker.clock.advance_to(self.chain.clock.now())
        for block in self.chain.blocks[checker.height + 1:]:
            at_stack_depth(sys.getrecursionlimit() - 150, lambda b=block: checker.add_block(b))
        assert checker.tip.hash == self.chain.tip.hash
        assert checker.state.root() == self.chain.state.root()


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    scene = Scene(tmp_path_factory.mktemp("fuzz") / "shop.chain")
    yield scene
    scene.store.close()


# -- hostile JSON, as text, so that it can say what Python's json module never writes ------------

def _string(text: str) -> str:
    return json.dumps(text)  # escapes lone surrogates as \ud800, which a reader turns back


ANY_CHARACTER = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
ADDRESSES = st.sampled_from([customer.address, shop.address, platform.address, ZERO_ADDRESS,
                             ATTACKERS[0].address.lower(), "0x" + "0" * 39, "shop", ""])
LEAVES = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.integers(1, 600).map(lambda digits: "9" * digits),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1.5", "1e400", "-0.0", "true", "false",
                     "null", "1E2"]),
    st.text(ANY_CHARACTER, max_size=40).map(_string),
    st.sampled_from(['"\\ud800"', '"tea \\udfff"', '"a\\u0000b"', '"\\ud83d\\ude00"']),
    st.integers(1, 3_000).map(lambda n: _string("x" * n)),
    ADDRESSES.map(_string),
    st.sampled_from([customer.public_key.hex(), shop.public_key.hex(), "zz", "00" * 33])
      .map(_string),
)


def _object(pairs: list[tuple[str, str]]) -> str:
    return "{" + ",".join(f"{_string(k)}:{v}" for k, v in pairs) + "}"


def values(names: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def lists_and_objects_of(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.lists(inner, max_size=4).map(lambda items: "[" + ",".join(items) + "]"),
            st.lists(st.tuples(names, inner), max_size=4).map(_object))

    nested = st.recursive(LEAVES, lists_and_objects_of, max_leaves=12)
    deep = st.integers(5, 2_500).map(lambda n: "[" * n + "]" * n)
    return st.one_of(nested, nested, nested, deep)


METHODS = [(contract, method) for contract in CONTRACTS
           for method in public_methods(REGISTRY[contract])]


def parameters(contract: str, method: str) -> list[str]:
    fn = REGISTRY[contract].setup if method == "setup" else getattr(REGISTRY[contract], method)
    return [p for p in inspect.signature(fn).parameters if p != "self"]


@st.composite
def hostile_data(draw) -> tuple[str, bytes]:
    """(which contract it is for, or "" for a deployment; the transaction's data)."""
    kind = draw(st.sampled_from(["call", "call", "deploy", "bytes", "shape"]))
    if kind == "bytes":
        return draw(st.sampled_from(CONTRACTS)), b"{" + draw(st.binary(max_size=300))
    if kind == "deploy":
        contract, method = draw(st.sampled_from(CONTRACTS)), "setup"
    else:
        contract, method = draw(st.sampled_from(METHODS))
    names = parameters(contract, method)
    arg_names = st.one_of(st.sampled_from(names), st.text(ANY_CHARACTER, max_size=8)) \
        if names else st.text(ANY_CHARACTER, max_size=8)
    args = draw(st.lists(st.tuples(arg_names, values(arg_names)), max_size=len(names) + 2))
    head = ("deploy", contract) if kind == "deploy" else ("call", method)
    pairs = [(head[0], _string(head[1])), ("args", _object(args))]
    if kind == "shape":  # the message itself misshapen: a field twice, extra, or missing
        pairs = draw(st.permutations(pairs + draw(st.lists(st.sampled_from(
            [("args", "[]"), ("gas", "1"), ("call", "7"), ("deploy", "null")]), max_size=2))))
    text = _object(pairs)
    return ("" if kind == "deploy" else contract), text.encode("utf-8", "surrogatepass")


# -- the property ---------------------------------------------------------------------------------

@settings(max_examples=120, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(target_and_data=hostile_data(), fee=st.sampled_from([0, 24, 400, 400, 5_000]),
       amount=st.sampled_from([0, 0, 1, 120]), who=st.sampled_from(ATTACKERS))
def test_nothing_but_a_validation_error_escapes_and_every_node_agrees(scene, target_and_data, fee,
                                                                      amount, who):
    target, data = target_and_data
    chain = scene.chain
    to = ZERO_ADDRESS if target == "" else scene.contracts[target]
    tx = who.pay(to, amount, chain=chain, fee=fee, data=data)
    try:
        dry_run(chain, tx)
    except ValidationError:
        pass
    try:
        chain.submit(tx)
        event("admitted")
    except ValidationError as refusal:
        event(f"refused at the door: {type(refusal).__name__}")
    hostile = chain.build_block(transactions=[tx])  # the block the attacker wants in
    chain.clock.advance_to(hostile.header.timestamp)
    scene.checker.clock.advance_to(hostile.header.timestamp)
    verdicts = []
    for checker in (chain, scene.checker):
        try:
            at_stack_depth(sys.getrecursionlimit() - 150 if checker is scene.checker else 0,
                           lambda c=checker: c.add_block(hostile))
            verdicts.append("accepted")
        except ValidationError as refusal:
            verdicts.append(type(refusal).__name__)
    assert verdicts[0] == verdicts[1], verdicts
    event(f"attacker's block: {verdicts[0]}")
    receipt = chain.receipt(tx.txid)
    if receipt is not None:
        event("the call succeeded" if receipt.success else "the call failed")
    chain.produce_block()  # whatever waits in the mempool, an honest block is always built
    scene.catch_up()
    stored = verify_chain_file(scene.path)
    assert stored.state.root() == chain.state.root()


def test_the_fuzzed_chain_file_re_executes_to_the_same_state(scene):
    chain = verify_chain_file(scene.path, full=True)
    assert chain.tip.hash == scene.chain.tip.hash and chain.state.root() == scene.chain.state.root()
