"""Payment channels under random play (Hypothesis stateful tests).

Hypothesis plays the customer, the shop and the attacker in random order: payments off the
chain, top-ups, closes with the latest or an old message, answers, penalties, waiting, settling
and withdrawing. A small model predicts whether each call must be accepted or refused, and after
every step the invariants are checked:

- money is conserved: accounts + the channel's holdings + fees paid never change, and the
  channel holds exactly what was paid in minus what was withdrawn;
- the contract owes each party exactly what the model says, and nobody is ever credited (so can
  ever withdraw) more than it is owed: the shop never more than the customer signed for; in a
  two-way channel, a party that plays fair and watches the chain gets at least its balance in
  the latest state it holds, and a party that broadcasts a state it has revoked can lose all.
"""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from minichain import Blockchain, Wallet
from minichain.contracts.bichannel import ChannelState
from minichain.contracts.channel import Voucher
from minichain.contracts.client import ContractClient
from minichain.contracts.runtime import ContractError, ContractRuntime

platform, logistics, bank = (Wallet.from_seed(s) for s in ("platform", "logistics", "bank"))
customer, shop, attacker = (Wallet.from_seed(s) for s in ("customer", "shop", "attacker"))
PEOPLE = (customer, shop, attacker)
FUNDS = {customer.address: 20_000, shop.address: 1_000, attacker.address: 500}  # plenty
INTERVAL = 5  # seconds per block: a call sent now lands in a block INTERVAL seconds later
MISCHIEF = 3

RUNS = settings(max_examples=60, stateful_step_count=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


class ChannelGame(RuleBasedStateMachine):
    """What both channel games share: a chain, calls whose outcome the model predicts, the
    money invariants."""

    def __init__(self):
        super().__init__()
        self.chain = Blockchain.proof_of_authority(
            [platform, logistics, bank], allocations=dict(FUNDS), runtime=ContractRuntime())
        self.supply = self.chain.state.total_supply()
        self.fees = 0
        self.paid_in = 0
        self.withdrawn = {w.address: 0 for w in PEOPLE}
        self.owed = {w.address: 0 for w in PEOPLE}  # what the model says the contract owes
        self.channel = None
        self.mischief = 0  # calls that must be refused: a few per game are enough

    @property
    def block_time(self):
        """The time of the next block, in which a call sent now is executed."""
        return self.chain.clock.now() + INTERVAL

    def attempt(self, wallet, method, allowed, value=0, **args):
        """Send a call the model says is `allowed` (it must succeed) or not (it must be refused
        before anything is sent). Returns True if it went through."""
        if not allowed:
            self.mischief += 1
            before = self.chain.state.root()
            with pytest.raises(ContractError):
                self.channel.call(wallet, method, value=value, **args)
            assert self.chain.state.root() == before
            return False
        if self.before_time_passes(INTERVAL):
            return False  # a watching party acted first; the game goes on from there
        tx = self.channel.call(wallet, method, value=value, **args)
        self.chain.produce_block()
        receipt = self.chain.receipt(tx.txid)
        assert receipt.success, receipt.error
        self.fees += receipt.fee
        self.paid_in += value
        return True

    def likely(self, allowed):
        """Whether to try a call now: always if it should succeed, a few times if not."""
        return allowed or self.mischief < MISCHIEF

    def credit(self, who, amount):
        self.owed[who.address] += amount

    @precondition(lambda self: any(self.owed.values()))
    @rule(who=st.sampled_from(PEOPLE))
    def withdraw(self, who):
        owed = self.owed[who.address]
        if self.attempt(who, "withdraw", allowed=owed > 0):
            self.withdrawn[who.address] += owed
            self.owed[who.address] = 0

    @rule(seconds=st.integers(1, 400))
    def wait(self, seconds):
        self.before_time_passes(seconds)
        self.chain.clock.advance(seconds)

    def before_time_passes(self, seconds):
        """A hook for parties who watch the chain and must act before a deadline; returns True
        if one did."""
        return False

    @invariant()
    def money_is_conserved(self):
        chain = self.chain
        assert chain.state.total_supply() == self.supply  # fees went to the validators
        people = sum(chain.balance(w.address) for w in PEOPLE)
        held = 0 if self.channel is None else self.channel.balance
        assert people + held + self.fees == sum(FUNDS.values())
        assert held == self.paid_in - sum(self.withdrawn.values())

    @invariant()
    def the_contract_owes_what_the_model_says(self):
        if self.channel is not None:
            storage = self.channel.storage()
            for w in PEOPLE:
                assert storage.get(f"owed:{w.address}", 0) == self.owed[w.address]
        assert self.owed[attacker.address] == self.withdrawn[attacker.address] == 0


# -- one way ---------------------------------------------------------------------------------------

EXPIRY = 300


class PaymentChannelGame(ChannelGame):
    """The customer pays the shop by vouchers; the shop closes or the customer reclaims."""

    @initialize(deposit=st.integers(1, 500))
    def open(self, deposit):
        self.channel = ContractClient.deploy(
            self.chain, customer, "PaymentChannel", value=deposit, merchant=shop.address,
            customer_key=customer.public_key.hex(), chain_id=self.chain.params.chain_id,
            expires_in=EXPIRY)
        self.chain.produce_block()
        self.fees += self.chain.receipt(self.chain.tip.transactions[0].txid).fee
        self.paid_in = self.deposit = deposit
        self.expires_at = self.chain.tip.header.timestamp + EXPIRY
        self.state, self.extensions = "OPEN", 0
        self.vouchers = [Voucher(self.chain.params.chain_id, self.channel.address, 0).sign(
            customer)]  # a voucher for nothing: closing with it gives everything back

    @property
    def before_expiry(self):
        return self.state == "OPEN" and self.block_time <= self.expires_at

    @precondition(lambda self: self.state == "OPEN")
    @rule(price=st.integers(1, 80))
    def buy(self, price):
        """Off the chain: the customer signs a bigger total, the shop checks it and keeps it."""
        latest = self.vouchers[-1]
        if latest.amount + price > self.deposit:
            return  # the customer signs nothing it cannot cover
        offered = latest.plus(price).sign(customer)
        offered.check(customer.public_key, chain_id=self.chain.params.chain_id,
                      channel=self.channel.address, deposit=self.deposit, after=latest.amount)
        self.vouchers.append(offered)

    @precondition(lambda self: self.likely(self.before_expiry))
    @rule(amount=st.integers(1, 200))
    def top_up(self, amount):
        if self.attempt(customer, "top_up", allowed=self.before_expiry, value=amount):
            self.deposit += amount

    @precondition(lambda self: self.likely(self.before_expiry) and self.extensions < 2)
    @rule(seconds=st.integers(1, 200))
    def extend(self, seconds):
        self.extensions += 1
        if self.attempt(customer, "extend", allowed=self.before_expiry, seconds=seconds):
            self.expires_at += seconds

    @precondition(lambda self: self.likely(self.before_expiry))
    @rule(data=st.data())
    def close(self, data):
        """The shop closes with the latest voucher, or (its loss) an older one."""
        chosen = data.draw(st.sampled_from(self.vouchers))
        if self.attempt(shop, "close", allowed=self.before_expiry, voucher=chosen.to_dict()):
            self.credit(shop, chosen.amount)
            self.credit(customer, self.deposit - chosen.amount)
            self.state = "CLOSED"

    @precondition(lambda self: self.likely(False))
    @rule(extra=st.integers(1, 100))
    def shop_inflates_the_voucher(self, extra):
        inflated = {**self.vouchers[-1].to_dict(), "amount": self.vouchers[-1].amount + extra}
        self.attempt(shop, "close", allowed=False, voucher=inflated)

    @precondition(lambda self: self.likely(False))
    @rule()
    def attacker_closes_with_the_latest_voucher(self):
        self.attempt(attacker, "close", allowed=False, voucher=self.vouchers[-1].to_dict())

    @precondition(lambda self: self.likely(self.state == "OPEN"
                                           and self.block_time > self.expires_at))
    @rule()
    def reclaim(self):
        allowed = self.state == "OPEN" and self.block_time > self.expires_at
        if self.attempt(customer, "reclaim", allowed=allowed):
            self.credit(customer, self.deposit)
            self.state = "RECLAIMED"

    @invariant()
    def nobody_gets_more_than_owed(self):
        if not hasattr(self, "vouchers"):
            return
        shop_total = self.owed[shop.address] + self.withdrawn[shop.address]
        customer_total = self.owed[customer.address] + self.withdrawn[customer.address]
        assert shop_total <= self.vouchers[-1].amount  # never more than the customer signed
        if self.state != "OPEN":
            assert shop_total + customer_total == self.deposit
        assert self.channel["deposit"] == self.deposit


# -- both ways -------------------------------------------------------------------------------------

OPENER_DEPOSIT, PARTNER_DEPOSIT, PERIOD = 300, 200, 200
TOTAL = OPENER_DEPOSIT + PARTNER_DEPOSIT
PARTIES = (customer, shop)  # the opener and the partner
STEPS = st.sampled_from([3] * 8 + [2, 1])  # how far the dance of a payment gets: mostly all


def other(wallet):
    return shop if wallet is customer else customer


class BidirectionalChannelGame(ChannelGame):
    """The customer and the shop pay each other; either closes, honestly or with a revoked
    state; the other answers; the one who closed may lose everything."""

    @initialize()
    def open(self):
        chain = self.chain
        self.channel = ContractClient.deploy(
            chain, customer, "BidirectionalChannel", value=OPENER_DEPOSIT, partner=shop.address,
            opener_key=customer.public_key.hex(), partner_key=shop.public_key.hex(),
            chain_id=chain.params.chain_id, challenge_period=PERIOD)
        chain.produce_block()
        self.fees += chain.receipt(chain.tip.transactions[0].txid).fee
        self.paid_in = OPENER_DEPOSIT
        self.state, self.answering_now = "OPENING", False
        assert self.attempt(shop, "join", allowed=True, value=PARTNER_DEPOSIT)
        opening = ChannelState.opening(chain.params.chain_id, self.channel.address,
                                       OPENER_DEPOSIT, PARTNER_DEPOSIT)
        self.states = [opening]  # every state both signed, by nonce
        self.best = {w.address: 0 for w in PARTIES}  # the highest nonce each party holds
        self.revoked = {w.address: -1 for w in PARTIES}  # the highest nonce each has revoked
        self.interrupted = False
        self.state = "OPEN"
        self.closer = None
        self.cheated = set()  # parties that closed with a state they had revoked

    # off the chain ---------------------------------------------------------------------------
    @precondition(lambda self: self.state == "OPEN" and not self.interrupted)
    @rule(amount=st.integers(1, 150), step=STEPS)
    def customer_pays(self, amount, step):
        self.pay(amount, customer, step)

    @precondition(lambda self: self.state == "OPEN" and not self.interrupted)
    @rule(amount=st.integers(1, 150), step=STEPS)
    def shop_pays(self, amount, step):
        self.pay(amount, shop, step)

    def pay(self, amount, payer, step):
        """The three steps of one payment; `step` < 3 means the dance stops there, for good
        (a crash, or a party that withholds its signature)."""
        latest = self.states[-1]
        balance = latest.opener_balance if payer is customer else latest.partner_balance
        if amount > balance:
            return
        payee = other(payer)
        offered = latest.pay(amount, to="partner" if payer is customer else "opener").sign(payer)
        both = offered.sign(payee)  # 1. the payee co-signs and holds the new state...
        both.check(customer.public_key, shop.public_key, chain_id=latest.chain_id,
                   channel=latest.channel, total=TOTAL, after=latest.nonce)
        self.states.append(both)
        self.best[payee.address] = both.nonce
        if step >= 2:  # 2. ...sends its signature back, and its revocation of the old state
            self.best[payer.address] = both.nonce
            self.revoked[payee.address] = latest.nonce
        if step >= 3:  # 3. the payer, holding the new state, revokes the old one too
            self.revoked[payer.address] = latest.nonce
        self.interrupted = step < 3

    # on the chain ----------------------------------------------------------------------------
    @precondition(lambda self: self.state == "OPEN" and len(self.states) > 2)
    @rule(who=st.sampled_from(PARTIES), data=st.data())
    def close(self, who, data):
        """After a few payments, a party closes with its best state, or with any older one it
        once held (closing at once is tested in test_channels.py)."""
        best = self.best[who.address]
        nonce = data.draw(st.integers(0, best - 1)) if best and data.draw(st.booleans()) else best
        args = {} if nonce == 0 else {"state": self.states[nonce].to_dict()}
        if self.attempt(who, "close", allowed=self.state == "OPEN", **args):
            self.state, self.closer = "CLOSING", who
            self.closed_nonce = self.on_record = nonce
            self.deadline = self.chain.tip.header.timestamp + PERIOD
            if nonce <= self.revoked[who.address]:
                self.cheated.add(who.address)

    def answering(self, who):
        return (self.state == "CLOSING" and who is not self.closer
                and self.block_time <= self.deadline)

    def someone(self, data):
        """Who answers: the party that did not close, or — while there is room for mischief —
        anyone at all (the closer itself, the attacker)."""
        if self.likely(False) and data.draw(st.booleans()):
            return data.draw(st.sampled_from(PEOPLE))
        return other(self.closer)

    @precondition(lambda self: self.state == "CLOSING")
    @rule(data=st.data())
    def update(self, data):
        """An answer with a state the answerer holds (the attacker may have copied any)."""
        who = self.someone(data)
        held = self.best[who.address] if who in PARTIES else len(self.states) - 1
        nonce = data.draw(st.integers(0, held)) if self.likely(False) else held
        allowed = self.answering(who) and who in PARTIES and nonce > self.on_record
        if nonce == 0 or not self.likely(allowed):
            return
        if self.attempt(who, "update", allowed=allowed, state=self.states[nonce].to_dict()):
            self.on_record = nonce

    @precondition(lambda self: self.state == "CLOSING")
    @rule(data=st.data())
    def penalize(self, data):
        """An answer with the closer's latest revocation (the attacker may have copied it)."""
        who = self.someone(data)
        if self.revoked[self.closer.address] < 0:
            return
        proof = self.states[self.revoked[self.closer.address]].revoke(self.closer)
        allowed = (self.answering(who) and who in PARTIES
                   and self.revoked[self.closer.address] >= self.closed_nonce)
        if not self.likely(allowed):
            return
        if self.attempt(who, "penalize", allowed=allowed, revocation=proof.to_dict()):
            self.credit(who, TOTAL)
            self.state = "PENALIZED"

    @precondition(lambda self: self.likely(False))
    @rule()
    def attacker_closes_with_the_latest_state(self):
        latest = self.states[-1]
        self.attempt(attacker, "close", allowed=False,
                     **({} if latest.nonce == 0 else {"state": latest.to_dict()}))

    @precondition(lambda self: self.state == "CLOSING"
                  and self.likely(self.block_time > self.deadline))
    @rule(who=st.sampled_from(PEOPLE))
    def settle(self, who):
        allowed = self.state == "CLOSING" and self.block_time > self.deadline
        if self.attempt(who, "settle", allowed=allowed):
            final = self.states[self.on_record]
            self.credit(customer, final.opener_balance)
            self.credit(shop, final.partner_balance)
            self.state = "CLOSED"

    def before_time_passes(self, seconds):
        """The party that did not close watches the chain: before the challenge period can end,
        it shows the closer's revocation if the closer broadcast a revoked state, or else answers
        with the newest state it holds, if that is newer than the one on record."""
        if self.state != "CLOSING" or self.answering_now or \
                self.block_time + seconds <= self.deadline:
            return False
        victim, closer = other(self.closer), self.closer
        if self.revoked[closer.address] < self.closed_nonce and \
                self.best[victim.address] <= self.on_record:
            return False  # nothing to answer
        self.answering_now = True
        if self.revoked[closer.address] >= self.closed_nonce:
            proof = self.states[self.revoked[closer.address]].revoke(closer)
            assert self.attempt(victim, "penalize", allowed=self.answering(victim),
                                revocation=proof.to_dict())
            self.credit(victim, TOTAL)
            self.state = "PENALIZED"
        elif self.best[victim.address] > self.on_record:
            assert self.attempt(victim, "update", allowed=self.answering(victim),
                                state=self.states[self.best[victim.address]].to_dict())
            self.on_record = self.best[victim.address]
        self.answering_now = False
        return True

    @invariant()
    def nobody_gets_more_than_owed(self):
        if not hasattr(self, "states") or self.state not in ("CLOSED", "PENALIZED"):
            return
        got = {w.address: self.owed[w.address] + self.withdrawn[w.address] for w in PARTIES}
        assert sum(got.values()) == TOTAL
        for party in PARTIES:
            if self.state == "PENALIZED":  # only a cheat is ever penalized, and loses all
                assert (got[party.address] == 0) == (party.address in self.cheated)
                continue
            final = self.states[self.on_record]
            assert got[party.address] == (final.opener_balance if party is customer
                                          else final.partner_balance)
            latest = self.states[-1]  # the last state both signed
            mine = latest.opener_balance if party is customer else latest.partner_balance
            if party is self.closer and self.closed_nonce < self.best[party.address]:
                assert got[party.address] <= mine  # closing with an old state never pays
            else:  # played fair and watched: at least its balance in the last state
                assert got[party.address] >= mine


PaymentChannelGame.TestCase.settings = RUNS
BidirectionalChannelGame.TestCase.settings = RUNS
test_payment_channel_under_random_play = PaymentChannelGame.TestCase
test_bidirectional_channel_under_random_play = BidirectionalChannelGame.TestCase
