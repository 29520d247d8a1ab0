"""The network view: blocks spreading through a simulated network, forks and healing
(lesson 09)."""

from __future__ import annotations

import math
from collections.abc import Hashable

import ipywidgets as w
import networkx as nx

from minichain.language import say, translate
from minichain.network import Network
from minichain.widgets import render
from minichain.widgets import style as s

__all__ = ["NetworkView", "layout"]


def layout(graph: nx.Graph, seed: int = 0) -> dict[Hashable, tuple[float, float]]:
    """Node positions on a circle, in name order: the same drawing on every machine.

    (networkx's force-directed layouts need numpy and their floating-point results may differ
    between numpy versions, which strict nbval would see; `seed` is kept for callers.)
    """
    names = sorted(graph.nodes, key=str)
    count = max(len(names), 1)
    return {n: (round(math.cos(2 * math.pi * i / count), 3),
                round(math.sin(2 * math.pi * i / count), 3)) for i, n in enumerate(names)}


class NetworkView(w.VBox):
    """The network drawn as a graph, each node filled and lettered by the tip it follows.

    The trainee steps through the simulation one event at a time, or presses play to let
    simulated seconds pass; "Split" cuts the network in two (the cut links turn dashed) and
    "Heal" joins it again. Nodes that agree share a letter; when every node shows "A", the
    network has converged.
    """

    def __init__(self, network: Network, *, seed: int = 0, seconds_per_tick: float = 60.0):
        self.network = network
        self.positions = layout(network.graph, seed)
        self.seconds_per_tick = seconds_per_tick
        self.picture = w.HTML()
        self.step_button = w.Button(description=translate("Step"), icon="step-forward",
                                    tooltip=translate("run the next event of the simulation"))
        self.play = w.Play(value=0, min=0, max=10_000, step=1, interval=500,
                           description=translate("play"))
        self.split_button = w.Button(description=translate("Split the network"), icon="cut")
        self.heal_button = w.Button(description=translate("Heal"), icon="link")
        self.step_button.on_click(lambda _b: self.step())
        self.split_button.on_click(lambda _b: self.split())
        self.heal_button.on_click(lambda _b: self.heal())
        self.play.observe(lambda _c: self.tick(), names="value")
        super().__init__([w.HBox([self.step_button, self.play, self.split_button,
                                  self.heal_button]), self.picture])
        s.fit_text(self)  # every label and button text in full
        self.refresh()

    def step(self) -> None:
        self.network.step()
        self.refresh()

    def tick(self) -> None:
        """One frame of play: `seconds_per_tick` simulated seconds."""
        self.network.run(seconds=self.seconds_per_tick)
        self.refresh()

    def split(self) -> None:
        names = sorted(self.network.graph.nodes, key=str)
        self.network.partition(names[: len(names) // 2], names[len(names) // 2:])
        self.refresh()

    def heal(self) -> None:
        self.network.heal()
        self.refresh()

    def svg(self) -> str:
        graph = self.network.graph
        edges = sorted(((a, b, bool(graph.edges[a, b].get("up", True))) for a, b in graph.edges),
                       key=lambda e: (str(e[0]), str(e[1])))
        tips = self.network.tips()
        down = [node.name for node in self.network.nodes if not getattr(node, "up", True)]
        if self.network.converged():
            caption = say("time {now:,.1f} s; all nodes agree", now=self.network.now)
        else:
            caption = say("time {now:,.1f} s; nodes disagree", now=self.network.now)
        return render.network_svg(self.positions, edges, tips, down=down, caption=caption)

    def refresh(self) -> None:
        self.picture.value = self.svg()
