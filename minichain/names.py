"""The address book: the names people give to addresses, so messages say "the customer".

A chain knows only addresses; the names beside them live outside it, in each person's wallet app
(Bitcoin Core's address book and its labels, `setlabel`; a wallet's contacts list). minichain
keeps one such book in use at a time, as a program keeps one language for its messages: every
refusal, verification result, alert, explorer and widget asks it for the name of an address and
falls back to the short form '0x3F2a…9c1D' for addresses nobody named.

    >>> from minichain import Wallet, remember, name_of
    >>> shop = Wallet.from_seed("shop")
    >>> name_of(shop.address)
    '0xd0Ba…30a9'
    >>> remember(shop)
    >>> name_of(shop.address)
    'shop'

Names are for people only: nothing hashed, signed, stored in a block or committed to by a root
depends on them, so two editions that name the same seeded wallets differently ("shop", "店铺")
build byte-identical chains.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Protocol

from minichain.language import person

__all__ = ["CAST", "AddressBook", "Named", "address_book", "name_of", "remember", "short_address",
           "using"]


class Named(Protocol):
    """Anything with an address and a name: a wallet, a validator."""

    @property
    def address(self) -> str: ...

    @property
    def name(self) -> str: ...


# The people of the lessons and exercises, by the seeds of their wallets: each is named in the
# reader's language (`minichain.language.person`: "customer" is 顾客 in Chinese); their keys,
# and so every hash, block and balance, are the same in every language.
CAST = (
    "customer", "shop", "other shop", "miner", "attacker", "attacker's other wallet", "courier",
    "platform", "logistics", "bank", "auditor", "customs", "winery", "distributor", "wholesaler",
    "reseller", "counterfeiter", "tea farm", "cafe", "insurer",
    "alice", "bob", "carol", "chen", "dana", "eli",
    "buyer", "seller", "arbiter", "exchange", "insider", "card gateway", "newcomer", "fresh buyer",
    "validator Frankfurt", "validator Shanghai", "validator Singapore",
)


def short_address(address: str) -> str:
    """The short form of an address for people, '0x3F2a…9c1D' (other text unchanged)."""
    if address.startswith("0x") and len(address) > 12:
        return f"{address[:6]}…{address[-4:]}"
    return address


class AddressBook(Mapping[str, str]):
    """Names for addresses, looked up exactly as written (addresses are checksummed)."""

    def __init__(self, names: Mapping[str, str] | None = None):
        self._names: dict[str, str] = {}
        for address, name in (names or {}).items():
            self.add(address, name)

    def add(self, address: str, name: str) -> None:
        """Give `address` the name `name` (a later name replaces an earlier one)."""
        if not isinstance(address, str) or not isinstance(name, str) or not name.strip():
            raise ValueError("an address book entry is an address and a non-empty name")
        self._names[address] = name

    def remember(self, *people: Named) -> None:
        """Add each wallet (or validator) under its own name; nameless ones are skipped."""
        for person in people:
            if person.name:
                self.add(person.address, person.name)

    def name_of(self, address: str) -> str:
        """The name of `address` if known (in the reader's language for the lessons' people),
        else its short form."""
        name = self._names.get(address)
        return person(name) if name else short_address(address)

    def __getitem__(self, address: str) -> str:
        return self._names[address]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"AddressBook({len(self)} names)"


_in_use = AddressBook()


def address_book() -> AddressBook:
    """The address book in use (empty until something is remembered)."""
    return _in_use


def remember(*people: Named, names: Mapping[str, str] | None = None) -> None:
    """Put these wallets (under their own names) and these `names` ({address: name}) into the
    address book in use."""
    _in_use.remember(*people)
    for address, name in (names or {}).items():
        _in_use.add(address, name)


def name_of(address: str) -> str:
    """The name of `address` in the book in use, else its short form."""
    return _in_use.name_of(address)


@contextmanager
def using(book: AddressBook | Iterable[Named] | None = None) -> Iterator[AddressBook]:
    """Use `book` (or a fresh book of these wallets, or an empty one) inside a `with` block,
    then put the previous book back: for tests and for tools that name a chain for a while."""
    global _in_use
    if not isinstance(book, AddressBook):
        people = list(book or ())
        book = AddressBook()
        book.remember(*people)
    previous, _in_use = _in_use, book
    try:
        yield book
    finally:
        _in_use = previous
