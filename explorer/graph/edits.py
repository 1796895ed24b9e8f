"""Edits: every change a user can make, as an object that can apply and revert itself.

The app's undo stack wraps these in one thin QUndoCommand; tests use them
directly, without Qt. An edit records what it needs to revert the first
time it applies, so ``apply, revert, apply, ...`` always round-trips, and
a node comes back exactly: id, place in the order, position, label, group.
An edit of several changes makes them in one ``graph.batch()``, so it
applies completely or, if any part is refused, not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .model import ArchitectureGraph, Edge, Node
from .stages import drop_if_empty


class Edit(Protocol):
    """What the undo stack needs of an edit: its menu text, and apply and revert."""

    @property
    def text(self) -> str: ...

    def apply(self, graph: ArchitectureGraph) -> None: ...

    def revert(self, graph: ArchitectureGraph) -> None: ...


@dataclass
class AddNode:
    kind: str
    params: Mapping[str, Any] | None = None
    position: tuple[float, float] = (0.0, 0.0)
    node_id: str | None = None  # chosen on first apply, then kept for redo
    label: str = ""
    _rank: int | None = field(default=None, repr=False)  # its place, kept for redo too

    @property
    def text(self) -> str:
        return f"Add {self.node_id or self.kind}"

    def apply(self, graph: ArchitectureGraph) -> None:
        self.node_id = graph.add_node(self.kind, self.params, position=self.position,
                                      node_id=self.node_id, label=self.label, rank=self._rank)
        self._rank = graph.node(self.node_id).rank

    def revert(self, graph: ArchitectureGraph) -> None:
        assert self.node_id is not None
        graph.remove_node(self.node_id)


@dataclass
class RemoveNode:
    """Delete a node and its wires (deleting the last node of an expanded block, or of a
    stage, forgets that too)."""

    node_id: str
    _node: Node | None = field(default=None, repr=False)
    _edges: list[Edge] = field(default_factory=list, repr=False)
    _group: tuple[Node, object | None] | None = field(default=None, repr=False)
    _stage: tuple[str, bool] | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return f"Delete {self.node_id}"

    def apply(self, graph: ArchitectureGraph) -> None:
        with graph.batch():
            self._edges = graph.in_edges(self.node_id) + graph.out_edges(self.node_id)
            self._node = graph.remove_node(self.node_id)
            self._group = _drop_if_empty(graph, self._node.group)
            self._stage = drop_if_empty(graph, self._node.stage)

    def revert(self, graph: ArchitectureGraph) -> None:
        node = self._node
        assert node is not None
        with graph.batch():
            if self._stage is not None:
                graph.set_stage(*self._stage)
            if self._group is not None:
                graph.add_group(*self._group)
            restore_node(graph, node)
            for edge in self._edges:
                graph.connect(edge.src, edge.dst, edge.dst_port, edge.src_port)


def restore_node(graph: ArchitectureGraph, node: Node) -> None:
    """Put a removed node back exactly as it was, in its old place in the order."""
    graph.add_node(node.kind, node.params, position=node.position, node_id=node.id,
                   label=node.label, group=node.group, rank=node.rank, stage=node.stage)


def _drop_if_empty(graph: ArchitectureGraph,
                   group_id: str | None) -> tuple[Node, object | None] | None:
    """Forget an expanded block none of whose nodes is left; returns what to restore."""
    if group_id is None or group_id not in graph.groups() or graph.members(group_id):
        return None
    inside = graph.group_inside(group_id)
    return graph.remove_group(group_id), inside


@dataclass
class Connect:
    """Wire two ports; a wire already in the target port is replaced (and restored on undo)."""

    edge: Edge
    _replaced: Edge | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return f"Connect {self.edge.src} → {self.edge.dst}"

    def apply(self, graph: ArchitectureGraph) -> None:
        with graph.batch():  # a refused wire leaves the old one in place
            self._replaced = graph.edge_into(self.edge.dst, self.edge.dst_port)
            if self._replaced is not None:
                graph.disconnect(self._replaced)
            graph.connect(self.edge.src, self.edge.dst, self.edge.dst_port, self.edge.src_port)

    def revert(self, graph: ArchitectureGraph) -> None:
        with graph.batch():
            graph.disconnect(self.edge)
            if self._replaced is not None:
                e = self._replaced
                graph.connect(e.src, e.dst, e.dst_port, e.src_port)


@dataclass
class Disconnect:
    edge: Edge

    @property
    def text(self) -> str:
        return f"Disconnect {self.edge.src} → {self.edge.dst}"

    def apply(self, graph: ArchitectureGraph) -> None:
        graph.disconnect(self.edge)

    def revert(self, graph: ArchitectureGraph) -> None:
        e = self.edge
        graph.connect(e.src, e.dst, e.dst_port, e.src_port)


@dataclass
class SetParams:
    """Change parameters of one node. Successive changes to the same ones merge into one."""

    node_id: str
    changes: Mapping[str, Any]
    _old: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def text(self) -> str:
        names = ", ".join(self.changes)
        return f"Set {names} of {self.node_id}"

    def apply(self, graph: ArchitectureGraph) -> None:
        old = graph.set_params(self.node_id, self.changes)
        if not self._old:
            self._old = old

    def revert(self, graph: ArchitectureGraph) -> None:
        graph.set_params(self.node_id, self._old)

    def merge(self, other: object) -> bool:
        """Absorb ``other`` (already applied) if it edits the same parameters of the same node."""
        if (not isinstance(other, SetParams) or other.node_id != self.node_id
                or set(other.changes) != set(self.changes)):
            return False
        self.changes = dict(other.changes)
        return True


@dataclass
class SetLabel:
    node_id: str
    label: str
    _old: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return f"Rename {self.node_id}"

    def apply(self, graph: ArchitectureGraph) -> None:
        old = graph.set_label(self.node_id, self.label)
        if self._old is None:
            self._old = old

    def revert(self, graph: ArchitectureGraph) -> None:
        graph.set_label(self.node_id, self._old or "")


@dataclass
class Move:
    """Move nodes; one edit for a whole drag of a selection."""

    positions: Mapping[str, tuple[float, float]]
    _old: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)

    @property
    def text(self) -> str:
        return "Move " + (next(iter(self.positions)) if len(self.positions) == 1
                          else f"{len(self.positions)} nodes")

    def apply(self, graph: ArchitectureGraph) -> None:
        with graph.batch():
            for node_id, (x, y) in self.positions.items():
                self._old.setdefault(node_id, graph.node(node_id).position)
                graph.move(node_id, x, y)

    def revert(self, graph: ArchitectureGraph) -> None:
        with graph.batch():
            for node_id, (x, y) in self._old.items():
                graph.move(node_id, x, y)


@dataclass
class Compound:
    """Several edits as one undo step (delete a selection, paste, a palette drop and wire)."""

    edits: Sequence[Edit]
    text: str = "Edit"

    def apply(self, graph: ArchitectureGraph) -> None:
        with graph.batch():  # all or nothing
            for edit in self.edits:
                edit.apply(graph)

    def revert(self, graph: ArchitectureGraph) -> None:
        with graph.batch():
            for edit in reversed(self.edits):
                edit.revert(graph)


def remove_nodes(graph: ArchitectureGraph, node_ids: Sequence[str]) -> Compound:
    """One edit deleting several nodes: wires among them are restored on undo too."""
    wanted = set(node_ids)
    order = [n for n in graph.topological_order() if n in wanted]
    return Compound([RemoveNode(n) for n in reversed(order)],
                    text=f"Delete {len(order)} nodes" if len(order) != 1 else f"Delete {order[0]}")
