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
from minichain.language import say

__all__ = [
    "MAX_AMOUNT", "MAX_CHAIN_ID", "ChannelSignatureInvalid", "KeyMismatch", "WrongChannel",
    "address", "amount", "chain_id", "credit", "fields", "hex_bytes", "in_state", "key_of",
    "only", "positive", "same_channel", "state_text", "text", "withdraw",
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


# -- what people read -----------------------------------------------------------------------------

def state_text(state: str) -> str:
    """A channel's state as a person reads it, in the language in use ("OPEN" in English); the
    stored state itself is always the English word."""
    texts = {
        # TRANSLATORS: the states of a payment channel, short: the channel widget shows
        # them too.
        "OPENING": say("OPENING"), "OPEN": say("OPEN"), "CLOSING": say("CLOSING"),
        "CLOSED": say("CLOSED"), "RECLAIMED": say("RECLAIMED"), "PENALIZED": say("PENALIZED"),
        "CANCELLED": say("CANCELLED"),
    }
    return texts.get(state, state)


def _field(what: str, name: str) -> str:
    """"the voucher's amount", the field `name` of the signed message or party `what`."""
    phrases = {
        ("voucher", "chain id"): say("the voucher's chain id"),
        ("voucher", "channel"): say("the voucher's channel"),
        ("voucher", "amount"): say("the voucher's amount"),
        ("voucher", "signature"): say("the voucher's signature"),
        ("state", "chain id"): say("the state's chain id"),
        ("state", "channel"): say("the state's channel"),
        ("state", "nonce"): say("the state's nonce"),
        ("state", "opener balance"): say("the state's opener balance"),
        ("state", "partner balance"): say("the state's partner balance"),
        ("state", "signer"): say("the state's signer"),
        ("state", "signature"): say("the state's signature"),
        ("revocation", "chain id"): say("the revocation's chain id"),
        ("revocation", "channel"): say("the revocation's channel"),
        ("revocation", "nonce"): say("the revocation's nonce"),
        ("revocation", "signature"): say("the revocation's signature"),
        ("channel", "chain id"): say("the channel's chain id"),
        ("customer", "public key"): say("the customer's public key"),
        ("opener", "public key"): say("the opener's public key"),
        ("partner", "public key"): say("the partner's public key"),
    }
    return phrases.get((what, name), f"the {what}'s {name}")


def _role(role: str) -> str:
    """A party of a channel, in the language in use."""
    roles = {"customer": say("customer"), "merchant": say("merchant"),
             "opener": say("opener"), "partner": say("partner")}
    return roles.get(role, role)


# -- who, when, and money owed -------------------------------------------------------------------

def only(contract: Contract, role: str, action: str) -> str:
    """The address stored for `role`, if the caller is it; anyone else is refused `action` (a
    phrase in the language in use)."""
    holder = contract.load(role)
    if contract.caller != holder:
        raise NotAllowed(say("only the {role} ({holder}) may {action}; {caller} is not the "
                             "{role}.", role=_role(role), holder=short(holder), action=action,
                             caller=short(contract.caller)))
    return holder


def in_state(contract: Contract, *states: str, action: str) -> str:
    """The channel's state, if it is one of `states`; otherwise `action` (a phrase in the
    language in use) is refused."""
    state = contract.load("state")
    if state not in states:
        values = {"state": state_text(state), "action": action,
                  "allowed": state_text(states[0])}
        if len(states) == 1:
            message = say("the channel is {state}; it is possible to {action} only when it is "
                          "{allowed}.", **values)
        else:
            message = say("the channel is {state}; it is possible to {action} only when it is "
                          "{allowed} or {other}.", other=state_text(states[1]), **values)
        raise WrongState(message)
    return state


def credit(contract: Contract, who: str, amount: int) -> None:
    """Owe `who` another `amount` (a pull payment: `withdraw` pays it out)."""
    if amount:
        contract.store(f"owed:{who}", contract.load(f"owed:{who}", 0) + amount)


def withdraw(contract: Contract) -> None:
    """Pay the caller everything the channel owes it, and owe it nothing more."""
    owed = contract.load(f"owed:{contract.caller}", 0)
    if owed == 0:
        raise WrongAmount(say("{caller} is owed nothing by this channel.",
                              caller=short(contract.caller)))
    contract.store(f"owed:{contract.caller}", None)
    contract.pay(contract.caller, owed)
    contract.emit("Withdrawn", to=contract.caller, amount=owed)


def key_of(role: str, key_hex: Any, address: str) -> bytes:
    """The public key given for `role`, which must belong to `address`."""
    key = hex_bytes(role, "public key", key_hex)
    if len(key) != crypto.PUBLIC_KEY_SIZE:
        raise BadCall(say("{field} must be {size} bytes ({digits} hex digits), not {length} "
                          "bytes.", field=_field(role, "public key"),
                          size=crypto.PUBLIC_KEY_SIZE, digits=2 * crypto.PUBLIC_KEY_SIZE,
                          length=len(key)))
    owner = crypto.address_from_public_key(key)
    if owner != address:
        raise KeyMismatch(say("the public key {key} belongs to {owner}, not to the {role} "
                              "{address}.", key=short(key), owner=short(owner),
                              role=_role(role), address=short(address)))
    return key


def same_channel(what: str, chain_id: int, channel: str, expected_chain: int,
                  expected_channel: str) -> None:
    """Refuse a signed message (`what`: "voucher", "state" or "revocation") for another chain
    or another channel."""
    values = {"chain": chain_id, "channel": short(channel),
              "expected_channel": short(expected_channel), "expected_chain": expected_chain}
    if chain_id != expected_chain:
        if what == "voucher":
            message = say("this voucher is for chain {chain}, but channel {expected_channel} is "
                          "on chain {expected_chain}.", **values)
        elif what == "state":
            message = say("this state is for chain {chain}, but channel {expected_channel} is "
                          "on chain {expected_chain}.", **values)
        else:
            message = say("this revocation is for chain {chain}, but channel "
                          "{expected_channel} is on chain {expected_chain}.", **values)
        raise WrongChannel(message)
    if channel != expected_channel:
        if what == "voucher":
            message = say("this voucher is for channel {channel}, not for channel "
                          "{expected_channel}.", **values)
        elif what == "state":
            message = say("this state is for channel {channel}, not for channel "
                          "{expected_channel}.", **values)
        else:
            message = say("this revocation is for channel {channel}, not for channel "
                          "{expected_channel}.", **values)
        raise WrongChannel(message)


# -- reading arguments (a malformed one is a BadCall) -------------------------------------------------

def fields(what: str, data: Any, names: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(data, dict) or set(data) != set(names):
        got = sorted(data) if isinstance(data, dict) else type(data).__name__
        values = {"names": ", ".join(names), "got": got}
        if what == "voucher":
            message = say("a voucher must be a dictionary with exactly {names}; got {got}.",
                          **values)
        elif what == "state":
            message = say("a state must be a dictionary with exactly {names}; got {got}.",
                          **values)
        else:
            message = say("a revocation must be a dictionary with exactly {names}; got {got}.",
                          **values)
        raise BadCall(message)
    return data


def amount(what: str, name: str, value: Any) -> int:
    if type(value) is not int or not 0 <= value <= MAX_AMOUNT:
        raise BadCall(say("{field} must be a whole number from 0 to {limit}, not {value!r}.",
                          field=_field(what, name), limit=MAX_AMOUNT, value=value))
    return value


def chain_id(what: str, value: Any) -> int:
    if type(value) is not int or not 0 <= value <= MAX_CHAIN_ID:
        raise BadCall(say("{field} must be a whole number from 0 to {limit}, not {value!r}.",
                          field=_field(what, "chain id"), limit=MAX_CHAIN_ID, value=value))
    return value


def text(what: str, name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise BadCall(say("{field} must be text, not {value!r}.", field=_field(what, name),
                          value=value))
    return value


def hex_bytes(what: str, name: str, value: Any) -> bytes:
    try:
        return bytes.fromhex(value)
    except (TypeError, ValueError):
        raise BadCall(say("{field} must be written in hex, not {value!r:.40}.",
                          field=_field(what, name), value=value)) from None


def address(role: str, value: Any) -> None:
    problem = crypto.address_problem(value)
    if problem:
        raise BadCall(say("the {role} must be an address: {problem}", role=_role(role),
                          problem=problem))


def positive(name: str, value: Any) -> None:
    if type(value) is not int or value <= 0:
        if name == "expiry":
            message = say("the expiry must be a whole number of seconds above 0, not {value!r}.",
                          value=value)
        else:
            message = say("the extension must be a whole number of seconds above 0, not "
                          "{value!r}.", value=value)
        raise WrongAmount(message)
