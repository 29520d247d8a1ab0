"""The widgets, driven without a browser: set values, click buttons, read the HTML/SVG."""

import pytest

pytest.importorskip("ipywidgets")

from minichain import Blockchain, Wallet  # noqa: E402
from minichain.contracts import ContractClient, ContractRuntime  # noqa: E402
from minichain.network import Network  # noqa: E402
from minichain.privacy import SeededSalts, opens, unsalted_hash  # noqa: E402
from minichain.widgets import (  # noqa: E402
    ChainView, CheckoutView, EscrowView, ExplorerView, MinerView, NetworkView)
from minichain.widgets import render  # noqa: E402

customer, shop, miner = (Wallet.from_seed(s) for s in ("customer", "shop", "miner"))
platform, logistics, bank = (Wallet.from_seed(s) for s in ("platform", "logistics", "bank"))
NAMES = {w.address: w.name for w in (customer, shop, miner, platform)}


@pytest.fixture(scope="module")
def order_chain():
    """Three blocks of orders, sealed at a "0000…" target like the web demo."""
    chain = Blockchain.proof_of_work(allocations={customer.address: 1_000}, miner=miner,
                                     initial_bits=0x1F00FFFF)
    for i in range(3):
        chain.submit(customer.pay(shop.address, 10 + i, chain=chain,
                                  data=f"order #{1040 + i}".encode()))
        chain.produce_block()
    return chain


def oks(view):
    return [card.value.count('data-ok="true"') == 1 for card in view.cards]


# -- chain view ---------------------------------------------------------------------------------

def test_editing_an_order_turns_its_block_and_every_later_one_red(order_chain):
    view = ChainView(order_chain, names=NAMES)
    assert oks(view) == [True] * 4 and "✔ valid" in view.summary.value
    before = view.cards[1].value
    view.amounts[1, 0].value = 1_000
    assert oks(view) == [True, False, False, False]
    assert view.cards[1].value != before  # re-hashed as typed
    assert "✘ tampered" in view.cards[2].value and "dashed" in view.cards[2].value
    assert "block 1&#x27;s hash changed" in view.cards[2].value
    assert "Blocks 1, 2, 3" in view.summary.value
    assert order_chain.block(1).transactions[0].amount == 10  # the chain itself is untouched


def test_sealing_again_clears_one_block_at_a_time(order_chain):
    view = ChainView(order_chain, names=NAMES)
    view.notes[2, 0].value = "order #9999"
    assert oks(view) == [True, True, False, False]
    view.reseal_buttons[2].click()
    assert oks(view) == [True, True, True, False]
    assert view.model.blocks[2].hash.hex().startswith("0000")
    view.reseal_buttons[3].click()
    assert oks(view) == [True] * 4
    view.reset_button.click()
    assert view.model.blocks == order_chain.blocks and view.notes[2, 0].value == "order #1041"


def test_typed_notes_are_escaped(order_chain):
    view = ChainView(order_chain, names=NAMES)
    view.notes[1, 0].value = '<script>alert("x")</script>'
    assert "<script>" not in view.cards[1].value
    assert "&lt;script&gt;" in view.cards[1].value


def test_a_merkle_proof_holds_until_the_order_is_changed(order_chain):
    view = ChainView(order_chain, names=NAMES)
    view.proof_block.value = 2
    assert "✔ proven" in view.proof_html.value
    view.amounts[2, 0].value = 5
    assert "✘ not proven" in view.proof_html.value


def test_the_chain_view_draws_the_same_state_the_same_way(order_chain):
    a, b = ChainView(order_chain, names=NAMES), ChainView(order_chain, names=NAMES)
    for view in (a, b):
        view.amounts[1, 0].value = 77
    assert [c.value for c in a.cards] == [c.value for c in b.cards]
    assert a.proof_html.value == b.proof_html.value


# -- miner --------------------------------------------------------------------------------------

def test_the_miner_counts_attempts_and_each_bit_doubles_the_work(order_chain):
    view = MinerView(order_chain.tip.header)
    view.difficulty.value = 8
    view.mine_button.click()
    first, html = view.attempts, view.result.value
    assert view.sealed.hash[0] == 0 and f"{first:,}" in html and "256 on average" in html
    view.mine_button.click()
    assert view.result.value == html and view.hashes_total == 2 * first  # same header, same work
    view.difficulty.value = 16
    assert "at 16 zero bits (about 65,536 hashes expected): press Mine" in view.result.value
    assert view.elapsed.value == ""
    view.mine_button.click()
    assert view.sealed.hash[:2] == b"\0\0" and view.attempts > first
    assert "s on this machine" in view.elapsed.value  # wall-clock kept out of result.value


# -- checkout -----------------------------------------------------------------------------------

def test_a_payment_is_sent_then_put_in_a_block():
    chain = Blockchain.proof_of_work(allocations={customer.address: 100}, miner=miner)
    view = CheckoutView(chain, [customer, shop, miner])
    view.amount.value = 30
    view.pay_button.click()
    assert "✔ sent" in view.message.value and "1 payment(s) waiting" in view.balances.value
    view.block_button.click()
    assert chain.balance(shop.address) == 30 and "✔ in a block" in view.message.value
    assert ">69<" in view.balances.value


@pytest.mark.parametrize("amount, recipient, words", [
    (300, "shop", "has 100 but tries to spend 301"),
    (5, "0x12345", "not"),
    (-5, "shop", "below 0"),
])
def test_a_refused_payment_is_explained_in_plain_words(amount, recipient, words):
    chain = Blockchain.proof_of_work(allocations={customer.address: 100}, miner=miner)
    view = CheckoutView(chain, [customer, shop])
    view.amount.value, view.recipient.value = amount, recipient
    view.pay_button.click()
    assert "✘ refused" in view.message.value and words in view.message.value
    assert len(chain.mempool) == 0


# -- escrow -------------------------------------------------------------------------------------

@pytest.fixture
def escrow():
    chain = Blockchain.proof_of_authority(
        [platform, logistics, bank], runtime=ContractRuntime(),
        allocations={customer.address: 1_000, shop.address: 500, platform.address: 500})
    order = ContractClient.deploy(
        chain, platform, "OrderEscrow", buyer=customer.address, seller=shop.address,
        arbiter=platform.address, price=120, ship_window=60, confirm_window=60, order="#1042")
    chain.produce_block()
    return EscrowView(order, {"buyer": customer, "seller": shop, "arbiter": platform},
                      names=NAMES)


def enabled(view):
    return sorted(key for key, button in view.buttons.items() if not button.disabled)


def test_only_the_allowed_buttons_are_enabled_along_the_happy_path(escrow):
    assert enabled(escrow) == [("buyer", "fund")]
    assert "only the buyer" in escrow.buttons["seller", "ship"].tooltip \
        or "CREATED" in escrow.buttons["seller", "ship"].tooltip
    assert "▶ now" in escrow.diagram.value and "Order state: CREATED" in escrow.diagram.value
    escrow.buttons["buyer", "fund"].click()
    assert escrow.order["state"] == "FUNDED"
    assert enabled(escrow) == [("buyer", "dispute"), ("seller", "cancel"), ("seller", "ship")]
    escrow.buttons["seller", "ship"].click()
    escrow.buttons["buyer", "confirm"].click()
    assert escrow.order["state"] == "COMPLETED"
    assert enabled(escrow) == [("seller", "withdraw")]
    escrow.buttons["seller", "withdraw"].click()
    assert [e.name for e in escrow.order.events()] == \
        ["Created", "Funded", "Shipped", "Completed", "Withdrawn"]
    assert "Withdrawn" in escrow.events.value and "to=shop" in escrow.events.value
    assert "✔ FUNDED" in escrow.diagram.value


def test_shipping_puts_a_salted_commitment_on_chain_never_the_tracking_number(escrow):
    escrow.buttons["buyer", "fund"].click()
    escrow.tracking.value = "SF1234567890"
    escrow.buttons["seller", "ship"].click()
    recorded = bytes.fromhex(escrow.order["tracking_hash"])
    assert recorded != unsalted_hash("SF1234567890")  # a plain hash could be guessed
    assert opens(recorded, "SF1234567890", escrow.salt)
    assert not opens(recorded, "SF1234567891", escrow.salt)
    assert "salted commitment" in escrow.message.value
    assert escrow.salt == SeededSalts("escrow view")()  # the same on every run


def test_deadlines_and_disputes(escrow):
    escrow.buttons["buyer", "fund"].click()
    assert escrow.buttons["anyone", "refund"].disabled
    escrow.wait_seconds.value = 120
    escrow.wait_button.click()
    assert not escrow.buttons["anyone", "refund"].disabled
    assert escrow.buttons["seller", "ship"].disabled  # too late now
    escrow.reason.value = "<b>never arrived</b>"
    escrow.buttons["buyer", "dispute"].click()
    assert escrow.order["state"] == "DISPUTED"
    assert "&lt;b&gt;never arrived" in escrow.events.value
    escrow.outcome.value, escrow.seller_share.value = "split", 20
    escrow.buttons["arbiter", "resolve"].click()
    assert escrow.order["state"] == "RESOLVED"
    assert "customer may withdraw 100" in escrow.status.value


def test_the_escrow_diagram_is_deterministic():
    assert render.escrow_diagram("SHIPPED", ["CREATED", "FUNDED"]) == \
        render.escrow_diagram("SHIPPED", ["FUNDED", "CREATED"])


# -- explorer -----------------------------------------------------------------------------------

def test_the_explorer_shows_blocks_transactions_receipts_and_balances(order_chain):
    view = ExplorerView(order_chain, names=NAMES)
    assert view.block_choice.value == 3
    assert "✔ ok" in view.transactions.value and ">shop<" in view.transactions.value
    view.block_choice.value = 0
    assert "(none)" in view.transactions.value
    assert "customer" in view.balances.value and "miner" in view.balances.value
    again = ExplorerView(order_chain, names=NAMES)
    assert (again.blocks.value, again.balances.value) == (view.blocks.value, view.balances.value)


# -- network ------------------------------------------------------------------------------------

def test_the_network_view_steps_splits_and_heals():
    net = Network.proof_of_work(8, miners=2, seed=3, block_interval=60)
    view = NetworkView(net, seed=1)
    assert view.picture.value.startswith("<svg") and "all nodes agree" in view.picture.value
    first = view.picture.value
    view.step_button.click()
    view.play.value = 1
    assert view.picture.value != first
    view.split_button.click()
    assert 'stroke-dasharray="5 4"' in view.picture.value  # cut links are dashed
    for tick in range(2, 8):
        view.play.value = tick
    view.heal_button.click()
    net.run_until_converged(timeout=3_600)
    view.refresh()
    assert "all nodes agree" in view.picture.value
    assert view.picture.value.count(">A</text>") == 8


def test_the_network_drawing_is_deterministic():
    pictures = []
    for _ in range(2):
        net = Network.proof_of_work(8, miners=2, seed=3, block_interval=60)
        view = NetworkView(net, seed=1)
        view.play.value = 1
        pictures.append(view.picture.value)
    assert pictures[0] == pictures[1]
