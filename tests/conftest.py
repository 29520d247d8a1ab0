"""Shared fixtures: the people of the stories and two small chains.

The customer buys from the shop, the courier delivers, the attacker tries to cheat and the miner
produces proof-of-work blocks. Every wallet comes from a seed phrase, so every run (and every
trainee's notebook) sees the same addresses and the same blocks.
"""

import pytest

from minichain import Blockchain, Wallet
from minichain.language import set_language
from minichain.names import using

CUSTOMER_FUNDS = 1_000
ATTACKER_FUNDS = 500

# notebooks saved by the browser edition, read by tests/test_grading_browser_edition.py as a
# trainee's hand-ins: data, not notebooks for `--nbval` to run here
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(autouse=True)
def empty_address_book():
    """Every test starts with an empty address book and leaves none behind (an exercise's or a
    lesson's `remember(...)` run in this process would otherwise name addresses in later
    tests' messages)."""
    with using():
        yield


@pytest.fixture(autouse=True)
def english():
    """Every test starts in English, whatever the machine's locale or MINICHAIN_LANG, and leaves
    English behind (a test of the Chinese edition switches for itself)."""
    set_language("en")
    yield
    set_language("en")


@pytest.fixture(scope="session")
def customer() -> Wallet:
    return Wallet.from_seed("customer")


@pytest.fixture(scope="session")
def shop() -> Wallet:
    return Wallet.from_seed("shop")


@pytest.fixture(scope="session")
def courier() -> Wallet:
    return Wallet.from_seed("courier")


@pytest.fixture(scope="session")
def attacker() -> Wallet:
    return Wallet.from_seed("attacker")


@pytest.fixture(scope="session")
def miner() -> Wallet:
    return Wallet.from_seed("miner")


@pytest.fixture
def pow_chain(customer, attacker, miner) -> Blockchain:
    """A fresh proof-of-work chain: the customer holds 1,000, the attacker 500; the miner mines."""
    return Blockchain.proof_of_work(
        allocations={customer.address: CUSTOMER_FUNDS, attacker.address: ATTACKER_FUNDS},
        miner=miner,
    )


@pytest.fixture
def poa_chain(customer, attacker, shop, courier, miner) -> Blockchain:
    """A fresh consortium chain sealed by the shop, the courier and the miner (the bank) in turn;
    the customer holds 1,000, the attacker 500."""
    return Blockchain.proof_of_authority(
        [shop, courier, miner],
        allocations={customer.address: CUSTOMER_FUNDS, attacker.address: ATTACKER_FUNDS},
    )
