"""BidirectionalChannel: two parties pay each other back and forth, and cheating does not pay.

Two parties — say a shop and its supplier, or a customer who also returns goods — lock deposits
in one contract and then move money between them off the chain. Each move is a new
`ChannelState` (the two balances and a nonce that counts up), signed by both. Either party may
close the channel with a state it holds; that opens a *challenge period* in which the other
party may answer with a state of a higher nonce, which wins (the idea of Decker and
Wattenhofer's duplex channels and of Raiden). After the period anyone settles the balances.

A party tempted to close with an old state that suited it better — a *stale state*, say the one
from before it paid — risks more than losing the bet. When the parties move from state n to
state n+1, each hands the other a signed `Revocation` of every state up to n, but only once it
holds state n+1 signed by both (so revoking never leaves it without a valid state). If a party
then closes with a state it has revoked, the other party shows the revocation within the
challenge period and takes *everything* in the channel. This is the penalty of the Lightning
Network (Poon and Dryja, 2016, section 3.3), where the revocation is a secret handed over;
a contract can check signatures, so here it is a signed statement.

    OPENING --join (partner, its deposit)--> OPEN
    OPENING --cancel (opener)--> CANCELLED                     the opener gets its deposit back
    OPEN    --close (either party, a co-signed state or none = the deposits)--> CLOSING
    CLOSING --update (the other party, before the deadline, a higher nonce)--> CLOSING
    CLOSING --penalize (the other party, before the deadline, the closer's revocation of the
              state it closed with)--> PENALIZED            the other party gets everything
    CLOSING --settle (anyone, after the deadline)--> CLOSED    each gets the last state's balance

The off-chain dance for one payment (`ChannelState.next`, `sign`, `check`, `revoke`):
    1. the payer signs state n+1 and sends it;            2. the payee checks it, co-signs it,
    and sends back its signature and its revocation of n;  3. the payer checks both and sends
    its own revocation of n.
Payments are "pull" payments: closing credits, each party withdraws.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from minichain import crypto
from minichain.clock import date_text
from minichain.contracts import channel_rules as rules
from minichain.contracts.channel import SIGNATURE_GAS
from minichain.contracts.channel_rules import ChannelSignatureInvalid
from minichain.contracts.client import ContractClient
from minichain.contracts.runtime import (
    BadCall,
    Contract,
    NotAllowed,
    TooEarly,
    TooLate,
    WrongAmount,
    WrongState,
    public,
    register,
)
from minichain.encoding import Writer
from minichain.errors import short
from minichain.language import say
from minichain.wallet import Wallet

if TYPE_CHECKING:
    from minichain.chain import Blockchain

__all__ = [
    "OPENING", "OPEN", "CLOSING", "CLOSED", "PENALIZED", "CANCELLED",
    "BalancesDoNotAddUp", "NotRevoked", "StaleState",
    "BidirectionalChannel", "ChannelState", "Revocation", "open_two_way_channel",
]

OPENING, OPEN, CLOSING = "OPENING", "OPEN", "CLOSING"
CLOSED, PENALIZED, CANCELLED = "CLOSED", "PENALIZED", "CANCELLED"
ROLES = ("opener", "partner")


# -- what can go wrong ---------------------------------------------------------------------------

class StaleState(WrongState):
    """A state whose nonce is not higher than the one it should replace."""


class BalancesDoNotAddUp(WrongAmount):
    """A state's balances do not add up to what the channel holds."""


class NotRevoked(NotAllowed):
    """A revocation that does not cover the state the closer broadcast."""


# -- the off-chain messages ----------------------------------------------------------------------

@dataclass(frozen=True)
class ChannelState:
    """The two balances after the `nonce`-th move in channel `channel` on chain `chain_id`,
    with the parties' signatures by address."""

    chain_id: int
    channel: str
    nonce: int
    opener_balance: int
    partner_balance: int
    signatures: dict[str, bytes] = field(default_factory=dict, compare=False)

    @classmethod
    def opening(cls, chain_id: int, channel: str, opener_deposit: int,
                partner_deposit: int) -> ChannelState:
        """State 0: each side has its deposit. Closing with no state closes with this one."""
        return cls(chain_id, channel, 0, opener_deposit, partner_deposit)

    def signing_bytes(self) -> bytes:
        """What both parties sign: a label, the chain id, the channel, the nonce, the balances."""
        return (Writer().text("minichain-channel-state").uint(self.chain_id, 4)
                .text(self.channel).uint(self.nonce, 8).uint(self.opener_balance, 8)
                .uint(self.partner_balance, 8).getvalue())

    def next(self, *, opener_balance: int, partner_balance: int) -> ChannelState:
        """The following state (nonce + 1) with new balances, not yet signed."""
        return ChannelState(self.chain_id, self.channel, self.nonce + 1, opener_balance,
                            partner_balance)

    def pay(self, amount: int, *, to: str) -> ChannelState:
        """The following state, in which `amount` moves to the 'opener' or the 'partner'."""
        if to not in ROLES:
            raise ValueError(say("pay to 'opener' or 'partner', not {to!r}", to=to))
        moved = amount if to == "opener" else -amount
        return self.next(opener_balance=self.opener_balance + moved,
                         partner_balance=self.partner_balance - moved)

    def sign(self, wallet: Wallet) -> ChannelState:
        """This state with `wallet`'s signature added."""
        signature = wallet.sign(self.signing_bytes())
        return replace(self, signatures={**self.signatures, wallet.address: signature})

    def revoke(self, wallet: Wallet) -> Revocation:
        """`wallet`'s revocation of this state and every earlier one, signed."""
        return Revocation(self.chain_id, self.channel, self.nonce).sign(wallet)

    def verify(self, public_key: bytes) -> bool:
        """True if the owner of `public_key` signed this state as it is."""
        signature = self.signatures.get(crypto.address_from_public_key(public_key))
        return signature is not None and crypto.verify(public_key, self.signing_bytes(),
                                                       signature)

    def check(self, opener_key: bytes, partner_key: bytes, *, chain_id: int, channel: str,
              total: int, after: int | None = None) -> None:
        """Raise unless the state may close `channel`: the right chain and channel, balances that
        add up to `total`, a nonce above `after` if given, and both parties' signatures. These
        are the contract's own checks."""
        rules.same_channel("state", self.chain_id, self.channel, chain_id, channel)
        if self.opener_balance + self.partner_balance != total:
            raise BalancesDoNotAddUp(say(
                "the state gives {opener} to the opener and {partner} to the partner, {sum} in "
                "all, but the channel holds {total}.", opener=self.opener_balance,
                partner=self.partner_balance, sum=self.opener_balance + self.partner_balance,
                total=total))
        if after is not None and self.nonce <= after:
            raise StaleState(say("the state has nonce {nonce}, which is not newer than nonce "
                                 "{after}; only a higher nonce can replace it.",
                                 nonce=self.nonce, after=after))
        if not self.verify(opener_key):
            raise ChannelSignatureInvalid(say(
                "state {nonce} is not signed by the opener {signer}: the signature is missing, "
                "made by another key, or the state was altered after signing.",
                nonce=self.nonce, signer=short(crypto.address_from_public_key(opener_key))))
        if not self.verify(partner_key):
            raise ChannelSignatureInvalid(say(
                "state {nonce} is not signed by the partner {signer}: the signature is missing, "
                "made by another key, or the state was altered after signing.",
                nonce=self.nonce, signer=short(crypto.address_from_public_key(partner_key))))

    # as a contract argument
    def to_dict(self) -> dict[str, Any]:
        """The state as JSON values, to pass to the contract: `close(state=s.to_dict())`."""
        return {"chain_id": self.chain_id, "channel": self.channel, "nonce": self.nonce,
                "opener_balance": self.opener_balance, "partner_balance": self.partner_balance,
                "signatures": {who: sig.hex() for who, sig in sorted(self.signatures.items())}}

    @classmethod
    def from_dict(cls, data: Any) -> ChannelState:
        """The state a contract was given; raises BadCall if it is malformed."""
        fields = rules.fields("state", data, ("chain_id", "channel", "nonce", "opener_balance",
                                         "partner_balance", "signatures"))
        signatures = fields["signatures"]
        if not isinstance(signatures, dict) or len(signatures) > len(ROLES):
            raise BadCall(say("a state's signatures must be a dictionary of at most two "
                              "addresses and signatures, not {signatures!r:.60}.",
                              signatures=signatures))
        return cls(rules.chain_id("state", fields["chain_id"]),
                   rules.text("state", "channel", fields["channel"]),
                   rules.amount("state", "nonce", fields["nonce"]),
                   rules.amount("state", "opener balance", fields["opener_balance"]),
                   rules.amount("state", "partner balance", fields["partner_balance"]),
                   {rules.text("state", "signer", who): rules.hex_bytes("state", "signature", sig)
                    for who, sig in signatures.items()})


@dataclass(frozen=True)
class Revocation:
    """"I give up every state of channel `channel` on chain `chain_id` up to nonce `nonce`",
    signed by one party and handed to the other (Lightning's revocation)."""

    chain_id: int
    channel: str
    nonce: int
    signature: bytes = b""

    def signing_bytes(self) -> bytes:
        """What the revoking party signs: a label, the chain id, the channel, the nonce."""
        return (Writer().text("minichain-channel-revocation").uint(self.chain_id, 4)
                .text(self.channel).uint(self.nonce, 8).getvalue())

    def sign(self, wallet: Wallet) -> Revocation:
        return replace(self, signature=wallet.sign(self.signing_bytes()))

    def verify(self, public_key: bytes) -> bool:
        """True if the owner of `public_key` signed this revocation as it is."""
        return crypto.verify(public_key, self.signing_bytes(), self.signature)

    def check(self, closer_key: bytes, *, chain_id: int, channel: str, closed_nonce: int) -> None:
        """Raise unless this proves the closer gave up the state it closed with."""
        rules.same_channel("revocation", self.chain_id, self.channel, chain_id, channel)
        if self.nonce < closed_nonce:
            raise NotRevoked(say("the revocation gives up states up to nonce {nonce}, but the "
                                 "channel was closed with state {closed}, which it does not "
                                 "cover.", nonce=self.nonce, closed=closed_nonce))
        if not self.verify(closer_key):
            raise ChannelSignatureInvalid(say(
                "the revocation of states up to {nonce} is not signed by the closer {closer}: "
                "another key signed it, or it was altered after signing.",
                nonce=self.nonce, closer=short(crypto.address_from_public_key(closer_key))))

    def to_dict(self) -> dict[str, Any]:
        return {"chain_id": self.chain_id, "channel": self.channel, "nonce": self.nonce,
                "signature": self.signature.hex()}

    @classmethod
    def from_dict(cls, data: Any) -> Revocation:
        fields = rules.fields("revocation", data, ("chain_id", "channel", "nonce", "signature"))
        return cls(rules.chain_id("revocation", fields["chain_id"]),
                   rules.text("revocation", "channel", fields["channel"]),
                   rules.amount("revocation", "nonce", fields["nonce"]),
                   rules.hex_bytes("revocation", "signature", fields["signature"]))


# -- the contract --------------------------------------------------------------------------------

@register
class BidirectionalChannel(Contract):
    """Two deposits, shared out by the latest state both parties signed."""

    payable_setup = True

    def setup(self, partner: str, opener_key: str, partner_key: str, chain_id: int,
              challenge_period: int = 3_600) -> None:
        """The opener deploys with its deposit (0 or more), both public keys (hex) and the chain
        id the states will name; closing leaves the other side `challenge_period` seconds."""
        rules.address("partner", partner)
        if partner == self.caller:
            raise NotAllowed(say("{partner} cannot open a channel with itself.",
                                 partner=short(partner)))
        if type(challenge_period) is not int or challenge_period <= 0:
            raise WrongAmount(say("the challenge period must be a whole number of seconds above "
                                  "0, not {value!r}.", value=challenge_period))
        rules.key_of("opener", opener_key, self.caller)
        rules.key_of("partner", partner_key, partner)
        for key, value in (("opener", self.caller), ("partner", partner),
                           ("opener_key", opener_key), ("partner_key", partner_key),
                           ("chain_id", rules.chain_id("channel", chain_id)),
                           ("challenge_period", challenge_period),
                           ("opener_deposit", self.value), ("state", OPENING)):
            self.store(key, value)
        self.emit("Proposed", opener=self.caller, partner=partner, opener_deposit=self.value)

    # -- opening ---------------------------------------------------------------------------------
    @public(payable=True)
    def join(self) -> None:
        """The partner accepts the channel with its own deposit (0 or more)."""
        rules.only(self, "partner", say("join the channel"))
        rules.in_state(self, OPENING, action=say("join"))
        total = self.load("opener_deposit") + self.value
        if total == 0:
            raise WrongAmount(say("a channel needs money in it; both deposits would be 0."))
        self.store("partner_deposit", self.value)
        self.store("total", total)
        self.store("state", OPEN)
        self.emit("Opened", partner_deposit=self.value, total=total)

    @public
    def cancel(self) -> None:
        """The opener takes its deposit back if the partner has not joined."""
        opener = rules.only(self, "opener", say("cancel the channel"))
        rules.in_state(self, OPENING, action=say("cancel"))
        rules.credit(self, opener, self.load("opener_deposit"))
        self.store("state", CANCELLED)
        self.emit("Cancelled")

    # -- closing ---------------------------------------------------------------------------------
    @public
    def close(self, state: dict | None = None) -> None:
        """Either party closes with a co-signed state (none: the opening deposits); the other
        party then has the challenge period to answer."""
        closer = self._party(say("close the channel"))
        rules.in_state(self, OPEN, action=say("close"))
        if state is None:
            final = ChannelState.opening(self.load("chain_id"), self.address,
                                         self.load("opener_deposit"),
                                         self.load("partner_deposit"))
        else:
            final = self._checked(state, after=None)
        deadline = self.now + self.load("challenge_period")
        self._record(final)
        self.store("closer", closer)
        self.store("closed_nonce", final.nonce)
        self.store("deadline", deadline)
        self.store("state", CLOSING)
        self.emit("Closing", by=self.caller, nonce=final.nonce, deadline=deadline)

    @public
    def update(self, state: dict) -> None:
        """The other party answers a close with a newer co-signed state; the higher nonce wins."""
        self._answer(say("answer the close with a newer state"))
        newer = self._checked(state, after=self.load("nonce"))
        self._record(newer)
        self.emit("Updated", by=self.caller, nonce=newer.nonce)

    @public
    def penalize(self, revocation: dict) -> None:
        """The other party proves the closer had revoked the state it closed with, and takes
        everything in the channel."""
        closer = self._answer(say("penalize the closer"))
        proof = Revocation.from_dict(revocation)
        self.charge(SIGNATURE_GAS)
        proof.check(bytes.fromhex(self.load(f"{closer}_key")), chain_id=self.load("chain_id"),
                    channel=self.address, closed_nonce=self.load("closed_nonce"))
        total = self.load("total")
        rules.credit(self, self.caller, total)
        self.store("state", PENALIZED)
        self.emit("Penalized", cheater=self.load(closer), nonce=self.load("closed_nonce"),
                  taken=total)

    @public
    def settle(self) -> None:
        """Anyone, after the challenge period, pays out the last state's balances."""
        rules.in_state(self, CLOSING, action=say("settle"))
        deadline = self.load("deadline")
        if self.now <= deadline:
            raise TooEarly(say("the challenge period lasts until {deadline}; it is {now}, so the "
                               "channel cannot be settled yet.", deadline=date_text(deadline),
                               now=date_text(self.now)))
        shares = {role: self.load(f"{role}_balance") for role in ROLES}
        for role in ROLES:
            rules.credit(self, self.load(role), shares[role])
        self.store("state", CLOSED)
        self.emit("Closed", nonce=self.load("nonce"), opener_gets=shares["opener"],
                  partner_gets=shares["partner"])

    @public
    def withdraw(self) -> None:
        """Whoever is owed money takes it out."""
        rules.withdraw(self)

    # -- rules -----------------------------------------------------------------------------------
    def _party(self, action: str) -> str:
        """The caller's role, 'opener' or 'partner'; anyone else is refused `action` (a phrase
        in the language in use)."""
        for role in ROLES:
            if self.caller == self.load(role):
                return role
        raise NotAllowed(say("only the opener ({opener}) or the partner ({partner}) may "
                             "{action}; {caller} is neither.", opener=short(self.load("opener")),
                             partner=short(self.load("partner")), action=action,
                             caller=short(self.caller)))

    def _answer(self, action: str) -> str:
        """Check that the caller is the party that did not close, in time; returns the closer."""
        role = self._party(action)
        rules.in_state(self, CLOSING, action=action)
        closer = self.load("closer")
        if role == closer:
            raise NotAllowed(say("only the party that did not close may {action}; {caller} "
                                 "closed the channel itself.", action=action,
                                 caller=short(self.caller)))
        deadline = self.load("deadline")
        if self.now > deadline:
            raise TooLate(say("the challenge period ended at {deadline} and it is {now}, too "
                              "late to {action}.", deadline=date_text(deadline),
                              now=date_text(self.now), action=action))
        return closer

    def _checked(self, state: dict, after: int | None) -> ChannelState:
        parsed = ChannelState.from_dict(state)
        self.charge(2 * SIGNATURE_GAS)
        parsed.check(bytes.fromhex(self.load("opener_key")),
                     bytes.fromhex(self.load("partner_key")), chain_id=self.load("chain_id"),
                     channel=self.address, total=self.load("total"), after=after)
        return parsed

    def _record(self, state: ChannelState) -> None:
        self.store("nonce", state.nonce)
        self.store("opener_balance", state.opener_balance)
        self.store("partner_balance", state.partner_balance)



def open_two_way_channel(chain: Blockchain, opener: Wallet, partner: Wallet, *, deposit: int,
                         challenge_period: int = 3_600) -> ContractClient:
    """`opener` opens a two-way channel with `partner` (who joins with a deposit of their own),
    for states both sign on this chain; a close leaves the other side `challenge_period` seconds
    to answer. Returns the handle to the new contract (it exists once the next block is sealed)."""
    return ContractClient.deploy(chain, opener, "BidirectionalChannel", value=deposit,
                                 partner=partner.address, opener_key=opener.public_key.hex(),
                                 partner_key=partner.public_key.hex(),
                                 chain_id=chain.params.chain_id, challenge_period=challenge_period)
