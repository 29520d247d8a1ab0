"""The product journey view: what a shopper sees after scanning a tin of tea."""

from contract_helpers import act

from minichain import Blockchain, Wallet
from minichain.contracts import (
    ContractClient, ContractRuntime, Verifier, document_hash, item_qr, prepare_hand_off)
from minichain.widgets import ProductJourneyView

platform, logistics, bank = (Wallet.from_seed(s) for s in ("platform", "logistics", "bank"))
farm, shop = Wallet.from_seed("tea farm"), Wallet.from_seed("shop")
CERTIFICATE = b"Certificate of origin: West Lake Longjing, spring 2026, 12 tins"
NAMES = {farm.address: "tea farm", shop.address: "shop <b>"}


def tea_journey():
    """A lot of 12 tins, serials 1 to 12, registered by the farm and handed to the shop."""
    chain = Blockchain.proof_of_authority(
        [platform, logistics, bank], allocations={w.address: 5_000 for w in (platform, farm, shop)},
        runtime=ContractRuntime())
    registry = ContractClient.deploy(chain, platform, "ProductRegistry",
                                     chain_id=chain.params.chain_id)
    chain.produce_block()
    act(registry, platform, "approve_producer", producer=farm.address, name="West Lake Tea Farm")
    act(registry, farm, "register_lot", lot="LJ-1", sku="LONGJING", origin="Hangzhou",
        document_hash=document_hash(CERTIFICATE), items=12)
    handoff = prepare_hand_off(chain, registry.address, "LJ-1", shop.address,
                               location="Shanghai", document=b"delivery note")
    act(registry, shop, "hand_over", **handoff.sign(farm).sign(shop).args())
    return chain, registry


def test_a_genuine_lot_shows_every_step_and_its_qr_code():
    chain, registry = tea_journey()
    view = ProductJourneyView(chain, registry.address, "LJ-1", item="0007",
                              documents={0: CERTIFICATE}, names=NAMES)
    assert view.result.ok
    assert "✔ genuine" in view.verdict.value and "lot LJ-1 is genuine" in view.verdict.value
    assert "item 0007 is one of its 12 registered items" in view.verdict.value
    assert "registered by tea farm" in view.timeline.value
    assert "tea farm → shop &lt;b&gt;" in view.timeline.value  # names are escaped
    assert "re-hashed ✔" in view.timeline.value
    assert "Item 0007: not scanned in the platform&#x27;s app yet." in view.scans.value
    assert view.code.value.startswith("<svg")
    again = ProductJourneyView(chain, registry.address, "LJ-1", item="0007",
                               documents={0: CERTIFICATE}, names=NAMES)
    assert (again.verdict.value, again.timeline.value, again.code.value) == \
        (view.verdict.value, view.timeline.value, view.code.value)


def test_a_swapped_document_and_a_recall_turn_the_verdict():
    chain, registry = tea_journey()
    view = ProductJourneyView(chain, registry.address, "LJ-1",
                              documents={0: b"a certificate from another farm"})
    assert not view.result.ok
    assert "✘ not verified" in view.verdict.value and "✘ broken" in view.timeline.value
    view.documents = {0: CERTIFICATE}
    act(registry, farm, "recall", lot="LJ-1", reason="mould found in a sample")
    view.verify_button.click()
    assert not view.result.ok
    assert "recalled" in view.verdict.value


def test_a_serial_the_lot_never_registered_is_not_verified():
    """The counterfeiter prints tin 13 of a lot of 12."""
    chain, registry = tea_journey()
    view = ProductJourneyView(chain, registry.address, "LJ-1", item="0013")
    assert not view.result.ok
    assert "✘ not verified" in view.verdict.value
    assert "&#x27;0013&#x27; is not one of them" in view.verdict.value


def test_the_view_shows_how_often_the_code_was_scanned_without_scanning_it():
    chain, registry = tea_journey()
    app = Verifier(chain, registry=registry.address,
                   producers={farm.address: "West Lake Tea Farm"}, wallet=platform)
    app.scan(item_qr(registry.address, "LJ-1", "0007").payload, location="Shanghai")
    chain.produce_block()
    view = ProductJourneyView(chain, registry.address, "LJ-1", item="0007")
    assert "Item 0007: scanned 1 time, on 2026-01-01 " in view.scans.value
    assert "UTC in Shanghai." in view.scans.value
    view.verify_button.click()
    view.verify_button.click()
    assert "scanned 1 time" in view.scans.value  # looking is not scanning
    app.scan(item_qr(registry.address, "LJ-1", "0007").payload, location="Shenzhen")
    chain.produce_block()
    view.verify_button.click()
    assert "scanned 2 times, first on 2026-01-01 " in view.scans.value
    assert "UTC in Shanghai, last on 2026-01-01 " in view.scans.value
    assert view.scans.value.endswith("UTC in Shenzhen.</div>")
