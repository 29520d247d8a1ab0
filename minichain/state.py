"""World state: a balance and a nonce for every address, and the storage of every contract
(Ethereum yellow paper, section 4.1).

The state is a map from keys to bytes: `account:<address>` holds a balance and a nonce,
`contract:<address>` which contract lives there, `storage:<address>:<name>` one of its stored
values. The state after a block is committed to in the block's header as a Merkle root over all
entries sorted by key, so two nodes agree on the whole state by comparing 32 bytes, and one
entry (a balance, an order's status) can be proven with a Merkle proof.

Changes are never written straight into the state. A block is executed on a `Scratch` (pending
changes layered over the state; a contract call gets a scratch of its own on top, thrown away if
the call fails); only when every check has passed are the changes committed, as a `StateDiff`
that records each entry before and after. Committing a diff moves the state forward one block;
reverting it moves the state back, which is how a reorganisation rolls back.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from minichain import merkle
from minichain.encoding import Reader, Writer
from minichain.errors import InsufficientFunds, MalformedData, NonceAlreadyUsed, NonceTooHigh
from minichain.language import say
from minichain.transaction import Transaction

__all__ = ["Account", "Scratch", "StateDiff", "WorldState", "account_key", "apply_transaction",
           "check_nonce_and_funds"]

ACCOUNT = "account:"
ACCOUNT_SIZE = 16
LIMIT = 2**64  # a balance and a nonce are 8 bytes each


def account_key(address: str) -> str:
    return sys.intern(ACCOUNT + address)  # one copy of each key, however many nodes hold it


@dataclass(frozen=True)
class Account:
    """What the chain knows about one address."""

    balance: int = 0
    nonce: int = 0

    def encode(self) -> bytes | None:
        """16 bytes, or None for an empty account (which the state does not store)."""
        return _encode_account(self.balance, self.nonce)

    @classmethod
    def decode(cls, data: bytes | None) -> Account:
        if data is None:
            return EMPTY
        balance, nonce = _decode_account(data)
        return cls(balance=balance, nonce=nonce)


# Every payment reads and writes two accounts: these work on the 16 bytes without a Reader,
# a Writer or an Account in between.
def _encode_account(balance: int, nonce: int) -> bytes | None:
    if balance == 0 and nonce == 0:
        return None
    if type(balance) is int and type(nonce) is int and 0 <= balance < LIMIT and 0 <= nonce < LIMIT:
        return balance.to_bytes(8, "big") + nonce.to_bytes(8, "big")
    return Writer().uint(balance, 8).uint(nonce, 8).getvalue()  # says what is wrong


def _decode_account(data: bytes) -> tuple[int, int]:
    if len(data) != ACCOUNT_SIZE:
        raise MalformedData(say("the account data is {size} bytes, not {expected}",
                                size=len(data), expected=ACCOUNT_SIZE))
    return int.from_bytes(data[:8], "big"), int.from_bytes(data[8:], "big")


EMPTY = Account()


@dataclass(frozen=True)
class StateDiff:
    """The entries one block changed: (key, before, after), None meaning absent."""

    changes: tuple[tuple[str, bytes | None, bytes | None], ...] = ()


class _Reads:
    """Reading accounts on top of `get`, shared by the state and its scratches."""

    def get(self, key: str) -> bytes | None:
        raise NotImplementedError

    def account(self, address: str) -> Account:
        return Account.decode(self.get(account_key(address)))

    def balance(self, address: str) -> int:
        return self.account(address).balance

    def nonce(self, address: str) -> int:
        return self.account(address).nonce

    def _balance_and_nonce(self, key: str) -> tuple[int, int]:
        """What the account under `key` holds, without making an Account (every payment)."""
        data = self.get(key)
        return (0, 0) if data is None else _decode_account(data)


class WorldState(_Reads):
    """Every entry of the state, as of the tip of the chain."""

    def __init__(self, balances: Mapping[str, int] | None = None):
        self._values: dict[str, bytes] = {}
        self._leaves: dict[str, bytes] = {}  # key -> leaf hash, kept up to date for the root
        for address, balance in (balances or {}).items():
            self._set(account_key(address), Account(balance=balance).encode())

    def get(self, key: str) -> bytes | None:
        return self._values.get(key)

    def items(self, prefix: str = "") -> Iterator[tuple[str, bytes]]:
        """Entries whose key starts with `prefix`, sorted by key."""
        for key in sorted(k for k in self._values if k.startswith(prefix)):
            yield key, self._values[key]

    def accounts(self) -> Iterator[tuple[str, Account]]:
        """Every non-empty account, sorted by address."""
        for key, value in self.items(ACCOUNT):
            yield key[len(ACCOUNT):], Account.decode(value)

    def total_supply(self) -> int:
        """All money held by accounts (contracts included)."""
        return sum(account.balance for _, account in self.accounts())

    def root(self) -> bytes:
        """The state commitment: Merkle root over all entries sorted by key."""
        return _root(self._leaves, {})

    def scratch(self) -> Scratch:
        """A place to try changes without touching this state."""
        return Scratch(self)

    def commit(self, diff: StateDiff) -> None:
        """Move forward: write every 'after' value."""
        for key, _before, after in diff.changes:
            self._set(key, after)

    def revert(self, diff: StateDiff) -> None:
        """Move back: write every 'before' value."""
        for key, before, _after in diff.changes:
            self._set(key, before)

    def _set(self, key: str, value: bytes | None) -> None:
        if value is None:
            self._values.pop(key, None)
            self._leaves.pop(key, None)
        else:
            self._values[key] = value
            self._leaves[key] = _leaf_hash(key, value)


class Scratch(_Reads):
    """Pending changes over a state or another scratch: reads fall through, writes stay here
    until merged into the scratch below (`merge`) or turned into a diff."""

    def __init__(self, base: WorldState | Scratch):
        self._base = base
        self._changed: dict[str, bytes | None] = {}

    def get(self, key: str) -> bytes | None:
        if key in self._changed:
            return self._changed[key]
        return self._base.get(key)

    def set(self, key: str, value: bytes | None) -> None:
        self._changed[key] = value

    def set_account(self, address: str, account: Account) -> None:
        self.set(account_key(address), account.encode())

    def credit(self, address: str, amount: int) -> None:
        key = account_key(address)
        balance, nonce = self._balance_and_nonce(key)
        self._changed[key] = _encode_account(balance + amount, nonce)

    def child(self) -> Scratch:
        """A scratch on top of this one, for changes that may be thrown away."""
        return Scratch(self)

    def merge(self) -> None:
        """Keep this scratch's changes: write them into the scratch below."""
        if not isinstance(self._base, Scratch):
            raise TypeError("only a child scratch can be merged; turn a scratch into a diff")
        self._base._changed.update(self._changed)

    def root(self) -> bytes:
        """The state root the state would have if these changes were committed."""
        if not isinstance(self._base, WorldState):
            raise TypeError("merge a child scratch before asking for the root")
        return _root(self._base._leaves, self._changed)

    def diff(self) -> StateDiff:
        return StateDiff(tuple(
            (key, self._base.get(key), after)
            for key, after in sorted(self._changed.items())
            if self._base.get(key) != after
        ))


def _leaf_hash(key: str, value: bytes) -> bytes:
    return merkle.leaf_hash(Writer().text(key).bytes(value).getvalue())


def _root(leaves: Mapping[str, bytes], changed: Mapping[str, bytes | None]) -> bytes:
    if changed:
        leaves = dict(leaves)
        for key, value in changed.items():
            if value is None:
                leaves.pop(key, None)
            else:
                leaves[key] = _leaf_hash(key, value)
    return merkle.root_of_leaf_hashes([leaves[key] for key in sorted(leaves)])


def apply_transaction(scratch: Scratch, tx: Transaction) -> None:
    """Checklist 4 and 5 against the state, then move the money; nothing is written on failure.

    The fee leaves the sender here and reaches the block's producer with the block reward.
    """
    key = account_key(tx.sender)
    balance, nonce = scratch._balance_and_nonce(key)
    _check_nonce_and_funds(tx, balance, nonce)
    scratch.set(key, _encode_account(balance - tx.amount - tx.fee, nonce + 1))
    scratch.credit(tx.recipient, tx.amount)


def check_nonce_and_funds(scratch: _Reads, tx: Transaction, *, pending: int = 0,
                          waiting: int = 0) -> Account:
    """Checklist 4 and 5: the sender's next nonce, and enough money for amount plus fee.

    At the mempool's door, `pending` of the sender's transactions (spending `waiting`) are
    already waiting ahead of `tx`: its nonce must come after theirs, its cost out of what
    they leave."""
    sender = scratch.account(tx.sender)
    _check_nonce_and_funds(tx, sender.balance, sender.nonce, pending=pending, waiting=waiting)
    return sender


def _check_nonce_and_funds(tx: Transaction, balance: int, nonce: int, *, pending: int = 0,
                           waiting: int = 0) -> None:
    expected = nonce + pending
    if tx.nonce < expected:
        raise NonceAlreadyUsed(tx.sender, tx.nonce, expected)
    if tx.nonce > expected:
        raise NonceTooHigh(tx.sender, tx.nonce, expected)
    if balance - waiting < tx.amount + tx.fee:
        raise InsufficientFunds(tx.sender, balance, tx.amount, tx.fee, waiting=waiting)
