"""The architecture graph: the single source of truth behind the canvas.

Nodes and wires live in a networkx MultiDiGraph that nothing outside this
class touches. Every change goes through a method that validates first and
raises a typed error naming the node, then changes the storage (store.py)
in steps that emit a plain event (ids and values) for the views that
observe it. Changes grouped in ``batch()`` are all-or-nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

import networkx as nx

from .errors import CycleError, DuplicateNode, GraphError, PortError, UnknownNode
from .kinds import get_kind
from .store import OUTPUT_PORT, Edge, GraphEvents, GraphStore, Node

__all__ = ["OUTPUT_PORT", "ArchitectureGraph", "Edge", "GraphEvents", "Node"]

MAX_ID_LENGTH = 128
MAX_LABEL_LENGTH = 200


class ArchitectureGraph(GraphStore):
    """Nodes with readable ids, wires between ports, and events for every change."""

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
                    data["label"], data["group"], data["rank"], data["stage"])

    def nodes(self) -> list[Node]:
        """Every node, in the order they were added (undo puts a node back in its place)."""
        return [self.node(n) for n in self.node_ids()]

    def node_ids(self) -> list[str]:
        """Every node id, in the order they were added."""
        if self._ids is None or len(self._ids) != len(self._g):
            self._ids = sorted(self._g.nodes, key=self._insertion_rank)
        return list(self._ids)

    def edges(self) -> list[Edge]:
        return [Edge(u, v, k, d["src_port"]) for u, v, k, d in self._g.edges(keys=True, data=True)]

    def in_edges(self, node_id: str) -> list[Edge]:
        """Wires into a node, in the order of its input ports."""
        incoming = self._wires_into(node_id)
        return [incoming[p] for p in self.input_ports(node_id) if p in incoming]

    def feeders(self, node_id: str) -> list[str]:
        """The nodes wired into this one (any port order; cheap, for graph walks)."""
        return [edge.src for edge in self._wires_into(node_id).values()]

    def out_edges(self, node_id: str) -> list[Edge]:
        self._data(node_id)
        return [Edge(u, v, k, d["src_port"])
                for u, v, k, d in self._g.out_edges(node_id, keys=True, data=True)]

    def edge_into(self, node_id: str, port: str) -> Edge | None:
        """The wire into one input port, if any."""
        return self._wires_into(node_id).get(port)

    def kind_of(self, node_id: str) -> str:
        return self._data(node_id)["kind"]

    def rank_of(self, node_id: str) -> int:
        """When the node was added: orders ties in the topological order."""
        return self._data(node_id)["rank"]

    def params_of(self, node_id: str) -> Mapping[str, Any]:
        """The node's parameters, read-only and without a copy (for hot loops)."""
        return MappingProxyType(self._data(node_id)["params"])

    def input_ports(self, node_id: str) -> tuple[str, ...]:
        data = self._data(node_id)
        return get_kind(data["kind"]).input_ports(data["params"])

    def topological_order(self) -> list[str]:
        """Node ids so that every node comes after those feeding it (ties: insertion order)."""
        return list(self._ordered())

    def groups(self) -> dict[str, Node]:
        """Expanded blocks, by the id they had (and get back when collapsed)."""
        return dict(self._groups)

    def group_inside(self, group_id: str) -> object | None:
        """What the block's nodes were when it was expanded (None if not known here)."""
        return self._insides.get(group_id)

    def members(self, group_id: str) -> list[str]:
        return [n for n in self.node_ids() if self._g.nodes[n]["group"] == group_id]

    def stage_names(self) -> dict[str, bool]:
        """Every stage's name -> whether it is drawn collapsed (stages.py reads them)."""
        return dict(self._stages)

    def stage_of(self, node_id: str) -> str | None:
        return self._data(node_id)["stage"]

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
        rank: int | None = None,
        stage: str | None = None,
    ) -> str:
        """Add a node and return its id (a fresh readable one unless given).

        ``rank`` gives back the place a removed node had (undo); new nodes go last.
        A node of an expanded block joins the stage the block was in.
        """
        spec = get_kind(kind)
        if node_id is None:
            node_id = self.new_id(spec.id_prefix)
        check_id(node_id)
        if node_id in self._g:
            raise DuplicateNode(f"a node with id {node_id!r} already exists.", node_id=node_id)
        values = spec.validate(params, node_id)
        position = _check_position(position, node_id)
        label = check_label(label, node_id)
        if stage is None and group in self._groups:
            stage = self._groups[group].stage
        if stage is not None and stage not in self._stages:
            raise GraphError(f"there is no stage {stage!r} for the node to join.",
                             node_id=node_id)
        rank = self._next_rank() if rank is None else self._claim_rank(rank)
        self._insert(node_id, {"kind": kind, "params": values, "pos": position, "label": label,
                               "group": group, "rank": rank, "stage": stage})
        return node_id

    def remove_node(self, node_id: str) -> Node:
        """Remove a node and its wires; returns what it was."""
        node = self.node(node_id)
        with self.batch():
            for edge in self.in_edges(node_id) + self.out_edges(node_id):
                self.disconnect(edge)
            self._erase(node_id)
        return node

    def connect(
        self, src: str, dst: str, dst_port: str = "in", src_port: str = OUTPUT_PORT
    ) -> Edge:
        """Wire ``src``'s output into ``dst``'s input port ``dst_port``."""
        edge = Edge(src, dst, dst_port, src_port)
        self.check_connect(edge)
        self._wire(edge)
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
        if not self._in_order(edge.src, edge.dst) and self._reaches(edge.dst, edge.src):
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
        self._unwire(self._incoming[edge.dst][edge.dst_port])

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
            self._update(node_id, "params", merged)
        return old

    def move(self, node_id: str, x: float, y: float) -> None:
        self._update(node_id, "pos", _check_position((x, y), node_id))

    def set_label(self, node_id: str, label: str) -> str:
        return self._update(node_id, "label", check_label(label, node_id))

    def set_group(self, node_id: str, group: str | None) -> None:
        self._update(node_id, "group", group)

    def set_stage(self, name: str, collapsed: bool | None) -> None:
        """Make (or open or close) a stage; None forgets it. Checks are stages.py's."""
        if collapsed is None and any(d["stage"] == name for _, d in self._g.nodes(data=True)):
            raise GraphError(f"stage {name!r} still has nodes; take them out first.")
        self._set_stage(name, collapsed)

    def set_node_stage(self, node_id: str, name: str | None) -> None:
        if name is not None and name not in self._stages:
            raise GraphError(f"there is no stage {name!r}.", node_id=node_id)
        if self._data(node_id)["stage"] != name:
            self._update(node_id, "stage", name)

    def add_group(self, block: Node, inside: object | None = None) -> None:
        """Record an expanded block, and what its nodes are (to tell later if they changed).

        A block without a rank (read from a file) takes its first node's, so collapsing
        it puts it where its nodes were.
        """
        if block.rank is None:
            ranks = [self._insertion_rank(n) for n in self.members(block.id)]
            block = replace(block, rank=min(ranks) if ranks else self._next_rank())
        stages = {self._data(m)["stage"] for m in self.members(block.id)}
        if block.stage is None and len(stages) == 1:  # read from a file: its nodes' stage
            block = replace(block, stage=stages.pop())
        self._set_group(block.id, (block, inside))

    def remove_group(self, group_id: str) -> Node:
        if group_id not in self._groups:
            raise UnknownNode(f"there is no expanded block {group_id!r}.", node_id=group_id)
        block = self._groups[group_id]
        self._set_group(group_id, None)
        return block

    def clear(self) -> None:
        with self.batch():
            for node_id in self.topological_order()[::-1]:
                self.remove_node(node_id)
            for group_id in list(self._groups):
                self.remove_group(group_id)
            for name in list(self._stages):
                self.set_stage(name, None)

    def new_id(self, prefix: str) -> str:
        """The first free readable id: ``conv_1``, ``conv_2``, ..."""
        n = 1
        while f"{prefix}_{n}" in self._g or f"{prefix}_{n}" in self._groups:
            n += 1
        return f"{prefix}_{n}"

    def connect_many(self, edges: list[Edge]) -> None:
        """Wire many edges at once (reading a file) in time linear in the graph.

        ``connect`` looks for a loop by walking downstream of each new wire, so a
        long chain wired from its end is quadratic. Here each wire is first checked as
        ``connect`` checks it, against the wires already there (a file being read has
        none, so that walk is empty); then all are wired, and one topological sort
        looks for loops. All or nothing. An error is the one ``connect`` would raise,
        with ``wire`` set to the position in ``edges`` of the wire refused (for a loop,
        the last-listed wire on it).
        """
        refused = 0
        try:
            for position, edge in enumerate(edges):
                refused = position
                self.check_connect(edge)
            with self.batch():
                for position, edge in enumerate(edges):
                    refused = position
                    if self.edge_into(edge.dst, edge.dst_port) is not None:
                        self.check_connect(edge)  # an earlier wire here took the port
                    self._wire(edge)
                try:
                    self._ordered()
                except nx.NetworkXUnfeasible:
                    loop = set(nx.find_cycle(self._g))
                    refused = max(i for i, e in enumerate(edges)
                                  if (e.src, e.dst, e.dst_port) in loop)
                    self._unwire(edges[refused])
                    self.check_connect(edges[refused])  # raises the CycleError in connect's words
                    raise  # (not reached: the rest of the loop is still wired)
        except GraphError as error:
            error.wire = refused
            raise

    # -- internals ------------------------------------------------------------------

    def _reaches(self, start: str, target: str) -> bool:
        """Whether a path of wires leads from ``start`` to ``target`` (or they are one node)."""
        successors = self._raw()[0]  # the raw dict: views cost 3x here
        stack, seen = [start], {start}
        while stack:
            node = stack.pop()
            if node == target:
                return True
            for successor in successors[node]:
                if successor not in seen:
                    seen.add(successor)
                    stack.append(successor)
        return False


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
