"""World state: a balance and a nonce for every address (Ethereum yellow paper, section 4.1).

The state after a block is committed to in the block's header as a Merkle root over every
non-empty account, sorted by address, so two nodes agree on the state by comparing 32 bytes, and
one account's balance can be proven with a Merkle proof.

Changes are never written straight into the state. A block is executed on a `Scratch` (pending
changes layered over the state); only when every check has passed are the changes committed, as a
`StateDiff` that records each account before and after. Committing a diff moves the state forward
one block; reverting it moves the state back, which is how a reorganisation rolls back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from minichain import merkle
from minichain.crypto import address_bytes
from minichain.errors import InsufficientFunds, NonceAlreadyUsed, NonceTooHigh
from minichain.transaction import Transaction

__all__ = ["Account", "Scratch", "StateDiff", "WorldState", "apply_transaction"]


@dataclass(frozen=True)
class Account:
    """What the chain knows about one address."""

    balance: int = 0
    nonce: int = 0

    def leaf(self, address: str) -> bytes:
        """The account's leaf in the state tree: address, balance, nonce."""
        return address_bytes(address) + self.balance.to_bytes(8, "big") + self.nonce.to_bytes(8, "big")


EMPTY = Account()


@dataclass(frozen=True)
class StateDiff:
    """The accounts one block changed: (address, before, after) for each."""

    changes: tuple[tuple[str, Account, Account], ...] = ()


class WorldState:
    """Balances and nonces of every address, as of the tip of the chain."""

    def __init__(self, balances: Mapping[str, int] | None = None):
        self._accounts: dict[str, Account] = {}
        for address, balance in (balances or {}).items():
            if balance:
                self._accounts[address] = Account(balance=balance)

    def account(self, address: str) -> Account:
        return self._accounts.get(address, EMPTY)

    def balance(self, address: str) -> int:
        return self.account(address).balance

    def nonce(self, address: str) -> int:
        return self.account(address).nonce

    def accounts(self) -> Iterator[tuple[str, Account]]:
        """Every non-empty account, sorted by address."""
        for address in sorted(self._accounts, key=str.lower):
            yield address, self._accounts[address]

    def total_supply(self) -> int:
        return sum(account.balance for account in self._accounts.values())

    def root(self) -> bytes:
        """The state commitment: Merkle root over the sorted non-empty accounts."""
        return _root(self._accounts)

    def scratch(self) -> Scratch:
        """A place to try changes without touching this state."""
        return Scratch(self)

    def commit(self, diff: StateDiff) -> None:
        """Move forward: write every 'after' value."""
        for address, _before, after in diff.changes:
            self._set(address, after)

    def revert(self, diff: StateDiff) -> None:
        """Move back: write every 'before' value."""
        for address, before, _after in diff.changes:
            self._set(address, before)

    def _set(self, address: str, account: Account) -> None:
        if account == EMPTY:
            self._accounts.pop(address, None)
        else:
            self._accounts[address] = account


class Scratch:
    """Pending changes over a WorldState: reads fall through, writes stay here until committed."""

    def __init__(self, base: WorldState):
        self._base = base
        self._changed: dict[str, Account] = {}

    def account(self, address: str) -> Account:
        if address in self._changed:
            return self._changed[address]
        return self._base.account(address)

    def set_account(self, address: str, account: Account) -> None:
        self._changed[address] = account

    def credit(self, address: str, amount: int) -> None:
        account = self.account(address)
        self.set_account(address, Account(account.balance + amount, account.nonce))

    def root(self) -> bytes:
        """The state root the base would have if these changes were committed."""
        accounts = dict(self._base._accounts)
        for address, account in self._changed.items():
            if account == EMPTY:
                accounts.pop(address, None)
            else:
                accounts[address] = account
        return _root(accounts)

    def diff(self) -> StateDiff:
        return StateDiff(tuple(
            (address, self._base.account(address), after)
            for address, after in sorted(self._changed.items())
            if self._base.account(address) != after
        ))


def _root(accounts: Mapping[str, Account]) -> bytes:
    return merkle.merkle_root(
        [accounts[a].leaf(a) for a in sorted(accounts, key=str.lower)]
    )


def apply_transaction(scratch: Scratch, tx: Transaction) -> None:
    """Checklist 4 and 5 against the state, then move the money; nothing is written on failure.

    The fee leaves the sender here and reaches the block's producer with the block reward.
    """
    sender = scratch.account(tx.sender)
    if tx.nonce < sender.nonce:
        raise NonceAlreadyUsed(tx.sender, tx.nonce, sender.nonce)
    if tx.nonce > sender.nonce:
        raise NonceTooHigh(tx.sender, tx.nonce, sender.nonce)
    if sender.balance < tx.amount + tx.fee:
        raise InsufficientFunds(tx.sender, sender.balance, tx.amount, tx.fee)
    scratch.set_account(tx.sender, Account(sender.balance - tx.amount - tx.fee, sender.nonce + 1))
    scratch.credit(tx.recipient, tx.amount)
