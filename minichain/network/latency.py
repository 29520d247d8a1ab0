"""How long a message takes from one node to another.

A latency model answers one question: how many seconds does a message of `size` bytes from
`sender` take to reach `receiver`? Three models:

- `FixedDelay(seconds)`: every message takes the same time — the model of the textbook formulas.
- `LinkDelays({(a, b): seconds}, default=...)`: a delay per direction of each link, e.g. a shop
  whose blocks reach the others slowly while it hears theirs at once.
- `RegionLatency`: SimBlock's model of the Bitcoin network (Aoki et al., "SimBlock: a blockchain
  network simulator", IEEE INFOCOM workshops 2019; the table is `LATENCY_2019` in
  simulator/src/main/java/simblock/settings/NetworkConfiguration.java). Every node lives in
  one of six regions. A message's delay is a propagation latency drawn from a Pareto
  distribution whose mean is the regions' entry in the table below (SimBlock's `getLatency`:
  scale mean − 5 ms, shape 0.2 × mean), plus the time to push its bytes through the slower of
  the sender's upload and the receiver's download bandwidth. Nodes are spread over the regions
  as Bitcoin's were in 2019 (`REGION_DISTRIBUTION_BITCOIN_2019`).

Mean one-way latency in milliseconds, from the row's region to the column's (SimBlock, 2019):

                   N.America Europe S.America AsiaPac  Japan Australia
    North America        32    124       184     198    151       189
    Europe              124     11       227     237    252       294
    South America       184    227        88     325    301       322
    Asia-Pacific        198    237       325      85     58       198
    Japan               151    252       301      58     12       126
    Australia           189    294       322     198    126        16

Our blocks are a few kilobytes, so the bandwidth term is tiny and a block crosses one link in
0.01–0.35 s, as in SimBlock. Lessons that want forks to be visible with short block intervals
multiply every delay by `scale` (DESIGN.md suggests delays of 0.1–2 s for teaching).

Messages on one link arrive in the order they were sent (links behave like TCP connections);
the network enforces this, whatever the model draws.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Protocol

from minichain.network.errors import InvalidLatency, UnknownNode

__all__ = [
    "DOWNLOAD_BANDWIDTH_2019",
    "LATENCY_2019_MS",
    "REGIONS",
    "REGION_DISTRIBUTION_BITCOIN_2019",
    "UPLOAD_BANDWIDTH_2019",
    "FixedDelay",
    "LatencyModel",
    "LinkDelays",
    "RegionLatency",
]

REGIONS = ("north_america", "europe", "south_america", "asia_pacific", "japan", "australia")

LATENCY_2019_MS = (
    (32, 124, 184, 198, 151, 189),
    (124, 11, 227, 237, 252, 294),
    (184, 227, 88, 325, 301, 322),
    (198, 237, 325, 85, 58, 198),
    (151, 252, 301, 58, 12, 126),
    (189, 294, 322, 198, 126, 16),
)
DOWNLOAD_BANDWIDTH_2019 = (52_000_000, 40_000_000, 18_000_000, 22_800_000, 22_800_000,
                           29_900_000)  # bits per second, per region
UPLOAD_BANDWIDTH_2019 = (19_200_000, 20_700_000, 5_800_000, 15_700_000, 10_200_000,
                         11_300_000)  # bits per second, per region
REGION_DISTRIBUTION_BITCOIN_2019 = (0.3316, 0.4998, 0.0090, 0.1177, 0.0224, 0.0195)


class LatencyModel(Protocol):
    """Anything that can say how long a message takes. A model may also offer
    `delays_to(sender, receivers, size, rng)`, the list of `delay` to each receiver in turn, which
    the network then uses for gossip (`RegionLatency` does)."""

    def delay(self, sender: Hashable, receiver: Hashable, size: int,
              rng: random.Random) -> float: ...


def _seconds(value: object) -> float:
    if not isinstance(value, Real) or isinstance(value, bool) or not value >= 0:
        raise InvalidLatency(value)
    return float(value)


@dataclass(frozen=True)
class FixedDelay:
    """Every message takes exactly `seconds`."""

    seconds: float

    def __post_init__(self) -> None:
        _seconds(self.seconds)

    def delay(self, sender: Hashable, receiver: Hashable, size: int,
              rng: random.Random) -> float:
        return self.seconds


@dataclass(frozen=True)
class LinkDelays:
    """A fixed delay per direction of a link: `delays[(a, b)]` is the time from a to b."""

    delays: Mapping[tuple[Hashable, Hashable], float] = field(default_factory=dict)
    default: float = 0.0

    def __post_init__(self) -> None:
        _seconds(self.default)
        for value in self.delays.values():
            _seconds(value)

    def delay(self, sender: Hashable, receiver: Hashable, size: int,
              rng: random.Random) -> float:
        return self.delays.get((sender, receiver), self.default)


class RegionLatency:
    """SimBlock's region model: Pareto-distributed latency between regions plus transfer time."""

    def __init__(self, regions: Mapping[Hashable, str], *,
                 latency_ms: tuple[tuple[float, ...], ...] = LATENCY_2019_MS,
                 upload: tuple[float, ...] = UPLOAD_BANDWIDTH_2019,
                 download: tuple[float, ...] = DOWNLOAD_BANDWIDTH_2019,
                 scale: float = 1.0, jitter: bool = True):
        self.regions = dict(regions)
        for node, region in self.regions.items():
            if region not in REGIONS:
                raise UnknownNode(region, REGIONS)
        self._index = {node: REGIONS.index(region) for node, region in self.regions.items()}
        self.latency_ms = latency_ms
        self.upload, self.download = upload, download
        self.scale = _seconds(scale)
        self.jitter = jitter
        # Per pair of regions: (mean ms, Pareto minimum ms, 1 / Pareto shape, seconds per byte).
        self._pairs = [[self._pair(i, j) for j in range(len(REGIONS))]
                       for i in range(len(REGIONS))]

    def _pair(self, i: int, j: int) -> tuple[float, float, float, float]:
        mean = float(self.latency_ms[i][j])
        jitter = self.jitter and mean > 5
        # Pareto with minimum mean − 5 and shape 0.2·mean has exactly this mean (SimBlock).
        return (mean, mean - 5 if jitter else mean, 1 / (0.2 * mean) if jitter else 0.0,
                8 / min(self.upload[i], self.download[j]))

    @classmethod
    def spread(cls, nodes: Iterable[Hashable], *, seed: int = 0,
               distribution: tuple[float, ...] = REGION_DISTRIBUTION_BITCOIN_2019,
               **options) -> RegionLatency:
        """Place `nodes` in regions at random, in the proportions of `distribution`."""
        rng = random.Random(f"{seed}:regions")
        nodes = list(nodes)
        chosen = rng.choices(REGIONS, weights=distribution, k=len(nodes))
        return cls(dict(zip(nodes, chosen)), **options)

    def mean_delay(self, sender: Hashable, receiver: Hashable) -> float:
        """The table's mean latency between the two nodes' regions, in (scaled) seconds."""
        return self.scale * self.latency_ms[self._region(sender)][self._region(receiver)] / 1000

    def _region(self, node: Hashable) -> int:
        try:
            return self._index[node]
        except KeyError:
            raise UnknownNode(node, self._index) from None

    def delay(self, sender: Hashable, receiver: Hashable, size: int,
              rng: random.Random) -> float:
        try:
            _, minimum, inverse_shape, per_byte = \
                self._pairs[self._index[sender]][self._index[receiver]]
        except KeyError:
            raise UnknownNode(sender if sender not in self._index else receiver,
                              self._index) from None
        ms = minimum / (1.0 - rng.random()) ** inverse_shape if inverse_shape else minimum
        return self.scale * (ms / 1000 + size * per_byte)

    def delays_to(self, sender: Hashable, receivers: Sequence[Hashable], size: int,
                  rng: random.Random) -> list[float]:
        """`delay` from `sender` to each of `receivers` in turn — the same draws in the same
        order, so the same seconds — in one call, for a node that gossips to all its peers."""
        index = self._index
        try:
            row = self._pairs[index[sender]]
            pairs = [row[index[receiver]] for receiver in receivers]
        except KeyError:
            unknown = next(node for node in (sender, *receivers) if node not in index)
            raise UnknownNode(unknown, index) from None
        scale, draw = self.scale, rng.random
        seconds = []
        for _, minimum, inverse_shape, per_byte in pairs:
            ms = minimum / (1.0 - draw()) ** inverse_shape if inverse_shape else minimum
            seconds.append(scale * (ms / 1000 + size * per_byte))
        return seconds
