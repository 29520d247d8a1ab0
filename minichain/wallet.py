"""Wallets: a secret key, its public key and its address, and the payments it signs.

A teaching wallet is made from a seed phrase (`Wallet.from_seed("alice")`): the secret is
SHA-256 of the phrase, so every trainee's "alice" is the same person with the same address on
every machine. Real wallets draw their secret from the operating system's randomness; these are
deterministic on purpose, and must never hold real money.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from minichain import crypto
from minichain.language import person, say
from minichain.transaction import Transaction

if TYPE_CHECKING:
    from minichain.chain import Blockchain

__all__ = ["Wallet"]


@dataclass(frozen=True)
class Wallet:
    """A key pair that can sign messages and payments."""

    secret: int = field(repr=False)
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.secret, int) or not 1 <= self.secret < crypto.CURVE_ORDER:
            raise ValueError("a wallet's secret must be an integer between 1 and the curve order")

    @classmethod
    def from_seed(cls, text: str) -> Wallet:
        """The deterministic teaching wallet for a seed phrase."""
        digest = int.from_bytes(crypto.sha256(text.encode("utf-8")), "big")
        return cls(secret=digest % (crypto.CURVE_ORDER - 1) + 1, name=text)

    @classmethod
    def from_secret(cls, secret: int) -> Wallet:
        """A wallet for a given secret exponent (1 ≤ secret < n)."""
        return cls(secret=secret)

    @property
    def public_key(self) -> bytes:
        """The 33-byte compressed SEC1 public key."""
        return crypto.public_key_of(self.secret)

    @property
    def address(self) -> str:
        """The checksummed address others pay to."""
        return crypto.address_from_public_key(self.public_key)

    def sign(self, message: bytes) -> bytes:
        """A 64-byte low-S RFC 6979 signature of SHA-256(message)."""
        return crypto.sign(self.secret, message)

    def sign_transaction(self, tx: Transaction) -> Transaction:
        """The same transaction with this wallet's public key and signature filled in."""
        unsigned = tx.with_sender(self.public_key)
        return unsigned.with_signature(self.sign(unsigned.signing_bytes()))

    def pay(
        self,
        recipient: str,
        amount: int,
        *,
        chain: Blockchain,
        fee: int = 1,
        nonce: int | None = None,
        data: bytes = b"",
    ) -> Transaction:
        """Sign a payment for `chain`: its chain id and, unless given, this wallet's next nonce."""
        if nonce is None:
            nonce = chain.next_nonce(self.address)
        tx = Transaction(
            sender_key=self.public_key,
            recipient=recipient,
            amount=amount,
            fee=fee,
            nonce=nonce,
            chain_id=chain.params.chain_id,
            data=data,
        )
        return self.sign_transaction(tx)

    def __str__(self) -> str:
        if self.name:
            return say("{name} ({address})", name=person(self.name), address=self.address)
        return say("wallet ({address})", address=self.address)
