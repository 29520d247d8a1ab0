"""Canonical binary encoding: one object, exactly one byte string.

Hashes and signatures are taken over bytes, so every node must turn a transaction or a block
into the very same bytes. Like Bitcoin's serialisation, fields are written in a fixed order:
integers as fixed-width unsigned big-endian numbers, byte strings and text with a 4-byte length
in front. Decoding is strict: it rejects trailing bytes, short input and values out of range,
so no two different byte strings decode to the same object.
"""

from __future__ import annotations

import struct

from minichain.errors import MalformedData
from minichain.language import say, translate

__all__ = ["Reader", "Writer"]


class Writer:
    """Appends fields to a growing byte string."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def uint(self, value: int, size: int) -> Writer:
        if type(value) is not int or not 0 <= value < 256**size:
            raise MalformedData(say("{value!r} is not a whole number that fits in {size} bytes",
                                    value=value, size=size))
        self._parts.append(value.to_bytes(size, "big"))
        return self

    def raw(self, data: bytes, size: int) -> Writer:
        """Bytes of a length both sides already know (a hash, a key)."""
        if not isinstance(data, bytes) or len(data) != size:
            raise MalformedData(say("expected exactly {size} bytes, got {data!r:.40}",
                                    size=size, data=data))
        self._parts.append(data)
        return self

    def bytes(self, data: bytes) -> Writer:
        if not isinstance(data, bytes):
            raise MalformedData(say("expected bytes, got {kind}", kind=type(data).__name__))
        self.uint(len(data), 4)
        self._parts.append(data)
        return self

    def text(self, value: str) -> Writer:
        if not isinstance(value, str):
            raise MalformedData(say("expected text, got {kind}", kind=type(value).__name__))
        return self.bytes(value.encode("utf-8"))

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


def _data_name(what: str) -> str:
    """What a Reader reads, as its messages name it in the language in use."""
    if what == "transaction":
        return translate("transaction")
    if what == "block header":
        return translate("block header")
    if what == "block":
        return translate("block")
    if what == "state diff":
        return translate("state diff")
    return what


class Reader:
    """Reads fields back in the order they were written; raises MalformedData on any mismatch.

    `what` names the data in messages: "transaction", "block header", "block" or "state diff"."""

    def __init__(self, data: bytes, what: str):
        self._data = bytes(data)
        self._size = len(self._data)
        self._pos = 0
        self._what = what

    def _short(self) -> MalformedData:
        return MalformedData(say("the {what} data ends too early ({size} bytes)",
                                 what=_data_name(self._what), size=self._size))

    def _take(self, size: int) -> bytes:
        start = self._pos
        end = start + size
        if size < 0 or end > self._size:
            raise self._short()
        self._pos = end
        return self._data[start:end]

    # uint and bytes are _take inlined: decoding a chain file calls them a million times
    def uint(self, size: int) -> int:
        start = self._pos
        end = start + size
        if end > self._size:
            raise self._short()
        self._pos = end
        return int.from_bytes(self._data[start:end], "big")

    def unpack(self, layout: struct.Struct) -> tuple[int, ...]:
        """Several fixed-width unsigned numbers at once (`layout` like ">QQQI": big-endian)."""
        start = self._pos
        end = start + layout.size
        if end > self._size:
            raise self._short()
        self._pos = end
        return layout.unpack_from(self._data, start)

    def raw(self, size: int) -> bytes:
        return self._take(size)

    def bytes(self) -> bytes:
        data, start = self._data, self._pos + 4
        if start > self._size:
            raise self._short()
        end = start + int.from_bytes(data[start - 4:start], "big")
        if end > self._size:
            raise self._short()
        self._pos = end
        return data[start:end]

    def text(self) -> str:
        data = self.bytes()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedData(say("the {what} data holds text that is not UTF-8",
                                    what=_data_name(self._what))) from None

    def at_end(self) -> bool:
        """True once every byte has been read."""
        return self._pos == self._size

    def finish(self) -> None:
        if self._pos != self._size:
            extra = self._size - self._pos
            raise MalformedData(say("the {what} data has {extra} unexpected bytes at the end",
                                    what=_data_name(self._what), extra=extra))
