"""Expanding a block into the primitive nodes it computes, and collapsing it back.

For teaching: a Residual block opens up into its Linear, norm, activation
and Add nodes, wired as the block wires them. The expanded nodes remember
the block (``Node.group``), and collapse back only while they are exactly
what the block would expand to, so no edit made inside is silently lost.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .check import check_graph, kind_depths
from .errors import ExpansionError
from .kinds import BLOCK_INPUT, Context, Expansion, get_kind
from .model import ArchitectureGraph, Edge, Node
from .specs import TensorSpec

COLUMN = 190.0  # canvas spacing of expanded nodes
ROW = 110.0


def block_expansion(graph: ArchitectureGraph, block_id: str) -> Expansion:
    """The primitive sub-graph of a block node, for its current input shape."""
    node = graph.node(block_id)
    kind = get_kind(node.kind)
    if kind.expand is None:
        raise ExpansionError(f"{kind.title} is a single layer; only blocks expand.",
                             node_id=block_id)
    result = check_graph(graph)
    report = result.reports.get(block_id)
    if report is None or report.spec is None or not report.inputs:
        raise ExpansionError(
            "its inside depends on the shape it receives, which is not known yet.",
            node_id=block_id, hint="Wire its input and fix the errors before it first.")
    return expand(graph, node, report.inputs[0])


def expand(graph: ArchitectureGraph, block: Node, spec: TensorSpec) -> Expansion:
    """The expansion of ``block`` when it receives ``spec``, with the graph's depths."""
    return get_kind(block.kind).expand(Context(block.params, (spec,), kind_depths(graph)))


def _columns(expansion: Expansion) -> dict[str, int]:
    column = {BLOCK_INPUT: -1}
    for sub in expansion.nodes:
        column[sub.suffix] = 1 + max(column[s] for s in sub.inputs)
    return column


@dataclass
class ExpandBlock:
    """Replace a block node by its primitive nodes (undoable)."""

    block_id: str
    _before: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)
    _block: Node | None = field(default=None, repr=False)
    _edges: list[Edge] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return f"Expand {self.block_id}"

    def apply(self, graph: ArchitectureGraph) -> None:
        expansion = block_expansion(graph, self.block_id)
        block = graph.node(self.block_id)
        columns = _columns(expansion)
        width = (max(columns.values()) + 1) * COLUMN
        in_edges, out_edges = graph.in_edges(self.block_id), graph.out_edges(self.block_id)
        self._block, self._edges = block, in_edges + out_edges
        self._before = {n.id: n.position for n in graph.nodes()}
        bx, by = block.position
        with graph.batch():
            for node in graph.nodes():  # make room: shift what lies to the right
                if node.id != self.block_id and node.position[0] > bx:
                    graph.move(node.id, node.position[0] + width - COLUMN, node.position[1])
            graph.remove_node(self.block_id)
            graph.add_group(block)
            rows: Counter[int] = Counter()
            ids: dict[str, str] = {}
            for sub in expansion.nodes:
                col = columns[sub.suffix]
                wanted = f"{self.block_id}_{sub.suffix}"
                ids[sub.suffix] = wanted if wanted not in graph else graph.new_id(wanted)
                graph.add_node(sub.kind, sub.params, node_id=ids[sub.suffix], group=block.id,
                               position=(bx + col * COLUMN, by + rows[col] * ROW))
                rows[col] += 1
                for port, src in zip(graph.input_ports(ids[sub.suffix]), sub.inputs, strict=True):
                    if src != BLOCK_INPUT:
                        graph.connect(ids[src], ids[sub.suffix], port)
                    elif in_edges:
                        graph.connect(in_edges[0].src, ids[sub.suffix], port,
                                      in_edges[0].src_port)
            for edge in out_edges:
                graph.connect(ids[expansion.output], edge.dst, edge.dst_port)

    def revert(self, graph: ArchitectureGraph) -> None:
        block = self._block
        assert block is not None
        with graph.batch():
            for member in graph.members(block.id):
                graph.remove_node(member)
            graph.remove_group(block.id)
            graph.add_node(block.kind, block.params, position=block.position, node_id=block.id,
                           label=block.label, group=block.group)
            for edge in self._edges:
                graph.connect(edge.src, edge.dst, edge.dst_port, edge.src_port)
            for node_id, (x, y) in self._before.items():
                if node_id in graph and graph.node(node_id).position != (x, y):
                    graph.move(node_id, x, y)


@dataclass
class CollapseBlock:
    """Put an expanded block back together (undoable); refused if its inside was edited."""

    block_id: str
    _members: list[Node] = field(default_factory=list, repr=False)
    _edges: list[Edge] = field(default_factory=list, repr=False)
    _before: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)

    @property
    def text(self) -> str:
        return f"Collapse {self.block_id}"

    def apply(self, graph: ArchitectureGraph) -> None:
        groups = graph.groups()
        if self.block_id not in groups:
            raise ExpansionError("is not an expanded block.", node_id=self.block_id)
        block = groups[self.block_id]
        members = {n: graph.node(n) for n in graph.members(self.block_id)}
        inside = [e for m in members for e in graph.in_edges(m)]
        outside_in = [e for e in inside if e.src not in members]
        outside_out = [e for m in members for e in graph.out_edges(m) if e.dst not in members]
        sources = {(e.src, e.src_port) for e in outside_in}
        exits = {e.src for e in outside_out}
        if len(sources) > 1 or len(exits) > 1:
            raise ExpansionError(
                "its nodes are now wired to the outside in more than one place, so they no "
                "longer form the block.", node_id=self.block_id,
                hint="Undo those wires, or keep it expanded as your own sub-graph.")
        self._check_unchanged(graph, block, members)
        self._members = list(members.values())
        self._edges = sorted({*inside, *outside_out})
        xs = [m.position[0] for m in self._members]
        self._before = {n.id: n.position for n in graph.nodes() if n.id not in members}
        with graph.batch():
            for node_id, (x, y) in self._before.items():  # close the gap expanding opened
                if x > max(xs):
                    graph.move(node_id, x - (max(xs) - min(xs)), y)
            for member in members:
                graph.remove_node(member)
            graph.remove_group(block.id)
            graph.add_node(block.kind, block.params, position=block.position, node_id=block.id,
                           label=block.label, group=block.group)
            if sources:
                src, src_port = next(iter(sources))
                graph.connect(src, block.id, "in", src_port)
            for edge in outside_out:
                graph.connect(block.id, edge.dst, edge.dst_port)

    def _check_unchanged(self, graph: ArchitectureGraph, block: Node,
                         members: dict[str, Node]) -> None:
        feeding = [e for m in members for e in graph.in_edges(m) if e.src not in members]
        spec = check_graph(graph).spec(feeding[0].src) if feeding else None
        by_suffix = {m.id.removeprefix(f"{block.id}_"): m for m in members.values()}
        if spec is None:  # nothing known flows in: compare what can be compared
            expected_kinds = None
        else:
            expected = expand(graph, block, spec)
            expected_kinds = {s.suffix: (s.kind, get_kind(s.kind).validate(s.params))
                              for s in expected.nodes}
        actual = {s: (m.kind, dict(m.params)) for s, m in by_suffix.items()}
        if expected_kinds is not None and actual != expected_kinds:
            changed = sorted(k for k in expected_kinds.keys() | actual.keys()
                             if expected_kinds.get(k) != actual.get(k))
            raise ExpansionError(
                f"was edited after it was expanded ({', '.join(changed)}), so it no longer "
                f"matches a {get_kind(block.kind).title}.", node_id=block.id,
                hint="Undo those edits to collapse it, or keep it as your own sub-graph.")

    def revert(self, graph: ArchitectureGraph) -> None:
        with graph.batch():
            block = graph.remove_node(self.block_id)
            graph.add_group(block)
            for node in self._members:
                graph.add_node(node.kind, node.params, position=node.position, node_id=node.id,
                               label=node.label, group=node.group)
            for edge in self._edges:
                graph.connect(edge.src, edge.dst, edge.dst_port, edge.src_port)
            for node_id, (x, y) in self._before.items():
                graph.move(node_id, x, y)
