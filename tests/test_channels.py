"""Payment channels: the customer buys coffee after coffee off the chain, the shop closes with the
latest voucher, and the attacker — or a party tempted by an old state — gets nowhere.

Every allowed transition of both channels is walked; every forbidden one (wrong role, wrong state,
past or before a deadline, wrong amount, bad signature, stale or replayed message, a message for
another channel or chain) is refused with a specific error and a plain message, and refusing
changes nothing.
"""

import pytest
from contract_helpers import act, refused

from minichain import Blockchain, Wallet
from minichain.clock import date_text
from minichain.contracts.bichannel import (
    BalancesDoNotAddUp,
    ChannelState,
    NotRevoked,
    Revocation,
    StaleState,
)
from minichain.contracts.channel import (
    ChannelSignatureInvalid,
    KeyMismatch,
    StaleVoucher,
    Voucher,
    VoucherExceedsDeposit,
    WrongChannel,
)
from minichain.contracts.client import ContractClient
from minichain.contracts.runtime import (
    BadCall,
    ContractRuntime,
    NotAllowed,
    TooEarly,
    TooLate,
    WrongAmount,
    WrongState,
    call_data,
)

DEPOSIT = 300
EXPIRY = 600  # seconds the shop has to close the channel
PERIOD = 600  # seconds of a bidirectional channel's challenge period
COFFEE = 2

platform, logistics, bank = (Wallet.from_seed(s) for s in ("platform", "logistics", "bank"))
customer, shop, attacker = (Wallet.from_seed(s) for s in ("customer", "shop", "attacker"))


@pytest.fixture
def chain():
    return Blockchain.proof_of_authority(
        [platform, logistics, bank],
        allocations={customer.address: 1_000, shop.address: 500, attacker.address: 500},
        runtime=ContractRuntime())


def at_next_block(chain, timestamp):
    """Set the clock so that the next block (and a dry run now) happens at `timestamp`."""
    chain.clock.advance_to(timestamp - chain.engine.block_interval)
    assert chain.clock.now() + chain.engine.block_interval == timestamp


# == the unidirectional channel ===================================================================

def open_channel(chain, deposit=DEPOSIT, expires_in=EXPIRY, merchant=shop):
    channel = ContractClient.deploy(
        chain, customer, "PaymentChannel", value=deposit, merchant=merchant.address,
        customer_key=customer.public_key.hex(), chain_id=chain.params.chain_id,
        expires_in=expires_in)
    chain.produce_block()
    assert channel["state"] == "OPEN"
    return channel


@pytest.fixture
def channel(chain):
    return open_channel(chain)


def voucher(channel, amount, signer=customer):
    return Voucher(channel.chain.params.chain_id, channel.address, amount).sign(signer)


def close_with(channel, signed):
    return act(channel, shop, "close", voucher=signed.to_dict())


def check_at_the_till(channel, signed, after=None):
    """What the shop does off the chain when a voucher arrives: the contract's own checks."""
    terms = channel.storage()
    signed.check(bytes.fromhex(terms["customer_key"]), chain_id=terms["chain_id"],
                 channel=channel.address, deposit=terms["deposit"], after=after)


# -- the happy path --------------------------------------------------------------------------------

def test_a_hundred_coffees_cost_two_transactions_on_the_chain(chain, channel):
    customer_before, shop_before = chain.balance(customer.address), chain.balance(shop.address)
    heights_before = chain.height

    latest = Voucher(chain.params.chain_id, channel.address, 0)
    for _ in range(100):  # off the chain: sign, send, check, keep the latest
        offered = latest.plus(COFFEE).sign(customer)
        check_at_the_till(channel, offered, after=latest.amount)
        latest = offered
    assert chain.height == heights_before and len(chain.mempool) == 0  # nothing on the chain

    fees = close_with(channel, latest).fee
    assert channel["state"] == "CLOSED"
    assert channel[f"owed:{shop.address}"] == 100 * COFFEE
    assert channel[f"owed:{customer.address}"] == DEPOSIT - 100 * COFFEE
    fees += act(channel, shop, "withdraw").fee
    customer_fee = act(channel, customer, "withdraw").fee
    assert channel.balance == 0
    assert chain.balance(shop.address) == shop_before + 100 * COFFEE - fees
    assert chain.balance(customer.address) == customer_before + DEPOSIT - 100 * COFFEE \
        - customer_fee
    assert [e.name for e in channel.events()] == [
        "Opened", "Closed", "Withdrawn", "Withdrawn"]


def test_opening_locks_the_deposit_and_records_the_terms(chain, channel):
    opened_at = chain.tip.header.timestamp
    assert channel.balance == DEPOSIT
    assert channel["customer"] == customer.address and channel["merchant"] == shop.address
    assert channel["customer_key"] == customer.public_key.hex()
    assert channel["chain_id"] == chain.params.chain_id
    assert channel["expires_at"] == opened_at + EXPIRY


def test_the_shop_may_close_at_the_expiry_itself(chain, channel):
    at_next_block(chain, channel["expires_at"])
    close_with(channel, voucher(channel, 12))
    assert channel["state"] == "CLOSED"


def test_the_customer_reclaims_the_deposit_after_the_expiry(chain, channel):
    at_next_block(chain, channel["expires_at"] + 1)
    act(channel, customer, "reclaim")
    assert channel["state"] == "RECLAIMED"
    assert channel[f"owed:{customer.address}"] == DEPOSIT
    before = chain.balance(customer.address)
    fee = act(channel, customer, "withdraw").fee
    assert chain.balance(customer.address) == before + DEPOSIT - fee


def test_a_top_up_lets_the_vouchers_go_higher(chain, channel):
    act(channel, customer, "top_up", value=200)
    assert channel["deposit"] == DEPOSIT + 200 and channel.balance == DEPOSIT + 200
    close_with(channel, voucher(channel, DEPOSIT + 150))
    assert channel[f"owed:{shop.address}"] == DEPOSIT + 150
    assert channel[f"owed:{customer.address}"] == 50


def test_an_extension_gives_the_shop_more_time(chain, channel):
    old_expiry = channel["expires_at"]
    act(channel, customer, "extend", seconds=300)
    assert channel["expires_at"] == old_expiry + 300
    at_next_block(chain, old_expiry + 100)
    close_with(channel, voucher(channel, 30))
    assert channel["state"] == "CLOSED"


def test_closing_with_a_voucher_for_the_whole_deposit_leaves_the_customer_nothing(chain, channel):
    close_with(channel, voucher(channel, DEPOSIT))
    assert channel[f"owed:{shop.address}"] == DEPOSIT
    assert channel[f"owed:{customer.address}"] is None
    refused(channel, customer, "withdraw", WrongAmount, "is owed nothing by this channel")


# -- the voucher, off the chain ----------------------------------------------------------------------

def test_a_voucher_signature_binds_the_chain_the_channel_and_the_amount(chain, channel):
    signed = voucher(channel, 42)
    assert signed.verify(customer.public_key)
    assert not signed.verify(attacker.public_key)
    other = open_channel(chain)
    for altered in (Voucher(7, channel.address, 42, signed.signature),
                    Voucher(signed.chain_id, other.address, 42, signed.signature),
                    Voucher(signed.chain_id, channel.address, 43, signed.signature)):
        assert not altered.verify(customer.public_key)


def test_the_till_refuses_an_old_or_replayed_voucher(chain, channel):
    first, second = voucher(channel, 10), voucher(channel, 20)
    check_at_the_till(channel, second, after=first.amount)
    with pytest.raises(StaleVoucher, match="is for 10 in total, which is not more than the 20"):
        check_at_the_till(channel, first, after=second.amount)
    with pytest.raises(StaleVoucher, match="is for 20 in total, which is not more than the 20"):
        check_at_the_till(channel, second, after=second.amount)  # the same one, sent again


def test_the_till_refuses_what_the_contract_would_refuse(chain, channel):
    with pytest.raises(VoucherExceedsDeposit, match=f"more than the {DEPOSIT} deposited"):
        check_at_the_till(channel, voucher(channel, DEPOSIT + 1))
    with pytest.raises(ChannelSignatureInvalid, match="not signed by the customer's key"):
        check_at_the_till(channel, voucher(channel, 5, signer=attacker))
    with pytest.raises(WrongChannel, match="is for chain 7, but channel"):
        check_at_the_till(channel, Voucher(7, channel.address, 5).sign(customer))


def test_a_voucher_travels_as_json_values_and_back(channel):
    signed = voucher(channel, 9)
    assert Voucher.from_dict(signed.to_dict()) == signed
    with pytest.raises(BadCall, match="must be a dictionary with exactly"):
        Voucher.from_dict({"amount": 9})
    with pytest.raises(BadCall, match="amount must be a whole number"):
        Voucher.from_dict({**signed.to_dict(), "amount": -1})
    with pytest.raises(BadCall, match="signature must be written in hex"):
        Voucher.from_dict({**signed.to_dict(), "signature": "zz"})


# -- forbidden: wrong role ---------------------------------------------------------------------------

@pytest.mark.parametrize("wallet, method, value, args, match", [
    (attacker, "close", 0, "voucher", "only the merchant .* may close the channel"),
    (customer, "close", 0, "voucher", "is not the merchant"),
    (shop, "top_up", 50, {}, "only the customer .* may top up the channel"),
    (attacker, "extend", 0, {"seconds": 60}, "only the customer .* may extend the channel"),
])
def test_only_the_right_party_may_act(chain, channel, wallet, method, value, args, match):
    if args == "voucher":
        args = {"voucher": voucher(channel, 100).to_dict()}
    refused(channel, wallet, method, NotAllowed, match, value=value, **args)


def test_only_the_customer_may_reclaim_even_after_the_expiry(chain, channel):
    at_next_block(chain, channel["expires_at"] + 1)
    refused(channel, shop, "reclaim", NotAllowed, "only the customer .* may reclaim the deposit")


def test_nobody_can_open_a_channel_with_someone_elses_key(chain):
    with pytest.raises(KeyMismatch, match="belongs to .*, not to the customer"):
        ContractClient.deploy(chain, attacker, "PaymentChannel", value=DEPOSIT,
                              merchant=shop.address, customer_key=customer.public_key.hex(),
                              chain_id=chain.params.chain_id)


def test_a_customer_cannot_open_a_channel_to_itself(chain):
    with pytest.raises(NotAllowed, match="cannot open a payment channel to itself"):
        open_channel(chain, merchant=customer)


def test_the_merchant_and_the_key_must_be_well_formed(chain):
    with pytest.raises(BadCall, match="the merchant must be an address: .* fails its checksum"):
        ContractClient.deploy(chain, customer, "PaymentChannel", value=DEPOSIT,
                              merchant=shop.address.lower(),
                              customer_key=customer.public_key.hex(), chain_id=1)
    with pytest.raises(BadCall, match="the customer's public key must be 33 bytes .* not 32"):
        ContractClient.deploy(chain, customer, "PaymentChannel", value=DEPOSIT,
                              merchant=shop.address, customer_key=customer.public_key[1:].hex(),
                              chain_id=1)


# -- forbidden: wrong state ----------------------------------------------------------------------------

def test_a_closed_channel_cannot_be_closed_again_with_the_same_voucher(chain, channel):
    latest = voucher(channel, 90)
    close_with(channel, latest)
    refused(channel, shop, "close", WrongState, "the channel is CLOSED; it is possible to close "
            "the channel only when it is OPEN", voucher=latest.to_dict())


@pytest.mark.parametrize("wallet, method, value, args", [
    (customer, "reclaim", 0, {}),
    (customer, "top_up", 10, {}),
    (customer, "extend", 0, {"seconds": 60}),
])
def test_a_closed_channel_takes_no_more_actions(chain, channel, wallet, method, value, args):
    close_with(channel, voucher(channel, 90))
    at_next_block(chain, channel["expires_at"] + 1)
    refused(channel, wallet, method, WrongState, "the channel is CLOSED", value=value, **args)


def test_a_reclaimed_channel_cannot_be_closed(chain, channel):
    at_next_block(chain, channel["expires_at"] + 1)
    act(channel, customer, "reclaim")
    chain.clock.advance(1)
    refused(channel, shop, "close", WrongState, "the channel is RECLAIMED",
            voucher=voucher(channel, 90).to_dict())
    refused(channel, customer, "reclaim", WrongState, "the channel is RECLAIMED")


# -- forbidden: deadlines ------------------------------------------------------------------------------

def test_the_shop_cannot_close_after_the_expiry(chain, channel):
    at_next_block(chain, channel["expires_at"] + 1)
    refused(channel, shop, "close", TooLate, r"the channel expired at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC and it is "
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, too late to close the channel", voucher=voucher(channel, 90).to_dict())


@pytest.mark.parametrize("method, value, args", [
    ("top_up", 10, {}), ("extend", 0, {"seconds": 60})])
def test_the_customer_cannot_top_up_or_extend_an_expired_channel(chain, channel, method, value,
                                                                  args):
    at_next_block(chain, channel["expires_at"] + 1)
    refused(channel, customer, method, TooLate, "the channel expired at 2026-", value=value,
            **args)


def test_the_customer_cannot_reclaim_before_the_expiry(chain, channel):
    at_next_block(chain, channel["expires_at"])
    refused(channel, customer, "reclaim", TooEarly,
            f"the merchant may close the channel until {date_text(channel['expires_at'])}")


# -- forbidden: wrong amount -------------------------------------------------------------------------

def test_a_voucher_cannot_claim_more_than_the_deposit(chain, channel):
    refused(channel, shop, "close", VoucherExceedsDeposit,
            f"the voucher is for {DEPOSIT + 1}, more than the {DEPOSIT} deposited",
            voucher=voucher(channel, DEPOSIT + 1).to_dict())


def test_a_channel_needs_a_deposit(chain):
    with pytest.raises(WrongAmount, match="needs a deposit above 0 to pay from; 0 was sent"):
        open_channel(chain, deposit=0)


@pytest.mark.parametrize("expires_in", [0, -5, "soon"])
def test_the_expiry_must_be_a_positive_number_of_seconds(chain, expires_in):
    with pytest.raises(WrongAmount, match=f"the expiry must be a whole number of seconds above "
                                          f"0, not {expires_in!r}"):
        open_channel(chain, expires_in=expires_in)


def test_a_top_up_must_add_money(chain, channel):
    refused(channel, customer, "top_up", WrongAmount, "a top-up must add more than 0; 0 was sent")


@pytest.mark.parametrize("seconds", [0, -60])
def test_an_extension_must_add_time(chain, channel, seconds):
    refused(channel, customer, "extend", WrongAmount,
            f"the extension must be a whole number of seconds above 0, not {seconds}",
            seconds=seconds)


def test_nobody_withdraws_twice_or_what_they_are_not_owed(chain, channel):
    close_with(channel, voucher(channel, 90))
    refused(channel, attacker, "withdraw", WrongAmount, "is owed nothing by this channel")
    act(channel, shop, "withdraw")
    refused(channel, shop, "withdraw", WrongAmount, "is owed nothing by this channel")


# -- forbidden: bad signatures and vouchers meant elsewhere ---------------------------------------------

def test_the_shop_cannot_close_with_a_voucher_it_signed_itself(chain, channel):
    refused(channel, shop, "close", ChannelSignatureInvalid,
            "the voucher for 250 is not signed by the customer's key",
            voucher=voucher(channel, 250, signer=shop).to_dict())


def test_the_shop_cannot_raise_the_amount_of_a_signed_voucher(chain, channel):
    signed = voucher(channel, 20)
    raised = {**signed.to_dict(), "amount": 200}  # the customer's signature, a bigger number
    refused(channel, shop, "close", ChannelSignatureInvalid, "the voucher for 200 is not signed",
            voucher=raised)


def test_a_voucher_for_another_channel_is_refused(chain, channel):
    second = open_channel(chain)  # the same customer and shop, a second channel
    for_the_first = voucher(channel, 50)
    refused(second, shop, "close", WrongChannel,
            f"this voucher is for channel {for_the_first.channel[:6]}.*, not for channel",
            voucher=for_the_first.to_dict())


def test_a_voucher_for_another_chain_is_refused(chain, channel):
    elsewhere = Voucher(chain.params.chain_id + 1, channel.address, 50).sign(customer)
    refused(channel, shop, "close", WrongChannel,
            f"this voucher is for chain {chain.params.chain_id + 1}, but channel .* is on chain "
            f"{chain.params.chain_id}", voucher=elsewhere.to_dict())


def test_a_malformed_voucher_is_a_bad_call(chain, channel):
    refused(channel, shop, "close", BadCall, "a voucher must be a dictionary with exactly",
            voucher={"amount": 50})


def test_a_forbidden_close_mined_anyway_is_undone_but_pays_its_fee(chain, channel):
    """The dry run is a courtesy; the rules are in the contract, on every node."""
    sneaky = attacker.pay(channel.address, 0, chain=chain, fee=100,
                          data=call_data("close", voucher=voucher(channel, DEPOSIT).to_dict()))
    block = chain.build_block(transactions=[sneaky])
    chain.clock.advance_to(block.header.timestamp)
    before = chain.balance(attacker.address)
    chain.add_block(block)
    receipt = chain.receipt(sneaky.txid)
    assert not receipt.success and "only the merchant" in receipt.error
    assert channel["state"] == "OPEN" and channel.balance == DEPOSIT
    assert chain.balance(attacker.address) == before - receipt.fee
    assert 0 < receipt.fee <= 100


def test_checking_a_signature_costs_gas(chain, channel):
    receipt = close_with(channel, voucher(channel, 10))
    assert receipt.gas_used > 20


# == the bidirectional channel ====================================================================
# The customer (opener) deposits 200 and the shop (partner) 100. The customer buys, the shop
# refunds a return; both sign every state.

OPENER_DEPOSIT, PARTNER_DEPOSIT = 200, 100
TOTAL = OPENER_DEPOSIT + PARTNER_DEPOSIT


def propose_bichannel(chain, opener_key=None, partner_key=None, challenge_period=PERIOD):
    channel = ContractClient.deploy(
        chain, customer, "BidirectionalChannel", value=OPENER_DEPOSIT, partner=shop.address,
        opener_key=(opener_key or customer.public_key).hex(),
        partner_key=(partner_key or shop.public_key).hex(), chain_id=chain.params.chain_id,
        challenge_period=challenge_period)
    chain.produce_block()
    assert channel["state"] == "OPENING"
    return channel


def open_bichannel(chain):
    channel = propose_bichannel(chain)
    act(channel, shop, "join", value=PARTNER_DEPOSIT)
    assert channel["state"] == "OPEN"
    return channel


@pytest.fixture
def bichannel(chain):
    return open_bichannel(chain)


class Parties:
    """The two sides of a bidirectional channel, off the chain: the latest state both signed,
    and the revocations each has received from the other."""

    def __init__(self, channel):
        self.latest = ChannelState.opening(channel.chain.params.chain_id, channel.address,
                                           OPENER_DEPOSIT, PARTNER_DEPOSIT)
        self.history = [self.latest]
        self.received = {customer.address: [], shop.address: []}  # revocations held

    def pay(self, amount, by):
        """The dance of one payment; returns the new state, signed by both."""
        payer, payee = (customer, shop) if by is customer else (shop, customer)
        offered = self.latest.pay(amount, to="partner" if by is customer else "opener")
        offered = offered.sign(payer)
        keys = dict(opener_key=customer.public_key, partner_key=shop.public_key)
        both = offered.sign(payee)  # the payee checks the balances and co-signs...
        both.check(keys["opener_key"], keys["partner_key"], chain_id=self.latest.chain_id,
                   channel=self.latest.channel, total=TOTAL, after=self.latest.nonce)
        self.received[payer.address].append(self.latest.revoke(payee))  # ...revoking the old
        self.received[payee.address].append(self.latest.revoke(payer))  # then so does the payer
        self.latest = both
        self.history.append(both)
        return both


def closing(channel, wallet, state=None):
    args = {} if state is None else {"state": state.to_dict()}
    return act(channel, wallet, "close", **args)


# -- the happy path ----------------------------------------------------------------------------------

def test_payments_both_ways_then_close_wait_and_settle(chain, bichannel):
    parties = Parties(bichannel)
    for amount, by in [(50, customer), (30, customer), (20, shop), (70, customer)]:
        parties.pay(amount, by)
    assert (parties.latest.nonce, parties.latest.opener_balance,
            parties.latest.partner_balance) == (4, 70, 230)

    closing(bichannel, customer, parties.latest)
    assert bichannel["state"] == "CLOSING"
    assert bichannel["deadline"] == chain.tip.header.timestamp + PERIOD
    at_next_block(chain, bichannel["deadline"] + 1)
    act(bichannel, attacker, "settle")  # anyone may settle once the period is over
    assert bichannel["state"] == "CLOSED"
    assert bichannel[f"owed:{customer.address}"] == 70
    assert bichannel[f"owed:{shop.address}"] == 230
    act(bichannel, customer, "withdraw")
    act(bichannel, shop, "withdraw")
    assert bichannel.balance == 0
    assert [e.name for e in bichannel.events()] == [
        "Proposed", "Opened", "Closing", "Closed", "Withdrawn", "Withdrawn"]


def test_closing_with_no_state_closes_with_the_deposits(chain, bichannel):
    closing(bichannel, shop)
    assert bichannel["nonce"] == 0
    at_next_block(chain, bichannel["deadline"] + 1)
    act(bichannel, shop, "settle")
    assert bichannel[f"owed:{customer.address}"] == OPENER_DEPOSIT
    assert bichannel[f"owed:{shop.address}"] == PARTNER_DEPOSIT


def test_the_opener_cancels_if_the_partner_never_joins(chain):
    channel = propose_bichannel(chain)
    act(channel, customer, "cancel")
    assert channel["state"] == "CANCELLED"
    assert channel[f"owed:{customer.address}"] == OPENER_DEPOSIT
    refused(channel, shop, "join", WrongState, "the channel is CANCELLED", value=PARTNER_DEPOSIT)


def test_a_higher_nonce_wins_during_the_challenge_period(chain, bichannel):
    """The shop holds state 2 signed by both but has not sent its own signature back, so the
    customer's best is state 1 (revoked by nobody yet). The customer closes with it, honestly;
    the shop answers with state 2, which wins, and cannot punish an honest close."""
    parties = Parties(bichannel)
    state1 = parties.pay(40, customer)
    state2 = parties.latest.pay(60, to="partner").sign(customer).sign(shop)  # shop holds it
    closing(bichannel, customer, state1)
    act(bichannel, shop, "update", state=state2.to_dict())
    assert bichannel["nonce"] == 2
    refused(bichannel, shop, "penalize", NotRevoked,
            "the revocation gives up states up to nonce 0, but the channel was closed with "
            "state 1", revocation=parties.received[shop.address][-1].to_dict())
    at_next_block(chain, bichannel["deadline"] + 1)
    act(bichannel, shop, "settle")
    assert bichannel[f"owed:{shop.address}"] == PARTNER_DEPOSIT + 100
    assert bichannel[f"owed:{customer.address}"] == OPENER_DEPOSIT - 100


def test_a_stale_state_broadcast_is_defeated_by_the_penalty(chain, bichannel):
    """After paying the shop 150, the customer broadcasts state 1, in which it had paid only
    10, hoping the shop is not watching. The shop is: it shows the customer's revocation of
    state 1 and takes everything in the channel."""
    parties = Parties(bichannel)
    for amount in (10, 40, 100):
        parties.pay(amount, customer)
    stale = parties.history[1]
    closing(bichannel, customer, stale)  # what the cheat tries: 190 back instead of 50
    assert bichannel["opener_balance"] == 190

    revocation = parties.received[shop.address][-1]  # "I give up states up to 2"
    receipt = act(bichannel, shop, "penalize", revocation=revocation.to_dict())
    assert [e.name for e in receipt.events] == ["Penalized"]
    assert receipt.events[0].fields == {"cheater": customer.address, "nonce": 1, "taken": TOTAL}
    assert bichannel["state"] == "PENALIZED"
    assert bichannel[f"owed:{shop.address}"] == TOTAL
    refused(bichannel, customer, "withdraw", WrongAmount, "is owed nothing by this channel")
    refused(bichannel, attacker, "settle", WrongState, "the channel is PENALIZED")
    act(bichannel, shop, "withdraw")
    assert bichannel.balance == 0


def test_broadcasting_the_deposits_after_paying_is_a_stale_state_too(chain, bichannel):
    parties = Parties(bichannel)
    parties.pay(120, customer)
    closing(bichannel, customer)  # no state: the deposits, i.e. revoked state 0
    act(bichannel, shop, "penalize",
        revocation=parties.received[shop.address][0].to_dict())
    assert bichannel[f"owed:{shop.address}"] == TOTAL


def test_a_shop_that_only_answers_with_the_latest_state_gets_its_due(chain, bichannel):
    parties = Parties(bichannel)
    for amount in (10, 40, 100):
        parties.pay(amount, customer)
    closing(bichannel, customer, parties.history[1])
    act(bichannel, shop, "update", state=parties.latest.to_dict())
    at_next_block(chain, bichannel["deadline"] + 1)
    act(bichannel, customer, "settle")
    assert bichannel[f"owed:{shop.address}"] == PARTNER_DEPOSIT + 150
    assert bichannel[f"owed:{customer.address}"] == OPENER_DEPOSIT - 150


def test_the_partner_may_join_with_nothing(chain):
    channel = propose_bichannel(chain)
    act(channel, shop, "join")
    assert channel["total"] == OPENER_DEPOSIT


# -- the messages, off the chain ----------------------------------------------------------------------

def test_a_state_signature_binds_every_field(chain, bichannel):
    state = Parties(bichannel).pay(25, customer)
    assert state.verify(customer.public_key) and state.verify(shop.public_key)
    assert not state.verify(attacker.public_key)
    for field, value in [("chain_id", 9), ("nonce", 2), ("opener_balance", 176),
                         ("partner_balance", 124)]:
        altered = ChannelState(**{**vars(state), field: value})
        assert not altered.verify(customer.public_key)
    assert ChannelState.from_dict(state.to_dict()) == state
    assert ChannelState.from_dict(state.to_dict()).signatures == state.signatures


def test_the_payee_refuses_a_state_that_moves_too_much_or_is_half_signed(chain, bichannel):
    parties = Parties(bichannel)
    keys = (customer.public_key, shop.public_key)
    where = dict(chain_id=chain.params.chain_id, channel=bichannel.address, total=TOTAL)
    greedy = parties.latest.next(opener_balance=OPENER_DEPOSIT, partner_balance=PARTNER_DEPOSIT
                                 + 50).sign(customer)
    with pytest.raises(BalancesDoNotAddUp, match="in all, but the channel holds 300"):
        greedy.sign(shop).check(*keys, **where)
    half = parties.latest.pay(5, to="partner").sign(customer)
    with pytest.raises(ChannelSignatureInvalid, match="state 1 is not signed by the partner"):
        half.check(*keys, **where)
    with pytest.raises(StaleState, match="nonce 1, which is not newer than nonce 1"):
        half.sign(shop).check(*keys, **where, after=1)


def test_a_revocation_binds_the_channel_and_the_nonce(chain, bichannel):
    revocation = Revocation(chain.params.chain_id, bichannel.address, 3).sign(customer)
    assert revocation.verify(customer.public_key)
    assert not Revocation(revocation.chain_id, revocation.channel, 4,
                          revocation.signature).verify(customer.public_key)
    assert Revocation.from_dict(revocation.to_dict()) == revocation


# -- forbidden: wrong role ----------------------------------------------------------------------------

def test_only_the_partner_may_join(chain):
    channel = propose_bichannel(chain)
    refused(channel, attacker, "join", NotAllowed, "only the partner .* may join the channel",
            value=PARTNER_DEPOSIT)
    refused(channel, customer, "join", NotAllowed, "is not the partner", value=PARTNER_DEPOSIT)


def test_only_the_opener_may_cancel(chain):
    channel = propose_bichannel(chain)
    refused(channel, shop, "cancel", NotAllowed, "only the opener .* may cancel the channel")


def test_a_stranger_cannot_close_update_or_penalize(chain, bichannel):
    parties = Parties(bichannel)
    state = parties.pay(10, customer)
    refused(bichannel, attacker, "close", NotAllowed,
            "only the opener .* or the partner .* may close the channel; .* is neither",
            state=state.to_dict())
    closing(bichannel, shop)  # the deposits: state 0
    refused(bichannel, attacker, "update", NotAllowed, "is neither", state=state.to_dict())
    refused(bichannel, attacker, "penalize", NotAllowed, "is neither",
            revocation=parties.received[customer.address][0].to_dict())


def test_the_closer_cannot_answer_its_own_close(chain, bichannel):
    parties = Parties(bichannel)
    parties.pay(10, customer)
    latest = parties.pay(10, customer)
    closing(bichannel, shop, parties.history[1])
    refused(bichannel, shop, "update", NotAllowed,
            "only the party that did not close may answer the close with a newer state",
            state=latest.to_dict())
    refused(bichannel, shop, "penalize", NotAllowed,
            "only the party that did not close may penalize the closer",
            revocation=parties.received[shop.address][0].to_dict())


def test_nobody_can_name_a_key_that_is_not_the_partners(chain):
    with pytest.raises(KeyMismatch, match="belongs to .*, not to the partner"):
        propose_bichannel(chain, partner_key=attacker.public_key)
    with pytest.raises(KeyMismatch, match="belongs to .*, not to the opener"):
        propose_bichannel(chain, opener_key=shop.public_key)


def test_nobody_can_open_a_two_way_channel_with_itself_or_a_malformed_address(chain):
    with pytest.raises(NotAllowed, match="cannot open a channel with itself"):
        ContractClient.deploy(chain, customer, "BidirectionalChannel", partner=customer.address,
                              opener_key=customer.public_key.hex(),
                              partner_key=customer.public_key.hex(), chain_id=1)
    with pytest.raises(BadCall, match="the partner must be an address"):
        ContractClient.deploy(chain, customer, "BidirectionalChannel", partner="the shop",
                              opener_key=customer.public_key.hex(),
                              partner_key=shop.public_key.hex(), chain_id=1)


# -- forbidden: wrong state ------------------------------------------------------------------------

def test_a_proposed_channel_cannot_be_closed_or_settled(chain):
    channel = propose_bichannel(chain)
    refused(channel, customer, "close", WrongState,
            "the channel is OPENING; it is possible to close only when it is OPEN")
    refused(channel, customer, "settle", WrongState, "the channel is OPENING")


def test_an_open_channel_cannot_be_joined_cancelled_updated_penalized_or_settled(chain,
                                                                                  bichannel):
    parties = Parties(bichannel)
    state = parties.pay(10, customer)
    refused(bichannel, shop, "join", WrongState, "the channel is OPEN; it is possible to join "
            "only when it is OPENING", value=5)
    refused(bichannel, customer, "cancel", WrongState, "the channel is OPEN")
    refused(bichannel, shop, "update", WrongState, "the channel is OPEN", state=state.to_dict())
    refused(bichannel, shop, "penalize", WrongState, "the channel is OPEN",
            revocation=parties.received[shop.address][0].to_dict())
    refused(bichannel, shop, "settle", WrongState, "the channel is OPEN")


def test_a_closing_channel_cannot_be_closed_again(chain, bichannel):
    closing(bichannel, customer)
    refused(bichannel, shop, "close", WrongState, "the channel is CLOSING")


def test_a_settled_channel_cannot_be_updated_or_settled_again(chain, bichannel):
    parties = Parties(bichannel)
    state = parties.pay(10, customer)
    closing(bichannel, customer)
    at_next_block(chain, bichannel["deadline"] + 1)
    act(bichannel, shop, "settle")
    refused(bichannel, shop, "update", WrongState, "the channel is CLOSED", state=state.to_dict())
    refused(bichannel, shop, "settle", WrongState, "the channel is CLOSED")


# -- forbidden: deadlines ----------------------------------------------------------------------------

def test_a_newer_state_or_a_revocation_comes_too_late_after_the_challenge_period(chain,
                                                                                bichannel):
    parties = Parties(bichannel)
    parties.pay(30, customer)
    closing(bichannel, customer)  # the deposits: state 0
    at_next_block(chain, bichannel["deadline"] + 1)
    refused(bichannel, shop, "update", TooLate, r"the challenge period ended at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC and it "
            r"is \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, too late to answer the close", state=parties.latest.to_dict())
    refused(bichannel, shop, "penalize", TooLate, "too late to penalize the closer",
            revocation=parties.received[shop.address][0].to_dict())


def test_the_shop_may_still_answer_at_the_deadline_itself(chain, bichannel):
    parties = Parties(bichannel)
    parties.pay(30, customer)
    closing(bichannel, customer)  # the deposits: state 0
    at_next_block(chain, bichannel["deadline"])
    act(bichannel, shop, "update", state=parties.latest.to_dict())


def test_nobody_may_settle_during_the_challenge_period(chain, bichannel):
    closing(bichannel, customer)
    at_next_block(chain, bichannel["deadline"])
    refused(bichannel, customer, "settle", TooEarly,
            f"the challenge period lasts until {date_text(bichannel['deadline'])}")


# -- forbidden: wrong amounts --------------------------------------------------------------------------

def test_a_state_whose_balances_do_not_add_up_is_refused_even_if_both_signed(chain, bichannel):
    inflated = ChannelState(chain.params.chain_id, bichannel.address, 1, 250, 100)
    inflated = inflated.sign(customer).sign(shop)
    refused(bichannel, customer, "close", BalancesDoNotAddUp,
            "gives 250 to the opener and 100 to the partner, 350 in all, but the channel holds "
            "300", state=inflated.to_dict())


def test_a_channel_with_nothing_in_it_cannot_open(chain):
    channel = ContractClient.deploy(
        chain, customer, "BidirectionalChannel", partner=shop.address,
        opener_key=customer.public_key.hex(), partner_key=shop.public_key.hex(),
        chain_id=chain.params.chain_id)
    chain.produce_block()
    refused(channel, shop, "join", WrongAmount, "both deposits would be 0")


def test_the_challenge_period_must_be_positive(chain):
    with pytest.raises(WrongAmount, match="the challenge period must be .* above 0, not 0"):
        propose_bichannel(chain, challenge_period=0)


# -- forbidden: bad signatures ------------------------------------------------------------------------

def test_a_state_signed_by_one_party_only_cannot_close(chain, bichannel):
    state = Parties(bichannel).latest.pay(100, to="opener").sign(customer)
    refused(bichannel, customer, "close", ChannelSignatureInvalid,
            "state 1 is not signed by the partner", state=state.to_dict())


def test_the_attacker_cannot_sign_in_the_shops_place(chain, bichannel):
    state = Parties(bichannel).latest.pay(100, to="opener").sign(customer).sign(attacker)
    refused(bichannel, customer, "close", ChannelSignatureInvalid,
            "state 1 is not signed by the partner", state=state.to_dict())
    forged = {**state.to_dict(), "signatures": {
        shop.address: state.signatures[attacker.address].hex(),
        customer.address: state.signatures[customer.address].hex()}}
    refused(bichannel, customer, "close", ChannelSignatureInvalid,
            "state 1 is not signed by the partner", state=forged)


def test_balances_changed_after_signing_are_caught(chain, bichannel):
    state = Parties(bichannel).pay(100, customer)
    altered = {**state.to_dict(), "opener_balance": 200, "partner_balance": 100}
    refused(bichannel, customer, "close", ChannelSignatureInvalid, "state 1 is not signed by the "
            "opener", state=altered)


def test_a_revocation_must_be_signed_by_the_closer(chain, bichannel):
    parties = Parties(bichannel)
    parties.pay(50, customer)
    closing(bichannel, customer)
    own = Revocation(chain.params.chain_id, bichannel.address, 5).sign(shop)  # not the closer's
    refused(bichannel, shop, "penalize", ChannelSignatureInvalid,
            "the revocation of states up to 5 is not signed by the closer",
            revocation=own.to_dict())


# -- forbidden: stale, replayed or for another channel ---------------------------------------------------

def test_an_update_must_be_newer_than_the_state_on_record(chain, bichannel):
    parties = Parties(bichannel)
    for amount in (10, 20, 30):
        parties.pay(amount, customer)
    closing(bichannel, shop, parties.history[2])
    for older in (parties.history[1], parties.history[2]):  # older, or the very same, replayed
        refused(bichannel, customer, "update", StaleState,
                f"the state has nonce {older.nonce}, which is not newer than nonce 2",
                state=older.to_dict())


def test_a_revocation_of_earlier_states_does_not_cover_the_latest(chain, bichannel):
    parties = Parties(bichannel)
    parties.pay(10, customer)
    parties.pay(20, customer)
    closing(bichannel, customer, parties.latest)  # honest: the latest state, never revoked
    refused(bichannel, shop, "penalize", NotRevoked,
            "gives up states up to nonce 1, but the channel was closed with state 2",
            revocation=parties.received[shop.address][-1].to_dict())


def test_a_state_from_another_channel_is_refused(chain, bichannel):
    other = open_bichannel(chain)  # the same two parties, a second channel
    state = Parties(other).pay(150, customer)
    refused(bichannel, shop, "close", WrongChannel, "this state is for channel .*, not for "
            "channel", state=state.to_dict())


def test_a_state_for_another_chain_is_refused(chain, bichannel):
    state = ChannelState(chain.params.chain_id + 1, bichannel.address, 1, 0, TOTAL)
    state = state.sign(customer).sign(shop)
    refused(bichannel, shop, "close", WrongChannel,
            f"this state is for chain {chain.params.chain_id + 1}", state=state.to_dict())


def test_a_revocation_from_another_channel_proves_nothing_here(chain, bichannel):
    other = open_bichannel(chain)
    elsewhere = Parties(other)
    elsewhere.pay(10, customer)
    parties = Parties(bichannel)
    parties.pay(10, customer)
    closing(bichannel, customer)
    refused(bichannel, shop, "penalize", WrongChannel, "this revocation is for channel",
            revocation=elsewhere.received[shop.address][0].to_dict())


def test_a_malformed_state_is_a_bad_call(chain, bichannel):
    refused(bichannel, shop, "close", BadCall, "a state must be a dictionary with exactly",
            state={"nonce": 3})
    refused(bichannel, shop, "close", BadCall, "nonce must be a whole number",
            state={**Parties(bichannel).latest.to_dict(), "nonce": "3"})
    crowded = Parties(bichannel).latest.pay(1, to="opener")
    crowded = crowded.sign(customer).sign(shop).sign(attacker)
    refused(bichannel, shop, "close", BadCall, "at most two addresses and signatures",
            state=crowded.to_dict())
