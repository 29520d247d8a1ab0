"""ProductRegistry: a lot of Longjing tea travels from the tea farm to the shop, and the
counterfeiter tries to pass off fakes.

The platform runs the registry and vouches for the tea farm. The farm registers a lot with the
fingerprint of its certificate of origin; the exporter, the courier and the shop take it on in
turn, each hand-off signed by both hands. Every allowed action is walked, every forbidden one
(wrong role, wrong state, forged or misplaced hand-off) is refused with a specific error and
changes nothing, and every counterfeit — forged hand-off, swapped document, recalled lot,
unknown lot, papers that are not what the chain records — is named by `verify`. Last, each item's
QR code carries the lot, the item's serial and a verification link a phone can follow (scans and
the shopper's app are tests/test_verifier.py).
"""

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from contract_helpers import act, refused

from minichain import Blockchain, Wallet
from minichain.contracts.client import ContractClient
from minichain.contracts.qr import BadItemLink, ItemLink, item_qr
from minichain.contracts.custody import document_hash, prepare_hand_off, read_lot, verify
from minichain.contracts.registry import SIGNATURE_GAS, ProductRegistry
from minichain.contracts.registry_errors import (
    CustodyGap,
    DocumentMismatch,
    ForgedSignature,
    HandOffOutOfOrder,
    LotAlreadyRegistered,
    MalformedRecord,
    NotOnRecord,
    RecalledLot,
    UnknownLot,
    date_text,
)
from minichain.contracts.runtime import ContractRuntime, NotAllowed, register

platform, logistics, bank = (Wallet.from_seed(s) for s in ("platform", "logistics", "bank"))
farm, exporter, courier, shop, counterfeiter = (
    Wallet.from_seed(s) for s in ("tea farm", "exporter", "courier", "shop", "counterfeiter"))

LOT = "LJ-2026-001"
CERTIFICATE = b"Certificate of origin: West Lake Longjing, spring harvest 2026, 400 tins"
BILL_OF_LADING = b"Bill of lading HZ-7781: 400 tins of Longjing, Hangzhou to Ningbo port"
WAYBILL = b"Courier waybill SF-0042: 400 tins, Ningbo port to Shanghai"
DELIVERY_NOTE = b"Delivery note: 400 tins received in good order by the shop"


@register
class CarelessRegistry(ProductRegistry):
    """A buggy registry that forgets to check who signed a hand-off (a compromised operator
    could deploy one as easily)."""

    def _check_signatures(self, *args):
        pass


# -- the cast and their chain ---------------------------------------------------------------------

@pytest.fixture
def chain():
    return Blockchain.proof_of_authority(
        [platform, logistics, bank],
        allocations={w.address: 5_000 for w in (platform, farm, exporter, courier, shop,
                                                 counterfeiter)},
        runtime=ContractRuntime())


def open_registry(chain, contract="ProductRegistry"):
    registry = ContractClient.deploy(chain, platform, contract, chain_id=chain.params.chain_id,
                                     name="Tmall Global traceability")
    chain.produce_block()
    act(registry, platform, "approve_producer", producer=farm.address, name="West Lake Tea Farm")
    return registry


@pytest.fixture
def registry(chain):
    return open_registry(chain)


@pytest.fixture
def lot(registry):
    register_lot(registry)
    return LOT


@pytest.fixture
def journey(registry, lot):
    """The genuine journey, recorded: farm → exporter → courier → shop."""
    return [
        record(registry, signed(registry, farm, exporter, "Hangzhou", BILL_OF_LADING), exporter),
        record(registry, signed(registry, exporter, courier, "Ningbo port", WAYBILL), courier),
        record(registry, signed(registry, courier, shop, "Shanghai", DELIVERY_NOTE), platform),
    ]


def register_lot(registry, lot=LOT, certificate=CERTIFICATE, items=400):
    """The farm registers a lot of 400 tins, serials 1 to 400."""
    return act(registry, farm, "register_lot", lot=lot, sku="LONGJING-250G",
               origin="West Lake, Hangzhou", document_hash=document_hash(certificate),
               items=items)


def unsigned(registry, giver, receiver, location, document, lot=LOT, **changes):
    """The next hand-off of `lot` from `giver` (who may not hold it) to `receiver`."""
    handoff = prepare_hand_off(registry.chain, registry.address, lot, receiver.address,
                               location=location, document=document)
    return replace(handoff, giver=giver.address, **changes)


def signed(registry, giver, receiver, location, document, lot=LOT, **changes):
    return unsigned(registry, giver, receiver, location, document, lot, **changes) \
        .sign(giver).sign(receiver)


def record(registry, handoff, sender):
    act(registry, sender, "hand_over", **handoff.args())
    return handoff


# -- registering lots -----------------------------------------------------------------------------

def test_the_farm_registers_a_lot_once_the_platform_vouches_for_it(registry):
    register_lot(registry)
    tea = read_lot(registry.chain, registry.address, LOT)
    assert (tea.producer, tea.producer_name, tea.holder) == (
        farm.address, "West Lake Tea Farm", farm.address)
    assert (tea.sku, tea.origin, tea.handoffs, tea.recalled, tea.items) == (
        "LONGJING-250G", "West Lake, Hangzhou", 0, False, 400)
    assert tea.document_hash == document_hash(CERTIFICATE)
    assert [e.name for e in registry.events()] == ["Opened", "ProducerApproved", "LotRegistered"]


def test_a_counterfeiter_cannot_register_lots(registry):
    refused(registry, counterfeiter, "register_lot", NotAllowed,
            f"{counterfeiter.address[:6]}.* is not a producer approved by the registry's "
            "operator", lot="LJ-FAKE-1", sku="LONGJING-250G", origin="West Lake, Hangzhou",
            document_hash=document_hash(b"a convincing certificate"))


def test_only_the_operator_approves_producers(registry):
    refused(registry, counterfeiter, "approve_producer", NotAllowed,
            "only the registry's operator .* may approve producers; .* is not the operator",
            producer=counterfeiter.address, name="West Lake Tea Farm (really)")


def test_a_lot_id_is_registered_once(registry, lot):
    refused(registry, farm, "register_lot", LotAlreadyRegistered,
            f"lot '{LOT}' is already registered, by {farm.address[:6]}", lot=LOT,
            sku="LONGJING-250G", origin="West Lake", document_hash=document_hash(b"another"))


GOOD_LOT = {"lot": "LJ-2026-002", "sku": "LONGJING-250G", "origin": "West Lake",
            "document_hash": document_hash(CERTIFICATE)}


@pytest.mark.parametrize("field, value, match", [
    ("lot", "LJ 2026", "a lot id must be .* not 'LJ 2026'"),
    ("lot", "", "a lot id must be .* not ''"),
    ("lot", "-LJ", "a lot id must be .* starting with a letter or digit, not '-LJ'"),
    ("lot", "L" * 41, "a lot id must be 1 to 40"),
    ("sku", "", "the SKU must be text of 1 to 80 characters, not ''"),
    ("origin", "x" * 81, "the origin must be text of 1 to 80 characters"),
    ("document_hash", "abc", "a document hash must be 64 lower-case hex digits .* not 'abc'"),
    ("document_hash", document_hash(CERTIFICATE).upper(), "a document hash must be 64 lower"),
    ("items", -1, "the number of items must be a whole number from 0 to 1,000,000,000, not -1"),
    ("items", "400", "the number of items must be a whole number .* not '400'"),
    ("items", 10**9 + 1, "the number of items must be a whole number from 0 to 1,000,000,000"),
])
def test_malformed_lots_are_refused(registry, field, value, match):
    refused(registry, farm, "register_lot", MalformedRecord, match, **{**GOOD_LOT, field: value})


def test_malformed_producers_and_chain_ids_are_refused(chain, registry):
    typo = farm.address[:-1] + ("0" if farm.address[-1] != "0" else "1")
    refused(registry, platform, "approve_producer", MalformedRecord,
            "the producer is not a valid address", producer=typo, name="Typo Farm")
    refused(registry, platform, "approve_producer", MalformedRecord,
            "the producer's name must be text of 1 to 80 characters", producer=shop.address,
            name="")
    with pytest.raises(MalformedRecord, match="the chain id must be a whole number, not '1'"):
        ContractClient.deploy(chain, platform, "ProductRegistry", chain_id="1")
    with pytest.raises(MalformedRecord, match="the name must be text of 0 to 80 characters"):
        ContractClient.deploy(chain, platform, "ProductRegistry", chain_id=1, name="x" * 81)


# -- handing the lot on ---------------------------------------------------------------------------

def test_the_tea_travels_from_farm_to_shop_and_verifies(registry, lot, journey):
    tea = read_lot(registry.chain, registry.address, LOT)
    assert (tea.holder, tea.handoffs) == (shop.address, 3)
    assert [(e.name, e.fields.get("number")) for e in registry.events()[-3:]] == [
        ("HandedOver", 1), ("HandedOver", 2), ("HandedOver", 3)]

    papers = {0: CERTIFICATE, 1: BILL_OF_LADING, 2: WAYBILL, 3: DELIVERY_NOTE}
    result = verify(registry.chain, registry.address, LOT, documents=papers)
    assert result.ok and result.problem is None and result.broken_at is None
    assert result.holder == shop.address
    assert [(s.number, s.giver, s.receiver, s.location) for s in result.steps] == [
        (0, None, farm.address, "West Lake, Hangzhou"),
        (1, farm.address, exporter.address, "Hangzhou"),
        (2, exporter.address, courier.address, "Ningbo port"),
        (3, courier.address, shop.address, "Shanghai"),
    ]
    assert all(step.ok and step.document_checked for step in result.steps)
    assert str(result).startswith(f"lot '{LOT}': genuine")
    result.raise_if_broken()  # nothing to raise


def test_a_hand_off_pays_for_two_signature_checks(chain):
    """The same hand-off costs exactly two signature checks more than in a registry that
    checks none."""
    gas = {}
    for contract in ("ProductRegistry", "CarelessRegistry"):
        registry = open_registry(chain, contract)
        register_lot(registry)
        handoff = signed(registry, farm, exporter, "Hangzhou", BILL_OF_LADING)
        gas[contract] = act(registry, exporter, "hand_over", **handoff.args()).gas_used
    assert gas["ProductRegistry"] - gas["CarelessRegistry"] == 2 * SIGNATURE_GAS


def test_only_the_holder_can_hand_the_lot_on(registry, lot, journey):
    """The counterfeiter and his accomplice sign a perfect hand-off of a lot he never held."""
    fake = signed(registry, counterfeiter, Wallet.from_seed("accomplice"), "Shenzhen", b"papers")
    refused(registry, counterfeiter, "hand_over", CustodyGap,
            f"hand-off 4 of lot '{LOT}' is from {counterfeiter.address[:6]}.*, but the lot was "
            f"then with {shop.address[:6]}.*; only the holder can hand it on", **fake.args())


def forged_own_key(handoff):
    return replace(handoff, giver_key=counterfeiter.public_key.hex(),
                   giver_signature=counterfeiter.sign(handoff.message()).hex())


def forged_with_the_farms_key(handoff):
    return replace(handoff, giver_key=farm.public_key.hex(),
                   giver_signature=counterfeiter.sign(handoff.message()).hex())


def without_giver_signature(handoff):
    return replace(handoff, giver_key="", giver_signature="")


@pytest.mark.parametrize("forge, match", [
    (forged_own_key, f"the giver's key on hand-off 1 of lot '{LOT}' belongs to "
                     f"{counterfeiter.address[:6]}.*, not to {farm.address[:6]}"),
    (forged_with_the_farms_key, f"the giver's signature on hand-off 1 of lot '{LOT}' is not "
                                f"{farm.address[:6]}.*'s"),
    (without_giver_signature, f"hand-off 1 of lot '{LOT}' carries no valid signature from its "
                              f"giver {farm.address[:6]}"),
])
def test_a_hand_off_without_the_givers_own_signature_is_refused(registry, lot, forge, match):
    """The counterfeiter tries to take the lot from the farm without the farm's consent."""
    handoff = unsigned(registry, farm, counterfeiter, "Hangzhou", b"a bill of sale")
    refused(registry, counterfeiter, "hand_over", ForgedSignature, match,
            **forge(handoff.sign(counterfeiter)).args())


def test_both_hands_must_sign(registry, lot):
    handoff = unsigned(registry, farm, exporter, "Hangzhou", BILL_OF_LADING).sign(farm)
    refused(registry, farm, "hand_over", ForgedSignature,
            f"carries no valid signature from its receiver {exporter.address[:6]}",
            **handoff.args())


def test_a_hand_off_changed_after_it_was_signed_is_refused(registry, lot):
    """The exporter swaps the bill of lading for another after both hands signed."""
    handoff = signed(registry, farm, exporter, "Hangzhou", BILL_OF_LADING)
    swapped = replace(handoff, document_hash=document_hash(b"a cheaper bill of lading"))
    refused(registry, exporter, "hand_over", ForgedSignature,
            "the giver's signature on hand-off 1 .* the hand-off was changed after it was signed",
            **swapped.args())


@pytest.mark.parametrize("elsewhere", [
    {"registry": Wallet.from_seed("another registry").address},
    {"chain_id": 2},
    {"lot": "LJ-2026-002"},
])
def test_a_signature_given_for_another_registry_chain_or_lot_is_refused(registry, lot, elsewhere):
    handoff = replace(unsigned(registry, farm, exporter, "Hangzhou", BILL_OF_LADING), **elsewhere)
    handoff = replace(handoff.sign(farm).sign(exporter), lot=LOT)
    refused(registry, exporter, "hand_over", ForgedSignature, "signed for another lot or registry",
            **handoff.args())


def test_a_hand_off_is_recorded_once_and_in_turn(registry, lot):
    first = record(registry, signed(registry, farm, exporter, "Hangzhou", BILL_OF_LADING),
                   exporter)
    refused(registry, exporter, "hand_over", HandOffOutOfOrder,
            f"lot '{LOT}' has had 1 hand-offs, so the next is number 2, not 1", **first.args())
    skipping = signed(registry, exporter, courier, "Ningbo port", WAYBILL, number=3)
    refused(registry, courier, "hand_over", HandOffOutOfOrder, "the next is number 2, not 3",
            **skipping.args())


def test_a_hand_off_cannot_be_backdated_or_dated_ahead(registry, lot):
    registered = read_lot(registry.chain, registry.address, LOT).registered_at
    backdated = signed(registry, farm, exporter, "Hangzhou", BILL_OF_LADING, time=registered - 1)
    refused(registry, exporter, "hand_over", HandOffOutOfOrder,
            f"hand-off 1 of lot '{LOT}' is dated {date_text(registered - 1)}, before the step "
            f"it follows \\({date_text(registered)}\\)", **backdated.args())
    ahead = registry.chain.clock.now() + 3600
    early = signed(registry, farm, exporter, "Hangzhou", BILL_OF_LADING, time=ahead)
    refused(registry, exporter, "hand_over", HandOffOutOfOrder,
            f"hand-off 1 of lot '{LOT}' is dated {date_text(ahead)}, after this block's time",
            **early.args())


@pytest.mark.parametrize("changes, match", [
    ({"receiver": "0x1234"}, "the receiver is not a valid address"),
    ({"time": -1}, "the time must be a whole number, not -1"),
    ({"number": "1"}, "the hand-off number must be a whole number, not '1'"),
    ({"location": ""}, "the location must be text of 1 to 80 characters"),
    ({"document_hash": ""}, "a document hash must be 64 lower-case hex digits"),
])
def test_malformed_hand_offs_are_refused(registry, lot, changes, match):
    handoff = signed(registry, farm, exporter, "Hangzhou", BILL_OF_LADING)
    refused(registry, exporter, "hand_over", MalformedRecord, match,
            **{**handoff.args(), **changes})


def test_an_unknown_lot_cannot_be_handed_on_or_recalled(registry, lot):
    handoff = signed(registry, farm, exporter, "Hangzhou", BILL_OF_LADING)
    refused(registry, exporter, "hand_over", UnknownLot,
            "no lot 'LJ-2026-999' is registered in registry",
            **{**handoff.args(), "lot": "LJ-2026-999"})
    refused(registry, platform, "recall", UnknownLot, "no lot 'LJ-2026-999' is registered",
            lot="LJ-2026-999")
    with pytest.raises(UnknownLot, match="no lot 'LJ-2026-999' is registered"):
        prepare_hand_off(registry.chain, registry.address, "LJ-2026-999", exporter.address,
                         location="Hangzhou", document=BILL_OF_LADING)


# -- recalls --------------------------------------------------------------------------------------

@pytest.mark.parametrize("recaller", [farm, platform], ids=["producer", "operator"])
def test_the_producer_or_the_operator_recalls_a_lot(registry, lot, recaller):
    act(registry, recaller, "recall", lot=LOT, reason="pesticide residue above the limit")
    tea = read_lot(registry.chain, registry.address, LOT)
    assert (tea.recalled, tea.recalled_by, tea.recall_reason) == (
        True, recaller.address, "pesticide residue above the limit")
    assert registry.events()[-1].name == "Recalled"


@pytest.mark.parametrize("stranger", [shop, counterfeiter], ids=["shop", "counterfeiter"])
def test_nobody_else_may_recall_a_lot(registry, lot, stranger):
    refused(registry, stranger, "recall", NotAllowed,
            f"only the producer of lot '{LOT}' \\({farm.address[:6]}.*\\) or the registry's "
            f"operator \\({platform.address[:6]}.*\\) may recall it; {stranger.address[:6]}.* "
            "is neither",
            lot=LOT)


def test_a_recall_gives_its_reason_in_a_line(registry, lot):
    refused(registry, farm, "recall", MalformedRecord, "the reason must be text of 0 to 80 "
            "characters", lot=LOT, reason="pesticide " * 9)


def test_a_lot_is_recalled_once(registry, lot):
    act(registry, farm, "recall", lot=LOT, reason="mislabelled")
    refused(registry, platform, "recall", RecalledLot,
            f"lot '{LOT}' was recalled by {farm.address[:6]}.* \\(mislabelled\\); it may not be "
            "recalled again", lot=LOT)


def test_a_recalled_lot_cannot_be_handed_on(registry, lot):
    act(registry, farm, "recall", lot=LOT, reason="mislabelled")
    handoff = signed(registry, farm, exporter, "Hangzhou", BILL_OF_LADING)
    refused(registry, exporter, "hand_over", RecalledLot, "it may not be handed on",
            **handoff.args())


# -- verifying: counterfeits are named ------------------------------------------------------------

def test_an_unknown_lot_is_not_verified(registry, lot):
    result = verify(registry.chain, registry.address, "LJ-FAKE-1")
    assert not result.ok and result.steps == () and result.broken_at is None
    assert result.problem.startswith("no lot 'LJ-FAKE-1' is registered in registry")
    with pytest.raises(UnknownLot):
        result.raise_if_broken()


def not_a_registry(chain, contract):
    """An address the counterfeiter controls: his own, or a contract of another kind."""
    if contract is None:
        return counterfeiter.address
    deployed = ContractClient.deploy(chain, counterfeiter, "OrderEscrow", buyer=shop.address,
                                     seller=counterfeiter.address, arbiter=counterfeiter.address,
                                     price=100)
    chain.produce_block()
    return deployed.address


@pytest.mark.parametrize("contract", [None, "OrderEscrow"], ids=["no contract", "an escrow"])
def test_a_lot_in_a_registry_that_does_not_exist_is_not_verified(registry, lot, contract):
    """The counterfeiter prints QR codes pointing at an address of his: no registry is there."""
    address = not_a_registry(registry.chain, contract)
    result = verify(registry.chain, address, LOT)
    assert not result.ok and isinstance(result.error, UnknownLot)
    assert result.problem == (f"no product registry lives at {address[:6]}…{address[-4:]} on "
                              f"this chain, so nothing there vouches for lot '{LOT}'.")


def test_a_recalled_lot_fails_verification(registry, lot, journey):
    act(registry, platform, "recall", lot=LOT, reason="pesticide residue above the limit")
    result = verify(registry.chain, registry.address, LOT)
    assert not result.ok and result.broken_at is None
    assert f"lot '{LOT}' was recalled by {platform.address[:6]}" in result.problem
    assert "it may not be sold" in result.problem
    assert all(step.ok for step in result.steps)  # the journey itself was fine
    with pytest.raises(RecalledLot):
        result.raise_if_broken()


@pytest.mark.parametrize("swapped_step", [0, 2])
def test_a_swapped_document_is_detected(registry, lot, journey, swapped_step):
    papers = {0: CERTIFICATE, 1: BILL_OF_LADING, 2: WAYBILL, 3: DELIVERY_NOTE}
    papers[swapped_step] = b"a certificate for a cheaper tea, with the same letterhead"
    result = verify(registry.chain, registry.address, LOT, documents=papers)
    assert not result.ok and result.broken_at == swapped_step
    assert result.problem.startswith(f"the document presented for "
                                     f"{'registration' if swapped_step == 0 else 'hand-off 2'} "
                                     f"of lot '{LOT}' hashes to")
    assert [step.ok for step in result.steps] == [n != swapped_step for n in range(4)]
    assert str(result).startswith(f"lot '{LOT}': NOT VERIFIED — the document presented")
    with pytest.raises(DocumentMismatch):
        result.raise_if_broken()


def test_a_forged_hand_off_recorded_by_a_careless_registry_is_still_caught(chain):
    """The walk trusts signatures, not the registry: a forgery that got recorded is named."""
    careless = open_registry(chain, "CarelessRegistry")
    register_lot(careless)
    record(careless, signed(careless, farm, exporter, "Hangzhou", BILL_OF_LADING), exporter)
    taken = unsigned(careless, exporter, counterfeiter, "Shenzhen", b"bill of sale")
    forged = replace(taken, giver_key=exporter.public_key.hex(),
                     giver_signature=counterfeiter.sign(taken.message()).hex()).sign(counterfeiter)
    record(careless, forged, counterfeiter)  # the careless registry takes it

    result = verify(chain, careless.address, LOT)
    assert not result.ok and result.broken_at == 2
    assert result.problem.startswith(f"the giver's signature on hand-off 2 of lot '{LOT}' is not "
                                     f"{exporter.address[:6]}")
    assert result.holder == counterfeiter.address
    assert [step.ok for step in result.steps] == [True, True, False]
    with pytest.raises(ForgedSignature):
        result.raise_if_broken()


# -- verifying papers presented by the counterfeiter ----------------------------------------------

def test_genuine_papers_verify(registry, lot, journey):
    assert verify(registry.chain, registry.address, LOT, journey=journey).ok


def test_papers_with_a_forged_hand_off_are_caught(registry, lot, journey):
    """Papers say the exporter sold the lot to the counterfeiter; the exporter never signed."""
    taken = unsigned(registry, exporter, counterfeiter, "Shenzhen", b"bill of sale", number=2)
    fake = forged_own_key(taken).sign(counterfeiter)
    result = verify(registry.chain, registry.address, LOT, journey=[journey[0], fake])
    assert (result.ok, result.broken_at) == (False, 2)
    assert result.problem.startswith(f"the giver's key on hand-off 2 of lot '{LOT}' belongs to "
                                     f"{counterfeiter.address[:6]}")
    assert isinstance(result.error, ForgedSignature)


def test_papers_with_a_gap_between_holders_are_caught(registry, lot, journey):
    """A bribed courier signs the lot over, but the papers skip how he got it."""
    bribed = signed(registry, courier, counterfeiter, "Shenzhen", b"bill of sale", number=2)
    result = verify(registry.chain, registry.address, LOT, journey=[journey[0], bribed])
    assert (result.ok, result.broken_at) == (False, 2)
    assert result.problem == (
        f"hand-off 2 of lot '{LOT}' is from {courier.address[:6]}…{courier.address[-4:]}, but "
        f"the lot was then with {exporter.address[:6]}…{exporter.address[-4:]}; only the holder "
        "can hand it on.")
    assert isinstance(result.error, CustodyGap)


def test_papers_copied_from_another_lot_are_caught(registry, lot, journey):
    """A genuine hand-off of another lot, presented as this lot's."""
    register_lot(registry, lot="LJ-2026-002", certificate=b"another certificate")
    other = record(registry, signed(registry, farm, counterfeiter, "Hangzhou", b"retail sale",
                                    lot="LJ-2026-002"), counterfeiter)
    result = verify(registry.chain, registry.address, LOT, journey=[other])
    assert (result.ok, result.broken_at) == (False, 1)
    assert "signed for another lot or registry" in result.problem
    assert isinstance(result.error, ForgedSignature)


def test_backdated_papers_are_caught(registry, lot, journey):
    backdated = signed(registry, exporter, courier, "Ningbo port", WAYBILL, number=2,
                       time=journey[0].time - 60)
    result = verify(registry.chain, registry.address, LOT, journey=[journey[0], backdated])
    assert (result.ok, result.broken_at) == (False, 2)
    assert f"is dated {date_text(journey[0].time - 60)}, before the step it follows" \
        in result.problem
    assert isinstance(result.error, HandOffOutOfOrder)


def test_a_lot_sold_twice_is_caught(registry, lot, journey):
    """The exporter signed hand-off 2 to the courier and, for cash, to the counterfeiter too:
    both papers look perfect, but only one is on the chain."""
    second_sale = signed(registry, exporter, counterfeiter, "Ningbo port", b"cash sale", number=2)
    result = verify(registry.chain, registry.address, LOT, journey=[journey[0], second_sale])
    assert (result.ok, result.broken_at) == (False, 2)
    assert result.problem.startswith(f"hand-off 2 of lot '{LOT}' as presented (from "
                                     f"{exporter.address[:6]}")
    assert "is not the one recorded on the chain" in result.problem
    assert isinstance(result.error, NotOnRecord)


def test_papers_that_leave_out_or_add_hand_offs_are_caught(registry, lot, journey):
    short_papers = verify(registry.chain, registry.address, LOT, journey=journey[:1])
    assert (short_papers.ok, short_papers.broken_at) == (False, 2)
    assert short_papers.problem.startswith(f"the chain records hand-off 2 of lot '{LOT}'")
    assert "which the journey presented leaves out" in short_papers.problem

    resale = signed(registry, shop, counterfeiter, "Shenzhen", b"resale", number=4)
    long_papers = verify(registry.chain, registry.address, LOT, journey=[*journey, resale])
    assert (long_papers.ok, long_papers.broken_at) == (False, 4)
    assert "was never recorded; the chain records 3 hand-offs" in long_papers.problem
    assert isinstance(long_papers.error, NotOnRecord)


def test_documents_for_a_step_that_does_not_exist_are_a_mistake(registry, lot):
    with pytest.raises(ValueError, match="there is no step 5"):
        verify(registry.chain, registry.address, LOT, documents={5: b"?"})


# -- QR codes on the items ------------------------------------------------------------------------

def test_each_item_carries_a_qr_code_with_its_lot_and_verification_link(registry, lot):
    code = item_qr(registry.address, LOT, "0042", chain_id=registry.chain.params.chain_id)
    assert code.payload == (f"https://verify.minichain.example/lot/{LOT}?chain=1"
                            f"&registry={registry.address}&item=0042")
    assert ItemLink.parse(code.payload) == code.link

    svg = code.svg()
    root = ET.fromstring(svg)  # well-formed, self-contained SVG
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}title").text == f"Lot {LOT}, item 0042"
    assert root.find("{http://www.w3.org/2000/svg}desc").text == code.payload
    assert not svg.startswith("<?xml") and "href" not in svg and "<script" not in svg
    size = len(code.matrix) + 2 * 4
    assert root.get("width") == root.get("height") == str(size * 4)
    assert code._repr_svg_() == svg
    assert code.error_level == "M"  # a scratched label (about 15 % of it) still reads
    assert len(code.matrix) == 17 + 4 * code.version


def test_qr_codes_are_the_same_bytes_every_time(registry, lot):
    first = item_qr(registry.address, LOT, "0042").svg()
    assert item_qr(registry.address, LOT, "0042").svg() == first
    assert item_qr(registry.address, LOT, "0043").svg() != first


def test_scanning_an_item_verifies_its_lot(registry, lot, journey):
    scanned = item_qr(registry.address, LOT, "0042").payload  # what the phone reads
    assert ItemLink.parse(scanned).verify(registry.chain).ok
    act(registry, farm, "recall", lot=LOT, reason="mislabelled")
    result = ItemLink.parse(scanned).verify(registry.chain)
    assert not result.ok and isinstance(result.error, RecalledLot)


def test_a_link_for_another_chain_is_not_verified_here(registry, lot):
    link = ItemLink.parse(item_qr(registry.address, LOT, chain_id=7).payload)
    result = link.verify(registry.chain)
    assert not result.ok and isinstance(result.error, UnknownLot)
    assert result.problem.startswith("the link names chain 7, but this node follows chain 1")


@pytest.mark.parametrize("link, match", [
    ("https://verify.minichain.example/lot/?chain=1&registry={r}", "it names no lot"),
    ("https://verify.minichain.example/lot/LJ-1?chain=one&registry={r}",
     "its chain 'one' is not a chain id"),
    ("https://verify.minichain.example/lot/LJ-1?chain=1&registry=0xabc",
     "the registry is not a valid address"),
    ("https://verify.minichain.example/lot/LJ%201?chain=1&registry={r}",
     "the lot id must be .* not 'LJ 1'"),
])
def test_a_malformed_link_is_refused(registry, link, match):
    with pytest.raises(BadItemLink, match=match):
        ItemLink.parse(link.format(r=registry.address))
