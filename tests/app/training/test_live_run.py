"""Acceptance: a real, short run in its own process, watched live in the editor.

Start a run of an example, see the panels' data grow, pause, take single
steps, stop; then kill a run's process mid-run and see the failure on the
run while the editor still edits and saves. The run process imports torch
(a few seconds) and its first step imports more: generous timeouts.
"""

import multiprocessing
import os
import signal

import pytest

from explorer.app.training import devices
from explorer.app.training.settings_edit import change_settings
from explorer.graph import SetParams
from explorer.graph.examples import load_example
from explorer.graph.project import load

RUN_TIMEOUT_MS = 90_000
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def no_gpu_lookup(monkeypatch):
    monkeypatch.setattr(devices, "find_devices", lambda: [])


@pytest.fixture
def trainer(window, qtbot):
    """The window on the residual MLP example, set for a long, often-logged run.

    Long, so that however slow a busy machine makes it, the run is still going
    when a test pauses, steps, stops or kills it (every test ends it itself).
    """
    window.document.replace(load_example("residual_mlp_spirals"))
    assert change_settings(window.document, steps=100_000, log_every=5) is None
    window.document.undo_stack.setClean()
    return window


def child_process():
    runs = [p for p in multiprocessing.active_children()
            if p.name == "architecture-explorer-run"]
    assert len(runs) == 1
    return runs[0]


def drawn_points(loss_panel):
    """How many training-loss points the loss panel draws."""
    x = loss_panel.train_raw.getData()[0]
    return 0 if x is None else len(x)


def test_a_run_is_watched_live_paused_stepped_and_stopped(trainer, qtbot):
    workspace = trainer.training
    assert workspace.train()
    session = workspace.session
    qtbot.waitUntil(lambda: len(session.buffers) >= 3, timeout=RUN_TIMEOUT_MS)
    assert workspace.loss_dock.isVisible() and workspace.gradient_dock.isVisible()
    qtbot.waitUntil(lambda: workspace.loss is not None and workspace.gradients is not None,
                    timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: drawn_points(workspace.loss) >= 3, timeout=RUN_TIMEOUT_MS)
    drawn = drawn_points(workspace.loss)
    # it grows
    qtbot.waitUntil(lambda: drawn_points(workspace.loss) > drawn, timeout=RUN_TIMEOUT_MS)
    assert workspace.gradients.rows[:2] == ["linear_1", "res_1"]
    # the bar is drawn on its own tick
    qtbot.waitUntil(lambda: workspace.controls.progress.value() > 0, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: workspace.boundary is not None and workspace.boundary.frames > 0,
                    timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: trainer.scene.nodes["res_1"].heat is not None, timeout=RUN_TIMEOUT_MS)
    assert trainer.view.findChild(type(workspace.heat.legend)).isVisible()

    workspace.actions["pause"].trigger()
    qtbot.waitUntil(lambda: session.state == "paused", timeout=RUN_TIMEOUT_MS)
    assert "Paused at step" in workspace.controls.status_text
    assert workspace.actions["step"].isEnabled() and workspace.actions["train"].text() == "Resume"
    records = len(session.buffers)
    workspace.actions["step"].trigger()
    qtbot.waitUntil(lambda: len(session.buffers) == records + 1, timeout=RUN_TIMEOUT_MS)
    stepped = session.buffers.last.step
    workspace.actions["step"].trigger()
    qtbot.waitUntil(lambda: session.buffers.last.step == stepped + 1, timeout=RUN_TIMEOUT_MS)
    assert session.state == "paused"

    workspace.actions["stop"].trigger()
    qtbot.waitUntil(lambda: session.state == "ended", timeout=RUN_TIMEOUT_MS)
    assert session.ended.status == "stopped"
    assert "Stopped at step" in workspace.controls.status_text
    assert (session.run_dir / "model.safetensors").is_file()  # a stopped run keeps its weights
    assert workspace.actions["train"].isEnabled() and not workspace.actions["stop"].isEnabled()
    assert trainer.scene.nodes["res_1"].heat is not None  # the colours stay after the run
    history = workspace.history_host.ensure()
    assert history.summaries()[0].path == session.run_dir
    assert history.summaries()[0].status == "stopped"


def test_a_killed_run_shows_its_failure_and_the_editor_keeps_working(trainer, qtbot,
                                                                      tmp_path):
    workspace = trainer.training
    doc = trainer.document
    doc.push(SetParams("res_1", {"hidden": 48}))  # unsaved work
    assert workspace.train()
    session = workspace.session
    qtbot.waitUntil(lambda: len(session.buffers) >= 2, timeout=RUN_TIMEOUT_MS)
    os.kill(child_process().pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: session.state == "ended", timeout=RUN_TIMEOUT_MS)
    assert session.ended.status == "failed"
    status = workspace.controls.status_text
    assert "killed" in status and "#d93a35" in status
    assert "killed" in trainer.view.notice.text
    assert workspace.actions["train"].isEnabled()

    # The editor still edits and saves, and the unsaved work is all there.
    assert doc.graph.node("res_1").params["hidden"] == 48
    assert doc.push(SetParams("res_2", {"hidden": 40}))
    target = tmp_path / "after-crash.archx.json"
    doc.set_path(target)
    assert trainer.files.save()
    saved = load(target)
    assert saved.graph.node("res_1").params["hidden"] == 48
    assert saved.graph.node("res_2").params["hidden"] == 40


def test_a_diverging_run_fails_and_points_at_the_node(trainer, qtbot):
    workspace = trainer.training
    assert change_settings(trainer.document, lr=10.0, optimizer="sgd", momentum=0.99,
                           log_every=1) is None
    assert workspace.train()
    session = workspace.session
    qtbot.waitUntil(lambda: session.state == "ended", timeout=RUN_TIMEOUT_MS)
    ended = session.ended
    assert ended.status == "failed" and ended.node_id == "linear_1"
    status = workspace.controls.status_text
    assert "stopped being finite" in status and "Show linear_1" in status
    assert trainer.scene.selected_node_ids() == ["linear_1"]  # the canvas points at it
    trainer.scene.clearSelection()
    workspace.controls.status.linkActivated.emit("node:linear_1")
    assert trainer.scene.selected_node_ids() == ["linear_1"]


def test_a_dataset_that_cannot_load_is_refused_before_the_run(trainer, qtbot, tmp_path):
    workspace = trainer.training
    missing = tmp_path / "measurements.csv"
    assert change_settings(trainer.document, dataset="csv",
                           dataset_options={"path": str(missing)}) is None
    assert workspace.train()
    session = workspace.session
    qtbot.waitUntil(lambda: session.state == "idle" and "measurements.csv" in
                    workspace.controls.status_text, timeout=RUN_TIMEOUT_MS)
    assert session.process is None and "#d93a35" in workspace.controls.status_text
    assert workspace.actions["train"].isEnabled()
