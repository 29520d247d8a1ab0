"""Answers as plain data: how a submission's values travel from its kernel to the grader.

A trainee's kernel runs code nobody has vetted, so nothing it holds is trusted: not its objects,
not its `minichain`, not its check helpers. At each check cell the kernel *describes* the
answer variables as JSON (`describe`), and the grader rebuilds them (`rebuild`) in its own
process from that data alone, with its own, unmodified classes. Pickle is never used (unpickling
runs code). So an object that fakes equality (`__eq__` always True), a patched
`crypto.verify` or a replaced `check` stay behind in the kernel: only numbers, text, bytes,
lists, tuples, sets, dicts and minichain's own data (transactions, blocks, vouchers, Merkle
proofs, in their canonical encodings) cross over, and anything else arrives as
"a value of type X the grader cannot read".
"""

from __future__ import annotations

import math
from typing import Any

from minichain.language import say

__all__ = ["ANSWERS_MIME", "MISSING", "Unreadable", "describe", "publish", "rebuild"]

ANSWERS_MIME = "application/vnd.minichain.answers+json"

MAX_ITEMS = 10_000
MAX_DEPTH = 20


class _Missing:
    """The answer variable does not exist when its check cell runs."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


class Unreadable:
    """An answer of a type that does not cross from the kernel to the grader. `why` says what
    is wrong when it is not simply the type: "deep" (nested too deeply), "digits" (an integer
    too long), "items" (a collection too big), "data" (data the grader could not read),
    "damaged" (a decoder refused it; `type_name` is its error), "unknown" (no type given)."""

    REASONS = ("deep", "digits", "items", "data", "damaged", "unknown")

    def __init__(self, type_name: str, why: str = ""):
        self.type_name = type_name
        self.why = why if why in self.REASONS else ""

    @property
    def description(self) -> str:
        """What the value is, in words, in the language in use."""
        if self.why == "deep":
            return say("a structure nested too deeply")
        if self.why == "digits":
            return say("an integer with more than 4,000 digits")
        if self.why == "items":
            return say("a {kind} of more than {count} items", kind=self.type_name,
                       count=MAX_ITEMS)
        if self.why == "data":
            return say("data the grader could not read")
        if self.why == "damaged":
            return say("damaged data ({error})", error=self.type_name)
        if self.why == "unknown":
            return say("unknown")
        return self.type_name

    def __repr__(self) -> str:
        return f"<a value of type {self.type_name}>"


def describe(value: Any, depth: int = 0) -> dict[str, Any]:
    """`value` as tagged JSON data; runs in the trainee's kernel (exact types only)."""
    kind = type(value)
    if depth > MAX_DEPTH:
        return {"t": "unreadable", "type": kind.__name__, "why": "deep"}
    if value is None or value is Ellipsis:
        return {"t": "none" if value is None else "ellipsis"}
    if kind is bool:
        return {"t": "bool", "v": value}
    if kind is int:
        return {"t": "int", "v": str(value)} if abs(value) < 10 ** 4000 else \
            {"t": "unreadable", "type": "int", "why": "digits"}
    if kind is float:
        return {"t": "float", "v": repr(value)}
    if kind is str:
        return {"t": "str", "v": value}
    if kind in (bytes, bytearray):
        return {"t": "bytes", "v": bytes(value).hex()}
    if kind in (list, tuple, set, frozenset):
        items = list(value)
        if len(items) > MAX_ITEMS:
            return {"t": "unreadable", "type": kind.__name__, "why": "items"}
        if kind in (set, frozenset):
            items = sorted(items, key=repr)
        return {"t": kind.__name__, "v": [describe(item, depth + 1) for item in items]}
    if kind is dict:
        if len(value) > MAX_ITEMS:
            return {"t": "unreadable", "type": "dict", "why": "items"}
        return {"t": "dict", "v": [[describe(k, depth + 1), describe(v, depth + 1)]
                                   for k, v in value.items()]}
    encoded = _minichain_data(value)
    if encoded is not None:
        return encoded
    return {"t": "unreadable", "type": kind.__name__}


def _minichain_data(value: Any) -> dict[str, Any] | None:
    """minichain's data classes, in their canonical encodings (exact classes only)."""
    from minichain.block import Block, BlockHeader
    from minichain.contracts.channel import Voucher
    from minichain.merkle import MerkleProof
    from minichain.transaction import Transaction

    kind = type(value)
    if kind in (Transaction, Block, BlockHeader):
        return {"t": kind.__name__, "v": value.serialize().hex()}
    if kind is Voucher:
        return {"t": "Voucher", "v": describe(value.to_dict())}
    if kind is MerkleProof:
        return {"t": "MerkleProof", "v": describe(
            {"index": value.index, "size": value.size, "siblings": list(value.siblings)})}
    return None


def rebuild(data: Any, depth: int = 0) -> Any:
    """The value `describe` described, built from scratch; runs in the grader.

    Anything malformed becomes an Unreadable (never an exception, never code run)."""
    try:
        return _rebuild(data, depth)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError, OverflowError):
        return Unreadable("", why="data")
    except Exception as problem:  # a decoder's own error (e.g. MalformedData)  # noqa: BLE001
        return Unreadable(type(problem).__name__, why="damaged")


def _rebuild(data: Any, depth: int) -> Any:
    if depth > MAX_DEPTH + 2 or not isinstance(data, dict):
        raise ValueError("not a described value")
    tag, v = data.get("t"), data.get("v")
    if tag == "missing":
        return MISSING
    if tag == "none":
        return None
    if tag == "ellipsis":
        return Ellipsis
    if tag == "bool" and type(v) is bool:
        return v
    if tag == "int" and type(v) is str and len(v) <= 4001:
        return int(v)
    if tag == "float" and type(v) is str and len(v) < 40:
        number = float(v)
        return number if math.isfinite(number) or v in ("inf", "-inf", "nan") else number
    if tag == "str" and type(v) is str:
        return v
    if tag == "bytes" and type(v) is str:
        return bytes.fromhex(v)
    if tag in ("list", "tuple", "set", "frozenset") and type(v) is list and len(v) <= MAX_ITEMS:
        items = [_rebuild(item, depth + 1) for item in v]
        return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
    if tag == "dict" and type(v) is list and len(v) <= MAX_ITEMS:
        return {_rebuild(k, depth + 1): _rebuild(x, depth + 1) for k, x in v}
    if tag == "unreadable":
        if "type" not in data:
            return Unreadable("", why="unknown")
        return Unreadable(str(data["type"])[:80], why=str(data.get("why", "")))
    if tag in ("Transaction", "Block", "BlockHeader") and type(v) is str:
        from minichain.block import Block, BlockHeader
        from minichain.transaction import Transaction

        kind = {"Transaction": Transaction, "Block": Block, "BlockHeader": BlockHeader}[tag]
        return kind.deserialize(bytes.fromhex(v))
    if tag == "Voucher":
        from minichain.contracts.channel import Voucher

        return Voucher.from_dict(_rebuild(v, depth + 1))
    if tag == "MerkleProof":
        from minichain.merkle import MerkleProof

        fields = _rebuild(v, depth + 1)
        return MerkleProof(index=int(fields["index"]), size=int(fields["size"]),
                           siblings=tuple(bytes(s) for s in fields["siblings"]))
    raise ValueError(f"unknown tag {tag!r}")


def publish(namespace: dict[str, Any], names: list[str]) -> None:
    """Show the answers in `names` as one output the grader reads (called in the kernel)."""
    import json

    from IPython.display import display

    described = {name: describe(namespace[name]) if name in namespace else {"t": "missing"}
                 for name in names}
    display({ANSWERS_MIME: json.dumps(described)}, raw=True)
