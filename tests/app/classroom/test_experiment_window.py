"""An experiment in its window: tiny variants train in their own processes, side by side.

Each variant starts a process (a few seconds to import torch), so the
variants are tiny and train a few dozen steps.
"""

import csv
import multiprocessing
import os
import signal
import threading

import pytest

from explorer.app.classroom import results
from explorer.app.classroom.experiment import Experiment
from explorer.app.classroom.experiment_window import ExperimentWindow
from explorer.app.runs import run_session
from explorer.graph import TrainingSettings, recipes
from explorer.graph.experiments import Variant, sweep_variants
from explorer.train import RunProcess

RUN_TIMEOUT_MS = 120_000
pytestmark = pytest.mark.slow


def tiny_experiment(**settings) -> Experiment:
    variants = tuple(sweep_variants(["plain", "residual"], [3]))
    base = TrainingSettings(steps=30, log_every=5, batch_size=32, seed=2).replace(**settings)
    return Experiment("Two tiny networks", variants, base, summary="Plain against residual.")


@pytest.fixture
def experiment_window(qtbot, tmp_path):
    def make(experiment: Experiment) -> ExperimentWindow:
        window = ExperimentWindow(experiment, lambda: tmp_path / "runs")
        window.runner.jobs = 1  # these follow one variant at a time, on any number of cores
        qtbot.addWidget(window)
        window.show()
        return window
    yield make


def run_children(*, apart_from: frozenset = frozenset()) -> list:
    """Run processes alive now (leaving out ``apart_from``: an earlier test's still exiting)."""
    return [p for p in multiprocessing.active_children()
            if p.name == "architecture-explorer-run" and p.pid not in apart_from]


def pids(processes) -> frozenset:
    return frozenset(p.pid for p in processes)


@pytest.fixture
def launches(monkeypatch):
    """An event set when a run's launch (planning, then starting its process) has finished."""
    finished = threading.Event()
    real_launch = run_session.launch

    def launch_and_tell(*args, **kwargs):
        try:
            return real_launch(*args, **kwargs)
        finally:
            finished.set()
    monkeypatch.setattr(run_session, "launch", launch_and_tell)
    return finished


def drawn(curve) -> int:
    x = curve.getData()[0]
    return 0 if x is None else len(x)


def test_two_variants_run_to_completion_overlaid_and_saved(experiment_window, qtbot, tmp_path,
                                                           monkeypatch):
    window = experiment_window(tiny_experiment())
    assert window.table.rowCount() == 2
    assert [window.table.item(i, 1).text() for i in range(2)] == ["waiting", "waiting"]
    assert window.run()
    qtbot.waitUntil(lambda: not window.runner.running, timeout=RUN_TIMEOUT_MS)
    runs = window.runner.runs
    assert [run.status for run in runs] == ["done", "done"]
    # two overlaid curves, one colour each, each with every logged step
    curves = [c for _, c in window.loss._runs]
    assert len(curves) == 2 and all(drawn(c[0]) == 6 for c in curves)
    assert curves[0][0].opts["pen"].color() != curves[1][0].opts["pen"].color()
    legend = [label.text for _, label in window.loss.legend.items]
    assert legend == ["plain, 3 layers", "residual, 3 layers"]
    # two table rows with final figures
    for row, run in enumerate(runs):
        assert window.table.item(row, 1).text() == "done"
        assert window.table.item(row, 3).text() == f"{run.final_train_loss:.4f}"
        assert window.table.item(row, 5).text().endswith("%")
    monkeypatch.setattr(results, "ask_results_folder", lambda parent: str(tmp_path / "out"))
    window.buttons["save"].click()
    qtbot.waitUntil(lambda: "Saved results.csv" in window.message.text(),
                    timeout=RUN_TIMEOUT_MS)
    rows = list(csv.DictReader((tmp_path / "out" / "results.csv").open()))
    assert [r["label"] for r in rows] == ["plain, 3 layers", "residual, 3 layers"]
    assert [r["status"] for r in rows] == ["done", "done"]
    assert float(rows[0]["final_train_loss"]) == pytest.approx(runs[0].final_train_loss)
    curve_rows = list(csv.DictReader((tmp_path / "out" / "curves.csv").open()))
    assert len(curve_rows) == 12


def test_a_variant_that_cannot_train_is_a_failed_row_and_the_others_run(experiment_window,
                                                                         qtbot):
    misfit = Variant("three classes for two", recipes.mlp(depth=2, width=8, classes=3))
    ok = sweep_variants(["plain"], [2])[0]
    experiment = Experiment("misfit", (misfit, ok), TrainingSettings(steps=10, log_every=5))
    window = experiment_window(experiment)
    assert window.run()
    qtbot.waitUntil(lambda: not window.runner.running, timeout=RUN_TIMEOUT_MS)
    runs = window.runner.runs
    assert runs[0].status == "failed" and "does not fit the dataset" in runs[0].reason
    assert window.table.item(0, 1).text() == "failed"
    assert window.table.item(0, 1).toolTip() == runs[0].reason
    assert runs[0].reason in window.failures.text() and window.failures.isVisible()
    assert runs[1].status == "done" and window.table.item(1, 1).text() == "done"
    assert "1 failed" in window.message.text()


def test_a_killed_variant_fails_and_the_next_one_still_runs(experiment_window, qtbot):
    window = experiment_window(tiny_experiment(steps=20_000, log_every=50))
    assert window.run()
    runner = window.runner
    qtbot.waitUntil(lambda: runner.runs[0].step > 0, timeout=RUN_TIMEOUT_MS)
    child = next(p for p in multiprocessing.active_children()
                 if p.name == "architecture-explorer-run")
    os.kill(child.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: runner.runs[0].status == "failed", timeout=RUN_TIMEOUT_MS)
    assert "killed" in runner.runs[0].reason
    qtbot.waitUntil(lambda: runner.runs[1].status == "running", timeout=RUN_TIMEOUT_MS)
    window.buttons["stop"].click()
    qtbot.waitUntil(lambda: not runner.running, timeout=RUN_TIMEOUT_MS)
    assert runner.runs[1].status == "stopped"
    window.refresh()
    assert window.table.item(0, 1).text() == "failed"


def test_closing_a_window_of_its_own_while_a_variant_starts_leaves_no_run_behind(
        experiment_window, launches):
    earlier = pids(run_children())
    window = experiment_window(tiny_experiment(steps=1_000_000, log_every=1000))
    assert window.run() and window.runner.session.state == "starting"
    window.close()  # nothing can show this window again: its run must not train unseen
    assert launches.wait(RUN_TIMEOUT_MS / 1000)
    assert run_children(apart_from=earlier) == []


def test_shutting_down_while_the_run_process_starts_ends_that_process(experiment_window, qtbot,
                                                                      monkeypatch):
    spawned, closed = threading.Event(), threading.Event()
    real_start = RunProcess.start

    def start_then_wait(process, **options):  # the process is up; the window does not know
        real_start(process, **options)
        spawned.set()
        closed.wait(RUN_TIMEOUT_MS / 1000)
    monkeypatch.setattr(RunProcess, "start", start_then_wait)
    earlier = pids(run_children())
    window = experiment_window(tiny_experiment(steps=1_000_000, log_every=1000))
    assert window.run()
    assert spawned.wait(RUN_TIMEOUT_MS / 1000)
    [child] = run_children(apart_from=earlier)
    window.shutdown()  # the editor closes while the variant is still starting
    closed.set()
    qtbot.waitUntil(lambda: not child.is_alive(), timeout=RUN_TIMEOUT_MS)
    assert run_children(apart_from=earlier) == []
