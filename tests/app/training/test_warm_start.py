"""The first Train goes to a run process started once the window was up.

The application starts that process a moment after the window shows; the
first run is handed to it (no second process is spawned), a dead one is
passed over, a new one waits after each run, and closing the window ends it.
"""

import multiprocessing

import pytest

from explorer.app.application import prepare_runs_later
from explorer.app.training import devices
from explorer.app.training.settings_edit import change_settings
from explorer.graph.examples import load_example

RUN_TIMEOUT_MS = 90_000
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def no_gpu_lookup(monkeypatch):
    monkeypatch.setattr(devices, "find_devices", lambda: [])


def run_children():
    return [p for p in multiprocessing.active_children()
            if p.name == "architecture-explorer-run"]


@pytest.fixture
def prepared(window, qtbot):
    """The window on a short example run, with the application's warm start scheduled."""
    window.document.replace(load_example("residual_mlp_spirals"))
    assert change_settings(window.document, steps=100_000, log_every=5) is None
    window.document.undo_stack.setClean()
    # an earlier test's ended run may still be being reaped (on a worker thread)
    qtbot.waitUntil(lambda: run_children() == [], timeout=20_000)
    prepare_runs_later(window, delay_ms=50)
    assert run_children() == []  # nothing before the event loop has drawn the window
    qtbot.waitUntil(lambda: len(run_children()) == 1, timeout=5000)
    yield window
    window.close()


def test_the_first_run_goes_to_the_process_started_after_the_window(prepared, qtbot):
    workspace = prepared.training
    session = workspace.session
    (waiting,) = run_children()
    assert session.warm is not None and session.warm.alive
    assert workspace.train()
    qtbot.waitUntil(lambda: len(session.buffers) >= 1, timeout=RUN_TIMEOUT_MS)
    assert session.process.started_warm
    assert run_children() == [waiting]  # the run trains there: nothing else was spawned
    # the decision-boundary probe, sent down the pipe with the plan, draws its maps too
    qtbot.waitUntil(lambda: workspace.boundary is not None and workspace.boundary.frames > 0,
                    timeout=RUN_TIMEOUT_MS)
    workspace.stop()
    qtbot.waitUntil(lambda: session.state == "ended", timeout=RUN_TIMEOUT_MS)
    assert session.ended.status == "stopped"
    # the next run's process is started as soon as this run ends
    qtbot.waitUntil(lambda: session.warm is not None and session.warm.alive, timeout=5000)
    qtbot.waitUntil(lambda: waiting not in run_children(), timeout=RUN_TIMEOUT_MS)


def test_a_dead_warm_process_is_passed_over_and_the_run_spawned(prepared, qtbot):
    workspace = prepared.training
    session = workspace.session
    (waiting,) = run_children()
    waiting.kill()
    waiting.join(10)
    assert workspace.train()
    qtbot.waitUntil(lambda: len(session.buffers) >= 1, timeout=RUN_TIMEOUT_MS)
    assert not session.process.started_warm
    workspace.stop()
    qtbot.waitUntil(lambda: session.state == "ended", timeout=RUN_TIMEOUT_MS)
    assert session.ended.status == "stopped"


def test_a_run_that_cannot_start_leaves_the_warm_process_waiting(prepared, qtbot):
    workspace = prepared.training
    session = workspace.session
    (waiting,) = run_children()
    messages = []
    session.start_failed.connect(messages.append)
    assert change_settings(prepared.document, batch_size=100_000) is None
    assert workspace.train()
    qtbot.waitUntil(lambda: bool(messages), timeout=RUN_TIMEOUT_MS)
    assert "batch size" in messages[0]
    assert session.warm.alive and run_children() == [waiting]


def test_closing_the_window_ends_the_warm_process(prepared, qtbot):
    assert len(run_children()) == 1
    prepared.close()
    assert run_children() == []
