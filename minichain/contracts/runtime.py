"""The contract runtime: deterministic Python contracts with gas and all-or-nothing calls.

Contracts are Python classes registered by name, like chaincode installed on every peer of a
Hyperledger Fabric network. A deploy transaction names the contract and its arguments; a call
names the method and its arguments. Both are ordinary signed transactions whose `data` is a small
canonical JSON message:

    {"deploy": "OrderEscrow", "args": {...}}     sent to the zero address
    {"call": "ship", "args": {...}}              sent to the contract's address

A contract sees only what the runtime hands it (Ethereum yellow paper, section 9): its own
storage, the caller, the value sent, the block's height and time; it can emit events and pay out
of its own balance. Every storage read and write, event and payment costs gas, and the fee is the
gas used times the gas price. The sender's `fee` is the most it will pay: if the call needs more
gas (out of gas) or raises an error, every effect of the call is undone, but the fee is still
paid — the work was done. Execution is a pure function of the transaction and the state, so every
node computes the same state commitment.

What a message, a stored value or an event may hold is bounded by `minichain.contracts.message`,
checked at the mempool's door and in every block: a malformed message makes the transaction
invalid, not merely failed. A call's fee must at least cover its intrinsic gas (the gas every
call costs before the contract runs, as Ethereum's G_transaction; yellow paper, section 6.2), or
the transaction is invalid too, so no one can make nodes do work for nothing. A call runs with a
fixed allowance of stack frames above the point where it starts (`CALL_STACK_FRAMES`), so how
deep the node's own stack already is — a network simulation, a notebook, a test runner — never
changes whether a call succeeds.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from minichain import crypto
from minichain.block import ZERO_ADDRESS
from minichain.contracts.message import MalformedMessage, check_name, check_value, \
    message_kind, read_message
from minichain.errors import InvalidTransaction, ValidationError, short
from minichain.execution import BlockContext, register_runtime
from minichain.language import say
from minichain.receipt import Event, Receipt
from minichain.state import Account, Scratch, WorldState, _Reads, check_nonce_and_funds
from minichain.transaction import Transaction

__all__ = [
    "GAS",
    "BadCall",
    "Contract",
    "ContractError",
    "ContractRuntime",
    "FeeBelowIntrinsicGas",
    "NotAllowed",
    "NotPayable",
    "OutOfGas",
    "UnknownContract",
    "UnknownMethod",
    "WrongAmount",
    "WrongState",
    "TooLate",
    "TooEarly",
    "call_data",
    "contract_address",
    "deploy_data",
    "intrinsic_gas",
    "public",
    "register",
]

# Gas per operation, after the spirit of the yellow paper's Appendix G, scaled for teaching.
GAS = {
    "call": 5,  # every deployment or call
    "deploy": 20,  # storing a new contract
    "read": 1,  # one storage read
    "write": 3,  # one storage write, plus 1 per started 32 bytes of the value
    "event": 2,  # one event
    "transfer": 3,  # one payment out of the contract
}
MAX_VALUE_BYTES = 4_096  # one stored value, encoded
CALL_STACK_FRAMES = 200  # Python frames a call may use above where it starts


def intrinsic_gas(kind: str | None) -> int:
    """The gas a transaction for a contract costs before any contract code runs (`kind` is
    the message's, "deploy" or "call", or None for a plain payment to a contract)."""
    return GAS["call"] + (GAS["deploy"] if kind == "deploy" else 0)


# -- what can go wrong ---------------------------------------------------------------------------

class FeeBelowIntrinsicGas(InvalidTransaction):
    """A transaction for a contract must pay at least the gas every such transaction costs."""

    def __init__(self, fee: int, needed: int, gas_price: int):
        super().__init__(say(
            "a transaction for a contract costs at least {needed} gas ({coins} coins) before the "
            "contract runs, but its fee is only {fee}; offer a fee of at least {coins}",
            needed=needed, coins=needed * gas_price, fee=fee))


class ContractError(ValidationError):
    """A contract refused a call; its effects are undone, its fee is paid."""


class BadCall(ContractError):
    """The transaction's data is not a well-formed deploy or call message."""


class UnknownContract(ContractError):
    """No contract lives at the address, or no contract of that name is installed."""


class UnknownMethod(ContractError):
    """The contract has no public method of that name."""


class NotPayable(ContractError):
    """Money was sent to a method that does not accept money."""


class OutOfGas(ContractError):
    """The call needed more gas than the fee pays for."""

    def __init__(self, needed: int, limit: int):
        super().__init__(say(
            "the call ran out of gas: it needed more than {limit} gas (the fee pays for {limit}); "
            "all its effects are undone and the fee is kept. Offer a higher fee.", limit=limit))
        self.needed = needed


class NotAllowed(ContractError):
    """The caller's role does not allow this action."""


class WrongState(ContractError):
    """The action is not allowed in the contract's current state."""


class WrongAmount(ContractError):
    """The money sent, or asked for, is not the right amount."""


class TooLate(ContractError):
    """A deadline has passed."""


class TooEarly(ContractError):
    """The action is allowed only after some time or block."""


# -- contracts -----------------------------------------------------------------------------------

def public(method: Callable | None = None, *, payable: bool = False) -> Callable:
    """Mark a contract method as callable by transactions (`payable=True` if it takes money)."""
    def mark(fn: Callable) -> Callable:
        fn.__contract_public__ = True
        fn.__contract_payable__ = payable
        return fn
    return mark(method) if method is not None else mark


REGISTRY: dict[str, type[Contract]] = {}


def register(cls: type[Contract]) -> type[Contract]:
    """Install a contract class under its name, on every node (like installed chaincode)."""
    REGISTRY[cls.__name__] = cls
    return cls


class Contract:
    """Base class of contracts: storage, caller, value, block, events and payments.

    A subclass defines `setup(**args)` (run once, at deployment) and `@public` methods.
    """

    payable_setup: ClassVar[bool] = False

    def __init__(self, call: _Call):
        self._call = call

    # what the contract may know
    @property
    def address(self) -> str:
        return self._call.contract

    @property
    def caller(self) -> str:
        return self._call.caller

    @property
    def value(self) -> int:
        return self._call.value

    @property
    def height(self) -> int:
        return self._call.block.height

    @property
    def now(self) -> int:
        """The block's timestamp (seconds)."""
        return self._call.block.timestamp

    @property
    def balance(self) -> int:
        return self._call.scratch.balance(self.address)

    # what the contract may do
    def load(self, name: str, default: Any = None) -> Any:
        """Read a stored value (costs gas)."""
        return self._call.load(name, default)

    def store(self, name: str, value: Any) -> None:
        """Write a stored value (costs gas); None deletes it."""
        self._call.store(name, value)

    def emit(self, name: str, /, **fields: Any) -> None:
        """Announce an event (costs gas); explorers and lessons read them from receipts."""
        self._call.emit(name, fields)

    def pay(self, to: str, amount: int) -> None:
        """Pay out of the contract's own balance (costs gas)."""
        self._call.pay(to, amount)

    def charge(self, gas: int) -> None:
        """Charge extra gas for expensive work (e.g. a signature check)."""
        self._call.charge(gas)

    def setup(self, **args: Any) -> None:
        """Called once at deployment."""


# -- messages ------------------------------------------------------------------------------------

def _canonical(message: dict) -> bytes:
    return json.dumps(message, sort_keys=True, separators=(",", ":")).encode("utf-8")


def deploy_data(contract: str, **args: Any) -> bytes:
    """The `data` of a transaction deploying `contract` with `args`."""
    return _canonical({"deploy": contract, "args": args})


def call_data(method: str, **args: Any) -> bytes:
    """The `data` of a transaction calling `method` with `args`."""
    return _canonical({"call": method, "args": args})


def contract_address(creator: str, nonce: int) -> str:
    """Where a contract deployed by `creator` with this nonce lives (as Ethereum's CREATE)."""
    seed = b"contract" + crypto.address_bytes(creator) + nonce.to_bytes(8, "big")
    return crypto.to_checksum_address(hashlib.sha3_256(seed).digest()[-20:])


def contract_key(address: str) -> str:
    return "contract:" + address


def storage_key(address: str, name: str) -> str:
    return f"storage:{address}:{name}"


# -- one call ------------------------------------------------------------------------------------

@dataclass
class _Call:
    """The runtime's side of one deployment or call: gas, storage, events."""

    scratch: Scratch
    contract: str
    caller: str
    value: int
    block: BlockContext
    gas_limit: int
    gas_used: int = 0
    events: list[Event] = field(default_factory=list)

    def charge(self, gas: int) -> None:
        self.gas_used += gas
        if self.gas_used > self.gas_limit:
            raise OutOfGas(self.gas_used, self.gas_limit)

    def load(self, name: str, default: Any) -> Any:
        self.charge(GAS["read"])
        raw = self.scratch.get(self._key(name))
        return default if raw is None else json.loads(raw)

    def store(self, name: str, value: Any) -> None:
        key = self._key(name)
        if value is None:
            self.charge(GAS["write"])
            self.scratch.set(key, None)
            return
        _plain(check_value, value, say("the value stored as {name!r}", name=name))
        raw = json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")
        if len(raw) > MAX_VALUE_BYTES:
            raise BadCall(say("a stored value may be at most {limit} bytes",
                              limit=MAX_VALUE_BYTES))
        self.charge(GAS["write"] + (len(raw) + 31) // 32)
        self.scratch.set(key, raw)

    def emit(self, name: str, fields: dict[str, Any]) -> None:
        self.charge(GAS["event"])
        _plain(check_name, name, say("an event name"))
        _plain(check_value, fields, say("the event {name!r}", name=name))
        self.events.append(Event(self.contract, name, json.loads(_canonical(fields))))

    def _key(self, name: str) -> str:
        _plain(check_name, name, say("a storage name"))
        return storage_key(self.contract, name)

    def pay(self, to: str, amount: int) -> None:
        self.charge(GAS["transfer"])
        if type(amount) is not int or amount < 0:
            raise WrongAmount(say("a payment must be a whole number of coins, not {amount!r}",
                                  amount=amount))
        if crypto.address_problem(to):
            raise BadCall(say("cannot pay {to!r}: {problem}", to=to,
                              problem=crypto.address_problem(to)))
        if self.scratch.balance(self.contract) < amount:
            raise WrongAmount(say("the contract holds {balance} and cannot pay {amount}",
                                  balance=self.scratch.balance(self.contract), amount=amount))
        self.scratch.credit(self.contract, -amount)
        self.scratch.credit(to, amount)


# -- the runtime ---------------------------------------------------------------------------------

@dataclass
class ContractRuntime:
    """Runs contract transactions for a `Blockchain` (pass it as `runtime=`)."""

    gas_price: int = 1  # coins per unit of gas

    def handles(self, tx: Transaction, state: _Reads | None = None) -> bool:
        """True if `tx` is for a contract; raises MalformedMessage if its message is malformed."""
        return message_kind(tx.data) is not None or (
            state is not None and state.get(contract_key(tx.recipient)) is not None)

    def check(self, tx: Transaction, state: _Reads) -> None:
        """What makes a transaction for a contract invalid before it runs: a malformed message,
        or a fee below the intrinsic gas. Other transactions pass untouched."""
        if self.handles(tx, state):
            needed = intrinsic_gas(message_kind(tx.data))
            if tx.fee // self.gas_price < needed:
                raise FeeBelowIntrinsicGas(tx.fee, needed, self.gas_price)

    def apply(self, scratch: Scratch, tx: Transaction, block: BlockContext) -> Receipt:
        receipt, _error = self.run(scratch, tx, block)
        return receipt

    def describe(self) -> dict[str, Any]:
        return {"kind": "contracts", "gas_price": self.gas_price}

    @classmethod
    def from_description(cls, description: dict[str, Any]) -> ContractRuntime:
        gas_price = description.get("gas_price")
        if set(description) != {"kind", "gas_price"} or type(gas_price) is not int \
                or gas_price < 1:
            raise ValueError("a contract runtime is described by a gas price of at least 1")
        return cls(gas_price=gas_price)

    def run(self, scratch: Scratch, tx: Transaction, block: BlockContext
            ) -> tuple[Receipt, ContractError | None]:
        """Execute `tx` on `scratch`: the receipt, and the error if the call failed.

        Raises InvalidTransaction (and changes nothing) if `tx` may not be in a block at all."""
        self.check(tx, scratch)
        sender = check_nonce_and_funds(scratch, tx)  # the most it can cost: amount + fee
        scratch.set_account(tx.sender, Account(sender.balance - tx.fee, sender.nonce + 1))
        gas_limit = tx.fee // self.gas_price
        call = _Call(scratch.child(), "", tx.sender, tx.amount, block, gas_limit)
        error: ContractError | None = None
        try:
            _with_stack_allowance(self._execute, call, tx)
        except ContractError as refused:
            error = refused
        except Exception as crash:  # a bug in a contract: still undone, still deterministic
            error = ContractError(say("the contract failed with {error} (a bug in the "
                                      "contract); its effects are undone and the fee is kept",
                                      error=type(crash).__name__))
        if error is None:
            call.scratch.merge()
            used = call.gas_used
        else:
            used = gas_limit if isinstance(error, OutOfGas) else min(call.gas_used, gas_limit)
        fee = used * self.gas_price
        scratch.credit(tx.sender, tx.fee - fee)  # unused gas goes back to the sender
        receipt = Receipt(
            txid=tx.txid, success=error is None, fee=fee, gas_used=used,
            events=tuple(call.events) if error is None else (),
            error="" if error is None else str(error),
            contract=call.contract if error is None and _is_deploy(tx) else None,
        )
        return receipt, error

    def _execute(self, call: _Call, tx: Transaction) -> None:
        call.charge(GAS["call"])
        message = read_message(tx.data)
        if message is None:
            raise BadCall(say("contract {contract} accepts money only through its methods; this "
                              "payment names none", contract=short(tx.recipient)))
        if message.kind == "deploy":
            self._deploy(call, tx, message.name, message.args)
        else:
            self._call_method(call, tx, message.name, message.args)

    def _deploy(self, call: _Call, tx: Transaction, name: str, args: dict) -> None:
        if tx.recipient != ZERO_ADDRESS:
            raise BadCall(say("a deployment is sent to the zero address {zero}",
                              zero=ZERO_ADDRESS))
        cls = REGISTRY.get(name)
        if cls is None:
            raise UnknownContract(say("no contract named {name!r} is installed; installed: "
                                      "{installed}", name=name,
                                      installed=", ".join(sorted(REGISTRY))))
        call.charge(GAS["deploy"])
        call.contract = contract_address(tx.sender, tx.nonce)
        call.scratch.set(contract_key(call.contract), name.encode("utf-8"))
        if tx.amount and not cls.payable_setup:
            raise NotPayable(say("{contract} does not accept money when it is deployed",
                                 contract=name))
        self._move_value(call, tx)
        _invoke(cls(call).setup, args, name, "setup")

    def _call_method(self, call: _Call, tx: Transaction, method: str, args: dict) -> None:
        name = call.scratch.get(contract_key(tx.recipient))
        if name is None:
            raise UnknownContract(say("there is no contract at {address}",
                                      address=short(tx.recipient)))
        cls = REGISTRY[name.decode("utf-8")]
        call.contract = tx.recipient
        fn = getattr(cls, method, None) if not method.startswith("_") else None
        if fn is None or not getattr(fn, "__contract_public__", False):
            raise UnknownMethod(say("{contract} has no method {method!r}; its methods are "
                                    "{methods}", contract=cls.__name__, method=method,
                                    methods=", ".join(public_methods(cls))))
        if tx.amount and not fn.__contract_payable__:
            raise NotPayable(say("{contract}.{method} does not accept money; send 0",
                                 contract=cls.__name__, method=method))
        self._move_value(call, tx)
        _invoke(getattr(cls(call), method), args, cls.__name__, method)

    @staticmethod
    def _move_value(call: _Call, tx: Transaction) -> None:
        call.scratch.credit(tx.sender, -tx.amount)
        call.scratch.credit(call.contract, tx.amount)

    # -- reading contracts -----------------------------------------------------------------------
    @staticmethod
    def contract_at(state: _Reads, address: str) -> str | None:
        """The name of the contract at `address`, or None."""
        name = state.get(contract_key(address))
        return None if name is None else name.decode("utf-8")

    @staticmethod
    def storage(state: WorldState, address: str) -> dict[str, Any]:
        """Everything a contract has stored, by name."""
        prefix = storage_key(address, "")
        return {key[len(prefix):]: json.loads(raw) for key, raw in state.items(prefix)}


def public_methods(cls: type[Contract]) -> list[str]:
    return sorted(n for n in dir(cls) if getattr(getattr(cls, n), "__contract_public__", False))


def _invoke(fn: Callable, args: dict, contract: str, method: str) -> None:
    """Call `fn` with `args`, after checking their names against its signature ourselves, so
    the refusal reads the same on every Python version."""
    params = inspect.signature(fn).parameters
    unknown = sorted(set(args) - set(params))
    missing = [name for name, p in params.items()
               if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD and name not in args]
    if unknown or missing:
        values = {"contract": contract, "method": method, "takes": ", ".join(params),
                  "unknown": ", ".join(map(repr, unknown)),
                  "missing": ", ".join(map(repr, missing))}
        if unknown and missing:
            message = say("{contract}.{method} was called with the wrong arguments: it takes no "
                          "argument {unknown}; it needs {missing} (it takes {takes})", **values)
        elif unknown and params:
            message = say("{contract}.{method} was called with the wrong arguments: it takes no "
                          "argument {unknown} (it takes {takes})", **values)
        elif unknown:
            message = say("{contract}.{method} was called with the wrong arguments: it takes no "
                          "argument {unknown} (it takes none)", **values)
        else:
            message = say("{contract}.{method} was called with the wrong arguments: it needs "
                          "{missing} (it takes {takes})", **values)
        raise BadCall(message)
    fn(**args)


def _is_deploy(tx: Transaction) -> bool:
    return message_kind(tx.data) == "deploy"


def _plain(check: Callable[[Any, str], Any], value: Any, what: str) -> None:
    """Run a shape check from inside a call: a contract storing bad data is a failed call."""
    try:
        check(value, what)
    except MalformedMessage as problem:
        raise BadCall(str(problem)) from None


def _with_stack_allowance(run: Callable[..., None], *args: Any) -> None:
    """Run a call with exactly CALL_STACK_FRAMES Python frames above the current one."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + CALL_STACK_FRAMES)
    try:
        run(*args)
    except RecursionError:
        raise ContractError(say("the contract failed: it nested more than {limit} calls; its "
                                "effects are undone and the fee is kept",
                                limit=CALL_STACK_FRAMES)) from None
    finally:
        sys.setrecursionlimit(limit)


register_runtime("contracts", ContractRuntime.from_description)
