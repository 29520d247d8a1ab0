"""What a trainee can get wrong when setting up a simulated network, each with a plain sentence.

Like every rejection in minichain, these are subclasses of `minichain.ValidationError` whose
message names what is wrong and the value at fault, so a lesson can show the message as it is.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from minichain.consensus.engine import engine_title
from minichain.errors import ValidationError
from minichain.language import say, translate

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
    # TRANSLATORS: what goes between the items of a list ("a, b, c")
    shown = translate(", ").join(repr(n) for n in nodes[:limit])
    if len(nodes) > limit:
        return say("{nodes} … ({count} in all)", nodes=shown, count=len(nodes))
    return shown


class NetworkError(ValidationError):
    """A request the simulated network cannot carry out as asked."""


class UnknownNode(NetworkError):
    """A node name that is not in the network."""

    def __init__(self, node: Hashable, nodes: Iterable[Hashable]):
        super().__init__(say("there is no node {node!r} in this network; its nodes are "
                             "{nodes}.", node=node, nodes=_names(nodes)))


class NotLinked(NetworkError):
    """Two nodes that have no link between them."""

    def __init__(self, a: Hashable, b: Hashable):
        super().__init__(say("nodes {a!r} and {b!r} have no link between them, so there is no "
                             "link to cut or heal.", a=a, b=b))


class InvalidShare(NetworkError):
    """A share of the mining power that is not a fraction from 0 to 1, asked for node `node`, or
    for the attacker of a double spend (`node` None)."""

    def __init__(self, share: object, node: Hashable | None = None):
        if node is None:
            message = say("the attacker cannot have a share of {share!r} of the mining power: a "
                          "share is a fraction from 0 to 1, such as 0.25 for a quarter.",
                          share=share)
        else:
            message = say("node {node!r} cannot have a share of {share!r} of the mining power: "
                          "a share is a fraction from 0 to 1, such as 0.25 for a quarter.",
                          node=node, share=share)
        super().__init__(message)


class SharesExceedWhole(NetworkError):
    """The miners' shares add up to more than all of the mining power."""

    def __init__(self, total: float):
        super().__init__(say("the miners' shares add up to {total:g}, but together they can have "
                             "at most all of the mining power, which is 1.", total=total))


class WrongConsensus(NetworkError):
    """Mining shares asked of a proof-of-authority network (`shares`), validators of a
    proof-of-work one, or lying validators of a network that only simulates BFT ones lying
    (`liars`); `engine` is the name of the network's engine."""

    def __init__(self, engine: str, *, shares: bool = False, liars: bool = False):
        engine = engine_title(engine)
        if shares:
            message = say("this network runs {engine}, which has no mining shares; its "
                          "validators take turns, so add one with add_validator.", engine=engine)
        elif liars:
            message = say("this network runs {engine}, which has no lying validators; only BFT "
                          "validators are simulated lying.", engine=engine)
        else:
            message = say("this network runs {engine}, which has no validators; its miners "
                          "compete by share of power, so use set_shares.", engine=engine)
        super().__init__(message)


class NotAValidator(NetworkError):
    """A vote asked of a node that holds no validator's key."""

    def __init__(self, name: object):
        super().__init__(say("node {name!r} holds no validator's key, so it cannot vote; add it "
                             "with add_validator first.", name=name))


class InvalidConfirmations(NetworkError):
    """A number of confirmations that is not a whole number of blocks, 0 or more."""

    def __init__(self, z: object):
        super().__init__(say("the merchant waits for a whole number of confirmations, 0 or more, "
                             "not {z!r}.", z=z))


class InvalidRisk(NetworkError):
    """An acceptable risk that is not a probability above 0."""

    def __init__(self, risk: object):
        super().__init__(say("an acceptable risk is a probability above 0 and at most 1, such as "
                             "0.001 for one in a thousand, not {risk!r}.", risk=risk))


class MajorityAttacker(NetworkError):
    """No number of confirmations protects against an attacker with half the power or more."""

    def __init__(self, q: float):
        super().__init__(say("an attacker with a share of {q:g} has at least half of the mining "
                             "power and catches up whatever the merchant waits for, so no number "
                             "of confirmations is safe.", q=q))


class InvalidLatency(NetworkError):
    """A delay that is negative or not a number."""

    def __init__(self, value: object):
        super().__init__(say("a delay is a number of seconds, 0 or more, not {value!r}.",
                             value=value))


class NodeIsDown(NetworkError):
    """An action that needs a running node, asked of a crashed one."""

    def __init__(self, node: Hashable):
        super().__init__(say("node {node!r} is down; restart it before asking it to do "
                             "anything.", node=node))
