"""Stages on the canvas: a collapsed stage is one box wired in place of its nodes; a
double-click opens it into a frame and closes it again; every step undoes."""

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog

from explorer.app.canvas.scene import GraphScene
from explorer.app.canvas.stage_item import StageBox
from explorer.graph import ExpandBlock, recipes
from explorer.graph.stages import MakeStage, SetStageCollapsed, get_stage
from explorer.graph.zoo import resnet50


def show(win, project):
    win.document.replace(project)
    QApplication.processEvents()
    win.view.set_zoom(1.0)
    return win.document.graph


def centre_on(view, item):
    rect = item.sceneBoundingRect()
    view.centerOn(rect.center())
    return view.mapFromScene(QPointF(rect.center().x(), rect.top() + 30))


def test_a_collapsed_stage_is_one_box_wired_in_place_of_its_hidden_nodes(qtbot):
    scene = GraphScene(resnet50().graph)
    try:
        graph = scene.graph
        assert set(scene.stage_layer.boxes) == {"layer1", "layer2", "layer3", "layer4"}
        members = get_stage(graph, "layer3").members
        assert all(not scene.nodes[m].isVisible() for m in members)
        assert scene.nodes["layer2_0"].isVisible() is False  # every stage is folded
        assert scene.nodes["maxpool"].isVisible() and scene.nodes["avgpool"].isVisible()
        box = scene.stage_layer.boxes["layer3"]
        into = graph.in_edges("layer3_0")[0]  # from layer2_3: box to box
        assert scene.wires[into].source is scene.stage_layer.boxes["layer2"].output
        assert scene.wires[into].target is box.input and scene.wires[into].isVisible()
        inner = graph.in_edges("layer3_1")[0]
        assert not scene.wires[inner].isVisible()  # a wire between hidden nodes is hidden
        out = graph.out_edges("layer4_2")[0]
        assert scene.wires[out].source is scene.stage_layer.boxes["layer4"].output
        assert scene.wires[out].target is scene.nodes["avgpool"].inputs["in"]
        assert scene.port_at(box.input.anchor()) is None  # its ports start no wires
        before = box.pos()
        for i in range(6):  # moving its hidden nodes moves the box, and its wires follow
            x, y = graph.node(f"layer3_{i}").position
            graph.move(f"layer3_{i}", x + 300, y + 200)
        assert box.pos() == before + QPointF(300, 200)
        assert scene.wires[into].path().pointAtPercent(1.0) == box.input.anchor()
    finally:
        scene.detach()


def test_a_box_shows_its_name_node_count_parameters_and_shapes(window):
    graph = show(window, resnet50())
    window.document.check_now()
    QApplication.processEvents()
    box = window.scene.stage_layer.boxes["layer3"]
    params = sum(window.document.result.reports[m].params
                 for m in get_stage(graph, "layer3").members)
    assert params == 7_098_368  # torchvision's layer3 of ResNet-50
    assert box.lines[0] == "6 nodes · 7.1M params"
    assert box.lines[1] == "in  512×28×28" and box.lines[2] == "out 1024×14×14"


def test_double_click_opens_a_stage_and_its_frame_closes_it_with_undo(window):
    graph = show(window, resnet50())
    view, scene = window.view, window.scene
    modified = window.document.is_modified
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier,
                      centre_on(view, scene.stage_layer.boxes["layer3"]))
    assert not get_stage(graph, "layer3").collapsed
    assert "layer3" not in scene.stage_layer.boxes and "layer3" in scene.stage_layer.frames
    assert all(scene.nodes[m].isVisible() for m in get_stage(graph, "layer3").members)
    into = graph.in_edges("layer3_0")[0]
    assert scene.wires[into].target is scene.nodes["layer3_0"].inputs["in"]  # wires reconnect
    assert window.document.is_modified and not modified  # the file stores it
    frame = scene.stage_layer.frames["layer3"].sceneBoundingRect()
    view.centerOn(frame.center())
    inside = view.mapFromScene(QPointF(frame.left() + 6, frame.bottom() - 6))
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, inside)
    assert get_stage(graph, "layer3").collapsed and "layer3" in scene.stage_layer.boxes
    window.document.undo_stack.undo()
    assert not get_stage(graph, "layer3").collapsed
    window.document.undo_stack.undo()
    assert get_stage(graph, "layer3").collapsed
    assert not scene.nodes["layer3_2"].isVisible()
    assert scene.wires[into].target is scene.stage_layer.boxes["layer3"].input


def test_group_as_stage_asks_a_name_and_ungroup_and_undo_restore(window, monkeypatch):
    graph = show(window, recipes.mlp(depth=2))
    chosen = ["linear_1", "relu_1"]
    window.scene.select_nodes(chosen)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("body", True))
    window.actions_.group_stage.trigger()
    assert get_stage(graph, "body").members == tuple(chosen)
    assert "body" in window.scene.stage_layer.frames  # made open, in a frame
    window.view.stages.set_collapsed("body", True)
    box = window.scene.stage_layer.boxes["body"]
    assert isinstance(box, StageBox) and not window.scene.nodes["relu_1"].isVisible()
    box.setSelected(True)
    window.actions_.ungroup_stage.trigger()
    assert graph.stage_names() == {} and window.scene.nodes["relu_1"].isVisible()
    assert not window.scene.stage_layer.boxes
    window.document.undo_stack.undo()
    assert "body" in window.scene.stage_layer.boxes
    assert not window.scene.nodes["linear_1"].isVisible()


def test_deleting_a_hidden_nodes_neighbour_and_undo_keep_the_box_wired(window):
    graph = show(window, recipes.mlp(depth=2))
    window.document.push(MakeStage("body", ["linear_1", "relu_1"], collapsed=True))
    box = window.scene.stage_layer.boxes["body"]
    feeder = graph.in_edges("linear_1")[0]
    window.scene.select_nodes([feeder.src])
    window.editor.delete_selection()
    assert feeder not in window.scene.wires
    window.document.undo_stack.undo()
    assert window.scene.wires[feeder].target is box.input
    assert not window.scene.nodes["linear_1"].isVisible()


def test_a_refused_name_becomes_a_notice_and_changes_nothing(window, monkeypatch):
    graph = show(window, recipes.mlp(depth=2))
    notices = []
    window.document.notice.connect(notices.append)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("  ", True))
    window.scene.select_nodes(["linear_1", "relu_1"])
    window.actions_.group_stage.trigger()
    assert graph.stage_names() == {} and "needs a name" in notices[-1]


def test_a_block_expanded_inside_a_stage_hides_with_it(qtbot):
    graph = recipes.residual_mlp(blocks=2).graph
    MakeStage("blocks", ["res_1", "res_2"]).apply(graph)
    scene = GraphScene(graph)
    try:
        ExpandBlock("res_1").apply(graph)
        inside = graph.members("res_1")
        assert all(graph.stage_of(n) == "blocks" for n in inside)
        assert scene.frames["res_1"].isVisible()
        SetStageCollapsed("blocks", True).apply(graph)
        assert not scene.frames["res_1"].isVisible()
        assert not any(scene.nodes[n].isVisible() for n in inside)
        SetStageCollapsed("blocks", False).apply(graph)
        assert scene.frames["res_1"].isVisible() and scene.nodes[inside[0]].isVisible()
    finally:
        scene.detach()
