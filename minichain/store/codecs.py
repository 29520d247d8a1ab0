"""How a chain file encodes what it keeps: state diffs in a small binary encoding, the chain's
parameters, engine and runtime as JSON (each engine and runtime describes itself), receipts as
canonical JSON. Nothing read from a file is ever unpickled or executed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from minichain.chain import Blockchain
from minichain.consensus.engine import ConsensusEngine, engine_from_description
from minichain.encoding import Reader, Writer
from minichain.errors import MalformedData
from minichain.execution import Runtime, runtime_from_description
from minichain.language import say
from minichain.params import ChainParams
from minichain.receipt import Receipt
from minichain.state import StateDiff
from minichain.store.errors import CorruptChainFile, UnknownRuntime

__all__ = ["decode_diff", "describe_chain", "encode_diff"]


def encode_diff(diff: StateDiff) -> bytes:
    """A state diff as bytes: a count, then key, before and after of each change (absent = 0)."""
    w = Writer().uint(len(diff.changes), 4)
    for key, before, after in diff.changes:
        w.text(key)
        for value in (before, after):
            if value is None:
                w.uint(0, 1)
            else:
                w.uint(1, 1).bytes(value)
    return w.getvalue()


def decode_diff(data: bytes) -> StateDiff:
    """The inverse of `encode_diff`; raises MalformedData for anything else."""
    r = Reader(data, "state diff")
    text, value, flag = r.text, r.bytes, r.uint  # one diff a block is read at every reopening
    changes = []
    for _ in range(r.uint(4)):
        key = text()
        values = []
        for _side in range(2):
            present = flag(1)
            if present > 1:
                raise MalformedData(say("the state diff data has a bad presence flag"))
            values.append(value() if present else None)
        changes.append((key, values[0], values[1]))
    r.finish()
    return StateDiff(tuple(changes))


def describe_chain(chain: Blockchain) -> dict[str, Any]:
    """What makes the chain this chain, as plain JSON values: parameters, engine, runtime (each
    engine and runtime describes itself)."""
    runtime = chain.runtime
    try:
        described = None if runtime is None else runtime.describe()
    except AttributeError:
        raise ValueError(f"a chain whose runtime is {type(runtime).__name__} cannot be kept in a "
                         "file: the runtime does not describe itself") from None
    return {"params": dataclasses.asdict(chain.params), "engine": chain.engine.describe(),
            "runtime": described}


def _params_from(path: Path, d: Any) -> ChainParams:
    try:
        fields = {f.name for f in dataclasses.fields(ChainParams)}
        if not isinstance(d, dict) or set(d) != fields:
            raise TypeError("unexpected fields")
        params = ChainParams(**d)
        for name in fields - {"name", "allocations"}:
            if type(getattr(params, name)) is not int:
                raise TypeError(name)
        if not isinstance(params.name, str) or not all(
                isinstance(a, str) and type(v) is int for a, v in params.allocations.items()):
            raise TypeError("allocations")
        return params
    except TypeError:
        raise CorruptChainFile(path, say("its chain parameters are not readable")) from None


def _engine_from(path: Path, d: Any) -> ConsensusEngine:
    try:
        return engine_from_description(d)
    except (TypeError, ValueError):
        raise CorruptChainFile(path, say("its consensus engine is not readable")) from None


def _runtime_from(path: Path, d: Any) -> Runtime | None:
    try:
        return runtime_from_description(d)
    except LookupError as missing:
        raise UnknownRuntime(path, str(missing)) from None
    except (TypeError, ValueError):
        raise CorruptChainFile(path, say("its contract runtime is not readable")) from None


def _receipts_json(receipts: Iterable[Receipt]) -> list[str]:
    return [receipt.to_json() for receipt in receipts]
