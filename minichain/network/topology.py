"""Who is connected to whom: networkx graphs for simulated networks.

`random_peers` builds the graph the way Bitcoin Core nodes find each other: every node opens a
few outbound connections (Bitcoin Core: 8 full-relay ones) to peers chosen at random, and
accepts the connections others open to it, so most nodes end up with about twice as many
links. Any other networkx graph works as well: `networkx.complete_graph(2)` for two miners,
`networkx.path_graph(5)` for a chain of relays, a star for a hub.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable

import networkx as nx

__all__ = ["random_peers"]

BITCOIN_OUTBOUND = 8


def random_peers(nodes: int | Iterable[Hashable], *, outbound: int = BITCOIN_OUTBOUND,
                 seed: int = 0) -> nx.Graph:
    """A connected graph in which every node opened `outbound` links to random other nodes.

    `nodes` is a number (the nodes are then 0, 1, 2, …) or the node names.
    """
    names = list(range(nodes)) if isinstance(nodes, int) else list(nodes)
    rng = random.Random(f"{seed}:topology")
    graph = nx.Graph()
    graph.add_nodes_from(names)
    count = len(names)
    for i, node in enumerate(names):
        wanted = min(outbound, count - 1)
        chosen: set[int] = set()
        while len(chosen) < wanted:  # distinct peers other than itself, like addrman's picks
            j = rng.randrange(count)
            if j != i:
                chosen.add(j)
        for j in sorted(chosen):
            graph.add_edge(node, names[j])
    # Random outbound links leave a graph connected with overwhelming probability; make sure.
    position = {node: i for i, node in enumerate(names)}
    components = sorted((min(c, key=position.__getitem__) for c in nx.connected_components(graph)),
                        key=position.__getitem__)
    for before, after in zip(components, components[1:]):
        graph.add_edge(before, after)
    return graph
