"""PaymentChannel: a customer pays a shop thousands of times with two transactions on the chain.

A payment channel (Spilman, 2013; the "uni-directional payment channel" of Solidity by
Example; the first layer-2 idea behind Bitcoin's Lightning Network) locks the customer's deposit
in a contract. Each purchase is then a *voucher*: a message, signed by the customer, saying "the
shop may take `amount` in total from channel `channel` on chain `chain_id`". Vouchers are
cumulative — the 3rd coffee's voucher says 9, not 3 — so the shop keeps only the latest, and
they are bound to one channel on one chain, so a voucher can never be spent in another channel
or replayed on another chain. Nothing goes on the chain until the shop closes the channel with
its latest voucher:

    OPEN --top_up (customer, money, before expiry)--> OPEN        a bigger deposit
    OPEN --extend (customer, before expiry)--> OPEN               a later expiry
    OPEN --close (merchant, a voucher, until expiry)--> CLOSED    shop gets the voucher's amount,
                                                                  the customer the rest
    OPEN --reclaim (customer, after expiry)--> RECLAIMED          the customer gets it all back

The expiry protects the customer from a shop that vanishes; the shop must close before it.
Payments are "pull" payments as in `OrderEscrow`: closing credits each side, who then withdraws.

The same checks run off the chain, where the shop accepts a voucher in a millisecond or two:
`Voucher.check` raises the very errors the contract raises, so a shop that checks each voucher
as it arrives knows that closing with the latest one will succeed.

The contract cannot ask the chain for its chain id (Ethereum added the CHAINID opcode for this,
EIP-1344), so the customer states it when opening the channel and both sides read it from the
contract's storage. See `minichain.contracts.bichannel` for channels that pay both ways.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from minichain import crypto
from minichain.clock import date_text
from minichain.contracts import channel_rules as rules
from minichain.contracts.channel_rules import (
    ChannelSignatureInvalid,
    KeyMismatch,
    WrongChannel,
)
from minichain.contracts.client import ContractClient
from minichain.contracts.runtime import (
    Contract,
    NotAllowed,
    TooEarly,
    TooLate,
    WrongAmount,
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
    "OPEN", "CLOSED", "RECLAIMED", "SIGNATURE_GAS",
    "ChannelSignatureInvalid", "KeyMismatch", "StaleVoucher", "VoucherExceedsDeposit",
    "WrongChannel", "PaymentChannel", "Voucher", "open_payment_channel",
]

OPEN, CLOSED, RECLAIMED = "OPEN", "CLOSED", "RECLAIMED"
SIGNATURE_GAS = 20  # checking one signature is the most expensive thing a channel does


# -- what can go wrong ---------------------------------------------------------------------------

class VoucherExceedsDeposit(WrongAmount):
    """A voucher promises more than the channel holds."""


class StaleVoucher(WrongAmount):
    """A voucher does not raise the total already received (an old one, or one sent again)."""


# -- the off-chain message -----------------------------------------------------------------------

@dataclass(frozen=True)
class Voucher:
    """"Channel `channel` on chain `chain_id` owes the merchant `amount` in total", signed.

    The customer makes one per purchase, `latest.plus(price).sign(customer)`; the merchant
    checks it with `check` and keeps only the latest.
    """

    chain_id: int
    channel: str
    amount: int
    signature: bytes = b""

    def signing_bytes(self) -> bytes:
        """What the customer signs: a label, the chain id, the channel and the total amount."""
        return (Writer().text("minichain-channel-voucher").uint(self.chain_id, 4)
                .text(self.channel).uint(self.amount, 8).getvalue())

    def sign(self, wallet: Wallet) -> Voucher:
        """This voucher, signed by `wallet` (the customer)."""
        return replace(self, signature=wallet.sign(self.signing_bytes()))

    def plus(self, amount: int) -> Voucher:
        """The next voucher, unsigned: `amount` more than this one, in total."""
        return Voucher(self.chain_id, self.channel, self.amount + amount)

    def verify(self, public_key: bytes) -> bool:
        """True if the voucher is signed by `public_key` and unchanged since."""
        return crypto.verify(public_key, self.signing_bytes(), self.signature)

    def check(self, customer_key: bytes, *, chain_id: int, channel: str, deposit: int,
              after: int | None = None) -> None:
        """Raise unless the voucher may close `channel`: the right chain and channel, no more than
        the deposit, more than `after` (the total already received) if given, and signed by
        `customer_key`. These are the contract's own checks."""
        rules.same_channel("voucher", self.chain_id, self.channel, chain_id, channel)
        if self.amount > deposit:
            raise VoucherExceedsDeposit(say(
                "the voucher is for {amount}, more than the {deposit} deposited in the channel.",
                amount=self.amount, deposit=deposit))
        if after is not None and self.amount <= after:
            raise StaleVoucher(say(
                "the voucher is for {amount} in total, which is not more than the {after} "
                "already received; each new voucher must raise the total.",
                amount=self.amount, after=after))
        if not self.verify(customer_key):
            raise ChannelSignatureInvalid(say(
                "the voucher for {amount} is not signed by the customer's key {key}: another key "
                "signed it, or it was altered after signing.",
                amount=self.amount, key=short(customer_key)))

    # as a contract argument
    def to_dict(self) -> dict[str, Any]:
        """The voucher as JSON values, to pass to the contract: `close(voucher=v.to_dict())`."""
        return {"chain_id": self.chain_id, "channel": self.channel, "amount": self.amount,
                "signature": self.signature.hex()}

    @classmethod
    def from_dict(cls, data: Any) -> Voucher:
        """The voucher a contract was given; raises BadCall if it is malformed."""
        fields = rules.fields("voucher", data, ("chain_id", "channel", "amount", "signature"))
        return cls(rules.chain_id("voucher", fields["chain_id"]), rules.text("voucher", "channel",
                   fields["channel"]), rules.amount("voucher", "amount", fields["amount"]),
                   rules.hex_bytes("voucher", "signature", fields["signature"]))


# -- the contract --------------------------------------------------------------------------------

@register
class PaymentChannel(Contract):
    """A customer's deposit, paid out to one merchant by the latest voucher, or back at expiry."""

    payable_setup = True

    def setup(self, merchant: str, customer_key: str, chain_id: int,
              expires_in: int = 86_400) -> None:
        """The customer opens the channel with its deposit, its public key (hex) and the chain
        id its vouchers will name; the merchant may close it until `expires_in` seconds pass."""
        if self.value <= 0:
            raise WrongAmount(say("a channel needs a deposit above 0 to pay from; 0 was sent."))
        rules.address("merchant", merchant)
        if merchant == self.caller:
            raise NotAllowed(say("{merchant} cannot open a payment channel to itself.",
                                 merchant=short(merchant)))
        rules.positive("expiry", expires_in)
        rules.key_of("customer", customer_key, self.caller)
        expires_at = self.now + expires_in
        for key, value in (("customer", self.caller), ("merchant", merchant),
                           ("customer_key", customer_key), ("chain_id", rules.chain_id("channel",
                           chain_id)), ("deposit", self.value), ("expires_at", expires_at),
                           ("state", OPEN)):
            self.store(key, value)
        self.emit("Opened", customer=self.caller, merchant=merchant, deposit=self.value,
                  expires_at=expires_at)

    @public(payable=True)
    def top_up(self) -> None:
        """The customer adds money to an open channel before it expires."""
        self._before_expiry("customer", say("top up the channel"))
        if self.value <= 0:
            raise WrongAmount(say("a top-up must add more than 0; 0 was sent."))
        deposit = self.load("deposit") + self.value
        self.store("deposit", deposit)
        self.emit("ToppedUp", amount=self.value, deposit=deposit)

    @public
    def extend(self, seconds: int) -> None:
        """The customer gives the merchant `seconds` more before the channel expires."""
        expires_at = self._before_expiry("customer", say("extend the channel"))
        rules.positive("extension", seconds)
        self.store("expires_at", expires_at + seconds)
        self.emit("Extended", expires_at=expires_at + seconds)

    @public
    def close(self, voucher: dict) -> None:
        """The merchant closes with the customer's latest voucher, until the expiry."""
        self._before_expiry("merchant", say("close the channel"))
        signed = Voucher.from_dict(voucher)
        deposit = self.load("deposit")
        self.charge(SIGNATURE_GAS)
        signed.check(bytes.fromhex(self.load("customer_key")), chain_id=self.load("chain_id"),
                     channel=self.address, deposit=deposit)
        rules.credit(self, self.load("merchant"), signed.amount)
        rules.credit(self, self.load("customer"), deposit - signed.amount)
        self.store("state", CLOSED)
        self.emit("Closed", merchant_gets=signed.amount, customer_gets=deposit - signed.amount)

    @public
    def reclaim(self) -> None:
        """After the expiry, the customer takes back a deposit the merchant never claimed."""
        rules.only(self, "customer", say("reclaim the deposit"))
        rules.in_state(self, OPEN, action=say("reclaim the deposit"))
        expires_at = self.load("expires_at")
        if self.now <= expires_at:
            raise TooEarly(say("the merchant may close the channel until {expiry}; it is {now}, "
                               "so the deposit cannot be reclaimed yet.",
                               expiry=date_text(expires_at), now=date_text(self.now)))
        deposit = self.load("deposit")
        rules.credit(self, self.load("customer"), deposit)
        self.store("state", RECLAIMED)
        self.emit("Reclaimed", customer_gets=deposit)

    @public
    def withdraw(self) -> None:
        """Whoever is owed money takes it out."""
        rules.withdraw(self)

    def _before_expiry(self, role: str, action: str) -> int:
        """Refuse `action` (a phrase in the language in use) to anyone but `role`, or once
        the channel is closed or expired; returns the expiry."""
        rules.only(self, role, action)
        rules.in_state(self, OPEN, action=action)
        expires_at = self.load("expires_at")
        if self.now > expires_at:
            raise TooLate(say("the channel expired at {expiry} and it is {now}, too late to "
                              "{action}; the customer may now reclaim the deposit.",
                              expiry=date_text(expires_at), now=date_text(self.now),
                              action=action))
        return expires_at


def open_payment_channel(chain: Blockchain, customer: Wallet, merchant: Wallet, *, deposit: int,
                         expires_in: int = 86_400) -> ContractClient:
    """The customer opens a channel to `merchant` with `deposit` coins, for vouchers signed with
    her key on this chain; the merchant may close it until `expires_in` seconds pass. Returns the
    handle to the new contract (it exists once the next block is sealed)."""
    return ContractClient.deploy(chain, customer, "PaymentChannel", value=deposit,
                                 merchant=merchant.address, customer_key=customer.public_key.hex(),
                                 chain_id=chain.params.chain_id, expires_in=expires_in)
