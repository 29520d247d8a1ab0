"""`computed_once`: a value of an immutable object, worked out on first use and then kept.

The same idea as `functools.cached_property`, without its lock: on Python 3.8–3.11 every
first access to any `cached_property` of a class goes through one lock shared by all its
instances (CPython issue #87634; removed in 3.12), which costs more than the hashing it saves
for a transaction's id or a block's hash. Objects that use it are frozen dataclasses, so two
threads that race compute the same value and either may keep it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["computed_once"]

T = TypeVar("T")


class computed_once(Generic[T]):  # noqa: N801 - used as a decorator, like cached_property
    """Decorator: a read-only attribute computed by the method once, then stored on the
    instance (whose `__dict__` then answers without calling this descriptor again)."""

    def __init__(self, method: Callable[[Any], T]):
        self.method = method
        self.__doc__ = method.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = self.method(instance)
        instance.__dict__[self.name] = value
        return value
