"""The shape of contract data: what a deploy or call message, and a stored value, may hold.

A transaction's `data` is a contract message when it is UTF-8 text that begins with `{`:

    {"deploy": "OrderEscrow", "args": {...}}     or     {"call": "ship", "args": {...}}

Any other data (a note such as "order #1002", a 32-byte commitment) is the payment's own and is
never read. A contract message is checked before any node spends work on it — at the mempool's
door and again in every block — and one that breaks a rule makes the whole transaction invalid,
so no block may hold it. The rules bound what one message can cost every node, whatever machine
or Python runs it:

* JSON only (RFC 8259), at most `MAX_DEPTH` lists and objects deep, counted without recursion
  before the text is parsed, so nesting can never exhaust a node's stack;
* exactly the fields `deploy` or `call` (the name) and `args` (an object), nothing else, and no
  field twice (RFC 8259 section 4 leaves duplicate names to the reader; here they are refused);
* values are text, whole numbers, true/false, null, lists and objects: no fractions, NaN or
  infinities (JSON numbers are not exact across readers, RFC 8259 section 6), whole numbers
  within a signed 64-bit range (as SQLite's INTEGER, https://www.sqlite.org/datatype3.html);
* text must be encodable as UTF-8 (a lone surrogate such as "\\ud800" is legal in a JSON escape
  but is not a character, Unicode section 3.9), and names are short, non-empty text.

The same value rules (`check_value`) bound what a contract may store or announce in an event, so
everything that reaches the state or a receipt can be encoded and committed to by every node.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from minichain.errors import InvalidTransaction
from minichain.language import say

__all__ = [
    "MAX_DEPTH",
    "MAX_INTEGER",
    "MAX_NAME_LENGTH",
    "MIN_INTEGER",
    "DuplicateField",
    "MalformedMessage",
    "Message",
    "MessageNotJSON",
    "MessageTooDeep",
    "NotAWholeNumber",
    "NumberOutOfRange",
    "UnencodableText",
    "UnknownMessageField",
    "UnsupportedValue",
    "WrongMessageShape",
    "check_name",
    "check_value",
    "message_kind",
    "read_message",
]

MAX_DEPTH = 8  # lists and objects inside one another, the message itself included
MIN_INTEGER, MAX_INTEGER = -(2**63), 2**63 - 1
MAX_NAME_LENGTH = 128  # characters in a contract, method, argument or storage name
_KINDS = ("deploy", "call")


# -- what can be wrong ---------------------------------------------------------------------------

class MalformedMessage(InvalidTransaction):
    """The transaction's data begins like a contract message but breaks a rule of its shape."""


class MessageNotJSON(MalformedMessage):
    """Data that begins with '{' is read as a contract message and must be JSON."""


class MessageTooDeep(MalformedMessage):
    """Lists and objects are nested more deeply than any contract needs."""

    def __init__(self, where: str):
        super().__init__(say("{where} nests lists and objects more than {depth} deep; flatten it",
                             where=where, depth=MAX_DEPTH))


class DuplicateField(MalformedMessage):
    """An object names the same field twice, so readers could disagree on its value."""


class UnknownMessageField(MalformedMessage):
    """A message holds a field other than the contract or method name and `args`."""


class WrongMessageShape(MalformedMessage):
    """The name is not text, `args` is not an object, or a name is not a short identifier."""


class NotAWholeNumber(MalformedMessage):
    """Contracts count in whole coins and seconds: fractions, NaN and infinities are refused."""


class NumberOutOfRange(MalformedMessage):
    """A whole number lies outside the signed 64-bit range every node can store exactly."""

    def __init__(self, where: str, value: int):
        digits = len(str(abs(value))) if abs(value) < 10**100 else "more than 100"
        if isinstance(digits, int):
            message = say("{where} holds a number with {digits} digits, outside the range "
                          "{low} to {high}", where=where, digits=digits, low=MIN_INTEGER,
                          high=MAX_INTEGER)
        else:
            message = say("{where} holds a number with more than 100 digits, outside the range "
                          "{low} to {high}", where=where, low=MIN_INTEGER, high=MAX_INTEGER)
        super().__init__(message)


class UnencodableText(MalformedMessage):
    """Text holds a lone surrogate, which is not a character and cannot be encoded as UTF-8."""


class UnsupportedValue(MalformedMessage):
    """A value is not text, a whole number, true/false, null, a list or an object."""


# -- messages ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Message:
    """A checked contract message: `kind` is "deploy" or "call", `name` the contract or method."""

    kind: str
    name: str
    args: dict[str, Any]


def message_kind(data: bytes) -> str | None:
    """"deploy" or "call" if `data` is a contract message, None if it is not one; raises
    MalformedMessage if it begins like one but breaks a rule. Remembered for recent data."""
    return _checked_kind(data)


def read_message(data: bytes) -> Message | None:
    """The contract message in `data` (freshly parsed, so a contract may change its arguments),
    None if `data` is not one; raises MalformedMessage as `message_kind` does."""
    kind = _checked_kind(data)
    if kind is None:
        return None
    message = json.loads(data.decode("utf-8"))  # already checked: shallow, plain, no duplicates
    return Message(kind, message[kind], message.get("args", {}))


@lru_cache(maxsize=1024)  # a transaction is read at the door, by its block's builder and checker
def _checked_kind(data: bytes) -> str | None:
    if not data.startswith(b"{"):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None  # binary data (a hash) that happens to begin with the byte '{'
    _check_depth(text)
    try:
        message = json.loads(text, object_pairs_hook=_no_duplicates,
                             parse_constant=_no_constant, parse_int=_bounded_int)
    except MalformedMessage:
        raise
    except ValueError as error:
        raise MessageNotJSON(say("the transaction's data begins with '{{', so it is read as a "
                                 "contract message, but it is not JSON ({error})",
                                 error=error)) from None
    kinds = [kind for kind in _KINDS if kind in message]
    extra = sorted(set(message) - {*_KINDS, "args"})
    if len(kinds) != 1 or extra:
        if not kinds:
            raise UnknownMessageField(say("a contract message must name a contract to deploy "
                                          "('deploy') or a method to call ('call')"))
        if not extra:
            raise UnknownMessageField(say("a contract message holds only 'deploy' or 'call' and "
                                          "'args', not both 'deploy' and 'call'"))
        raise UnknownMessageField(say("a contract message holds only 'deploy' or 'call' and "
                                      "'args', not {named}",
                                      named=", ".join(repr(name) for name in extra)))
    kind = kinds[0]
    check_name(message[kind], say("the contract name") if kind == "deploy"
               else say("the method name"))
    args = message.get("args", {})
    if not isinstance(args, dict):
        raise WrongMessageShape(say("the message's 'args' must be an object of names and values"))
    for name in args:
        check_name(name, say("an argument name"))
    check_value(args, say("the message's arguments"), depth=2)
    return kind


def _check_depth(text: str) -> None:
    """Count nesting without a parser's recursion: brackets outside strings only."""
    depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            raise MessageTooDeep(say("the contract message"))


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateField(say("the contract message names the field {key!r} twice",
                                     key=key))
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise NotAWholeNumber(say("the contract message holds {name}, which is not a number a "
                              "contract can count with", name=name))


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 19:  # before int(): a huge number costs nothing to refuse
        raise NumberOutOfRange(say("the contract message"),
                               10**100 if len(text) > 100 else int(text))
    return int(text)


# -- values --------------------------------------------------------------------------------------

def check_name(name: Any, what: str) -> str:
    """A contract, method, argument or storage name: short text that can be encoded."""
    if not isinstance(name, str) or not name:
        raise WrongMessageShape(say("{what} must be non-empty text, not {kind}", what=what,
                                    kind=_kind(name)))
    if len(name) > MAX_NAME_LENGTH:
        raise WrongMessageShape(say("{what} is {length} characters long; at most {limit} are "
                                    "allowed", what=what, length=len(name),
                                    limit=MAX_NAME_LENGTH))
    _check_text(name, what)
    return name


def check_value(value: Any, what: str, *, depth: int = 1) -> None:
    """Raise MalformedMessage unless `value` is plain data every node can encode the same way.

    `depth` is how deep `value` already sits; the walk uses a list, not recursion."""
    pending: list[tuple[Any, int]] = [(value, depth)]
    while pending:
        item, level = pending.pop()
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if not MIN_INTEGER <= item <= MAX_INTEGER:
                raise NumberOutOfRange(what, item)
        elif isinstance(item, str):
            _check_text(item, what)
        elif isinstance(item, float):
            raise NotAWholeNumber(say("{what} holds the number {number!r}; contracts count in "
                                      "whole coins and seconds", what=what, number=item))
        elif isinstance(item, (list, tuple, dict)):
            if level > MAX_DEPTH:
                raise MessageTooDeep(what)
            if isinstance(item, dict):
                for key in item:
                    if not isinstance(key, str):
                        raise UnsupportedValue(say("{what} uses {kind} as a field name; field "
                                                   "names are text", what=what,
                                                   kind=_kind(key)))
                    _check_text(key, what)
                pending.extend((v, level + 1) for v in item.values())
            else:
                pending.extend((v, level + 1) for v in item)
        else:
            raise UnsupportedValue(say("{what} holds {kind}; only text, whole numbers, "
                                       "true/false, null, lists and objects can be stored or "
                                       "sent", what=what, kind=_kind(item)))


def _check_text(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise UnencodableText(say("{what} holds the code point U+{code:04X}, a lone surrogate "
                                  "that is not a character and cannot be stored", what=what,
                                  code=ord(text[error.start]))) from None


def _kind(value: Any) -> str:
    """What `value` is, in words ("a number"); an unusual type by its Python name."""
    kind = type(value)
    if kind is str:
        return say("text")
    if kind is int:
        return say("a number")
    if kind is bool:
        return say("true/false")
    if value is None:
        return say("null")
    if kind is list:
        return say("a list")
    if kind is dict:
        return say("an object")
    if kind is float:
        return say("a fraction")
    return kind.__name__
