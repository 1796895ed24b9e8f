"""Node ids, run names and folder names reach Qt's HTML-reading widgets as text, not markup."""

import json
from types import SimpleNamespace

from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from explorer.app.plain_text import escaped, tooltip

MARKUP = "<b>bold</b> & <img src='x'>"


def test_the_helpers_escape_and_force_html():
    assert escaped(MARKUP) == "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src='x'&gt;"
    tip = tooltip("a\nb & c")
    assert QtGui.Qt.mightBeRichText(tip) and "a\nb &amp; c" in tip and tooltip("") == ""


def test_notices_show_a_message_quoting_markup_as_text(qtbot):
    from explorer.app.notices import NoticeBar

    parent = QWidget()
    qtbot.addWidget(parent)
    bar = NoticeBar(parent)
    bar.show_message(f"Fix the errors before exporting: {MARKUP}: not connected", error=True)
    assert bar.label.textFormat() == Qt.TextFormat.PlainText
    assert MARKUP in bar.label.text()


def test_the_gradient_readout_escapes_node_ids(qtbot):
    from explorer.app.runs.buffers import NODE_STATS, RunBuffers
    from explorer.app.runs.gradient_panel import GradientFlowPanel

    panel = GradientFlowPanel()
    qtbot.addWidget(panel)
    buffers = RunBuffers()
    for step in range(1, 21):
        stats = SimpleNamespace(**{name: (0.5 if name == "grad_norm" else None)
                                   for name in NODE_STATS})
        buffers.add(SimpleNamespace(step=step, train_loss=1.0, val_loss=None,
                                    train_accuracy=None, val_accuracy=None, lr=0.1,
                                    grad_norm=1.0, nodes={MARKUP: stats}))
    panel.show_buffers(buffers)
    text = panel.describe_at(0)
    assert escaped(MARKUP) in text and "<img" not in text


def test_the_lesion_readout_escapes_node_ids(qtbot):
    from explorer.app.classroom.lesion_panel import LesionPanel

    panel = LesionPanel()
    qtbot.addWidget(panel)
    from explorer.train.lesions import Lesion, LesionStudy

    study = LesionStudy(0.9, 0.3, 0.5, (Lesion((MARKUP,), 0.5, 0.7),))
    panel.show_study(study)
    text = panel.describe_row(0)
    assert escaped(MARKUP) in text and "<img" not in text


def test_the_run_list_tooltips_show_the_runs_name_as_written(qtbot, tmp_path):
    from explorer.app.training.run_history import RunHistory

    run = tmp_path / "20260101-100000-x"
    run.mkdir()
    (run / "project.archx.json").write_text("{}")
    (run / "config.json").write_text(json.dumps({"name": MARKUP}))
    (run / "status.json").write_text(json.dumps({"status": "failed", "reason": MARKUP}))
    history = RunHistory(tmp_path)
    qtbot.addWidget(history)
    history.reload()
    item = history.tree.topLevelItem(0)
    for column in (0, 1):
        assert escaped(MARKUP) in item.toolTip(column) and "<img" not in item.toolTip(column)


def test_the_replace_question_shows_the_folder_as_written(qtbot):
    from explorer.app.export_actions import replace_question

    box = replace_question(None, f"/tmp/{MARKUP}", ["model.py"])
    assert box.textFormat() == Qt.TextFormat.PlainText and MARKUP in box.text()


def test_canvas_tooltips_show_ids_and_labels_as_written(qtbot):
    from explorer.app.canvas.scene import GraphScene
    from explorer.graph import ArchitectureGraph, ExpandBlock

    graph = ArchitectureGraph()
    source = graph.add_node("VectorInput", {"features": 4}, node_id=MARKUP)
    block = graph.add_node("ResidualMLP", node_id="res", label=MARKUP)
    graph.connect(source, block)
    ExpandBlock(block).apply(graph)
    scene = GraphScene(graph)
    try:
        ports = scene.nodes[MARKUP].ports()
        tips = {"wire": next(iter(scene.wires.values())).toolTip(),
                "port": ports[0].tooltip_text(), "frame": scene.frames["res"].toolTip()}
        for where, tip in tips.items():
            assert escaped(MARKUP) in tip and "<img" not in tip, where
    finally:
        scene.detach()


def test_the_code_banner_shows_an_error_naming_a_markup_id_as_written(window, qtbot):
    from explorer.graph import recipes

    project = recipes.mlp(depth=1)
    project.graph.add_node("Linear", {"out_features": 3}, node_id=MARKUP)  # no input: an error
    window.document.replace(project)
    window.code_dock.raise_()
    preview = window.code_preview
    qtbot.waitUntil(lambda: not preview.banner.isHidden(), timeout=3000)
    assert preview.banner.textFormat() == Qt.TextFormat.PlainText
    assert "<img" not in preview.banner.toolTip()
