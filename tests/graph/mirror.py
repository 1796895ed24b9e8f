"""A view that knows the graph only through its events, as the canvas does."""

from __future__ import annotations

from explorer.graph import ArchitectureGraph, Edge


class Mirror:
    """Rebuilds nodes, wires, positions and labels from events alone.

    ``matches()`` says whether what the events told equals what the graph holds:
    after any change, refused or rolled back, a view must not be left behind.
    """

    def __init__(self, graph: ArchitectureGraph) -> None:
        self.graph = graph
        self.nodes: dict[str, tuple] = {n: self._read(n) for n in graph.node_ids()}
        self.edges: set[Edge] = set(graph.edges())
        events = graph.events
        events.node_added.connect(self._added)
        events.node_removed.connect(self._removed)
        events.node_changed.connect(self._added)
        events.node_moved.connect(self._moved)
        events.edge_added.connect(self._wired)
        events.edge_removed.connect(self._unwired)

    def _read(self, node_id: str) -> tuple:
        node = self.graph.node(node_id)
        return node.kind, dict(node.params), node.position, node.label

    def _added(self, node_id: str) -> None:
        self.nodes[node_id] = self._read(node_id)

    def _removed(self, node_id: str) -> None:
        del self.nodes[node_id]

    def _wired(self, edge: Edge) -> None:
        self.edges.add(edge)

    def _unwired(self, edge: Edge) -> None:
        self.edges.remove(edge)

    def _moved(self, node_id: str, x: float, y: float) -> None:
        kind, params, _, label = self.nodes[node_id]
        self.nodes[node_id] = (kind, params, (x, y), label)

    def matches(self) -> bool:
        actual = {n: self._read(n) for n in self.graph.node_ids()}
        return self.nodes == actual and self.edges == set(self.graph.edges())
