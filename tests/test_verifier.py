"""The bottle check cannot be fooled: serials per lot, recorded scans, and an app that trusts only
its own configuration (after Tmall Global's blockchain traceability).

The winery registers 600 bottles of rice wine, serials 1 to 600, in the platform's registry and
hands them to the shop. The counterfeiter tries two tricks. He copies the code of bottle 0042
onto his fakes: the first scan of 0042 is genuine, every later one warns when and where it was
first scanned. And he opens a registry of his own, approves himself in it as the winery and
prints codes that point there: the registry's own walk says genuine, but the shopper's app trusts
only the platform's registry and the producers the platform approved. Each rule here has a test
that fails without it.
"""

import pytest
from contract_helpers import act, refused

from minichain import Blockchain, Wallet
from minichain.contracts import (
    AlreadyScanned,
    BadItemLink,
    ContractClient,
    ContractRuntime,
    ItemLink,
    MalformedRecord,
    NotAllowed,
    RecalledLot,
    ScanRecord,
    UnapprovedProducer,
    UnknownLot,
    UnregisteredItem,
    UntrustedRegistry,
    Verifier,
    document_hash,
    item_qr,
    prepare_hand_off,
    read_scans,
)
from minichain.clock import date_text

platform, logistics, bank = (Wallet.from_seed(s) for s in ("platform", "logistics", "bank"))
winery, shop, counterfeiter = (Wallet.from_seed(s) for s in ("winery", "shop", "counterfeiter"))

LOT = "SX-2026-001"
CERTIFICATE = b"Certificate of origin: Shaoxing rice wine, aged 5 years, 600 bottles"
WINERY = "Kuaiji Hill Winery"


# -- the cast, the chain, the platform's registry and its app -------------------------------------

@pytest.fixture
def chain():
    return Blockchain.proof_of_authority(
        [platform, logistics, bank], runtime=ContractRuntime(),
        allocations={w.address: 5_000 for w in (platform, winery, shop, counterfeiter)})


def open_registry(chain, operator, producer, name):
    registry = ContractClient.deploy(chain, operator, "ProductRegistry",
                                     chain_id=chain.params.chain_id, name="traceability")
    chain.produce_block()
    act(registry, operator, "approve_producer", producer=producer.address, name=name)
    return registry


def register_bottles(registry, producer, lot=LOT, items=600):
    act(registry, producer, "register_lot", lot=lot, sku="SHAOXING-5Y-500ML",
        origin="Shaoxing, Zhejiang", document_hash=document_hash(CERTIFICATE), items=items)


@pytest.fixture
def registry(chain):
    """The platform's registry: the winery registers 600 bottles and hands them to the shop."""
    registry = open_registry(chain, platform, winery, WINERY)
    register_bottles(registry, winery)
    handoff = prepare_hand_off(chain, registry.address, LOT, shop.address, location="Shanghai",
                               document=b"Delivery note: 600 bottles")
    act(registry, shop, "hand_over", **handoff.sign(winery).sign(shop).args())
    return registry


@pytest.fixture
def app(chain, registry):
    """The platform's verifier app: its own registry, its own list of producers, its own key."""
    return Verifier(chain, registry=registry.address, producers={winery.address: WINERY},
                    wallet=platform)


def code(registry, item="0042", lot=LOT):
    """What a phone's camera reads from a bottle's label."""
    return item_qr(registry.address, lot, item).payload


def nothing_sent(chain, scan):
    """Run `scan()` and insist that no transaction was sent; returns its result."""
    waiting = len(chain.mempool)
    result = scan()
    assert len(chain.mempool) == waiting
    return result


# -- the first scan of a genuine bottle -----------------------------------------------------------

def test_the_first_scan_of_a_genuine_bottle_is_genuine_and_recorded(chain, registry, app):
    result = app.scan(code(registry), location="Shanghai")
    assert (result.ok, result.genuine, result.verdict) == (True, True, "genuine")
    assert result.problem is None and result.producer == WINERY
    assert str(result) == (f"GENUINE: item 0042 of lot '{LOT}', made by {WINERY}; this is the "
                           "first scan of its code.")
    assert result.verification.ok and result.verification.holder == shop.address

    chain.produce_block()
    recorded = read_scans(chain, registry.address, LOT, "0042")
    assert recorded == result.record
    assert (recorded.scans, recorded.first_location) == (1, "Shanghai")
    assert recorded.first_date.startswith("2026-01-01 ") and recorded.first_date.endswith(" UTC")
    assert registry.events()[-1].name == "Scanned"
    assert read_scans(chain, registry.address, LOT, "0043") is None  # other bottles untouched


# -- a copied code --------------------------------------------------------------------------------

def test_a_code_copied_onto_fakes_warns_at_every_scan_after_the_first(chain, registry, app):
    """The shop scans bottle 0042 on its shelf in Shanghai; the counterfeiter prints the same
    code on his fakes, and a shopper scans one in Shenzhen, then another in Guangzhou."""
    first = app.scan(code(registry), location="Shanghai")
    chain.produce_block()
    copy = app.scan(code(registry), location="Shenzhen")
    assert (copy.ok, copy.genuine, copy.verdict) == (False, True, "already scanned")
    assert isinstance(copy.warning, AlreadyScanned) and copy.error is None
    assert copy.problem == (
        f"item 0042 of lot '{LOT}' was already scanned 1 time, first on "
        f"{date_text(first.record.first_time)} in Shanghai: if that was not you, this code was "
        "copied from another item.")
    assert str(copy).startswith("ALREADY SCANNED: item 0042")
    chain.produce_block()

    another = app.scan(code(registry), location="Guangzhou")
    assert "already scanned 2 times, first on 2026-01-01" in another.problem
    assert "in Shanghai" in another.problem
    assert another.record.scans == 3 and another.record.last_location == "Guangzhou"


def test_copies_scanned_before_the_next_block_are_caught_too(chain, registry, app):
    """Two fakes scanned within seconds: the second scan sees the first, still waiting."""
    assert app.scan(code(registry), location="Shenzhen").ok
    copy = app.scan(code(registry), location="Guangzhou")
    assert copy.verdict == "already scanned" and "first on" in copy.problem
    chain.produce_block()
    assert read_scans(chain, registry.address, LOT, "0042").scans == 2


def test_writing_the_serial_another_way_does_not_make_a_copy_new(chain, registry, app):
    app.scan(code(registry, "0042"), location="Shanghai")
    chain.produce_block()
    for disguise in ("042", "42", "000042"):
        assert app.scan(code(registry, disguise), location="Shenzhen").verdict == \
            "already scanned"


@pytest.mark.parametrize("serial", ["0601", "0000", "9999999"])
def test_a_serial_the_winery_never_registered_is_not_genuine(chain, registry, app, serial):
    """The counterfeiter makes up serials for his fakes."""
    result = nothing_sent(chain, lambda: app.scan(code(registry, serial), location="Shenzhen"))
    assert (result.genuine, result.verdict) == (False, "not genuine")
    assert isinstance(result.error, UnregisteredItem)
    assert result.problem == (f"lot '{LOT}' registered 600 items, serials 1 to 600; "
                              f"'{serial}' is not one of them, so no such item was ever made.")
    # the lot's own walk, given the serial, says so too
    assert ItemLink.parse(code(registry, serial)).verify(chain).error.__class__ is \
        UnregisteredItem


def test_a_lot_registered_without_serials_cannot_vouch_for_an_item(chain, registry, app):
    register_bottles(registry, winery, lot="SX-2026-002", items=0)
    result = app.scan(code(registry, "0042", lot="SX-2026-002"), location="Shanghai")
    assert isinstance(result.error, UnregisteredItem)
    assert result.problem == ("lot 'SX-2026-002' was registered without item serials, so item "
                              "'0042' cannot be told from a copy.")


def test_a_code_without_a_serial_is_not_genuine(chain, registry, app):
    result = nothing_sent(chain, lambda: app.scan(code(registry, ""), location="Shanghai"))
    assert isinstance(result.error, UnregisteredItem)
    assert result.problem == (f"the code names lot '{LOT}' but no item serial, so this item "
                              "cannot be told from a copy.")


# -- the counterfeiter's own registry -------------------------------------------------------------

def test_the_counterfeiters_own_registry_is_caught(chain, registry, app):
    """He opens a registry, approves himself in it as the winery, registers the same lot id
    with 600 bottles and prints codes that point there."""
    own = open_registry(chain, counterfeiter, counterfeiter, WINERY)
    register_bottles(own, counterfeiter)
    fake = code(own)
    assert ItemLink.parse(fake).verify(chain).ok  # his registry vouches for his bottles

    result = nothing_sent(chain, lambda: app.scan(fake, location="Shenzhen"))
    assert (result.genuine, result.verdict) == (False, "not genuine")
    assert isinstance(result.error, UntrustedRegistry)
    assert result.problem == (
        f"the code names registry {own.address[:6]}…{own.address[-4:]}, but this app trusts "
        f"only the platform's registry {registry.address[:6]}…{registry.address[-4:]}; "
        "whatever that other registry says, the platform never vouched for it.")
    assert str(result).startswith("NOT GENUINE: the code names registry")
    assert read_scans(chain, own.address, LOT, "0042") is None


def test_a_registry_the_platform_does_not_run_is_not_trusted_even_for_the_real_winery(
        chain, registry, app):
    """Another marketplace's registry, where the real winery registered the lot too: the app
    still takes its answers only from the platform's registry."""
    other = open_registry(chain, counterfeiter, winery, WINERY)
    register_bottles(other, winery)
    result = app.scan(code(other), location="Shenzhen")
    assert isinstance(result.error, UntrustedRegistry)


def test_a_producer_the_platform_did_not_approve_is_caught_even_in_its_registry(
        chain, registry, app):
    """A bribed clerk with the registry's operator key approves the counterfeiter as the
    winery; the app's own list of approved producers does not have him."""
    act(registry, platform, "approve_producer", producer=counterfeiter.address, name=WINERY)
    register_bottles(registry, counterfeiter, lot="SX-2026-FAKE")
    result = nothing_sent(chain, lambda: app.scan(code(registry, lot="SX-2026-FAKE"),
                                                  location="Shenzhen"))
    assert isinstance(result.error, UnapprovedProducer)
    assert result.problem == (
        f"lot 'SX-2026-FAKE' was registered by {counterfeiter.address[:6]}…"
        f"{counterfeiter.address[-4:]} calling itself '{WINERY}', which is not a producer the "
        f"platform approved; its approved producers are {WINERY} at "
        f"{winery.address[:6]}…{winery.address[-4:]}.")


def test_the_apps_trust_is_its_own_configuration(chain, registry):
    producers = {winery.address: WINERY}
    app = Verifier(chain, registry=registry.address, producers=producers, wallet=platform)
    producers[counterfeiter.address] = WINERY  # changing the dict it was given changes nothing
    assert counterfeiter.address not in app.producers
    with pytest.raises(ValueError, match="the app's registry is not a valid address"):
        Verifier(chain, registry="0x1234", producers=producers, wallet=platform)
    with pytest.raises(ValueError, match="the app's producer is not a valid address"):
        Verifier(chain, registry=registry.address, producers={"winery": WINERY},
                 wallet=platform)


# -- everything else a scan checks ----------------------------------------------------------------

def test_a_recalled_lot_is_not_genuine_and_its_scan_is_not_counted(chain, registry, app):
    act(registry, winery, "recall", lot=LOT, reason="cork taint found in samples")
    result = nothing_sent(chain, lambda: app.scan(code(registry), location="Shanghai"))
    assert isinstance(result.error, RecalledLot) and "cork taint" in result.problem
    assert f"was recalled by {winery.address[:6]}…{winery.address[-4:]} on 2026-01-01 " \
        in result.problem


def test_an_unknown_lot_is_not_genuine(chain, registry, app):
    result = app.scan(code(registry, lot="SX-1999-001"), location="Shanghai")
    assert isinstance(result.error, UnknownLot)


def test_a_code_that_is_not_a_verification_link_is_not_genuine(chain, registry, app):
    result = app.scan("https://shop.example/win-a-prize", location="Shanghai")
    assert isinstance(result.error, BadItemLink) and result.link is None
    assert str(result).startswith("NOT GENUINE: 'https://shop.example/win-a-prize' is not an "
                                  "item's verification link")


def test_a_code_for_another_chain_is_not_genuine(chain, registry, app):
    other_chain = item_qr(registry.address, LOT, "0042", chain_id=7).payload
    result = app.scan(other_chain, location="Shanghai")
    assert isinstance(result.error, UnknownLot)
    assert result.problem.startswith("the link names chain 7, but this node follows chain 1")


def test_an_app_that_cannot_record_the_scan_does_not_guess(chain, registry):
    """An app set up with the shop's key, not the registry operator's: it cannot record the
    scan, so it cannot tell a first scan from a copy."""
    app = Verifier(chain, registry=registry.address, producers={winery.address: WINERY},
                   wallet=shop)
    result = nothing_sent(chain, lambda: app.scan(code(registry), location="Shanghai"))
    assert isinstance(result.error, NotAllowed)
    assert "only the registry's operator" in result.problem and "may record scans" in result.problem


# -- the contract's rules for scans ---------------------------------------------------------------

def test_only_the_operator_records_scans(chain, registry):
    """Otherwise the counterfeiter could scan every serial of the lot in bulk, so that every
    genuine bottle looks copied."""
    refused(registry, counterfeiter, "record_scan", NotAllowed,
            f"only the registry's operator .* may record scans; {counterfeiter.address[:6]}.* is "
            "not the operator", lot=LOT, item="0042", location="Shenzhen")


@pytest.mark.parametrize("item, error, match", [
    ("0601", UnregisteredItem, "'0601' is not one of them"),
    ("", UnregisteredItem, "'' is not one of them"),
    ("forty-two", UnregisteredItem, "'forty-two' is not one of them"),
    ("٤٢", UnregisteredItem, "is not one of them"),  # Arabic-Indic digits are not a serial
    (42, MalformedRecord, "an item serial must be text, not 42"),
])
def test_the_registry_refuses_scans_of_items_it_never_registered(chain, registry, item, error,
                                                                   match):
    refused(registry, platform, "record_scan", error, match, lot=LOT, item=item,
            location="Shanghai")


def test_a_scan_names_its_lot_and_place(chain, registry):
    refused(registry, platform, "record_scan", UnknownLot, "no lot 'SX-1999-001' is registered",
            lot="SX-1999-001", item="0042", location="Shanghai")
    refused(registry, platform, "record_scan", MalformedRecord,
            "the location must be text of 1 to 80 characters", lot=LOT, item="0042", location="")


def test_the_registry_counts_scans_per_item(chain, registry):
    for place in ("Shanghai", "Shenzhen"):
        receipt = act(registry, platform, "record_scan", lot=LOT, item="0042", location=place)
    scanned = receipt.events[-1].fields
    assert (scanned["scans"], scanned["first_location"], scanned["location"]) == (
        2, "Shanghai", "Shenzhen")
    assert read_scans(chain, registry.address, LOT, "42") == ScanRecord(
        2, scanned["first_time"], "Shanghai", scanned["time"], "Shenzhen")
    act(registry, platform, "record_scan", lot=LOT, item="0043", location="Hangzhou")
    assert read_scans(chain, registry.address, LOT, "0043").scans == 1
