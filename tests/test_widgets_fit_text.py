"""Every word of every view on screen: a merchant reads "Seal again (mine)", not "Seal again (mi…".

ipywidgets' defaults cut a button's text at 148 px and a description at 80 px (JupyterLab's
stylesheet adds the "…"). The browser tests' screenshots show the page; these tests check, for
every view, that each control asks for the room its words need.
"""

import pytest

pytest.importorskip("ipywidgets")

import ipywidgets as w  # noqa: E402
from test_widgets_journey import tea_journey  # noqa: E402

from minichain import Blockchain, Wallet  # noqa: E402
from minichain.contracts import ContractClient, ContractRuntime  # noqa: E402
from minichain.monitoring import ShopDay  # noqa: E402
from minichain.network import Network  # noqa: E402
from minichain.privacy import AttributeCommitment, SeededSalts  # noqa: E402
from minichain.widgets import (  # noqa: E402
    ChainView, ChannelView, ChecklistView, CheckoutView, ConfirmationsView, EscrowView,
    ExplorerView, MinerView, MonitorView, NetworkView, PilotAreaChooser, PilotCostView,
    ProductJourneyView)
from minichain.widgets import style as s  # noqa: E402
from minichain.widgets.privacy import DisclosureView, LinkabilityView  # noqa: E402

customer, shop, miner = (Wallet.from_seed(n) for n in ("customer", "shop", "miner"))
platform, logistics, bank = (Wallet.from_seed(n) for n in ("platform", "logistics", "bank"))


def pow_chain():
    chain = Blockchain.proof_of_work(allocations={customer.address: 1_000}, miner=miner)
    chain.submit(customer.pay(shop.address, 30, chain=chain, data=b"order #1001: 2 mugs"))
    chain.produce_block()
    return chain


def contract_chain():
    chain = Blockchain.proof_of_authority(
        [platform, logistics, bank], runtime=ContractRuntime(),
        allocations={customer.address: 1_000, shop.address: 500, platform.address: 500})
    return chain


def escrow_view():
    chain = contract_chain()
    order = ContractClient.deploy(
        chain, platform, "OrderEscrow", buyer=customer.address, seller=shop.address,
        arbiter=platform.address, price=120, ship_window=60, confirm_window=60, order="#1042")
    chain.produce_block()
    return EscrowView(order, {"buyer": customer, "seller": shop, "arbiter": platform})


def channel_view():
    chain = contract_chain()
    channel = ContractClient.deploy(chain, customer, "PaymentChannel", value=300,
                                    merchant=shop.address, customer_key=customer.public_key.hex(),
                                    chain_id=chain.params.chain_id, expires_in=3_600)
    chain.produce_block()
    return ChannelView(channel, customer, shop)


def journey_view():
    chain, registry = tea_journey()
    return ProductJourneyView(chain, registry.address, "LJ-1", item="tin-7")


def disclosure_view():
    commitment = AttributeCommitment.create({"name": "Amira", "city": "Hangzhou"},
                                            SeededSalts("test"))
    return DisclosureView(commitment, commitment.root, reveal="city")


VIEWS = {
    "chain (01)": lambda: ChainView(pow_chain()),
    "checkout (02, 03)": lambda: CheckoutView(pow_chain(), [customer, shop]),
    "miner (04)": lambda: MinerView(pow_chain().tip.header),
    "escrow (05)": escrow_view,
    "journey (06)": journey_view,
    "linkability (07)": lambda: LinkabilityView(7),
    "disclosure (07)": disclosure_view,
    "network (09)": lambda: NetworkView(Network.proof_of_work(4, miners=1, seed=3)),
    "confirmations (09)": ConfirmationsView,
    "channel (10)": channel_view,
    "monitor (11)": lambda: MonitorView(ShopDay()),
    "pilot cost (12)": PilotCostView,
    "pilot areas (12)": PilotAreaChooser,
    "checklist (12)": ChecklistView,
    "explorer": lambda: ExplorerView(pow_chain()),
}


def controls(view):
    stack, found = [view], []
    while stack:
        widget = stack.pop()
        stack.extend(getattr(widget, "children", ()))
        found.append(widget)
    return found


def cut_off(view) -> list[str]:
    """The controls whose words JupyterLab would cut short, in words."""
    problems = []
    wraps = any(isinstance(c, w.HTML) and s.WRAP_CLASS in c.value and "<style>" in c.value
                for c in view.children)
    for c in controls(view):
        text = getattr(c, "description", "")
        if isinstance(c, (w.Button, w.ToggleButton)) and c.layout.width != s.BUTTON_WIDTH:
            problems.append(f"button {text!r} has the default width")
        elif isinstance(c, w.ToggleButtons) and c.style.button_width != "auto":
            problems.append(f"the options of {text!r} have the default width")
        elif isinstance(c, w.Checkbox) and not (s.WRAP_CLASS in c._dom_classes and wraps
                                                and c.layout.height == "auto"):
            problems.append(f"check box {text!r} does not wrap its label")
        elif (text and not isinstance(c, (w.Button, w.Checkbox, w.HTML, w.Label))
              and c.style.description_width != "initial"):
            problems.append(f"label {text!r} is cut at the default width")
    return problems


@pytest.mark.parametrize("name", VIEWS)
def test_every_button_label_and_option_shows_in_full(name):
    view = VIEWS[name]()
    assert any(isinstance(c, (w.Button, w.ValueWidget)) and getattr(c, "description", "")
               for c in controls(view)), "the view has controls with words"
    assert cut_off(view) == []


def test_a_plain_box_of_default_controls_would_be_cut_off():
    box = w.VBox([w.Button(description="Undo all changes"),
                  w.Dropdown(options=["1 in 100"], description="lose at most"),
                  w.ToggleButtons(options=["one address for every order"]),
                  w.Checkbox(description="Write down the one business question", indent=False)])
    assert len(cut_off(box)) == 4
    s.fit_text(box)
    assert cut_off(box) == []


def test_fitting_twice_adds_the_wrapping_rule_once():
    box = w.VBox([w.Checkbox(description="a long promise to the customer", indent=False)])
    s.fit_text(box)
    s.fit_text(box)
    assert sum(isinstance(c, w.HTML) for c in box.children) == 1
    assert box.children[-1].layout.display == "none"
