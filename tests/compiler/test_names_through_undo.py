"""Weights keep their names through any edit and its undo, so a saved state_dict loads back.

Ids that become the same Python name ("a b", "a_b") once swapped names after a
delete and its undo: the weights of one layer then loaded into the other.
"""

from hypothesis import given, settings

from explorer.compiler import build_model
from explorer.graph import ArchitectureGraph, GraphError, check_graph, remove_nodes

from ..graph.strategies import ops, run_session


def _colliding_ids() -> ArchitectureGraph:
    """Input -> two Linear layers whose ids collide as names -> Concat -> output."""
    g = ArchitectureGraph()
    g.add_node("VectorInput", {"features": 4}, node_id="input")
    for node_id, width in (("a b", 3), ("a_b", 5), ("a-b", 7)):
        g.add_node("Linear", {"out_features": width}, node_id=node_id)
        g.connect("input", node_id)
    g.add_node("Concat", {"inputs": 3}, node_id="cat")
    for port, node_id in zip(("in1", "in2", "in3"), ("a b", "a_b", "a-b"), strict=True):
        g.connect(node_id, "cat", port)
    g.add_node("RegressionOutput", node_id="output")
    g.connect("cat", "output")
    return g


def weights(graph: ArchitectureGraph) -> dict[str, tuple[int, ...]]:
    """The compiled module's state_dict: key -> shape, in order."""
    return {k: tuple(v.shape) for k, v in build_model(graph).state_dict().items()}


def test_deleting_and_undoing_a_layer_keeps_every_weight_name():
    g = _colliding_ids()
    before = weights(g)
    assert before["a_b.weight"] == (5, 4)
    for deleted in (["a b"], ["a_b"], ["a b", "a_b"], ["a-b", "a b"]):
        edit = remove_nodes(g, deleted)
        edit.apply(g)
        edit.revert(g)
        assert list(weights(g).items()) == list(before.items()), deleted


def test_a_layer_keeps_its_name_when_rewiring_changes_the_order():
    g = ArchitectureGraph()
    g.add_node("VectorInput", {"features": 4}, node_id="input")
    g.add_node("Linear", {"out_features": 4}, node_id="a b")
    g.add_node("Linear", {"out_features": 4}, node_id="a_b")
    g.add_node("RegressionOutput", node_id="output")
    for src, dst in (("input", "a b"), ("a b", "a_b"), ("a_b", "output")):
        g.connect(src, dst)
    first = build_model(g).node_names
    for edge in g.edges():
        g.disconnect(edge)
    for src, dst in (("input", "a_b"), ("a_b", "a b"), ("a b", "output")):
        g.connect(src, dst)
    assert check_graph(g).order.index("a_b") < check_graph(g).order.index("a b")
    assert build_model(g).node_names == first == {"input": "input_", "a b": "a_b_2", "a_b": "a_b"}


@settings(max_examples=15, deadline=None)
@given(ops)
def test_state_dict_keys_survive_any_edit_session_and_its_undo(steps):
    g = _colliding_ids()
    before = weights(g)
    edits = run_session(g, steps)
    for edit in reversed(edits):
        edit.revert(g)
    assert check_graph(g).ok
    assert list(weights(g).items()) == list(before.items())
    try:
        for edit in edits:
            edit.apply(g)
    except GraphError as error:  # redo must not be refused
        raise AssertionError(f"redo refused: {error}") from None
