"""Train with Processes above 1: the editor trains the unsaved project in several processes.

A tiny MLP in two processes of one thread each (torchrun on gloo): the
progress bar follows rank 0, Pause and Step say why they are off, the run
ends done in the editor's runs folder (so the run history lists it) and
the loss panel shows its curves, read from the folder. A batch that does
not split is refused with the panel's plain message, and nothing starts.
"""

import pytest

from explorer.app.training import devices
from explorer.app.training.processes_presenter import NOT_SEVERAL
from explorer.app.training.settings_edit import change_settings
from explorer.graph import recipes
from explorer.train import launch
from explorer.train.run_index import list_runs

RUN_TIMEOUT_MS = 60_000  # two fresh interpreters import torch before their first step
pytestmark = pytest.mark.slow


@pytest.fixture
def trainer(window, qtbot, monkeypatch):
    """The window on an unsaved tiny MLP, with Processes offered and set to 2.

    Two cores, as the form sees it: two processes are offered, and each
    trains with one thread (the threads are shared out among them).
    """
    monkeypatch.setattr(devices, "find_devices", lambda: [])  # no torch import
    monkeypatch.setattr(devices.os, "cpu_count", lambda: 2)

    def show(batch_size):
        window.document.replace(recipes.mlp(
            2, 8, dataset_options={"points_per_class": 60}, device="cpu",
            batch_size=batch_size, steps=20, log_every=5))
        workspace = window.training
        workspace.history_host.ensure()
        form = workspace.controls_host.ensure().form
        assert form.form.isRowVisible(form.processes) and form.processes.maximum() == 2
        form.processes.setValue(2)
        assert "The Train button trains in 2 processes" in form.processes_note.text()
        assert form.form.isRowVisible(form.copy_command)  # the command stays, for a cluster
        return workspace

    return show


def drawn_points(loss_panel):
    x = loss_panel.train_raw.getData()[0]
    return 0 if x is None else len(x)


def test_train_runs_two_processes_and_shows_the_run(trainer, qtbot, window):
    workspace = trainer(batch_size=32)
    assert window.document.path is None  # nothing saved, nothing needed
    assert workspace.train()
    several = workspace.processes.session
    actions = workspace.actions
    assert several.state == "starting" and workspace.session.state == "idle"
    assert not actions["pause"].isEnabled() and not actions["step"].isEnabled()
    assert actions["pause"].toolTip() == NOT_SEVERAL and actions["stop"].isEnabled()
    assert not actions["train"].isEnabled() and not workspace.train()  # one run at a time

    qtbot.waitUntil(lambda: several.state == "ended", timeout=RUN_TIMEOUT_MS)
    ended = several.ended
    assert ended.status == "done" and ended.step == 20, ended.reason
    status = workspace.controls.status_text
    assert "Done: 20 steps" in status
    bar = workspace.controls.progress
    assert bar.maximum() == 20 and bar.value() == 20  # rank 0's last heartbeat
    assert actions["train"].isEnabled() and "Pause the run" in actions["pause"].toolTip()

    runs = list_runs(workspace.history.runs_dir)
    assert [run.path for run in runs] == [several.run_dir]
    assert runs[0].status == "done" and runs[0].steps == 20
    assert [s.path for s in workspace.history.summaries()] == [several.run_dir]
    assert several.run_dir not in workspace.history.busy_paths
    qtbot.waitUntil(lambda: workspace.loss is not None, timeout=RUN_TIMEOUT_MS)
    assert workspace.showing is not None and len(workspace.showing) == 4  # steps 5, 10, 15, 20
    qtbot.waitUntil(lambda: drawn_points(workspace.loss) == 4, timeout=RUN_TIMEOUT_MS)

    window.document.replace(recipes.mlp(2, 8, device="cpu"))  # another project: back to ready
    assert several.state == "idle" and workspace.controls.status_text == "Ready to train."


def test_a_batch_that_does_not_split_is_refused_and_nothing_starts(trainer, qtbot):
    workspace = trainer(batch_size=33)
    assert workspace.train()
    several = workspace.processes.session
    qtbot.waitUntil(lambda: several.state == "idle", timeout=RUN_TIMEOUT_MS)
    status = workspace.controls.status_text
    assert "The batch size (33) does not split evenly over 2 processes." in status
    assert "multiple of 2" in status and "(Processes)" in status  # the panel's words
    assert "--" not in status  # no command-line options in the editor
    assert several.run_dir is None and list_runs(workspace.history.runs_dir) == []
    assert workspace.history.summaries() == []
    assert workspace.actions["train"].isEnabled()


def test_stop_ends_the_processes(trainer, qtbot):
    workspace = trainer(batch_size=32)
    assert change_settings(workspace.document, steps=1_000_000) is None  # still going at Stop
    assert workspace.train()
    several = workspace.processes.session
    qtbot.waitUntil(lambda: workspace.controls.progress.value() > 0, timeout=RUN_TIMEOUT_MS)
    assert several.state == "running" and "Training in 2 processes on the CPU" in \
        workspace.controls.status_text
    assert several.run_dir in workspace._build_history().busy_paths  # a history opened now
    project = workspace.document.project
    workspace.document.replace(recipes.mlp(2, 8, device="cpu"))  # the run goes on, and says so
    assert "Training in 2 processes" in workspace.controls.status_text
    workspace.document.replace(project)
    workspace.actions["stop"].trigger()
    assert several.state == "stopping" and not workspace.actions["stop"].isEnabled()
    qtbot.waitUntil(lambda: several.state == "ended", timeout=RUN_TIMEOUT_MS)
    assert several.ended.status == "stopped" and "Stopped at step" in several.ended.reason
    assert several._shared.run._process.poll() is not None  # torchrun, and its processes, ended
    (run,) = list_runs(workspace.history.runs_dir)
    assert run.status == "stopped"
    assert workspace.finished_run() == (several.run_dir, several.plan.name)  # what a study reads


def test_a_failed_run_shows_its_one_line_reason(trainer, qtbot, monkeypatch):
    monkeypatch.setattr(launch, "ENTRY", "tests.train.nproc_crash")  # one rank dies mid-run
    workspace = trainer(batch_size=32)
    assert workspace.train()
    several = workspace.processes.session
    qtbot.waitUntil(lambda: several.state == "ended", timeout=RUN_TIMEOUT_MS)
    ended = several.ended
    assert ended.status == "failed" and ended.reason.startswith("Process 2 of 2 (rank 1): ")
    assert "\n" not in ended.reason
    assert ended.reason in workspace.controls.status_text
    assert workspace.controls.status.property("error")
    (run,) = list_runs(workspace.history.runs_dir)
    assert run.status == "failed"

