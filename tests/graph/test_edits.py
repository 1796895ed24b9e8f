"""Edits apply and revert exactly: the ground undo/redo stands on."""

import pytest
from hypothesis import given

from explorer.graph import (
    AddNode,
    ArchitectureGraph,
    CollapseBlock,
    Compound,
    Connect,
    Edge,
    ExpandBlock,
    GraphError,
    Move,
    RemoveNode,
    SetParams,
    remove_nodes,
)
from explorer.graph.project import Project, dumps

from .helpers import classifier
from .strategies import ops, run_session


def text(graph):
    return dumps(Project(graph))


@given(ops)
def test_undoing_any_edit_session_restores_the_graph_and_redo_repeats_it(steps):
    graph, _ = classifier(("ResidualMLP", {}), ("Linear", {"out_features": 8}))
    original = text(graph)
    edits = run_session(graph, steps)
    final = text(graph)
    for edit in reversed(edits):
        edit.revert(graph)
    assert text(graph) == original
    for edit in edits:
        edit.apply(graph)
    assert text(graph) == final


def test_connect_into_a_taken_port_replaces_the_wire_and_undo_restores_it():
    g, (inp, hidden, last, _) = classifier(("Linear", {"out_features": 2}))
    edit = Connect(Edge(inp, last, "in"))
    edit.apply(g)
    assert g.edge_into(last, "in").src == inp
    edit.revert(g)
    assert g.edge_into(last, "in").src == hidden


def test_a_refused_connect_leaves_the_old_wire():
    g, (inp, hidden, last, _) = classifier(("Linear", {"out_features": 2}))
    with pytest.raises(GraphError):
        Connect(Edge(last, hidden, "in")).apply(g)  # would make a loop
    assert g.edge_into(hidden, "in").src == inp


def test_spin_box_edits_merge_into_one_undo_step():
    g, (_, hidden, *_rest) = classifier(("Linear", {"out_features": 8}))
    first = SetParams(hidden, {"out_features": 9})
    first.apply(g)
    second = SetParams(hidden, {"out_features": 10})
    second.apply(g)
    assert first.merge(second)
    assert not first.merge(SetParams(hidden, {"bias": False}))
    first.revert(g)
    assert g.node(hidden).params["out_features"] == 8
    first.apply(g)
    assert g.node(hidden).params["out_features"] == 10


def test_deleting_a_selection_is_one_step_that_restores_inner_wires():
    g, ids = classifier(("Linear", {"out_features": 8}), "ReLU")
    before = text(g)
    edit = remove_nodes(g, ids[1:3])
    edit.apply(g)
    assert len(g) == len(ids) - 2
    edit.revert(g)
    assert text(g) == before


def test_a_failing_compound_changes_nothing():
    g = ArchitectureGraph()
    before = text(g)
    edit = Compound([AddNode("ReLU", node_id="a"), AddNode("ReLU", node_id="a")])
    with pytest.raises(GraphError):
        edit.apply(g)
    assert text(g) == before


def test_move_of_many_nodes_is_one_edit():
    g, ids = classifier()
    edit = Move({n: (i * 10.0, 5.0) for i, n in enumerate(ids)})
    edit.apply(g)
    assert g.node(ids[2]).position == (20.0, 5.0)
    edit.revert(g)
    assert all(g.node(n).position == (0.0, 0.0) for n in ids)
    assert edit.text == f"Move {len(ids)} nodes"


# -- undo restores a node exactly ----------------------------------------------


def _three_loose_nodes():
    """Three unwired nodes: their order is decided by insertion alone."""
    g = ArchitectureGraph()
    for i, node_id in enumerate(["a", "b", "c"]):
        g.add_node("ReLU", node_id=node_id, position=(i * 10.0, 5.0), label=f"layer {node_id}")
    return g


@pytest.mark.parametrize("deleted", [["a"], ["b"], ["a", "c"], ["a", "b", "c"]])
def test_delete_then_undo_restores_order_position_and_label(deleted):
    g = _three_loose_nodes()
    nodes, before = g.nodes(), text(g)
    edit = remove_nodes(g, deleted)
    edit.apply(g)
    edit.revert(g)
    assert g.topological_order() == g.node_ids() == ["a", "b", "c"]
    assert g.nodes() == nodes and [n.rank for n in g.nodes()] == [n.rank for n in nodes]
    assert text(g) == before


def test_undoing_an_expansion_puts_the_block_back_in_its_place():
    g, (inp, block, *_rest) = classifier(("ResidualMLP", {}), features=16)
    side = g.add_node("ReLU", node_id="side")  # a tie with the block: both follow the input
    g.connect(inp, side)
    order, before = g.topological_order(), text(g)
    assert order.index(block) < order.index(side)
    expand = ExpandBlock(block)
    expand.apply(g)
    expand.revert(g)
    assert g.topological_order() == order and text(g) == before
    expand.apply(g)
    CollapseBlock(block).apply(g)
    assert g.topological_order() == order and text(g) == before


def test_undoing_a_collapse_puts_the_members_back_in_their_place():
    g, (_, block, *_rest) = classifier(("ResidualMLP", {}), features=16)
    ExpandBlock(block).apply(g)
    ids, order, before = g.node_ids(), g.topological_order(), text(g)
    collapse = CollapseBlock(block)
    collapse.apply(g)
    collapse.revert(g)
    assert (g.node_ids(), g.topological_order(), text(g)) == (ids, order, before)


def test_redo_of_an_add_gives_the_node_its_place_again():
    g = _three_loose_nodes()
    add = AddNode("Tanh", node_id="d")
    add.apply(g)
    later = RemoveNode("a")
    later.apply(g)
    later.revert(g)
    add.revert(g)
    add.apply(g)
    assert g.node_ids() == ["a", "b", "c", "d"]
