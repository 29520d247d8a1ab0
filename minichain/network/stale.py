"""How often a slow block goes stale: the experiment behind 1 − e^(−delay/interval).

The rule `expected_stale_rate(delay, interval)` answers one precise question (Rizun 2015;
Decker and Wattenhofer 2013): a block needs `delay` seconds to reach the rest of the mining
power, which finds blocks every `interval` seconds on average; how likely is the rest to find a
competing block first? `measure_stale_rate` builds a network in which exactly that happens and
counts:

- node "rest" holds all of the mining power and finds blocks at random (a Poisson process);
- node "shop" finds a block every `spacing` seconds — provided it is on the same tip as the
  rest, i.e. the previous race is over — but has no power otherwise, so it never rescues a
  losing block with a second one;
- the shop's blocks take `delay` seconds to reach the rest; the rest's reach the shop at once.

A shop block is then stale exactly when the rest finds a block within `delay` seconds after it,
which happens with probability 1 − e^(−delay/interval), independently for every shop block
(the rest's mining has no memory). Every block is built and checked by the real chain, and
"stale" is read from the nodes' final main chain by `Metrics.stale_rate`.

Other networks give other numbers, which is why the model is spelled out. In a network of two
equal miners with a fixed delay between them, each competes with only half of the power, and
about half as many blocks go stale. With many small miners all `delay` apart, the first block
of a close race wins (everyone saw it first) and the stale share tends to
delay / (interval + delay) (Sompolinsky and Zohar 2015's growth rate λ/(1 + λd)); both agree
with the rule only while delay is small compared with interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx

from minichain.network.latency import LinkDelays
from minichain.network.network import Network
from minichain.network.theory import expected_stale_rate

__all__ = ["StaleRateEstimate", "measure_stale_rate"]


@dataclass(frozen=True)
class StaleRateEstimate:
    """Measured share of the shop's blocks that went stale, beside the rule."""

    delay: float
    interval: float
    blocks: int  # shop blocks whose fate is settled
    stale: int

    @property
    def frequency(self) -> float:
        return self.stale / self.blocks

    @property
    def predicted(self) -> float:
        return expected_stale_rate(self.delay, self.interval)

    @property
    def standard_error(self) -> float:
        """sqrt(P (1 − P) / blocks), with P the rule's value."""
        return math.sqrt(self.predicted * (1 - self.predicted) / self.blocks)

    def deviation(self) -> float:
        """How many standard errors the measurement lies from the rule."""
        return (self.frequency - self.predicted) / self.standard_error


def measure_stale_rate(delay: float, interval: float = 600.0, *, blocks: int = 2_000,
                       spacing: float | None = None, seed: int = 0,
                       keep_network: bool = False) -> StaleRateEstimate | tuple:
    """Let the shop try `blocks` times and count how many of its blocks went stale.

    `spacing` (default delay + interval / 2) is the time between the shop's attempts; it must
    exceed `delay` so that one race is decided before the next begins. With `keep_network` the
    result is (estimate, network).
    """
    spacing = delay + interval / 2 if spacing is None else spacing
    if spacing <= delay:
        raise ValueError(f"the shop must try less often than every {delay} s, not every "
                         f"{spacing} s, so that one race ends before the next")
    net = Network(nx.complete_graph(["rest", "shop"]), seed=seed, block_interval=interval,
                  latency=LinkDelays({("shop", "rest"): delay}))
    net.set_shares({"rest": 1.0})
    shop, rest = net.node("shop"), net.node("rest")

    def attempt() -> None:
        if shop.tip.hash == rest.tip.hash:
            shop.produce_block()

    for k in range(1, blocks + 1):
        net.at(k * spacing, attempt)
    net.run(until=(blocks + 1) * spacing)
    net.run(blocks=6)  # bury the last shop blocks, so their fate is settled
    net.settle()
    settled = 3
    node, tip = net.metrics.reference_tip()
    found = [b for b in net.metrics.found_blocks("shop") if b.height <= tip.height - settled]
    stale = len(net.metrics.stale_blocks(settled=settled, miner="shop"))
    estimate = StaleRateEstimate(delay, interval, len(found), stale)
    return (estimate, net) if keep_network else estimate
