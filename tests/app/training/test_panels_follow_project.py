"""The Train panel and the live panels show the run they name: a network with errors is never
"Ready to train", a starting run shows nothing of the last one, and opening another project
clears what the last project's run left on show."""

import pytest

from explorer.app.training import devices
from explorer.app.training.presenter import STARTING_MAP
from explorer.app.training.settings_edit import change_settings
from explorer.graph import Disconnect, recipes
from explorer.graph.examples import load_example

RUN_TIMEOUT_MS = 90_000


@pytest.fixture(autouse=True)
def no_gpu_lookup(monkeypatch):
    monkeypatch.setattr(devices, "find_devices", lambda: [])


def controls_of(window, qtbot):
    workspace = window.training
    workspace.controls_dock.show()
    workspace.controls_dock.raise_()
    qtbot.waitUntil(lambda: workspace.controls is not None)
    return workspace.controls


def test_a_network_with_errors_never_reads_ready(window, qtbot):
    project = recipes.mlp(depth=2)
    window.document.replace(project)
    controls = controls_of(window, qtbot)
    assert "Ready to train." in controls.status_text
    graph = window.document.graph
    wire = graph.in_edges("output_1")[0]
    window.document.push(Disconnect(wire))
    qtbot.waitUntil(lambda: "Not ready to train" in controls.status_text)
    assert "output_1" in controls.status_text and "Ready to train." not in controls.status_text
    window.document.undo_stack.undo()
    qtbot.waitUntil(lambda: "Ready to train." in controls.status_text)


def test_the_progress_bar_shows_the_planned_steps_before_the_run(window, qtbot):
    window.document.replace(recipes.mlp(depth=2, steps=750))
    controls = controls_of(window, qtbot)
    assert controls.progress.maximum() == 750 and controls.progress.value() == 0


@pytest.mark.slow
def test_after_a_run_another_project_starts_with_clear_panels(window, qtbot):
    window.document.replace(load_example("residual_mlp_spirals"))
    assert change_settings(window.document, steps=60, log_every=5) is None
    workspace = window.training
    assert workspace.train()
    session = workspace.session
    qtbot.waitUntil(lambda: workspace.boundary is not None)
    assert workspace.boundary.message.text() == STARTING_MAP or workspace.boundary.available
    qtbot.waitUntil(lambda: session.state == "ended", timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: workspace.boundary.frames > 0, timeout=RUN_TIMEOUT_MS)
    assert len(workspace.showing) > 0
    window.document.undo_stack.setClean()

    window.document.replace(recipes.mlp(depth=1, steps=321))
    assert session.state == "idle"
    assert len(workspace.showing) == 0 and workspace.loss.buffers is workspace.showing
    assert not workspace.boundary.available  # the old map is gone
    assert workspace.controls.progress.maximum() == 321
    assert workspace.controls.progress.value() == 0
    assert "Ready to train." in workspace.controls.status_text
