"""Any sequence of edits, undos, redos and reopenings keeps the document's promises.

The machine edits a graph as the app does (``Document.push`` applies an
edit and records it only if the graph accepted it; undo and redo walk a
pointer along the list), and after every step checks: the graph checks
without crashing, every view that follows the events sees the graph as it
is, and the file reopens as the same text. Undo and redo must land exactly
on the state recorded when the pointer was last there (ids, order, ranks,
positions, labels, groups, names, the saved text), and a refused edit must
change nothing.

``pytest --hypothesis-profile=thorough tests/graph/test_edit_machine.py``
runs thousands of sessions instead of the suite's few dozen.
"""

from __future__ import annotations

import networkx as nx
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from explorer.graph import (
    AddNode,
    ArchitectureGraph,
    ExpandBlock,
    GraphError,
    check_graph,
    get_kind,
    remove_nodes,
)
from explorer.graph.naming import python_names
from explorer.graph.project import Project, dumps, loads
from explorer.graph.stages import MakeStage, RemoveStage, RenameStage, SetStageCollapsed

from .helpers import chain, classifier
from .mirror import Mirror
from .strategies import KINDS, make_edit

IMAGE = {"channels": 3, "height": 8, "width": 8}


def colliding_ids() -> ArchitectureGraph:
    """Two layers whose ids become the same Python name, side by side, then a block."""
    g = ArchitectureGraph()
    g.add_node("VectorInput", {"features": 4}, node_id="in put")
    for node_id in ("a b", "a_b"):
        g.add_node("Linear", {"out_features": 4}, node_id=node_id)
        g.connect("in put", node_id)
    g.add_node("Add", node_id="a-b")
    g.connect("a b", "a-b", "in1")
    g.connect("a_b", "a-b", "in2")
    g.add_node("ResidualMLP", node_id="res")
    g.connect("a-b", "res")
    g.add_node("ClassificationOutput", node_id="out")
    return g


STARTS = {
    "residual mlp": lambda: classifier(("ResidualMLP", {}), ("Highway", {}), features=4)[0],
    "image blocks": lambda: chain(("ResidualConv", {}), ("DenseBlock", {}), "GlobalAvgPool",
                                  ("Linear", {"out_features": 3}), "ClassificationOutput",
                                  input_kind="ImageInput", input_params=IMAGE)[0],
    "colliding ids": colliding_ids,
}
picks = st.integers(0, 10**6)
coords = st.floats(-1e4, 1e4, allow_nan=False)


def state(graph: ArchitectureGraph) -> tuple:
    """Everything undo must restore, the saved text included."""
    order = graph.topological_order()
    return (
        [(n.id, n.kind, dict(n.params), n.position, n.label, n.group, n.rank, n.stage)
         for n in graph.nodes()],
        graph.stage_names(),
        order,
        sorted(graph.edges()),
        [(b, b.rank, graph.group_inside(g)) for g, b in sorted(graph.groups().items())],
        python_names(order),
        dumps(Project(graph)),
    )


def members(graph: ArchitectureGraph, group: str) -> dict[str, tuple]:
    """An expanded block's nodes: kind, parameters, label, and what feeds each input.

    A source is another member, "outside", or None. With nothing outside feeding
    the members, an unwired input counts as the block's input, as it would for
    the block itself.
    """
    inside = set(graph.members(group))
    wires = {n: [graph.edge_into(n, port) for port in graph.input_ports(n)] for n in inside}
    fed = any(e is not None and e.src not in inside for edges in wires.values() for e in edges)

    def source(edge):
        if edge is None:
            return None if fed else "outside"
        return edge.src if edge.src in inside else "outside"

    return {n: (graph.node(n).kind, dict(graph.node(n).params), graph.node(n).label,
                tuple(source(e) for e in edges)) for n, edges in wires.items()}


class EditSession(RuleBasedStateMachine):
    """One document: a graph, the edits pushed on it, and the undo pointer."""

    def __init__(self) -> None:
        super().__init__()
        self.graph = ArchitectureGraph()
        self._reset()

    def _reset(self) -> None:
        self.mirror = Mirror(self.graph)
        self.edits: list = []
        self.made: dict[int, dict] = {}  # id(ExpandBlock) -> the members it made
        self.states = [state(self.graph)]  # states[i]: after the first i edits
        self.index = 0

    @initialize(start=st.sampled_from(sorted(STARTS)))
    def open_a_start(self, start: str) -> None:
        self.graph = STARTS[start]()
        self._reset()

    def push(self, edit) -> None:
        """As Document.push: apply, and record only if the graph accepted it."""
        if edit is None:
            return
        try:
            edit.apply(self.graph)
        except GraphError:
            event(f"{type(edit).__name__} refused")  # --hypothesis-show-statistics
            assert state(self.graph) == self.states[self.index], "a refused edit changed things"
            return
        event(f"{type(edit).__name__} applied")
        if isinstance(edit, ExpandBlock):
            self.made[id(edit)] = members(self.graph, edit.block_id)
        del self.edits[self.index:], self.states[self.index + 1:]
        self.edits.append(edit)
        self.states.append(state(self.graph))
        self.index += 1

    def _make(self, op: str, a: int = 0, b: int = 0, text: str = "", pos: float = 0.0):
        return make_edit(self.graph, op, a, b, text, pos)

    # -- edits -------------------------------------------------------------------

    @rule(kind=st.sampled_from(KINDS), x=coords, label=st.text(max_size=6))
    def add(self, kind: str, x: float, label: str) -> None:
        self.push(AddNode(kind, position=(x, -x), label=label))

    @rule(chosen=st.lists(picks, min_size=1, max_size=3))
    def remove(self, chosen: list[int]) -> None:
        ids = self.graph.node_ids()
        if ids:
            self.push(remove_nodes(self.graph, sorted({ids[p % len(ids)] for p in chosen})))

    @rule(a=picks, b=picks)
    def connect(self, a: int, b: int) -> None:
        self.push(self._make("connect", a, b))

    @rule(a=picks)
    def disconnect(self, a: int) -> None:
        self.push(self._make("disconnect", a))

    @rule(a=picks, b=picks)
    def set_params(self, a: int, b: int) -> None:
        self.push(self._make("params", a, b))

    @rule(a=picks, x=coords)
    def move(self, a: int, x: float) -> None:
        self.push(self._make("move", a, pos=x))

    @rule(a=picks, text=st.text(max_size=6))
    def label(self, a: int, text: str) -> None:
        self.push(self._make("label", a, text=text))

    @precondition(lambda self: any(get_kind(self.graph.kind_of(n)).is_block
                                   for n in self.graph.node_ids()))
    @rule(a=picks)
    def expand(self, a: int) -> None:
        self.push(self._make("expand", a))

    @precondition(lambda self: self.graph.groups())
    @rule(a=picks)
    def collapse(self, a: int) -> None:
        """A collapse that goes through loses nothing: the members were as expanded."""
        edit = self._make("collapse", a)
        inside, made = members(self.graph, edit.block_id), self._made(edit.block_id)
        self.push(edit)
        if edit.block_id not in self.graph:
            return  # refused
        if made is None:  # expanded before the file was reopened: expand again to compare
            again = ExpandBlock(edit.block_id)
            again.apply(self.graph)  # it collapsed, so the shape it receives is known
            made = members(self.graph, edit.block_id)
            again.revert(self.graph)
            assert state(self.graph) == self.states[self.index]
        assert inside == made

    @rule(a=picks, n=st.integers(1, 4), collapsed=st.booleans())
    def group_as_stage(self, a: int, n: int, collapsed: bool) -> None:
        """Nodes next to each other in the order as a stage (refused unless one run)."""
        order = self.graph.topological_order()
        if order:
            start = a % len(order)
            self.push(MakeStage(f"s{a % 3}", order[start:start + n], collapsed))

    @precondition(lambda self: self.graph.stage_names())
    @rule(a=picks, op=st.sampled_from(["open", "close", "ungroup", "rename"]))
    def change_stage(self, a: int, op: str) -> None:
        names = sorted(self.graph.stage_names())
        name = names[a % len(names)]
        self.push({"open": SetStageCollapsed(name, False), "close": SetStageCollapsed(name, True),
                   "ungroup": RemoveStage(name), "rename": RenameStage(name, f"s{a % 3}")}[op])

    def _made(self, group: str) -> dict | None:
        """The members the expansion that made ``group`` created, if it is in the history."""
        for edit in reversed(self.edits[:self.index]):
            if isinstance(edit, ExpandBlock) and edit.block_id == group:
                return self.made[id(edit)]
        return None

    # -- undo, redo, reopen ----------------------------------------------------------

    @precondition(lambda self: self.index > 0)
    @rule()
    def undo(self) -> None:
        self.index -= 1
        self.edits[self.index].revert(self.graph)
        assert state(self.graph) == self.states[self.index]

    @precondition(lambda self: self.index < len(self.edits))
    @rule()
    def redo(self) -> None:
        self.edits[self.index].apply(self.graph)
        self.index += 1
        assert state(self.graph) == self.states[self.index]

    @rule()
    def undo_everything_then_redo_it(self) -> None:
        for i in reversed(range(self.index)):
            self.edits[i].revert(self.graph)
        assert state(self.graph) == self.states[0]
        for i in range(self.index):
            self.edits[i].apply(self.graph)
        assert state(self.graph) == self.states[self.index]

    @rule()
    def save_and_reopen(self) -> None:
        """As File > Open of what was saved: the same text, and a fresh undo history."""
        text = dumps(Project(self.graph))
        self.graph = loads(text).graph
        assert dumps(Project(self.graph)) == text
        self._reset()

    # -- after every step --------------------------------------------------------------

    @invariant()
    def the_graph_checks_and_the_views_follow_it(self) -> None:
        check_graph(self.graph)
        assert self.mirror.matches()

    @invariant()
    def the_kept_order_is_the_one_a_fresh_sort_gives(self) -> None:
        """The graph keeps its topological order across wires that cannot change it."""
        fresh = nx.lexicographical_topological_sort(
            self.graph.view(), key=lambda n: self.graph.node(n).rank)
        assert self.graph.topological_order() == list(fresh)

    @invariant()
    def the_file_reopens_as_the_same_text(self) -> None:
        text = dumps(Project(self.graph))
        assert dumps(loads(text)) == text


EditSession.TestCase.settings = settings(stateful_step_count=30, deadline=None)
TestEditSession = EditSession.TestCase
