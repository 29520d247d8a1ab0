"""The address book: a refusal, an event and a widget name the customer once the shop has
remembered her, and nothing the chain hashes or stores depends on the names."""

import pytest

from minichain import AddressBook, Blockchain, NonceAlreadyUsed, Wallet, name_of, remember
from minichain.contracts import ContractRuntime, open_order
from minichain.names import address_book, short_address, using
from minichain.widgets.render import name_of as widget_name_of

customer, shop, platform = (Wallet.from_seed(n) for n in ("customer", "shop", "platform"))


@pytest.fixture(autouse=True)
def empty_book():
    with using() as book:  # each test starts with an empty book and leaves none behind
        yield book


def refusal(chain: Blockchain, tx) -> str:
    with pytest.raises(NonceAlreadyUsed) as caught:
        chain.submit(tx)
    return str(caught.value)


def twice_paid_chain() -> tuple[Blockchain, object]:
    chain = Blockchain.proof_of_authority([platform], allocations={customer.address: 100})
    first = customer.pay(shop.address, 10, chain=chain)
    chain.submit(first)
    chain.produce_block()
    return chain, customer.pay(shop.address, 20, chain=chain, nonce=first.nonce)


def test_an_unnamed_address_is_shown_by_its_short_form():
    chain, again = twice_paid_chain()
    assert f"already used by {short_address(customer.address)};" in refusal(chain, again)
    assert name_of(customer.address) == "0xaBbf…Bcf7"


def test_once_remembered_the_refusal_names_the_customer():
    chain, again = twice_paid_chain()
    remember(customer, shop)
    message = refusal(chain, again)
    assert "nonce 0 was already used by customer;" in message
    assert "0xaBbf" not in message


def test_a_contract_event_reads_in_names_and_dates():
    remember(customer, shop, platform)
    chain = Blockchain.proof_of_authority([platform], runtime=ContractRuntime(),
                                          allocations={customer.address: 500, platform.address: 500})
    order = open_order(chain, platform, "#7", price=50, buyer=customer, seller=shop, ship_days=2)
    chain.produce_block()
    order.call(customer, "fund", value=50)
    chain.produce_block()
    created, funded = (event.describe() for event in order.events())
    assert created == "Created: buyer=customer, order=#7, price=50, seller=shop"
    assert funded == "Funded: amount=50, ship_deadline=2026-01-03 00:00:10 UTC"


def test_names_change_no_byte_of_the_chain():
    """Two editions that name the same seeded wallets differently build the same blocks."""
    def build(names: dict[str, str]) -> list[bytes]:
        with using(AddressBook({w.address: names[w.name] for w in (customer, shop, platform)})):
            chain, again = twice_paid_chain()
            refusal(chain, again)
            return [block.hash for block in chain.blocks]
    assert build({"customer": "customer", "shop": "shop", "platform": "platform"}) == \
        build({"customer": "顾客", "shop": "店铺", "platform": "平台"})


def test_widgets_ask_the_book_unless_given_their_own_names():
    remember(customer)
    assert widget_name_of(customer.address) == "customer"
    assert widget_name_of(customer.address, {customer.address: "Amira"}) == "Amira"
    assert widget_name_of(shop.address) == short_address(shop.address)


def test_using_puts_the_previous_book_back_even_after_an_error():
    remember(customer)
    with pytest.raises(RuntimeError):
        with using([shop]):
            assert name_of(shop.address) == "shop" and name_of(customer.address) != "customer"
            raise RuntimeError("a failing tool")
    assert name_of(customer.address) == "customer" and address_book().get(shop.address) is None


@pytest.mark.parametrize("address, name", [("0xabc", ""), ("0xabc", "  "), (7, "seven")])
def test_an_entry_needs_an_address_and_a_name(address, name):
    with pytest.raises(ValueError, match="an address and a non-empty name"):
        AddressBook().add(address, name)
