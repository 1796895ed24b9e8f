"""Problems are listed with their hints; clicking one finds its node; the status bar counts."""

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from explorer.graph import recipes


def broken_project():
    project = recipes.mlp(depth=1)
    graph = project.graph
    graph.disconnect(graph.in_edges("relu_1")[0])
    return project


def test_errors_are_listed_with_hints_and_warnings_apart(window):
    window.document.replace(broken_project())
    shown = window.issues.issues_shown()
    nodes = [node for node, _ in shown]
    assert "relu_1" in nodes
    text = dict(shown)["relu_1"]
    assert "not connected" in text and "Drag a wire" in text
    assert "linear_1" in nodes  # its output now leads nowhere: a warning
    first_warning = next(i for i, (n, _) in enumerate(shown) if n == "linear_1")
    assert first_warning > nodes.index("relu_1")  # errors come first
    assert "1 error" in window.issues.summary.text()
    assert "warning" in window.issues.summary.text()


def test_clicking_a_problem_selects_and_centres_its_node(window):
    window.document.replace(broken_project())
    window.view.set_zoom(2.0)
    window.view.centerOn(-3000, -3000)
    row = next(i for i, (n, _) in enumerate(window.issues.issues_shown()) if n == "relu_1")
    item = window.issues.list.item(row)
    rect = window.issues.list.visualItemRect(item)
    QTest.mouseClick(window.issues.list.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center())
    assert window.scene.selected_node_ids() == ["relu_1"]
    centre = window.view.mapToScene(window.view.viewport().rect().center())
    assert window.scene.nodes["relu_1"].sceneBoundingRect().adjusted(-20, -20, 20, 20) \
        .contains(centre)
    assert window.inspector.node_id == "relu_1"


def test_error_badge_and_status_bar_follow_the_check(window):
    window.document.replace(recipes.mlp(depth=1))
    assert "no errors" in window.summary.text()
    assert "Parameters:" in window.summary.text()
    graph = window.document.graph
    graph.disconnect(graph.in_edges("relu_1")[0])
    window.document.check_now()
    assert window.scene.nodes["relu_1"].has_error
    assert "1 error" in window.summary.text()
    assert window.issues_dock.windowTitle().startswith("Problems (")


def test_graph_wide_problems_are_listed_without_a_node(window):
    from explorer.graph import Project

    window.document.replace(Project())
    shown = window.issues.issues_shown()
    assert shown and all(node is None for node, _ in shown)
    assert any("no input" in text for _, text in shown)
