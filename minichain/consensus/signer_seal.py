"""A block sealed by one known signer: its public key and its signature of the header.

Clique (EIP-225: the signer's signature in the header's seal) and QBFT (the proposer's seal)
seal a header the same way; here the public key travels with the signature, so the seal is
`public key (33 bytes) || r || s (64 bytes)`, checked against the header's coinbase. Each engine
turns a problem into its own error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from minichain import crypto
from minichain.block import BlockHeader
from minichain.errors import short
from minichain.language import say

if TYPE_CHECKING:
    from minichain.wallet import Wallet

__all__ = ["SEAL_SIZE", "check_validators", "seal_problem", "signed_by"]

SEAL_SIZE = crypto.PUBLIC_KEY_SIZE + crypto.SIGNATURE_SIZE


def signed_by(header: BlockHeader, wallet: Wallet) -> BlockHeader:
    """The header sealed by `wallet`."""
    return header.with_seal(wallet.public_key + wallet.sign(header.sealing_bytes()))


def seal_problem(header: BlockHeader, cache: crypto.SignatureCache | None, *,
                 proposed: bool = False) -> str | None:
    """Why the header's seal is not its coinbase's signature of it, or None if it is (a phrase
    in the language in use; a BFT block's seal is its proposer's, so `proposed` says so)."""
    if len(header.seal) != SEAL_SIZE:
        return say("it is {size} bytes, not {expected}", size=len(header.seal),
                   expected=SEAL_SIZE)
    public_key = header.seal[:crypto.PUBLIC_KEY_SIZE]
    signature = header.seal[crypto.PUBLIC_KEY_SIZE:]
    if crypto.address_from_public_key(public_key) != header.coinbase:
        return say("it was made with a key that does not belong to {owner}",
                   owner=short(header.coinbase))
    verify = crypto.verify if cache is None else cache.verify
    if not verify(public_key, header.sealing_bytes(), signature):
        if proposed:
            return say("the signature does not match the header; the block was changed after "
                       "it was proposed")
        return say("the signature does not match the header; the block was changed after it "
                   "was sealed")
    return None


def check_validators(validators: Iterable[str], what: str) -> None:
    """ValueError unless there is at least one validator and each is a well-formed address."""
    validators = list(validators)
    if not validators:
        raise ValueError(f"a {what} chain needs at least one validator")
    for address in validators:
        problem = crypto.address_problem(address)
        if problem:
            raise ValueError(problem)
