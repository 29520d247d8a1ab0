"""The rules both channel contracts share: who may act, in which state, money owed and paid
out, and reading the signed messages' fields from a call's arguments.

`PaymentChannel` (minichain.contracts.channel) and `BidirectionalChannel`
(minichain.contracts.bichannel) both check signed off-chain messages against what the contract
stored when the channel opened; the checks and their plain-language refusals live here once.
A malformed argument is a `BadCall`; a message for another channel or chain is a
`WrongChannel` (the replay protection of EIP-155, applied to channel messages).
"""

from __future__ import annotations

from typing import Any

from minichain import crypto
from minichain.contracts.runtime import BadCall, Contract, NotAllowed, WrongAmount, WrongState
from minichain.errors import short

__all__ = [
    "MAX_AMOUNT", "MAX_CHAIN_ID", "ChannelSignatureInvalid", "KeyMismatch", "WrongChannel",
    "address", "amount", "chain_id", "credit", "fields", "hex_bytes", "in_state", "key_of",
    "only", "positive", "same_channel", "text", "withdraw",
]

MAX_AMOUNT = 2**64 - 1  # amounts are signed as 8-byte numbers
MAX_CHAIN_ID = 2**32 - 1  # as in transactions


# -- what can go wrong ---------------------------------------------------------------------------

class WrongChannel(NotAllowed):
    """A signed channel message names another channel, or another chain."""


class ChannelSignatureInvalid(NotAllowed):
    """A voucher, state or revocation is not signed by the key it must be signed by."""


class KeyMismatch(NotAllowed):
    """A public key given for a party does not belong to that party's address."""


# -- who, when, and money owed -------------------------------------------------------------------

def only(contract: Contract, role: str, action: str) -> str:
    """The address stored for `role`, if the caller is it; anyone else is refused."""
    holder = contract.load(role)
    if contract.caller != holder:
        raise NotAllowed(f"only the {role} ({short(holder)}) may {action}; "
                         f"{short(contract.caller)} is not the {role}.")
    return holder


def in_state(contract: Contract, *states: str, action: str) -> str:
    """The channel's state, if it is one of `states`; otherwise `action` is refused."""
    state = contract.load("state")
    if state not in states:
        raise WrongState(f"the channel is {state}; it is possible to {action} only when it is "
                         f"{' or '.join(states)}.")
    return state


def credit(contract: Contract, who: str, amount: int) -> None:
    """Owe `who` another `amount` (a pull payment: `withdraw` pays it out)."""
    if amount:
        contract.store(f"owed:{who}", contract.load(f"owed:{who}", 0) + amount)


def withdraw(contract: Contract) -> None:
    """Pay the caller everything the channel owes it, and owe it nothing more."""
    owed = contract.load(f"owed:{contract.caller}", 0)
    if owed == 0:
        raise WrongAmount(f"{short(contract.caller)} is owed nothing by this channel.")
    contract.store(f"owed:{contract.caller}", None)
    contract.pay(contract.caller, owed)
    contract.emit("Withdrawn", to=contract.caller, amount=owed)


def key_of(role: str, key_hex: Any, address: str) -> bytes:
    """The public key given for `role`, which must belong to `address`."""
    key = hex_bytes(role, "public key", key_hex)
    if len(key) != crypto.PUBLIC_KEY_SIZE:
        raise BadCall(f"the {role}'s public key must be {crypto.PUBLIC_KEY_SIZE} bytes "
                      f"({2 * crypto.PUBLIC_KEY_SIZE} hex digits), not {len(key)} bytes.")
    owner = crypto.address_from_public_key(key)
    if owner != address:
        raise KeyMismatch(f"the public key {short(key)} belongs to {short(owner)}, not to the "
                          f"{role} {short(address)}.")
    return key


def same_channel(what: str, chain_id: int, channel: str, expected_chain: int,
                  expected_channel: str) -> None:
    if chain_id != expected_chain:
        raise WrongChannel(f"this {what} is for chain {chain_id}, but channel "
                           f"{short(expected_channel)} is on chain {expected_chain}.")
    if channel != expected_channel:
        raise WrongChannel(f"this {what} is for channel {short(channel)}, not for channel "
                           f"{short(expected_channel)}.")


# -- reading arguments (a malformed one is a BadCall) -------------------------------------------------

def fields(what: str, data: Any, names: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(data, dict) or set(data) != set(names):
        got = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise BadCall(f"a {what} must be a dictionary with exactly {', '.join(names)}; got "
                      f"{got}.")
    return data


def amount(what: str, name: str, value: Any) -> int:
    if type(value) is not int or not 0 <= value <= MAX_AMOUNT:
        raise BadCall(f"the {what}'s {name} must be a whole number from 0 to {MAX_AMOUNT}, "
                      f"not {value!r}.")
    return value


def chain_id(what: str, value: Any) -> int:
    if type(value) is not int or not 0 <= value <= MAX_CHAIN_ID:
        raise BadCall(f"the {what}'s chain id must be a whole number from 0 to {MAX_CHAIN_ID}, "
                      f"not {value!r}.")
    return value


def text(what: str, name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise BadCall(f"the {what}'s {name} must be text, not {value!r}.")
    return value


def hex_bytes(what: str, name: str, value: Any) -> bytes:
    try:
        return bytes.fromhex(value)
    except (TypeError, ValueError):
        raise BadCall(f"the {what}'s {name} must be written in hex, not {value!r:.40}.") from None


def address(role: str, value: Any) -> None:
    problem = crypto.address_problem(value)
    if problem:
        raise BadCall(f"the {role} must be an address: {problem}")


def positive(name: str, value: Any) -> None:
    if type(value) is not int or value <= 0:
        raise WrongAmount(f"the {name} must be a whole number of seconds above 0, not {value!r}.")
