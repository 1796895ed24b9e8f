"""Model -> view: every graph change shows on the canvas, and nothing else does."""

import pytest

from explorer.app.canvas.scene import GraphScene
from explorer.app.canvas.skips import find_skips
from explorer.graph import ArchitectureGraph, Edge, ExpandBlock, check_graph, recipes


@pytest.fixture
def scene(qtbot):
    graph = recipes.mlp(depth=1).graph
    scene = GraphScene(graph)
    yield scene
    scene.detach()


def test_scene_starts_with_an_item_per_node_and_wire(scene):
    graph = scene.graph
    assert set(scene.nodes) == set(graph.node_ids())
    assert set(scene.wires) == set(graph.edges())
    for node_id, item in scene.nodes.items():
        assert (item.pos().x(), item.pos().y()) == graph.node(node_id).position
        assert tuple(item.inputs) == graph.input_ports(node_id)


def test_adding_and_removing_nodes_adds_and_removes_items(scene):
    graph = scene.graph
    new = graph.add_node("Dropout", position=(10, 20))
    assert scene.nodes[new].scene() is scene
    assert scene.nodes[new].pos().toTuple() == (10, 20)
    graph.remove_node("linear_1")
    assert "linear_1" not in scene.nodes
    assert all("linear_1" not in (e.src, e.dst) for e in scene.wires)


def test_wires_follow_edges(scene):
    graph = scene.graph
    edge = graph.in_edges("relu_1")[0]
    graph.disconnect(edge)
    assert edge not in scene.wires
    assert not scene.nodes["relu_1"].inputs["in"].connected
    graph.connect(edge.src, edge.dst, edge.dst_port)
    wire = scene.wires[edge]
    assert wire.source is scene.nodes[edge.src].output
    assert wire.target is scene.nodes["relu_1"].inputs["in"]
    assert scene.nodes["relu_1"].inputs["in"].connected


def test_moves_in_the_model_move_items_and_their_wires(scene):
    graph = scene.graph
    wire = scene.wires[graph.in_edges("relu_1")[0]]
    before = wire.path().pointAtPercent(1.0)
    graph.move("relu_1", 500, 300)
    assert scene.nodes["relu_1"].pos().toTuple() == (500, 300)
    after = wire.path().pointAtPercent(1.0)
    assert after != before
    assert after == scene.nodes["relu_1"].inputs["in"].anchor()
    assert scene.moved_positions() == {}  # the item is where the model says


def test_parameter_changes_rebuild_ports_and_keep_wires_attached(qtbot):
    graph = ArchitectureGraph()
    a = graph.add_node("VectorInput")
    add = graph.add_node("Add")
    graph.connect(a, add, "in1")
    scene = GraphScene(graph)
    graph.set_params(add, {"inputs": 3})
    assert tuple(scene.nodes[add].inputs) == ("in1", "in2", "in3")
    wire = scene.wires[Edge(a, add, "in1")]
    assert wire.target is scene.nodes[add].inputs["in1"]
    graph.set_label(add, "join")
    assert scene.nodes[add].node.title == "join"
    scene.detach()


def test_check_results_paint_shapes_counts_and_badges(scene):
    graph = scene.graph
    scene.apply_check(check_graph(graph))
    item = scene.nodes["linear_1"]
    assert item.report.spec.shape == (64,)
    assert not item.has_error
    graph.disconnect(graph.in_edges("linear_1")[0])
    scene.apply_check(check_graph(graph))
    assert item.has_error
    assert "not connected" in item.toolTip()


def test_skip_connections_are_drawn_as_arcs_above_what_they_skip(qtbot):
    project = recipes.residual_mlp(blocks=1)
    graph = project.graph
    ExpandBlock("res_1").apply(graph)
    scene = GraphScene(graph)
    skips = find_skips(graph)
    assert len(skips) == 1
    (edge, bypassed), = skips.items()
    assert edge.dst == "res_1_add" and "res_1_fc1" in bypassed
    wire = scene.wires[edge]
    assert wire.is_skip
    tops = [scene.nodes[n].sceneBoundingRect().top() for n in bypassed]
    assert wire.path().boundingRect().top() < min(tops)
    plain = scene.wires[graph.in_edges("res_1_fc1")[0]]
    assert not plain.is_skip
    assert set(scene.frames) == {"res_1"}
    scene.detach()


def test_expanding_and_collapsing_in_the_model_updates_frames(qtbot):
    graph = recipes.residual_mlp(blocks=1).graph
    scene = GraphScene(graph)
    edit = ExpandBlock("res_1")
    edit.apply(graph)
    assert "res_1" in scene.frames and "res_1" not in scene.nodes
    frame = scene.frames["res_1"]
    for member in graph.members("res_1"):
        assert frame.sceneBoundingRect().contains(scene.nodes[member].sceneBoundingRect()
                                                  .adjusted(8, 16, -16, -16))
    edit.revert(graph)
    assert scene.frames == {} and "res_1" in scene.nodes
    scene.detach()


def test_set_graph_disconnects_the_old_graph(qtbot):
    old = recipes.mlp().graph
    scene = GraphScene(old)
    new = recipes.residual_mlp().graph
    scene.set_graph(new)
    old.add_node("ReLU", node_id="ghost")
    assert "ghost" not in scene.nodes
    assert set(scene.nodes) == set(new.node_ids())
    scene.detach()


def test_a_drawing_failure_never_breaks_the_graph_and_heals(qtbot, monkeypatch):
    from explorer.app.canvas.node_item import NodeItem

    graph = recipes.mlp(depth=1).graph
    scene = GraphScene(graph)
    reported = []
    monkeypatch.setattr("sys.excepthook", lambda kind, error, tb: reported.append(error))
    original = NodeItem.set_node

    def broken(self, node):
        raise RuntimeError("cannot draw this")

    monkeypatch.setattr(NodeItem, "set_node", broken)
    graph.set_label("relu_1", "activation")  # the graph's change itself goes through
    assert graph.node("relu_1").label == "activation"
    assert [str(e) for e in reported] == ["cannot draw this"]
    monkeypatch.setattr(NodeItem, "set_node", original)
    qtbot.waitUntil(lambda: scene.nodes["relu_1"].node.label == "activation", timeout=2000)
    assert set(scene.nodes) == set(graph.node_ids())
    scene.detach()


def test_after_an_edit_the_canvas_shows_the_new_shapes_and_leaves_the_rest_alone(window):
    from PySide6.QtWidgets import QApplication

    from explorer.graph import AddNode, Connect, SetParams

    doc = window.document
    doc.replace(recipes.mlp(depth=2))
    QApplication.processEvents()
    scene = window.scene
    before = {node_id: item.report for node_id, item in scene.nodes.items()}
    doc.push(SetParams("linear_2", {"out_features": 48}))
    QApplication.processEvents()
    changed = {n for n, item in scene.nodes.items() if item.report is not before[n]}
    assert "linear_2" in changed and "linear_1" not in changed  # upstream kept its report
    assert all(scene.nodes[n].report == doc.result.reports[n] for n in scene.nodes)
    wire = scene.wires[doc.graph.out_edges("linear_2")[0]]
    assert wire.shape_text == str(doc.result.spec("linear_2")) and "48" in wire.shape_text
    doc.push(AddNode("Dropout", node_id="drop"))
    doc.push(Connect(Edge("linear_1", "drop", "in")))  # from a node the check leaves alone
    QApplication.processEvents()
    new = scene.wires[Edge("linear_1", "drop", "in")]
    assert new.shape_text == str(doc.result.spec("linear_1")) != ""
