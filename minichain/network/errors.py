"""What a trainee can get wrong when setting up a simulated network, each with a plain sentence.

Like every rejection in minichain, these are subclasses of `minichain.ValidationError` whose
message names what is wrong and the value at fault, so a lesson can show the message as it is.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from minichain.errors import ValidationError

__all__ = [
    "InvalidConfirmations",
    "InvalidLatency",
    "InvalidRisk",
    "InvalidShare",
    "MajorityAttacker",
    "NetworkError",
    "NodeIsDown",
    "NotAValidator",
    "NotLinked",
    "SharesExceedWhole",
    "WrongConsensus",
    "UnknownNode",
]


def _names(nodes: Iterable[Hashable], limit: int = 6) -> str:
    nodes = list(nodes)
    shown = ", ".join(repr(n) for n in nodes[:limit])
    return shown + (f" … ({len(nodes)} in all)" if len(nodes) > limit else "")


class NetworkError(ValidationError):
    """A request the simulated network cannot carry out as asked."""


class UnknownNode(NetworkError):
    """A node name that is not in the network."""

    def __init__(self, node: Hashable, nodes: Iterable[Hashable]):
        super().__init__(f"there is no node {node!r} in this network; its nodes are "
                         f"{_names(nodes)}.")


class NotLinked(NetworkError):
    """Two nodes that have no link between them."""

    def __init__(self, a: Hashable, b: Hashable):
        super().__init__(f"nodes {a!r} and {b!r} have no link between them, so there is no link "
                         "to cut or heal.")


class InvalidShare(NetworkError):
    """A share of the mining power that is not a fraction from 0 to 1."""

    def __init__(self, who: str, share: object):
        super().__init__(f"{who} cannot have a share of {share!r} of the mining power: a share is "
                         "a fraction from 0 to 1, such as 0.25 for a quarter.")


class SharesExceedWhole(NetworkError):
    """The miners' shares add up to more than all of the mining power."""

    def __init__(self, total: float):
        super().__init__(f"the miners' shares add up to {total:g}, but together they can have at "
                         "most all of the mining power, which is 1.")


class WrongConsensus(NetworkError):
    """Mining shares asked of a proof-of-authority network, or validators of a proof-of-work one."""

    def __init__(self, asked: str, engine: str, instead: str):
        super().__init__(f"this network runs {engine}, which has no {asked}; {instead}.")


class NotAValidator(NetworkError):
    """A vote asked of a node that holds no validator's key."""

    def __init__(self, name: object):
        super().__init__(f"node {name!r} holds no validator's key, so it cannot vote; add it "
                         "with add_validator first.")


class InvalidConfirmations(NetworkError):
    """A number of confirmations that is not a whole number of blocks, 0 or more."""

    def __init__(self, z: object):
        super().__init__(f"the merchant waits for a whole number of confirmations, 0 or more, "
                         f"not {z!r}.")


class InvalidRisk(NetworkError):
    """An acceptable risk that is not a probability above 0."""

    def __init__(self, risk: object):
        super().__init__(f"an acceptable risk is a probability above 0 and at most 1, such as "
                         f"0.001 for one in a thousand, not {risk!r}.")


class MajorityAttacker(NetworkError):
    """No number of confirmations protects against an attacker with half the power or more."""

    def __init__(self, q: float):
        super().__init__(f"an attacker with a share of {q:g} has at least half of the mining "
                         "power and catches up whatever the merchant waits for, so no number of "
                         "confirmations is safe.")


class InvalidLatency(NetworkError):
    """A delay that is negative or not a number."""

    def __init__(self, value: object):
        super().__init__(f"a delay is a number of seconds, 0 or more, not {value!r}.")


class NodeIsDown(NetworkError):
    """An action that needs a running node, asked of a crashed one."""

    def __init__(self, node: Hashable):
        super().__init__(f"node {node!r} is down; restart it before asking it to do anything.")
