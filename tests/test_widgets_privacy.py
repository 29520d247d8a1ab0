"""The privacy views, driven the way a trainee drives them: toggle, type, click."""

import pytest

from minichain import Blockchain, SimulatedClock, Wallet
from minichain.crypto import sha256
from minichain.privacy import (
    AddressHabit,
    AttributeCommitment,
    SeededSalts,
    linkability_of,
    synthetic_shop_history,
)
from minichain.privacy.vault import PersonalDataVault
from minichain.widgets.privacy import DisclosureView, ErasureRequestView, LinkabilityView

CUSTOMER = {"name": "Amira <Haddad>", "phone": "+8613800138000", "city": "Hangzhou"}


def test_the_linkability_view_shows_fresh_addresses_hiding_customers():
    view = LinkabilityView(7)
    assert view.report.recall == 1.0
    assert "✘ exposed" in view.summary.value and "links 100%" in view.summary.value
    assert "Amira" in view.profiles.value
    view.habit.value = "fresh address, straight from the exchange"
    fresh = view.report
    assert fresh.recall < 1.0 and fresh.profiles > 8
    view.habits.value = False
    assert view.report.recall == 0.0 and "✔ mostly private" in view.summary.value
    assert "… and 32 more profile(s)" in view.profiles.value  # 40 one-order profiles, 8 shown
    view.habit.value = "fresh address, topped up from her wallet"
    assert view.report.recall == 1.0
    again = LinkabilityView(7)
    again.habit.value = "fresh address, topped up from her wallet"
    again.habits.value = False
    assert (again.summary.value, again.profiles.value) == (view.summary.value,
                                                           view.profiles.value)


def test_the_linkability_view_shows_a_mixed_profile_as_a_mistake():
    view = LinkabilityView(1)  # seed 1: two customers share a habit
    assert view.report.precision < 1.0
    assert "✘ mixes" in view.profiles.value


def test_the_disclosure_view_proves_the_city_and_refuses_a_changed_one():
    commitment = AttributeCommitment.create(CUSTOMER, SeededSalts("test"))
    view = DisclosureView(commitment, commitment.root, reveal="city")
    assert view.check() and "✔ proven" in view.verdict.value
    assert "✔ Hangzhou" in view.sent.value and "+8613800138000" not in view.sent.value
    assert "Amira" not in view.sent.value
    view.value.value = "Shanghai"
    view.check_button.click()
    assert "✘ not proven" in view.verdict.value and "Shanghai is not what" in view.verdict.value
    view.attribute.value = "name"
    assert "✔ proven" in view.verdict.value and "Amira &lt;Haddad&gt;" in view.sent.value
    other = AttributeCommitment.create(CUSTOMER, SeededSalts("another customer"))
    assert not DisclosureView(commitment, other.root).check()


@pytest.fixture
def shop(tmp_path):
    vault = PersonalDataVault.open(tmp_path / "eu.vault", sha256(b"test key"),
                                   jurisdiction="EU", clock=SimulatedClock(100))
    validator, amira = Wallet.from_seed("platform"), Wallet.from_seed("amira")
    chain = Blockchain.proof_of_authority([validator], allocations={amira.address: 100})
    for customer_id in ("C-1", "C-2"):
        root = vault.add(customer_id, CUSTOMER).root
        chain.submit(amira.pay(validator.address, 10, chain=chain, data=root))
    chain.produce_block()
    yield vault, chain
    vault.close()


def test_the_erasure_view_exports_then_erases_and_the_chain_stays_valid(shop):
    vault, chain = shop
    view = ErasureRequestView(vault, chain)
    assert "✔ chain valid" in view.chain_status.value
    assert "all 1 blocks" in view.chain_status.value
    view.customer.value, view.request.value = "C-1", "DSAR-7"
    view.export_button.click()
    assert "✔ exported" in view.result.value and "Hangzhou" in view.result.value
    view.request.value = "GDPR-17-1"
    view.erase_button.click()
    assert "✔ erased" in view.result.value and "customer C-1 erased" in view.result.value
    assert view.customer.options == ("C-2",)
    assert "erased" in view.audit.value and "GDPR-17-1" in view.audit.value
    assert "C-1" not in view.audit.value
    assert "✔ chain valid" in view.chain_status.value
    view.export_button.click()
    assert "✘ refused" in view.result.value and "customer C-1 was erased" in view.result.value
    view.customer.value = "C-404"
    view.erase_button.click()
    assert "holds no record for customer C-404" in view.result.value


def test_the_linkability_view_takes_histories_already_made():
    histories = {habit: synthetic_shop_history(3, customers=4, orders=(2, 3), habit=habit)
                 for habit in AddressHabit}
    view = LinkabilityView(histories)
    view.habit.value = "fresh address, straight from the exchange"
    assert view.report == linkability_of(histories[AddressHabit.FRESH])
    with pytest.raises(ValueError, match="missing: \\['FRESH'\\]"):
        LinkabilityView({h: histories[h] for h in list(AddressHabit)[:2]})
