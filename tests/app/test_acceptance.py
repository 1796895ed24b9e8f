"""The editor's promise, end to end: build a residual network by hand, undo it all, redo it
all, save it, open it again, and get exactly the same network."""

from PySide6.QtWidgets import QApplication

from explorer.app import dialogs
from explorer.graph import Project
from explorer.graph.project import dumps

from .gestures import drop_kind, wire


def test_build_by_drag_and_drop_undo_redo_save_reopen(empty_window, qtbot, tmp_path,
                                                      monkeypatch):
    win = empty_window
    view, graph, stack = win.view, win.document.graph, win.document.undo_stack
    empty = dumps(Project(graph))
    QApplication.processEvents()  # let the window's fit-on-open run first
    view.set_zoom(1.0)
    view.centerOn(300, 0)

    # Palette drops: an input, a residual block, an output.
    assert drop_kind(view, "VectorInput", view.mapFromScene(100, 0))
    assert drop_kind(view, "ResidualMLP", view.mapFromScene(340, 0))
    assert drop_kind(view, "ClassificationOutput", view.mapFromScene(580, 0))
    assert {n.kind for n in graph.nodes()} == {"VectorInput", "ResidualMLP",
                                                "ClassificationOutput"}
    ids = {n.kind: n.id for n in graph.nodes()}

    # Port-to-port drags wire them.
    wire(view, ids["VectorInput"], ids["ResidualMLP"])
    wire(view, ids["ResidualMLP"], ids["ClassificationOutput"])
    assert len(graph.edges()) == 2
    assert win.document.result.ok, win.document.result.issues

    # The inspector edits a parameter of the selected block.
    win.scene.select_nodes([ids["ResidualMLP"]])
    assert win.inspector.node_id == ids["ResidualMLP"]
    win.inspector.editors["out_features"].spin.setValue(8)
    win.inspector.editors["out_features"].finished.emit()
    assert graph.node(ids["ResidualMLP"]).params["out_features"] == 8
    assert win.document.result.spec(ids["ResidualMLP"]).shape == (8,)
    built = dumps(win.document.project)

    # Undo everything, redo everything.
    steps = stack.count()
    assert steps == 6  # three drops, two wires, one parameter
    for _ in range(steps):
        stack.undo()
    assert dumps(Project(graph)) == empty
    for _ in range(steps):
        stack.redo()
    assert dumps(win.document.project) == built

    # Save, open again, compare.
    target = tmp_path / "residual"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(target))
    assert win.files.save()
    saved = tmp_path / "residual.archx.json"
    assert saved.exists() and not win.document.is_modified
    assert "residual" in win.windowTitle()
    win.files.new()
    assert len(win.document.graph) == 0
    assert win.files.open(saved)
    assert dumps(win.document.project) == built
    assert set(win.scene.nodes) == set(ids.values())
