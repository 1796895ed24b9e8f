"""Lesion mode on a tiny trained run, side-by-side lesion studies, and presentation mode."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMenu, QToolBar

from explorer.app.classroom.experiment import Experiment
from explorer.app.classroom.experiment_window import ExperimentWindow
from explorer.app.paths import runs_dir
from explorer.graph import TrainingSettings, recipes
from explorer.graph.experiments import Variant
from explorer.train.experiments import run_experiment

STUDY_TIMEOUT_MS = 120_000


@pytest.fixture
def trained_run(window):
    """A residual MLP of three blocks trained a few steps, kept in the editor's runs folder."""
    variant = Variant("tiny residual", recipes.residual_mlp(blocks=3, width=12))
    [result] = run_experiment([variant], TrainingSettings(steps=20, log_every=10),
                              out=runs_dir())
    window.document.replace(variant.project)
    return result


def test_a_lesion_study_of_a_run_picked_in_the_history_plots_one_bar_per_block(
        window, qtbot, trained_run):
    lesions = window.classroom.lesions
    history = window.training.history_host.ensure()
    history.reload()
    history.select(history.summaries()[0].path)
    assert lesions.study_current()
    qtbot.waitUntil(lambda: lesions.panel.study is not None, timeout=STUDY_TIMEOUT_MS)
    panel = lesions.panel
    assert panel.rows == ["res_1", "res_2", "res_3"]
    assert len(panel.bars.opts["x1"]) == 3
    assert panel.baseline.isVisible() and panel.chance.isVisible()
    assert panel.baseline.value() == pytest.approx(panel.study.baseline_accuracy)
    assert lesions.dock.isVisible()
    # hovering a bar selects its block on the canvas
    text = panel.describe_row(1.1)
    assert "res_2" in text and window.scene.selected_node_ids() == ["res_2"]
    panel.describe_row(None)


def test_switching_one_block_off_from_the_canvas_measures_just_that_block(
        window, qtbot, trained_run):
    lesions = window.classroom.lesions
    menu = QMenu()
    window.view._node_menu(menu, window.scene.nodes["res_3"])
    switch = next(a for a in menu.actions() if a.text() == "Switch Off (Lesion)")
    assert not switch.isEnabled()  # no finished run yet
    history = window.training.history_host.ensure()
    history.reload()
    history.select(history.summaries()[0].path)
    menu = QMenu()
    window.view._node_menu(menu, window.scene.nodes["res_3"])
    switch = next(a for a in menu.actions() if a.text() == "Switch Off (Lesion)")
    assert switch.isEnabled()
    switch.trigger()
    qtbot.waitUntil(lambda: lesions.panel is not None and lesions.panel.study is not None,
                    timeout=STUDY_TIMEOUT_MS)
    assert lesions.panel.rows == ["res_3"] and lesions.panel.highlighted == "res_3"
    assert "With res_3 switched off" in lesions.panel.readout.text()
    # a layer that cannot be switched off is refused with the reason
    assert lesions.switch_off("linear_1")
    qtbot.waitUntil(lambda: "cannot be switched off" in window.view.notice.text,
                    timeout=STUDY_TIMEOUT_MS)


def test_without_a_finished_run_the_lesion_study_says_what_to_do(window):
    assert not window.classroom.lesions.study_current()
    assert "train the network first" in window.view.notice.text


@pytest.mark.slow
def test_a_lesion_experiment_shows_the_studies_side_by_side(qtbot, tmp_path):
    variants = (Variant("residual", recipes.residual_mlp(blocks=2, width=8)),
                Variant("plain", recipes.mlp(depth=3, width=8)))
    experiment = Experiment("lesions", variants, TrainingSettings(steps=20, log_every=10),
                            "lesion")
    shown = ExperimentWindow(experiment, lambda: tmp_path / "runs")
    qtbot.addWidget(shown)
    shown.show()
    assert shown.run()
    panels = shown.analysis.panels
    qtbot.waitUntil(lambda: all(p.study is not None for p in panels), timeout=STUDY_TIMEOUT_MS)
    assert panels[0].rows == ["res_1", "res_2"]
    assert panels[1].rows == ["linear_2", "linear_3"]  # the layers that keep their shape
    assert panels[0].x() < panels[1].x()  # side by side


def layout_of(window):
    docks = {d.objectName(): (d.isVisible(), window.dockWidgetArea(d))
             for d in window.findChildren(QDockWidget)}
    bars = {b.objectName(): b.isVisible() for b in window.findChildren(QToolBar)}
    return docks, bars, window.menuBar().isVisible(), window.look.ui_zoom, window.isFullScreen()


def test_presentation_mode_hides_the_clutter_and_leaving_restores_the_layout(window, qtbot):
    training = window.training
    training.show_panels()
    before = layout_of(window)
    presentation = window.classroom.presentation
    presentation.action.trigger()
    assert presentation.active and window.isFullScreen()
    for dock in (window.palette_dock, window.inspector_dock, window.issues_dock,
                 training.controls_dock, training.history_dock, window.code_dock):
        assert not dock.isVisible()
    for dock in (training.loss_dock, training.gradient_dock, training.boundary_dock):
        assert dock.isVisible()
        assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert not window.actions_.tool_bar.isVisible() and not window.menuBar().isVisible()
    bar = presentation.bar
    assert bar.isVisible()
    texts = [a.text() for a in bar.actions() if a.text()]
    assert texts == ["Train", "Pause", "Step", "Stop", "Leave Presentation"]
    assert window.look.ui_zoom == 1.5
    presentation.leave_action.trigger()  # Esc
    assert not presentation.active
    qtbot.waitUntil(lambda: layout_of(window) == before)
    assert window.findChild(QToolBar, "PresentationBar") is None or not bar.isVisible()


def test_training_while_presenting_keeps_the_panels_as_presentation_mode_laid_them_out(
        window, qtbot):
    window.document.replace(recipes.mlp(depth=1, width=8, steps=5000))
    training = window.training
    presentation = window.classroom.presentation
    presentation.set_active(True)
    assert training.train()
    session = training.session
    try:
        qtbot.waitUntil(lambda: session.state == "running", timeout=60_000)
        assert not training.controls_dock.isVisible()  # the bar at the top has the buttons
        assert not window.issues_dock.isVisible()
        assert training.loss_dock.isVisible() and training.gradient_dock.isVisible()
    finally:
        session.stop()
        qtbot.waitUntil(lambda: not session.active, timeout=60_000)
    presentation.set_active(False)
    assert not training.presenting
    assert training.train()  # out of presentation, a run shows its panel again
    qtbot.waitUntil(lambda: training.controls_dock.isVisible(), timeout=10_000)
    training.session.stop()
    qtbot.waitUntil(lambda: not training.session.active, timeout=60_000)


def test_the_lesion_plot_tells_plain_layers_from_blocks(qtbot):
    from explorer.app.classroom.lesion_panel import LesionPanel
    from explorer.train.lesions import Lesion, LesionStudy

    panel = LesionPanel("residual")
    qtbot.addWidget(panel)
    panel.show()
    blocks_only = LesionStudy(0.9, 0.3, 0.5, (Lesion(("res_1",), 0.88, 0.3),
                                             Lesion(("res_2",), 0.86, 0.3)))
    panel.show_study(blocks_only)
    assert not panel.key.isVisible()  # nothing to tell apart
    mixed = LesionStudy(0.9, 0.3, 0.5, (Lesion(("stem",), 0.5, 1.0, "layer"),
                                        Lesion(("res_1",), 0.88, 0.3, "block")))
    panel.show_study(mixed)
    assert panel.key.isVisible() and "Hatched: plain layers" in panel.key.text()
    styles = [brush.style() for brush in panel.bars.opts["brushes"]]
    assert styles == [Qt.BrushStyle.BDiagPattern, Qt.BrushStyle.SolidPattern]
    assert "(plain layer) switched off" in panel.describe_row(0)
    assert "(block) switched off" in panel.describe_row(1)


def test_presenting_at_a_new_size_shares_the_window_out_then_fits_the_network_once(
        window, qtbot, monkeypatch):
    presentation = window.classroom.presentation
    presentation.set_active(True)
    qtbot.wait(300)  # full screen arrives and the first fit is made
    fits = []
    monkeypatch.setattr(presentation.canvas, "show_whole", lambda: fits.append(
        window.centralWidget().size()))
    presentation._fitted_size = None  # as a projector of another size would
    presentation.refit()
    qtbot.waitUntil(lambda: bool(fits), timeout=2000)
    qtbot.wait(300)
    assert fits == [window.centralWidget().size()]  # once, at the canvas's new size
    presentation.set_active(False)
