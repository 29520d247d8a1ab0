"""What a consensus engine decides, and what it needs from the chain.

The chain handles everything every blockchain shares (parent, height, transactions, state). An
engine answers the questions that differ between proof of work and proof of authority: who may
produce the next block and how that is proven (the seal), which timestamps are acceptable, how
much new money a block creates, and how much a block weighs when choosing between branches.
This split follows go-ethereum's `consensus.Engine` interface.

An engine also owns what the rest of the package needs to know about it, so that adding an engine
is one new module: how it describes itself for a chain file and is rebuilt from that description
(`describe`, `engine_from_description`), what sealing blocks costs (`sealing_cost`, for
`minichain.consensus.costs`) and how a simulated network picks its producers
(`producer_schedule`).
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from minichain.block import Block, BlockHeader
from minichain.errors import InvalidBlock
from minichain.language import say

if TYPE_CHECKING:
    from minichain.wallet import Wallet

__all__ = ["ConsensusEngine", "HeaderSource", "SealingCost", "UnexpectedCommitSeals",
           "engine_from_description", "engine_title"]

_ENGINES: dict[str, type[ConsensusEngine]] = {}  # by name, filled as engine classes are defined


def engine_title(name: str) -> str:
    """An engine's `name` ("proof of work", "proof of authority", "byzantine fault
    tolerance") as people read it, in the language in use (other names as they are)."""
    if name == "proof of work":
        return say("proof of work")
    if name == "proof of authority":
        return say("proof of authority")
    if name == "byzantine fault tolerance":
        return say("byzantine fault tolerance")
    return name


class UnexpectedCommitSeals(InvalidBlock):
    """A block carries commit seals, but this chain's engine does not use them."""

    def __init__(self, engine: str):
        super().__init__(say("the block carries commit seals, but a {engine} chain's blocks "
                             "have none.", engine=engine_title(engine)))


@dataclass(frozen=True)
class SealingCost:
    """What sealing some blocks took: hashes computed (the energy proxy) and signatures made,
    and how many validators may seal (None: anyone may)."""

    hashes: int
    signatures: int
    validators: int | None


class HeaderSource(Protocol):
    """The part of a chain an engine may read: headers by hash, walking back through parents."""

    def header(self, block_hash: bytes) -> BlockHeader: ...

    def ancestors(self, header: BlockHeader) -> Iterator[BlockHeader]: ...

    # A chain may also offer `signatures`, a crypto.SignatureCache engines may use for seals.


class ConsensusEngine(ABC):
    """Rules that differ between proof of work and proof of authority."""

    name: ClassVar[str] = "engine"
    block_interval: int = 10  # simulated seconds between blocks
    # How a simulated network picks who produces next: "lottery" (by share of hashing power,
    # a Poisson process) or "turns" (validators in rotation, as EIP-225's in-turn signer).
    producer_schedule: ClassVar[str] = "lottery"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name != "engine":
            _ENGINES[cls.name] = cls

    @abstractmethod
    def genesis_fields(self) -> dict:
        """Header fields of the genesis block that belong to this engine (difficulty, extra)."""

    @abstractmethod
    def prepare(self, chain: HeaderSource, parent: BlockHeader, producer: str,
                timestamp: int) -> dict:
        """Engine fields for a new block by `producer` on `parent`: timestamp, difficulty, extra."""

    @abstractmethod
    def seal(self, header: BlockHeader, producer: Wallet | None) -> BlockHeader:
        """Make the header valid: mine a nonce (PoW) or sign it (PoA)."""

    @abstractmethod
    def verify_header(self, chain: HeaderSource, header: BlockHeader, parent: BlockHeader,
                      now: int) -> None:
        """Checklist items 6 (seal) and 7 (timestamp); raises an InvalidBlock subclass."""

    @abstractmethod
    def weight(self, header: BlockHeader) -> int:
        """How much this block counts in fork choice: work (PoW) or in-turn weight (PoA)."""

    def choose_producer(self, chain: HeaderSource, parent: BlockHeader,
                        candidates: list[str]) -> str | None:
        """Which of the keys this node holds should produce the next block (default: the first)."""
        return candidates[0] if candidates else None

    def verify_block(self, chain: HeaderSource, block: Block) -> None:
        """Checks that need the whole block, after the header's: by default, that it carries no
        commit seals (only a BFT chain's blocks do). Raises an InvalidBlock subclass."""
        if block.commit_seals:
            raise UnexpectedCommitSeals(self.name)

    def is_final(self, header: BlockHeader) -> bool:
        """Whether a valid block is final, never to be replaced (proof of work and Clique: never;
        their blocks only ever get deeper)."""
        return False

    def finish(self, chain: HeaderSource, block: Block, wallets: Iterable[Wallet]) -> Block:
        """The sealed block as this node sends it out (a BFT engine adds commit seals)."""
        return block

    def subsidy(self, height: int) -> int:
        """New money created by the block at `height` (none unless the engine says so)."""
        return 0

    def fresh(self) -> ConsensusEngine:
        """The same rules with nothing remembered: for re-validating a chain from scratch."""
        return dataclasses.replace(self)  # type: ignore[type-var]

    @abstractmethod
    def sealing_cost(self, chain: HeaderSource, headers: Sequence[BlockHeader]) -> SealingCost:
        """What sealing `headers` (blocks of `chain`'s main chain) cost under these rules."""

    # -- a chain file records the engine -----------------------------------------------------
    def describe(self) -> dict[str, Any]:
        """The engine as plain JSON values: its name and its options (a tuple of addresses, such
        as the validators, as a list in validator order)."""
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        options = {f.name: getattr(self, f.name) for f in fields}
        return {"kind": self.name, **{name: sorted(value, key=str.lower)
                                      if isinstance(value, tuple) else value
                                      for name, value in options.items()}}

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> ConsensusEngine:
        """The engine with these options (as `describe` wrote them); ValueError if they are not
        exactly this engine's options: whole numbers (or true/false) of at least 0, and lists of
        addresses where the engine keeps a tuple of them."""
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        if set(options) != set(fields):
            raise ValueError(f"the options of {cls.name} are {sorted(fields)}")
        given = {}
        for name, value in options.items():
            if isinstance(fields[name].default, tuple):
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ValueError(f"the option {name} must be a list of addresses")
                value = tuple(value)
            elif type(value) not in (int, bool) or value < 0:
                raise ValueError(f"the option {name} must be a whole number, not {value!r}")
            given[name] = value
        return cls(**given)


def engine_from_description(description: Any) -> ConsensusEngine:
    """The engine a description (`ConsensusEngine.describe`) names; ValueError if none fits."""
    if not isinstance(description, dict) or description.get("kind") not in _ENGINES:
        raise ValueError(f"no consensus engine is described: the known ones are "
                         f"{', '.join(sorted(_ENGINES))}")
    options = dict(description)
    return _ENGINES[options.pop("kind")].from_options(options)
