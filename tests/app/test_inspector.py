"""The inspector edits parameters through undoable edits and shows what the checker knows."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel

from explorer.app.param_editors import (
    AutoEditor,
    BoolEditor,
    ChoiceEditor,
    FloatEditor,
    IntEditor,
    make_editor,
    parse_number,
)
from explorer.graph import AUTO, Param, get_kind, recipes


def inspect(window, project, node_id):
    window.document.replace(project)
    window.scene.select_nodes([node_id])
    assert window.inspector.node_id == node_id
    return window.inspector


def test_editors_match_parameter_types(qtbot):
    kind = get_kind("ResidualMLP")
    assert isinstance(make_editor(kind.param("out_features")), IntEditor)
    assert isinstance(make_editor(kind.param("activation")), ChoiceEditor)
    assert isinstance(make_editor(kind.param("zero_init")), BoolEditor)
    assert isinstance(make_editor(get_kind("Highway").param("gate_bias")), AutoEditor)
    narrow = make_editor(get_kind("Dropout").param("p"))
    assert isinstance(narrow, FloatEditor) and narrow.spin is not None
    tiny = make_editor(get_kind("LayerNorm").param("eps"))
    assert isinstance(tiny, FloatEditor) and tiny.line is not None


def test_special_minimum_reads_as_words(qtbot):
    editor = make_editor(get_kind("ResidualMLP").param("out_features"))
    qtbot.addWidget(editor)
    editor.set_value(0)
    assert editor.spin.text() == "same as input"
    assert "same as input" in editor.toolTip()


def test_parse_number_accepts_what_people_type():
    assert parse_number(" 1e-5 ") == 1e-5
    assert parse_number("0,5") == 0.5
    assert parse_number("−2") == -2.0
    assert parse_number("abc") == "abc"


def test_editing_a_value_is_one_merged_undo_step(window):
    inspector = inspect(window, recipes.mlp(depth=1), "linear_1")
    spin = inspector.editors["out_features"].spin
    spin.setFocus()
    for _ in range(3):
        QTest.keyClick(spin, Qt.Key.Key_Up)
    graph = window.document.graph
    assert graph.node("linear_1").params["out_features"] == 67
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert graph.node("linear_1").params["out_features"] == 64
    assert spin.value() == 64  # the editor shows the model after undo


def test_invalid_text_is_refused_with_the_reason(window):
    window.document.replace(recipes.transformer_classifier())
    window.scene.select_nodes(["ln_1"])
    inspector = window.inspector
    line = inspector.editors["eps"].line
    line.setText("lots")
    line.editingFinished.emit()
    graph = window.document.graph
    assert graph.node("ln_1").params["eps"] == pytest.approx(1e-5)
    assert "expects a number" in inspector.error_label.text()
    line.setText("2")
    line.editingFinished.emit()
    assert "maximum" in inspector.error_label.text()
    line.setText("1e-3")
    line.editingFinished.emit()
    assert graph.node("ln_1").params["eps"] == pytest.approx(1e-3)
    assert inspector.error_label.text() == ""


def test_a_change_the_graph_refuses_restores_the_editor(window):
    project = recipes.densenet(blocks=1)
    window.document.replace(project)
    graph = window.document.graph
    add = graph.add_node("Concat", {"inputs": 3}, position=(0, 400))
    for port in ("in1", "in2", "in3"):
        graph.connect("conv_1", add, port)
    window.scene.select_nodes([add])
    editor = window.inspector.editors["inputs"]
    editor.spin.setValue(2)
    assert graph.node(add).params["inputs"] == 3
    assert editor.spin.value() == 3
    assert "still wired" in window.inspector.error_label.text()


def test_auto_parameters_show_the_value_the_graph_chose(window):
    inspector = inspect(window, recipes.highway_mlp(blocks=10), "highway_1")
    editor = inspector.editors["gate_bias"]
    assert editor.auto.isChecked() and not editor.inner.isEnabled()
    resolved = window.document.result.reports["highway_1"].resolved["gate_bias"]
    assert editor.inner.value() == pytest.approx(resolved)
    assert "gate_bias" in inspector._info["auto"].text()
    editor.auto.setChecked(False)
    graph = window.document.graph
    assert graph.node("highway_1").params["gate_bias"] == pytest.approx(resolved)
    editor.auto.setChecked(True)
    assert graph.node("highway_1").params["gate_bias"] == AUTO


def test_shapes_count_issues_and_formula_are_shown(window):
    inspector = inspect(window, recipes.mlp(depth=1), "linear_1")
    shapes = inspector._info["shapes"].text()
    assert "64" in shapes and "from input_1" in shapes and "Parameters" in shapes
    assert not inspector._info["issues"].isVisibleTo(inspector)
    window.document.graph.disconnect(window.document.graph.in_edges("linear_1")[0])
    window.document.check_now()
    assert "not connected" in inspector._info["issues"].text()
    assert inspector._info["issues"].isVisibleTo(inspector)


def test_label_editing_is_undoable(window):
    inspector = inspect(window, recipes.mlp(depth=1), "linear_1")
    inspector.label_edit.setText("hidden layer")
    inspector.label_edit.editingFinished.emit()
    assert window.document.graph.node("linear_1").label == "hidden layer"
    assert window.scene.nodes["linear_1"].node.title == "hidden layer"
    window.document.undo_stack.undo()
    assert window.document.graph.node("linear_1").label == ""


def test_tooltips_come_from_param_describe(qtbot):
    param = Param("width", int, 4, "How wide", min=1, max=9)
    editor = make_editor(param)
    assert editor.toolTip() == param.describe()


def test_inspector_forgets_a_deleted_node(window):
    inspect(window, recipes.mlp(depth=1), "relu_1")
    window.editor.delete_selection()
    assert window.inspector.node_id is None


def test_a_label_that_is_too_long_is_refused_with_the_reason(window):
    inspector = inspect(window, recipes.mlp(depth=1), "linear_1")
    inspector.label_edit.setText("x" * 500)
    inspector.label_edit.editingFinished.emit()
    assert window.document.graph.node("linear_1").label == ""
    assert "limit" in inspector.error_label.text()


def test_several_selected_nodes_are_summed_up(window):
    window.document.replace(recipes.mlp(depth=1))
    window.scene.select_nodes(["linear_1", "linear_2"])
    assert window.inspector.node_id is None
    content = window.inspector.widget()
    text = " ".join(label.text() for label in content.findChildren(QLabel))
    assert "2 nodes selected" in text and "322 parameters" in text


def test_an_auto_value_chosen_only_at_run_time_shows_no_made_up_number(qtbot):
    """Linear's bias start on auto is PyTorch's random start: the greyed field stays blank
    (it once read "-100", the bottom of the range), and unticking auto starts from 0."""
    editor = make_editor(get_kind("Linear").param("bias_init"))
    qtbot.addWidget(editor)
    editor.set_value(AUTO, None)
    assert editor.inner.line.text() == ""
    assert not editor.inner.isEnabled()
    with qtbot.waitSignal(editor.committed) as committed:
        editor.auto.setChecked(False)
    assert committed.args == [0.0]
    assert editor.inner.line.text() == "0"
