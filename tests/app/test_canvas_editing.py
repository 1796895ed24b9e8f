"""View -> model: what the user does on the canvas becomes edits on the graph."""

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from explorer.app.canvas.port_item import DropState
from explorer.graph import Edge, recipes
from explorer.graph.project import dumps

from .gestures import drag, drop_kind, drop_mime, node_point, port_point, wire


def show(win, project):
    win.document.replace(project)
    QApplication.processEvents()  # the window fits a newly opened network once
    win.view.set_zoom(1.0)
    win.view.centerOn(win.scene.content_rect().center())
    return win.document.graph


def test_unknown_drops_are_ignored(window):
    graph = window.document.graph
    before = dumps(window.document.project)
    text = QMimeData()
    text.setText("hello")
    assert not drop_mime(window.view, text, QPoint(200, 200))
    assert not drop_kind(window.view, "NoSuchLayer", QPoint(200, 200))
    assert dumps(window.document.project) == before
    assert window.document.undo_stack.count() == 0
    assert "NoSuchLayer" in window.view.notice.text
    assert len(graph) == 8


def test_a_wire_that_would_make_a_loop_is_refused_visibly(window):
    graph = show(window, recipes.mlp(depth=1))
    view = window.view
    start, end = port_point(view, "relu_1"), port_point(view, "linear_1", "in")
    viewport = view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, (start + end) / 2)
    QTest.mouseMove(viewport, end)
    target = window.scene.nodes["linear_1"].inputs["in"]
    assert target.drop_state == DropState.REFUSES
    assert "loop" in view._wire.label.text
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert target.drop_state == DropState.NONE
    assert Edge("relu_1", "linear_1", "in") not in graph.edges()
    assert "loop" in view.notice.text
    assert window.document.undo_stack.count() == 0


def test_a_compatible_target_lights_up_while_hovering(window):
    show(window, recipes.mlp(depth=1))
    graph = window.document.graph
    loose = graph.add_node("ReLU", position=(300, 200))
    QApplication.processEvents()
    view = window.view
    start, end = port_point(view, "linear_1"), port_point(view, loose, "in")
    viewport = view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, end)
    assert window.scene.nodes[loose].inputs["in"].drop_state == DropState.ACCEPTS
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert Edge("linear_1", loose, "in") in graph.edges()


def test_dropping_on_an_occupied_input_replaces_its_wire_in_one_step(window):
    graph = show(window, recipes.mlp(depth=1))
    wire(window.view, "input_1", "relu_1")
    assert graph.edge_into("relu_1", "in") == Edge("input_1", "relu_1", "in")
    window.document.undo_stack.undo()
    assert graph.edge_into("relu_1", "in") == Edge("linear_1", "relu_1", "in")


def test_dragging_a_wired_input_moves_or_removes_the_wire(window):
    graph = show(window, recipes.mlp(depth=1))
    view = window.view
    loose = graph.add_node("Tanh", position=(250, 160))
    QApplication.processEvents()
    drag(view, port_point(view, "relu_1", "in"), port_point(view, loose, "in"))
    assert graph.edge_into(loose, "in") == Edge("linear_1", loose, "in")
    assert graph.edge_into("relu_1", "in") is None
    empty = view.mapFromScene(QPointF(250, 600))
    drag(view, port_point(view, loose, "in"), empty)
    assert graph.edge_into(loose, "in") is None
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert graph.edge_into("relu_1", "in") == Edge("linear_1", "relu_1", "in")


def test_moving_nodes_is_one_undoable_move(window):
    graph = show(window, recipes.mlp(depth=1))
    view = window.view
    before = graph.node("relu_1").position
    start = node_point(view, "relu_1")
    drag(view, start, start + QPoint(0, 120))
    after = graph.node("relu_1").position
    assert after[1] > before[1] + 60 and after[0] == before[0]
    assert window.document.undo_stack.count() == 1
    assert window.document.undo_stack.text(0).startswith("Move")
    window.document.undo_stack.undo()
    assert graph.node("relu_1").position == before
    assert window.scene.nodes["relu_1"].pos().toTuple() == before


def test_rubber_band_selects_and_delete_removes_with_undo(window):
    graph = show(window, recipes.mlp(depth=1))
    view = window.view
    first, last = node_point(view, "linear_1"), node_point(view, "relu_1")
    corner = QPoint(first.x() - 100, first.y() - 80)  # in the gap left of linear_1
    drag(view, corner, QPoint(last.x() + 10, last.y() + 80))
    assert set(window.scene.selected_node_ids()) == {"linear_1", "relu_1"}
    before = dumps(window.document.project)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert "linear_1" not in graph and "relu_1" not in graph
    window.document.undo_stack.undo()
    assert dumps(window.document.project) == before


def test_deleting_a_selected_wire(window):
    graph = show(window, recipes.mlp(depth=1))
    edge = graph.in_edges("relu_1")[0]
    window.scene.clearSelection()
    window.scene.wires[edge].setSelected(True)
    assert window.editor.delete_selection()
    assert edge not in graph.edges() and "relu_1" in graph


def test_copy_paste_and_duplicate_make_fresh_nodes_with_their_wires(window):
    graph = show(window, recipes.mlp(depth=1))
    window.scene.select_nodes(["linear_1", "relu_1"])
    assert window.editor.copy()
    text = QApplication.clipboard().text()
    assert '"architecture-explorer"' in text and "linear_1" in text
    assert window.editor.paste()
    assert len(graph) == 7
    pasted = window.scene.selected_node_ids()
    assert len(pasted) == 2 and not {"linear_1", "relu_1"} & set(pasted)
    assert any(e.src in pasted and e.dst in pasted for e in graph.edges())
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(graph) == 9
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert len(graph) == 5


def test_pasting_something_that_is_not_nodes_changes_nothing(window):
    graph = show(window, recipes.mlp(depth=1))
    QApplication.clipboard().setText('{"format": "something else"}')
    assert not window.editor.paste()
    assert len(graph) == 5
    assert "Nothing pasted" in window.view.notice.text


def test_zoom_with_wheel_and_keys_and_fit(window):
    view = window.view
    view.set_zoom(1.0)
    wheel = QWheelEvent(QPointF(200, 200), view.viewport().mapToGlobal(QPointF(200, 200)),
                        QPoint(), QPoint(0, 240), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.zoom > 1.2
    window.actions_.zoom_out.trigger()
    window.actions_.zoom_out.trigger()
    assert view.zoom < 1.0
    view.set_zoom(100)
    assert view.zoom == 4.0
    window.actions_.fit.trigger()
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert shown.contains(window.scene.content_rect())


def test_middle_drag_pans(window):
    view = window.view
    before = view.mapToScene(view.viewport().rect().center())
    drag(view, QPoint(300, 300), QPoint(200, 250), button=Qt.MouseButton.MiddleButton)
    after = view.mapToScene(view.viewport().rect().center())
    assert after.x() > before.x() and after.y() > before.y()
    assert window.document.undo_stack.count() == 0


def test_tidy_layout_is_one_undoable_step(window):
    graph = show(window, recipes.mlp(depth=1))
    original = {n.id: n.position for n in graph.nodes()}
    graph.move("relu_1", 900, 700)
    window.document.undo_stack.clear()
    assert window.editor.tidy()
    assert graph.node("relu_1").position == original["relu_1"]
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert graph.node("relu_1").position == (900, 700)


def test_double_click_expands_a_block_and_the_frame_collapses_it(window):
    graph = show(window, recipes.residual_mlp(blocks=1))
    view = window.view
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, node_point(view, "res_1"))
    assert "res_1" not in graph and "res_1" in graph.groups()
    assert "res_1" in window.scene.frames
    view.centerOn(window.scene.frames["res_1"].sceneBoundingRect().center())
    frame = window.scene.frames["res_1"].sceneBoundingRect()
    inside = view.mapFromScene(QPointF(frame.left() + 8, frame.bottom() - 8))
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, inside)
    assert "res_1" in graph and not graph.groups()


def test_quick_add_by_keyboard(window):
    graph = show(window, recipes.mlp(depth=1))
    view = window.view
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    popup = view.quick_add
    assert popup.isVisible()
    QTest.keyClicks(popup.search, "dropout")
    QTest.keyClick(popup.search, Qt.Key.Key_Return)
    assert any(n.kind == "Dropout" for n in graph.nodes())


def test_a_wire_dropped_on_nothing_offers_a_node_already_wired(window):
    graph = show(window, recipes.mlp(depth=1))
    view = window.view
    graph.disconnect(graph.in_edges("output_1")[0])
    start = port_point(view, "linear_2")
    drag(view, start, start + QPoint(120, 160))
    assert view.quick_add.isVisible()
    view.quick_add.search.setText("Classification output")
    assert view.quick_add.accept_current()
    new = [n for n in graph.node_ids() if n.startswith("output_") and n != "output_1"]
    assert new and graph.edge_into(new[0], "in") == Edge("linear_2", new[0], "in")
    window.document.undo_stack.undo()
    assert new[0] not in graph
