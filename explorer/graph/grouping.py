"""Expanding a block into the primitive nodes it computes, and collapsing it back.

For teaching: a Residual block opens up into its Linear, norm, activation
and Add nodes, wired as the block wires them. The expanded nodes remember
the block (``Node.group``) and the graph remembers what they were (their
kinds, parameters and wires: an ``Inside``), so the block collapses back
only while they are still exactly that: no edit made inside is silently
lost. Both edits check everything they can before changing anything, and
make their changes in one ``graph.batch()``, so they apply completely or
not at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from .check import check_graph, kind_depths
from .edits import restore_node
from .errors import ExpansionError
from .kinds import BLOCK_INPUT, Context, Expansion, get_kind
from .model import ArchitectureGraph, Edge, Node
from .specs import TensorSpec

COLUMN = 190.0  # canvas spacing of expanded nodes
ROW = 110.0
KEEP_HINT = "Undo those edits to collapse it, or keep it as your own sub-graph."


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
    return expand(graph, node, report.known_inputs[0])


def expand(graph: ArchitectureGraph, block: Node, spec: TensorSpec) -> Expansion:
    """The expansion of ``block`` when it receives ``spec``, with the graph's depths."""
    return get_kind(block.kind).expand_block(Context(block.params, (spec,), kind_depths(graph)))


@dataclass(frozen=True)
class Inside:
    """An expanded block's nodes, by suffix: kind, parameters, label and input sources.

    A source is another node's suffix, or BLOCK_INPUT for the block's own input.
    ``output`` is the suffix of the node whose output is the block's. A label
    counts: it is text someone wrote, and the collapsed block has nowhere to keep it.
    """

    nodes: Mapping[str, tuple[str, Mapping[str, Any], str, tuple[str | None, ...]]]
    output: str

    @classmethod
    def of(cls, expansion: Expansion) -> Inside:
        """What expanding makes (parameters validated as the graph will hold them)."""
        return cls({s.suffix: (s.kind, get_kind(s.kind).validate(s.params), "", s.inputs)
                    for s in expansion.nodes}, expansion.output)

    def differences(self, other: Inside) -> list[str]:
        """The suffixes whose node differs (or is missing on one side), sorted."""
        return sorted(s for s in self.nodes.keys() | other.nodes.keys()
                      if self.nodes.get(s) != other.nodes.get(s))


def _suffixes(block_id: str, members: list[str], known: Collection[str]) -> dict[str, str]:
    """Which sub-node each member is: its id less the block's, and less the ``_1`` that
    expanding adds when the id it wanted was taken."""
    found = {m: m.removeprefix(f"{block_id}_") for m in members}
    claimed = {s for s in found.values() if s in known}
    for member, suffix in found.items():
        base, _, number = suffix.rpartition("_")
        if suffix not in known and number.isdigit() and base in known and base not in claimed:
            found[member] = base
            claimed.add(base)
    return found


def _inside_now(graph: ArchitectureGraph, suffixes: dict[str, str], fed: bool,
                output: str) -> Inside:
    """The members as they are. Without anything feeding the block from outside, an unwired
    input counts as the block's input (the block would have no input either)."""
    nodes = {}
    for member, suffix in suffixes.items():
        sources: list[str | None] = []
        for port in graph.input_ports(member):
            edge = graph.edge_into(member, port)
            if edge is None:
                sources.append(None if fed else BLOCK_INPUT)
            else:
                sources.append(suffixes.get(edge.src, BLOCK_INPUT))
        node = graph.node(member)
        key = suffix if suffix not in nodes else f"{suffix} ({member})"  # two claim one place
        nodes[key] = (node.kind, dict(node.params), node.label, tuple(sources))
    return Inside(nodes, output)


def _columns(expansion: Expansion) -> dict[str, int]:
    column = {BLOCK_INPUT: -1}
    for sub in expansion.nodes:
        column[sub.suffix] = 1 + max(column[s] for s in sub.inputs)
    return column


def _member_ids(graph: ArchitectureGraph, block_id: str, expansion: Expansion) -> dict[str, str]:
    """The id each sub-node gets: ``{block}_{suffix}``, or a free variant if that is taken."""
    taken = set(graph.node_ids()) | set(graph.groups())
    ids = {}
    for sub in expansion.nodes:
        wanted = node_id = f"{block_id}_{sub.suffix}"
        n = 0
        while node_id in taken:
            n += 1
            node_id = f"{wanted}_{n}"
        ids[sub.suffix] = node_id
        taken.add(node_id)
    return ids


@dataclass
class ExpandBlock:
    """Replace a block node by its primitive nodes (undoable)."""

    block_id: str
    _before: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)
    _block: Node | None = field(default=None, repr=False)
    _edges: list[Edge] = field(default_factory=list, repr=False)
    _ranks: dict[str, int | None] = field(default_factory=dict, repr=False)  # kept for redo

    @property
    def text(self) -> str:
        return f"Expand {self.block_id}"

    def apply(self, graph: ArchitectureGraph) -> None:
        expansion = block_expansion(graph, self.block_id)
        inside = Inside.of(expansion)  # refuses parameters out of range before any change
        block = graph.node(self.block_id)
        ids = _member_ids(graph, self.block_id, expansion)
        in_edges, out_edges = graph.in_edges(self.block_id), graph.out_edges(self.block_id)
        self._block, self._edges = block, in_edges + out_edges
        self._before = {n.id: n.position for n in graph.nodes()}
        with graph.batch():
            self._make_room(graph, block, expansion)
            graph.remove_node(self.block_id)
            graph.add_group(block, inside)
            self._add_members(graph, block, expansion, ids, in_edges[0] if in_edges else None)
            for edge in out_edges:
                graph.connect(ids[expansion.output], edge.dst, edge.dst_port)
        self._ranks = {s: graph.node(node_id).rank for s, node_id in ids.items()}

    def _make_room(self, graph: ArchitectureGraph, block: Node, expansion: Expansion) -> None:
        """Shift what lies to the right of the block by the width of its inside."""
        width = (max(_columns(expansion).values()) + 1) * COLUMN
        for node in graph.nodes():
            if node.id != block.id and node.position[0] > block.position[0]:
                graph.move(node.id, node.position[0] + width - COLUMN, node.position[1])

    def _add_members(self, graph: ArchitectureGraph, block: Node, expansion: Expansion,
                     ids: dict[str, str], feed: Edge | None) -> None:
        """Add the sub-nodes in columns from the block's place (in their old places on redo)."""
        (bx, by), columns, rows = block.position, _columns(expansion), Counter[int]()
        for sub in expansion.nodes:
            col, node_id = columns[sub.suffix], ids[sub.suffix]
            graph.add_node(sub.kind, sub.params, node_id=node_id, group=block.id,
                           position=(bx + col * COLUMN, by + rows[col] * ROW),
                           rank=self._ranks.get(sub.suffix))
            rows[col] += 1
            for port, src in zip(graph.input_ports(node_id), sub.inputs, strict=True):
                if src != BLOCK_INPUT:
                    graph.connect(ids[src], node_id, port)
                elif feed is not None:
                    graph.connect(feed.src, node_id, port, feed.src_port)

    def revert(self, graph: ArchitectureGraph) -> None:
        block = self._block
        assert block is not None
        with graph.batch():
            for member in graph.members(block.id):
                graph.remove_node(member)
            graph.remove_group(block.id)
            restore_node(graph, block)
            for edge in self._edges:
                graph.connect(edge.src, edge.dst, edge.dst_port, edge.src_port)
            _move_back(graph, self._before)


@dataclass
class CollapseBlock:
    """Put an expanded block back together (undoable); refused if its inside was edited."""

    block_id: str
    _members: list[Node] = field(default_factory=list, repr=False)
    _edges: list[Edge] = field(default_factory=list, repr=False)
    _before: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)
    _inside: object | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return f"Collapse {self.block_id}"

    def apply(self, graph: ArchitectureGraph) -> None:
        groups = graph.groups()
        if self.block_id not in groups:
            raise ExpansionError("is not an expanded block.", node_id=self.block_id)
        block, members = groups[self.block_id], graph.members(self.block_id)
        inside = [e for m in members for e in graph.in_edges(m)]
        outside_out = [e for m in members for e in graph.out_edges(m) if e.dst not in members]
        source = _single_source(block.id, [e for e in inside if e.src not in members])
        _check_unchanged(graph, block, members, source, outside_out)
        self._members = [graph.node(m) for m in members]
        self._edges = sorted({*inside, *outside_out})
        self._inside = graph.group_inside(block.id)
        self._before = {n.id: n.position for n in graph.nodes() if n.id not in members}
        with graph.batch():
            self._close_gap(graph)
            for member in members:
                graph.remove_node(member)
            graph.remove_group(block.id)
            restore_node(graph, block)
            if source is not None:
                graph.connect(source.src, block.id, "in", source.src_port)
            for edge in outside_out:
                graph.connect(block.id, edge.dst, edge.dst_port)

    def _close_gap(self, graph: ArchitectureGraph) -> None:
        """Shift back what lies to the right of the members by the width they took."""
        xs = [m.position[0] for m in self._members]
        for node_id, (x, y) in self._before.items():
            if x > max(xs):
                graph.move(node_id, x - (max(xs) - min(xs)), y)

    def revert(self, graph: ArchitectureGraph) -> None:
        with graph.batch():
            block = graph.remove_node(self.block_id)
            graph.add_group(block, self._inside)
            for node in self._members:
                restore_node(graph, node)
            for edge in self._edges:
                graph.connect(edge.src, edge.dst, edge.dst_port, edge.src_port)
            _move_back(graph, self._before)


def _move_back(graph: ArchitectureGraph, positions: dict[str, tuple[float, float]]) -> None:
    for node_id, (x, y) in positions.items():
        if node_id in graph and graph.node(node_id).position != (x, y):
            graph.move(node_id, x, y)


def _single_source(block_id: str, feeding: list[Edge]) -> Edge | None:
    """The one wire's worth of input the members take from outside (None if nothing)."""
    if len({(e.src, e.src_port) for e in feeding}) > 1:
        raise ExpansionError(
            "its nodes are now wired to the outside in more than one place, so they no "
            "longer form the block.", node_id=block_id,
            hint="Undo those wires, or keep it expanded as your own sub-graph.")
    return feeding[0] if feeding else None


def _check_unchanged(graph: ArchitectureGraph, block: Node, members: list[str],
                     source: Edge | None, outside_out: list[Edge]) -> None:
    """Refuse, before any change, a collapse that would lose an edit.

    With every node and inner wire as expanded, collapsing cannot make a loop: the
    members already connect whatever feeds them to whatever they feed.
    """
    expected = _expected_inside(graph, block, source)
    suffixes = _suffixes(block.id, members, expected.nodes)
    changed = expected.differences(_inside_now(graph, suffixes, source is not None,
                                               expected.output))
    if changed:
        raise ExpansionError(
            f"was edited after it was expanded ({', '.join(changed)}), so it no longer "
            f"matches a {get_kind(block.kind).title}.", node_id=block.id, hint=KEEP_HINT)
    exits = sorted({e.src for e in outside_out if suffixes[e.src] != expected.output})
    if exits:
        raise ExpansionError(
            f"{', '.join(exits)} now {'feeds' if len(exits) == 1 else 'feed'} nodes outside "
            f"it, but only its {expected.output} node gives the block's output.",
            node_id=block.id, hint=KEEP_HINT)


def _expected_inside(graph: ArchitectureGraph, block: Node, source: Edge | None) -> Inside:
    """What the members should be: as they were expanded, or else as the block would
    expand for what now feeds it."""
    remembered = graph.group_inside(block.id)
    if isinstance(remembered, Inside):
        return remembered
    spec = check_graph(graph).spec(source.src) if source is not None else None
    if spec is None:
        raise ExpansionError(
            "the shape it receives is not known, so whether its nodes were edited cannot be "
            "told.", node_id=block.id,
            hint="Wire its input and fix the errors before it, then collapse it.")
    return Inside.of(expand(graph, block, spec))
