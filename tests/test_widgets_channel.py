"""The channel till: the customer buys coffee after coffee off the chain, the shop closes with
the latest voucher, and the till refuses what the contract would refuse."""

import pytest

from minichain import Blockchain, Wallet
from minichain.contracts import ContractClient, ContractRuntime
from minichain.widgets.channel import ChannelView, channel_transactions

platform, logistics, bank = (Wallet.from_seed(s) for s in ("platform", "logistics", "bank"))
customer, shop = Wallet.from_seed("customer"), Wallet.from_seed("shop")
DEPOSIT = 300


@pytest.fixture
def channel():
    chain = Blockchain.proof_of_authority(
        [platform, logistics, bank], allocations={customer.address: 1_000, shop.address: 500},
        runtime=ContractRuntime())
    channel = ContractClient.deploy(chain, customer, "PaymentChannel", value=DEPOSIT,
                                    merchant=shop.address, customer_key=customer.public_key.hex(),
                                    chain_id=chain.params.chain_id, expires_in=3_600)
    chain.produce_block()
    return channel


def test_a_hundred_and_one_coffees_stay_off_the_chain_until_the_shop_closes(channel):
    view = ChannelView(channel, customer, shop)
    height = channel.chain.height
    view.buy_one.click()
    view.buy_hundred.click()
    assert (view.payments, view.latest.amount) == (101, 202)
    assert view.latest.verify(customer.public_key)  # a real signature
    assert channel.chain.height == height and len(channel.chain.mempool) == 0
    assert channel_transactions(channel) == 1  # the opening
    assert "101" in view.summary.value and "202 coins" in view.summary.value

    view.close_button.click()
    assert channel["state"] == "CLOSED"
    assert channel[f"owed:{shop.address}"] == 202
    assert channel[f"owed:{customer.address}"] == DEPOSIT - 202
    assert channel_transactions(channel) == 2
    assert "✔ ok" in view.message.value and "the shop is owed 202 coins" in view.message.value


def test_the_till_stops_at_the_deposit(channel):
    view = ChannelView(channel, customer, shop)
    view.buy_hundred.click()
    view.buy_hundred.click()  # the 151st coffee would need 302
    assert (view.payments, view.latest.amount) == (150, DEPOSIT)
    assert "✘ refused" in view.message.value
    assert "after 50 more: the till refuses the next voucher: the voucher is for 302, more " \
           "than the 300 deposited" in view.message.value


def test_a_replayed_voucher_is_refused_and_changes_nothing(channel):
    view = ChannelView(channel, customer, shop)
    view.buy_one.click()
    view.replay_button.click()
    assert "the voucher is for 2 in total, which is not more than the 2 already received" \
        in view.message.value
    assert view.payments == 1


def test_a_closed_channel_takes_no_more_payments_or_closes(channel):
    view = ChannelView(channel, customer, shop)
    view.buy_one.click()
    view.close_button.click()
    view.buy_one.click()
    assert "the channel is CLOSED; open a new one to pay" in view.message.value
    assert view.payments == 1
    view.close_button.click()
    assert "it is possible to close the channel only when it is OPEN" in view.message.value
    assert channel_transactions(channel) == 2


def test_the_same_clicks_draw_the_same_till(channel):
    first = ChannelView(channel, customer, shop)
    second = ChannelView(channel, customer, shop)
    for view in (first, second):
        view.buy_one.click()
    assert first.summary.value == second.summary.value
    assert first.message.value == second.message.value
