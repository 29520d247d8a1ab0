"""The product journey view: what a shopper sees after scanning a tin of tea."""

from contract_helpers import act

from minichain import Blockchain, Wallet
from minichain.contracts import ContractClient, ContractRuntime, document_hash, prepare_hand_off
from minichain.widgets import ProductJourneyView

platform, logistics, bank = (Wallet.from_seed(s) for s in ("platform", "logistics", "bank"))
farm, shop = Wallet.from_seed("tea farm"), Wallet.from_seed("shop")
CERTIFICATE = b"Certificate of origin: West Lake Longjing, spring 2026"
NAMES = {farm.address: "tea farm", shop.address: "shop <b>"}


def tea_journey():
    chain = Blockchain.proof_of_authority(
        [platform, logistics, bank], allocations={w.address: 5_000 for w in (platform, farm, shop)},
        runtime=ContractRuntime())
    registry = ContractClient.deploy(chain, platform, "ProductRegistry",
                                     chain_id=chain.params.chain_id)
    chain.produce_block()
    act(registry, platform, "approve_producer", producer=farm.address, name="West Lake Tea Farm")
    act(registry, farm, "register_lot", lot="LJ-1", sku="LONGJING", origin="Hangzhou",
        document_hash=document_hash(CERTIFICATE))
    handoff = prepare_hand_off(chain, registry.address, "LJ-1", shop.address,
                               location="Shanghai", document=b"delivery note")
    act(registry, shop, "hand_over", **handoff.sign(farm).sign(shop).args())
    return chain, registry


def test_a_genuine_lot_shows_every_step_and_its_qr_code():
    chain, registry = tea_journey()
    view = ProductJourneyView(chain, registry.address, "LJ-1", item="tin-7",
                              documents={0: CERTIFICATE}, names=NAMES)
    assert view.result.ok
    assert "✔ genuine" in view.verdict.value and "lot LJ-1 is genuine" in view.verdict.value
    assert "registered by tea farm" in view.timeline.value
    assert "tea farm → shop &lt;b&gt;" in view.timeline.value  # names are escaped
    assert "re-hashed ✔" in view.timeline.value
    assert view.code.value.startswith("<svg")
    again = ProductJourneyView(chain, registry.address, "LJ-1", item="tin-7",
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
