"""The graph model: validated changes, typed errors naming the node, and events."""

import pytest

from explorer.graph import (
    ArchitectureGraph,
    CycleError,
    DuplicateNode,
    Edge,
    GraphError,
    ParamError,
    PortError,
    UnknownKind,
    UnknownNode,
)

from .helpers import classifier
from .mirror import Mirror


def test_ids_are_readable_and_unique():
    g = ArchitectureGraph()
    assert [g.add_node("Linear") for _ in range(3)] == ["linear_1", "linear_2", "linear_3"]
    g.remove_node("linear_2")
    assert g.add_node("Linear") == "linear_2"
    assert g.add_node("Conv2d") == "conv_1"


def test_params_are_filled_with_defaults_and_validated():
    g = ArchitectureGraph()
    node = g.node(g.add_node("Linear", {"out_features": 10}))
    assert node.params == {"out_features": 10, "bias": True, "bias_init": "auto"}
    with pytest.raises(ParamError) as err:
        g.add_node("Linear", {"out_features": 0}, node_id="bad")
    assert err.value.node_id == "bad" and "minimum 1" in str(err.value)
    with pytest.raises(ParamError, match="unknown parameter 'width'"):
        g.add_node("Linear", {"width": 3})
    assert "bad" not in g


def test_node_views_are_read_only_snapshots():
    g = ArchitectureGraph()
    node = g.node(g.add_node("Linear"))
    with pytest.raises(TypeError):
        node.params["out_features"] = 3  # type: ignore[index]
    assert g.node("linear_1").params["out_features"] == 64


def test_unknown_kind_suggests_a_close_name():
    with pytest.raises(UnknownKind, match="Did you mean 'Linear'"):
        ArchitectureGraph().add_node("Linaer")


def test_duplicate_and_unknown_ids_are_refused():
    g = ArchitectureGraph()
    g.add_node("ReLU", node_id="a")
    with pytest.raises(DuplicateNode):
        g.add_node("ReLU", node_id="a")
    with pytest.raises(UnknownNode) as err:
        g.node("nope")
    assert err.value.node_id == "nope"
    with pytest.raises(GraphError):
        g.add_node("ReLU", node_id="")


def test_connect_refuses_loops_taken_ports_and_missing_ports():
    g, (inp, hidden, out_linear, head) = classifier(("Linear", {"out_features": 8}))
    with pytest.raises(CycleError) as err:
        g.connect(out_linear, hidden)
    assert "loop" in str(err.value)
    with pytest.raises(PortError, match="already wired"):
        g.connect(inp, out_linear)
    with pytest.raises(PortError, match="no input 'in2'"):
        g.connect(inp, hidden, "in2")
    with pytest.raises(PortError, match="nothing can follow"):
        g.connect(head, g.add_node("ReLU"))
    with pytest.raises(CycleError):
        g.connect(hidden, hidden)


def test_merge_ports_follow_the_inputs_parameter():
    g = ArchitectureGraph()
    add = g.add_node("Add", {"inputs": 3})
    assert g.input_ports(add) == ("in1", "in2", "in3")
    a, b = g.add_node("ReLU"), g.add_node("Tanh")
    g.connect(a, add, "in3")
    g.connect(b, add, "in1")
    assert [e.dst_port for e in g.in_edges(add)] == ["in1", "in3"]
    with pytest.raises(PortError, match="still wired"):
        g.set_params(add, {"inputs": 2})
    g.set_params(add, {"inputs": 4})
    assert g.input_ports(add)[-1] == "in4"


def test_remove_node_takes_its_wires():
    g, ids = classifier(("Linear", {"out_features": 8}))
    g.remove_node(ids[1])
    assert all(ids[1] not in (e.src, e.dst) for e in g.edges())
    assert g.edges() == [Edge(ids[2], ids[3], "in")]


def test_events_carry_ids_and_batches_fire_changed_once():
    g = ArchitectureGraph()
    seen = []
    g.events.node_added.connect(lambda i: seen.append(("added", i)))
    g.events.edge_added.connect(lambda e: seen.append(("wired", e)))
    g.events.node_moved.connect(lambda i, x, y: seen.append(("moved", i, x, y)))
    changed = []
    g.events.changed.connect(lambda: changed.append(1))
    with g.batch():
        a = g.add_node("VectorInput")
        b = g.add_node("Linear")
        g.connect(a, b)
        g.move(b, 10, 20)
    assert seen == [("added", a), ("added", b), ("wired", Edge(a, b, "in")), ("moved", b, 10, 20)]
    assert changed == [1]
    g.set_params(b, {"out_features": 3})
    assert changed == [1, 1]


def test_setting_the_same_params_changes_nothing():
    g = ArchitectureGraph()
    node = g.add_node("Linear")
    changed = []
    g.events.node_changed.connect(changed.append)
    assert g.set_params(node, {"out_features": 64}) == {"out_features": 64}
    assert changed == []


def test_positions_and_labels_are_checked():
    g = ArchitectureGraph()
    node = g.add_node("ReLU", label="quote \" and\nnewline ✓")
    assert g.node(node).title == "quote \" and\nnewline ✓"
    with pytest.raises(GraphError, match="finite"):
        g.move(node, float("nan"), 0)
    with pytest.raises(GraphError, match="limit"):
        g.set_label(node, "x" * 1000)


def test_topological_order_keeps_insertion_order_for_ties():
    g = ArchitectureGraph()
    a, b, c = g.add_node("ReLU"), g.add_node("Tanh"), g.add_node("GELU")
    g.connect(c, a)
    assert g.topological_order() == [b, c, a]


# -- a batch is all-or-nothing, and observers follow a rollback ----------------


def test_a_failed_batch_undoes_every_change_and_observers_follow_it_back():
    g, (inp, hidden, last, head) = classifier(("Linear", {"out_features": 8}))
    nodes, order, edges = g.nodes(), g.topological_order(), sorted(g.edges())
    mirror = Mirror(g)
    changed = []
    g.events.changed.connect(lambda: changed.append(1))
    with pytest.raises(DuplicateNode), g.batch():
        g.remove_node(hidden)
        g.add_node("ReLU", node_id="r")
        g.connect(inp, "r")
        g.connect("r", last)
        g.move(last, 50, 60)
        g.set_params(last, {"out_features": 3})
        g.set_label(head, "the end")
        g.add_node("ReLU", node_id="r")  # refused: the whole batch goes
    assert g.nodes() == nodes and [n.rank for n in g.nodes()] == [n.rank for n in nodes]
    assert g.topological_order() == order and sorted(g.edges()) == edges
    assert mirror.matches()
    assert changed == [1]  # observers heard the changes and their undoing: one re-check
    assert g.add_node("ReLU") == "relu_1" and g.node("relu_1").rank == nodes[-1].rank + 1


def test_an_inner_batch_that_fails_undoes_only_its_own_changes():
    g = ArchitectureGraph()
    with g.batch():
        g.add_node("ReLU", node_id="kept")
        with pytest.raises(DuplicateNode), g.batch():
            g.add_node("Tanh", node_id="dropped")
            g.add_node("Tanh", node_id="kept")
        g.add_node("GELU", node_id="after")
    assert g.node_ids() == ["kept", "after"]


def test_a_node_added_back_with_its_rank_takes_its_old_place():
    g = ArchitectureGraph()
    a, b = g.add_node("ReLU"), g.add_node("Tanh")
    node = g.remove_node(a)
    g.add_node(node.kind, node.params, node_id=node.id, rank=node.rank)
    assert g.node_ids() == g.topological_order() == [a, b]
    assert g.node(g.add_node("GELU")).rank > g.node(b).rank
