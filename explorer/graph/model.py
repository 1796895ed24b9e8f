"""The architecture graph: the single source of truth behind the canvas.

Nodes and wires live in a networkx MultiDiGraph that nothing outside this
class touches. Every change goes through a method that validates first and
raises a typed error naming the node, then emits a plain event (ids and
values) for the views that observe it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import networkx as nx
from psygnal import Signal, SignalGroup

from .errors import CycleError, DuplicateNode, GraphError, PortError, UnknownNode
from .kinds import get_kind

MAX_ID_LENGTH = 128
MAX_LABEL_LENGTH = 200
OUTPUT_PORT = "out"


@dataclass(frozen=True)
class Node:
    """A read-only view of one node, as the graph holds it now."""

    id: str
    kind: str
    params: Mapping[str, Any]
    position: tuple[float, float] = (0.0, 0.0)
    label: str = ""
    group: str | None = None  # the collapsed block this node was expanded from

    @property
    def title(self) -> str:
        return self.label or self.id


@dataclass(frozen=True, order=True)
class Edge:
    """A wire from a node's output port to another node's input port."""

    src: str
    dst: str
    dst_port: str
    src_port: str = OUTPUT_PORT


class GraphEvents(SignalGroup):
    """What observers (canvas items, checkers, autosave) can listen to."""

    node_added = Signal(str)
    node_removed = Signal(str)
    node_changed = Signal(str)  # parameters or label
    node_moved = Signal(str, float, float)
    edge_added = Signal(Edge)
    edge_removed = Signal(Edge)
    changed = Signal()  # once after any change, or once after a batch of them


class ArchitectureGraph:
    """Nodes with readable ids, wires between ports, and events for every change."""

    def __init__(self) -> None:
        self._g = nx.MultiDiGraph()
        self._groups: dict[str, Node] = {}
        self._incoming: dict[str, dict[str, Edge]] = {}  # node -> input port -> its wire
        self._order: list[str] | None = None  # topological order, until the wiring changes
        self._rank = 0  # insertion counter: ties in topological order follow it
        self._batch_depth = 0
        self._batch_dirty = False
        self.events = GraphEvents()

    def __repr__(self) -> str:
        return f"<ArchitectureGraph: {len(self)} nodes, {self._g.number_of_edges()} edges>"

    # -- reading --------------------------------------------------------------

    def __contains__(self, node_id: object) -> bool:
        return isinstance(node_id, str) and node_id in self._g

    def __len__(self) -> int:
        return self._g.number_of_nodes()

    def node(self, node_id: str) -> Node:
        data = self._data(node_id)
        return Node(node_id, data["kind"], MappingProxyType(dict(data["params"])), data["pos"],
                    data["label"], data["group"])

    def nodes(self) -> list[Node]:
        return [self.node(n) for n in self._g.nodes]

    def node_ids(self) -> list[str]:
        return list(self._g.nodes)

    def edges(self) -> list[Edge]:
        return [Edge(u, v, k, d["src_port"]) for u, v, k, d in self._g.edges(keys=True, data=True)]

    def in_edges(self, node_id: str) -> list[Edge]:
        """Wires into a node, in the order of its input ports."""
        incoming = self._wires_into(node_id)
        return [incoming[p] for p in self.input_ports(node_id) if p in incoming]

    def out_edges(self, node_id: str) -> list[Edge]:
        self._data(node_id)
        return [Edge(u, v, k, d["src_port"])
                for u, v, k, d in self._g.out_edges(node_id, keys=True, data=True)]

    def edge_into(self, node_id: str, port: str) -> Edge | None:
        """The wire into one input port, if any."""
        return self._wires_into(node_id).get(port)

    def kind_of(self, node_id: str) -> str:
        return self._data(node_id)["kind"]

    def params_of(self, node_id: str) -> Mapping[str, Any]:
        """The node's parameters, read-only and without a copy (for hot loops)."""
        return MappingProxyType(self._data(node_id)["params"])

    def input_ports(self, node_id: str) -> tuple[str, ...]:
        data = self._data(node_id)
        return get_kind(data["kind"]).input_ports(data["params"])

    def topological_order(self) -> list[str]:
        """Node ids so that every node comes after those feeding it (ties: insertion order)."""
        if self._order is None:
            self._order = list(
                nx.lexicographical_topological_sort(self._g, key=self._insertion_rank))
        return list(self._order)

    def groups(self) -> dict[str, Node]:
        """Expanded blocks, by the id they had (and get back when collapsed)."""
        return dict(self._groups)

    def members(self, group_id: str) -> list[str]:
        return [n for n, d in self._g.nodes(data=True) if d["group"] == group_id]

    def view(self) -> nx.MultiDiGraph:
        """A read-only networkx view, for algorithms (layout, reachability)."""
        return self._g.copy(as_view=True)

    # -- changing ----------------------------------------------------------------

    def add_node(
        self,
        kind: str,
        params: Mapping[str, Any] | None = None,
        *,
        position: tuple[float, float] = (0.0, 0.0),
        node_id: str | None = None,
        label: str = "",
        group: str | None = None,
    ) -> str:
        """Add a node and return its id (a fresh readable one unless given)."""
        spec = get_kind(kind)
        if node_id is None:
            node_id = self.new_id(spec.id_prefix)
        check_id(node_id)
        if node_id in self._g:
            raise DuplicateNode(f"a node with id {node_id!r} already exists.", node_id=node_id)
        values = spec.validate(params, node_id)
        position = _check_position(position, node_id)
        label = check_label(label, node_id)
        self._g.add_node(node_id, kind=kind, params=values, pos=position, label=label,
                         group=group, rank=self._next_rank())
        self._incoming[node_id] = {}
        self._order = None
        self.events.node_added.emit(node_id)
        self._changed()
        return node_id

    def remove_node(self, node_id: str) -> Node:
        """Remove a node and its wires; returns what it was."""
        node = self.node(node_id)
        for edge in self.in_edges(node_id) + self.out_edges(node_id):
            self.disconnect(edge)
        self._g.remove_node(node_id)
        del self._incoming[node_id]
        self._order = None
        self.events.node_removed.emit(node_id)
        self._changed()
        return node

    def connect(
        self, src: str, dst: str, dst_port: str = "in", src_port: str = OUTPUT_PORT
    ) -> Edge:
        """Wire ``src``'s output into ``dst``'s input port ``dst_port``."""
        edge = Edge(src, dst, dst_port, src_port)
        self.check_connect(edge)
        self._g.add_edge(src, dst, key=dst_port, src_port=src_port)
        self._incoming[dst][dst_port] = edge
        self._order = None
        self.events.edge_added.emit(edge)
        self._changed()
        return edge

    def check_connect(self, edge: Edge) -> None:
        """Raise the error that ``connect(edge)`` would raise, without changing anything."""
        src_kind = get_kind(self._data(edge.src)["kind"])
        dst_data = self._data(edge.dst)
        if not src_kind.has_output or edge.src_port != OUTPUT_PORT:
            raise PortError(
                f"{src_kind.title} has no output {edge.src_port!r}.", node_id=edge.src,
                hint="Output heads end the network; nothing can follow them."
                if not src_kind.has_output else f"Its output port is {OUTPUT_PORT!r}.",
            )
        ports = get_kind(dst_data["kind"]).input_ports(dst_data["params"])
        if edge.dst_port not in ports:
            raise PortError(
                f"{dst_data['kind']} has no input {edge.dst_port!r}.", node_id=edge.dst,
                hint=("Its inputs are " + ", ".join(ports) + ".") if ports
                else "It is a source: it takes no input.",
            )
        if self._reaches(edge.dst, edge.src):
            raise CycleError(
                f"a wire from {edge.src!r} to {edge.dst!r} would make a loop: "
                f"{edge.dst!r} already feeds {edge.src!r}.", node_id=edge.dst,
                hint="Networks here compute in one direction; wire it to a later node.",
            )
        taken = self.edge_into(edge.dst, edge.dst_port)
        if taken is not None:
            raise PortError(
                f"input {edge.dst_port!r} is already wired to {taken.src!r}.", node_id=edge.dst,
                hint="Disconnect it first: each input takes one wire.",
            )

    def disconnect(self, edge: Edge) -> None:
        if not self._g.has_edge(edge.src, edge.dst, key=edge.dst_port):
            raise PortError(f"there is no wire from {edge.src!r} into {edge.dst_port!r}.",
                            node_id=edge.dst)
        self._g.remove_edge(edge.src, edge.dst, key=edge.dst_port)
        del self._incoming[edge.dst][edge.dst_port]
        self._order = None
        self.events.edge_removed.emit(edge)
        self._changed()

    def set_params(self, node_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Change some parameters; returns the old values of those changed."""
        data = self._data(node_id)
        kind = get_kind(data["kind"])
        merged = kind.validate({**data["params"], **changes}, node_id)
        ports = set(kind.input_ports(merged))
        for edge in self.in_edges(node_id):
            if edge.dst_port not in ports:
                raise PortError(f"input {edge.dst_port!r} is still wired.", node_id=node_id,
                                hint="Disconnect it before removing the port.")
        old = {k: data["params"][k] for k in changes}
        if merged != data["params"]:
            data["params"] = merged
            self.events.node_changed.emit(node_id)
            self._changed()
        return old

    def move(self, node_id: str, x: float, y: float) -> None:
        data = self._data(node_id)
        data["pos"] = _check_position((x, y), node_id)
        self.events.node_moved.emit(node_id, *data["pos"])
        self._changed()

    def set_label(self, node_id: str, label: str) -> str:
        data = self._data(node_id)
        old, data["label"] = data["label"], check_label(label, node_id)
        self.events.node_changed.emit(node_id)
        self._changed()
        return old

    def set_group(self, node_id: str, group: str | None) -> None:
        self._data(node_id)["group"] = group

    def add_group(self, block: Node) -> None:
        self._groups[block.id] = block

    def remove_group(self, group_id: str) -> Node:
        return self._groups.pop(group_id)

    def clear(self) -> None:
        with self.batch():
            for node_id in self.topological_order()[::-1]:
                self.remove_node(node_id)
            self._groups.clear()

    def new_id(self, prefix: str) -> str:
        """The first free readable id: ``conv_1``, ``conv_2``, ..."""
        n = 1
        while f"{prefix}_{n}" in self._g or f"{prefix}_{n}" in self._groups:
            n += 1
        return f"{prefix}_{n}"

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group many changes: observers of ``changed`` hear once, at the end."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0 and self._batch_dirty:
                self._batch_dirty = False
                self.events.changed.emit()

    # -- internals ------------------------------------------------------------------

    def _data(self, node_id: str) -> dict[str, Any]:
        try:
            return self._g.nodes[node_id]
        except (KeyError, TypeError):
            raise UnknownNode(f"there is no node {node_id!r}.", node_id=str(node_id)) from None

    def _wires_into(self, node_id: str) -> dict[str, Edge]:
        try:
            return self._incoming[node_id]
        except (KeyError, TypeError):
            raise UnknownNode(f"there is no node {node_id!r}.", node_id=str(node_id)) from None

    def _reaches(self, start: str, target: str) -> bool:
        """Whether a path of wires leads from ``start`` to ``target`` (or they are one node)."""
        stack, seen = [start], {start}
        while stack:
            node = stack.pop()
            if node == target:
                return True
            for successor in self._g.successors(node):
                if successor not in seen:
                    seen.add(successor)
                    stack.append(successor)
        return False

    def _insertion_rank(self, node_id: str) -> int:
        return self._g.nodes[node_id]["rank"]

    def _next_rank(self) -> int:
        self._rank += 1
        return self._rank

    def _changed(self) -> None:
        if self._batch_depth:
            self._batch_dirty = True
        else:
            self.events.changed.emit()


def check_id(node_id: object) -> str:
    if not isinstance(node_id, str) or not node_id.strip():
        raise GraphError(f"a node id must be non-empty text, got {node_id!r}.")
    if len(node_id) > MAX_ID_LENGTH:
        raise GraphError(f"node id is {len(node_id)} characters long; the limit is "
                         f"{MAX_ID_LENGTH}.", node_id=node_id[:40] + "…")
    return node_id


def check_label(label: object, node_id: str) -> str:
    if not isinstance(label, str):
        raise GraphError(f"a label must be text, got {label!r}.", node_id=node_id)
    if len(label) > MAX_LABEL_LENGTH:
        raise GraphError(f"label is {len(label)} characters long; the limit is "
                         f"{MAX_LABEL_LENGTH}.", node_id=node_id)
    return label


def _check_position(position: Any, node_id: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in position)
    except (TypeError, ValueError):
        raise GraphError(f"a position must be two numbers, got {position!r}.",
                         node_id=node_id) from None
    if not (math.isfinite(x) and math.isfinite(y)) or max(abs(x), abs(y)) > 1e7:
        raise GraphError(f"position {position!r} is not a finite canvas point.", node_id=node_id)
    return (x, y)
