"""What the code preview's worker thread makes the code from: the graph as it was, checked.

The worker must not read the live graph, which the user keeps editing on the
UI thread, so the preview hands it a copy. Writing the project out as plain
data and reading it back on the worker (what the preview did first) cost a
tenth of a second on the UI thread and a third of a second on the worker at
10,000 nodes, plus a second check of a graph the editor had just checked.
Instead ``GraphCopier`` keeps, node by node, what code generation reads (kind,
parameters, label, the wires in), drops a node's entry when an event of the
graph says it changed, and so copies only the nodes changed since the last
snapshot; a snapshot is then a few dictionaries built over the ids. The
editor's own ``CheckResult`` goes with it (it is never changed once made).

Nothing here imports torch: the snapshot is made on the UI thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from explorer.graph import ArchitectureGraph, CheckResult, Edge, Node, Project


@dataclass(frozen=True)
class GraphCopy:
    """The nodes and wires of a graph at one moment, read the way ``ArchitectureGraph`` reads.

    Each node keeps only what code generation reads: its id, kind, parameters and
    label (no position, block or stage).
    """

    nodes: Mapping[str, Node]
    inputs: Mapping[str, tuple[Edge, ...]]  # node -> the wires into it, in port order

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def in_edges(self, node_id: str) -> tuple[Edge, ...]:
        return self.inputs[node_id]


@dataclass(frozen=True)
class CodeSnapshot:
    """Everything ``make_code`` needs, none of it shared with what the UI thread changes."""

    graph: GraphCopy
    result: CheckResult  # the editor's check of the graph copied
    name: str
    description: str


class GraphCopier:
    """Copies of one graph's nodes, kept up to date by its events; see the module docstring."""

    def __init__(self) -> None:
        self._graph: ArchitectureGraph | None = None
        self._nodes: dict[str, Node] = {}
        self._inputs: dict[str, tuple[Edge, ...]] = {}

    def snapshot(self, project: Project, result: CheckResult) -> CodeSnapshot:
        """A snapshot of the project's graph as ``result`` (its check as it is now) saw it."""
        graph = project.graph
        if graph is not self._graph:
            self._follow(graph)
        nodes, inputs = self._nodes, self._inputs
        for node_id in result.order:
            if node_id not in nodes:
                node = graph.node(node_id)
                nodes[node_id] = Node(node.id, node.kind, node.params, label=node.label)
                inputs[node_id] = tuple(graph.in_edges(node_id))
        copy = GraphCopy({n: nodes[n] for n in result.order}, {n: inputs[n] for n in result.order})
        return CodeSnapshot(copy, result, project.name, project.description)

    def _follow(self, graph: ArchitectureGraph) -> None:
        """Start over with another graph (a project opened): forget the old one's nodes."""
        if self._graph is not None:
            events = self._graph.events
            events.node_removed.disconnect(self._forget)
            events.node_changed.disconnect(self._forget)
            events.edge_added.disconnect(self._forget_wired)
            events.edge_removed.disconnect(self._forget_wired)
        self._graph = graph
        self._nodes.clear()
        self._inputs.clear()
        graph.events.node_removed.connect(self._forget)
        graph.events.node_changed.connect(self._forget)  # parameters or label
        graph.events.edge_added.connect(self._forget_wired)
        graph.events.edge_removed.connect(self._forget_wired)

    def _forget(self, node_id: str) -> None:
        self._nodes.pop(node_id, None)

    def _forget_wired(self, edge: Edge) -> None:
        self._nodes.pop(edge.dst, None)  # its wires are copied again with it
