"""More of the canvas: keyboard quick add, Space-drag, menus, the overview, shortcuts."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from explorer.graph import recipes

from .gestures import drag


def show(win, project):
    win.document.replace(project)
    QApplication.processEvents()
    win.view.set_zoom(1.0)
    win.view.centerOn(win.scene.content_rect().center())
    return win.document.graph


def test_tab_opens_quick_add_at_the_cursor(window):
    graph = show(window, recipes.mlp(depth=1))
    view = window.view
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Tab)
    assert view.quick_add.isVisible()
    view.quick_add.search.setText("gelu")
    assert view.quick_add.accept_current()
    assert any(n.kind == "GELU" for n in graph.nodes())


def test_space_and_drag_pans_instead_of_selecting(window):
    show(window, recipes.mlp(depth=1))
    view = window.view
    view.setFocus()
    before = view.mapToScene(view.viewport().rect().center())
    QTest.keyPress(view, Qt.Key.Key_Space)
    drag(view, QPoint(400, 300), QPoint(300, 300))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    after = view.mapToScene(view.viewport().rect().center())
    assert after.x() > before.x() + 50
    assert window.scene.selected_node_ids() == []
    assert window.document.undo_stack.count() == 0


def test_node_menu_offers_expand_rename_duplicate_and_delete(window, monkeypatch):
    graph = show(window, recipes.residual_mlp(blocks=1))
    menu = QMenu()
    window.view._node_menu(menu, window.scene.nodes["res_1"])
    actions = {a.text(): a for a in menu.actions() if a.text()}
    assert {"Expand block", "Rename…", "Duplicate", "Copy", "Disconnect inputs",
            "Delete"} <= set(actions)
    actions["Expand block"].trigger()
    assert "res_1" in graph.groups()
    member = graph.members("res_1")[0]
    member_menu = QMenu()
    window.view._node_menu(member_menu, window.scene.nodes[member])
    collapse = next(a for a in member_menu.actions() if a.text().startswith("Collapse"))
    collapse.trigger()
    assert "res_1" in graph and not graph.groups()
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("first block", True))
    window.view._rename("res_1")
    assert graph.node("res_1").label == "first block"


def test_canvas_menu_pastes_where_it_was_opened(window):
    graph = show(window, recipes.mlp(depth=1))
    window.scene.select_nodes(["relu_1"])
    window.editor.copy()
    menu = QMenu()
    spot = QPoint(200, 500)
    window.view._canvas_menu(menu, spot)
    next(a for a in menu.actions() if a.text() == "Paste here").trigger()
    new = window.scene.selected_node_ids()[0]
    at = window.view.mapToScene(spot)
    assert graph.node(new).position == (at.x(), at.y())


def test_disconnect_inputs_is_one_step(window):
    graph = show(window, recipes.mlp(depth=1))
    assert window.editor.disconnect_inputs("relu_1")
    assert graph.in_edges("relu_1") == []
    window.document.undo_stack.undo()
    assert len(graph.in_edges("relu_1")) == 1


def test_overview_shows_for_big_graphs_and_steers_the_view(window, qtbot):
    show(window, recipes.resnet_cifar(n=3))
    minimap = window.view.minimap
    qtbot.waitUntil(minimap.isVisible, timeout=2000)
    before = window.view.mapToScene(window.view.viewport().rect().center())
    QTest.mouseClick(minimap, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(minimap.width() - 10, minimap.height() // 2))
    after = window.view.mapToScene(window.view.viewport().rect().center())
    assert after.x() > before.x()
    window.actions_.overview.trigger()  # the View menu hides it again
    qtbot.waitUntil(lambda: not minimap.isVisible(), timeout=2000)


def test_small_graphs_hide_the_overview(window, qtbot):
    show(window, recipes.mlp(depth=1))
    qtbot.wait(100)
    assert not window.view.minimap.isVisible()


def test_standard_shortcuts_are_bound(window):
    actions = window.actions_

    def keys(action):
        return {s.toString() for s in action.shortcuts()}

    assert QKeySequence("Ctrl+Z").toString() in keys(actions.undo)
    assert {"Ctrl+Shift+Z", "Ctrl+Y"} & keys(actions.redo)
    assert "Del" in keys(actions.delete)
    assert "Ctrl+D" in keys(actions.duplicate)
    assert "F" in keys(actions.fit)
    assert "Ctrl+S" in keys(actions.save) and "Ctrl+O" in keys(actions.open)
    assert "Ctrl+N" in keys(actions.new)
    assert "Ctrl+K" in keys(actions.quick_add)
    assert "Ctrl+=" in keys(actions.zoom_in)
    assert "Ctrl+Alt+=" in keys(actions.ui_bigger)
    exports = [actions.export_python, actions.export_training, actions.export_onnx]
    assert all(a.isEnabled() and a.toolTip() for a in exports)


def test_keyboard_undo_and_redo(window):
    graph = show(window, recipes.mlp(depth=1))
    window.scene.select_nodes(["relu_1"])
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Delete)
    assert "relu_1" not in graph
    QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "relu_1" in graph
    QTest.keyClick(window.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert "relu_1" not in graph


def test_settings_bring_back_theme_and_text_size(qtbot, tmp_path, settings):
    from explorer.app.main_window import MainWindow

    first = MainWindow(settings=settings, autosave_dir=tmp_path / "a")
    qtbot.addWidget(first)
    first.look.set_theme("dark")
    first.look.set_ui_zoom(1.3)
    first.close()
    second = MainWindow(settings=settings, autosave_dir=tmp_path / "b")
    qtbot.addWidget(second)
    assert second.look.ui_zoom == 1.3
    assert second.actions_.dark.isChecked()


def test_moving_a_node_keeps_its_wires_attached_while_dragging(window):
    show(window, recipes.mlp(depth=1))
    view, scene = window.view, window.scene
    item = scene.nodes["relu_1"]
    wire = scene.wires[window.document.graph.in_edges("relu_1")[0]]
    start = view.mapFromScene(item.mapToScene(item.body_rect().center()))
    viewport = view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, start + QPoint(20, 60))
    QTest.mouseMove(viewport, start + QPoint(40, 120))
    assert wire.path().pointAtPercent(1.0) == item.inputs["in"].anchor()
    assert scene.moved_positions()  # not in the model until the drop
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       start + QPoint(40, 120))
    assert scene.moved_positions() == {}
    assert QPointF(*window.document.graph.node("relu_1").position) == item.pos()


def test_escape_cancels_a_wire_being_drawn(window):
    graph = show(window, recipes.mlp(depth=1))
    view = window.view
    edges = set(graph.edges())
    start = view.mapFromScene(window.scene.nodes["linear_1"].output.anchor())
    viewport = view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, start + QPoint(60, 80))
    assert view._wire is not None
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert view._wire is None
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       start + QPoint(60, 80))
    assert set(graph.edges()) == edges
    assert not view.quick_add.isVisible()


def test_a_block_edited_inside_refuses_to_collapse_and_says_why(window):
    graph = show(window, recipes.residual_mlp(blocks=1))
    assert window.editor.expand("res_1")
    from explorer.graph import SetParams

    window.document.push(SetParams("res_1_fc1", {"out_features": 17}))
    assert not window.editor.collapse("res_1")
    assert "res_1" in graph.groups()
    assert "edited" in window.view.notice.text
