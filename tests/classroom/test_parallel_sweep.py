"""--jobs: variants trained side by side in processes of their own give the results they give
one after another (same seed, same threads per variant), in the same order; a variant that
fails or whose process is killed is a failed row and the others finish.

Each worker process imports torch (a few seconds), so the networks are tiny and train a few
steps.
"""

import csv
import json
import multiprocessing
import os
import signal
import sys
from pathlib import Path

import pytest
import torch

from explorer.cli import main
from explorer.graph import ArchitectureGraph, Project, TrainingSettings
from explorer.graph.experiments import Variant, sweep_variants
from explorer.train.experiments import run_experiment
from explorer.train.parallel import WORKER_NAME, threads_per_job

TINY = ["--blocks", "plain,residual,highway", "--depths", "3", "--width", "8", "--steps", "12"]
SETTINGS = TrainingSettings(steps=12, log_every=4, seed=3)


def sweep_rows(folder, *options) -> tuple[list[dict], list[dict]]:
    assert main(["sweep", *TINY, "--out", str(folder), *options]) == 0
    table = list(csv.DictReader((folder / "results.csv").open()))
    curves = list(csv.DictReader((folder / "curves.csv").open()))
    return table, curves


def without_timing(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in ("seconds", "run_dir")} for row in rows]


def numbers(result) -> list:
    """Every logged number of a variant but the clock."""
    return [(r.scalars() | {"elapsed": None}, r.nodes) for r in result.curve]


def weightless() -> Variant:
    """A network that checks and plans, but fails when it starts training: no weights."""
    graph = ArchitectureGraph()
    first = graph.add_node("VectorInput", {"features": 2})
    last = graph.add_node("ClassificationOutput", {})
    graph.connect(first, last)
    return Variant("no weights", Project(graph, SETTINGS))


@pytest.mark.slow
def test_two_jobs_give_the_table_of_one_job_with_the_same_threads_per_variant(tmp_path):
    one, one_curves = sweep_rows(tmp_path / "one", "--jobs", "1", "--threads", "1")
    two, two_curves = sweep_rows(tmp_path / "two", "--jobs", "2", "--threads", "2")
    assert [r["label"] for r in two] == ["plain, 3 layers", "residual, 3 layers",
                                         "highway, 3 layers"]
    assert [r["status"] for r in two] == ["done"] * 3
    assert without_timing(two) == without_timing(one)  # losses equal to the last digit
    assert two_curves == one_curves
    assert [r["label"] for r in two_curves][::2] == [r["label"] for r in two]  # 2 logs each
    for row in two:  # each run records how the machine was shared
        config = json.loads((Path(row["run_dir"]) / "config.json").read_text())
        assert (config["jobs"], config["threads"]) == (2, 1)


@pytest.mark.slow
def test_a_failing_variant_is_a_failed_row_and_models_come_back_alike():
    variants = [*sweep_variants(["plain"], [2], width=8), weightless(),
                *sweep_variants(["residual"], [2], width=8)]
    alone = run_experiment(variants, SETTINGS, threads=1, keep_models=True)
    apart = run_experiment(variants, SETTINGS, threads=2, jobs=2, keep_models=True)
    for results in (alone, apart):
        assert [r.status for r in results] == ["done", "failed", "done"]
        assert "no weights" in results[1].reason
    assert [numbers(r) for r in apart] == [numbers(r) for r in alone]
    for a, b in ((alone[0], apart[0]), (alone[2], apart[2])):  # built again from the weights
        assert a.model.state_dict().keys() == b.model.state_dict().keys()
        assert all(torch.equal(a.model.state_dict()[k], b.model.state_dict()[k])
                   for k in a.model.state_dict())


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="kills the worker with SIGKILL")
def test_a_killed_worker_fails_its_variant_and_the_others_finish():
    variants = sweep_variants(["plain", "residual", "highway"], [2], width=8)
    started = []

    def kill_the_first(index, variant):
        started.append(index)
        if index == 0:  # the only worker so far is the one just handed variant 0
            worker = next(p for p in multiprocessing.active_children() if p.name == WORKER_NAME)
            os.kill(worker.pid, signal.SIGKILL)
    results = run_experiment(variants, SETTINGS, threads=2, jobs=2, on_start=kill_the_first)
    assert sorted(started) == [0, 1, 2]
    assert [r.label for r in results] == [v.label for v in variants]
    assert [r.status for r in results] == ["failed", "done", "done"]
    assert "killed (SIGKILL)" in results[0].reason
    assert not [p for p in multiprocessing.active_children() if p.name == WORKER_NAME]


def test_callbacks_cannot_cross_to_the_workers():
    variants = sweep_variants(["plain", "residual"], [2], width=8)
    with pytest.raises(ValueError, match="callbacks cannot be used with jobs > 1"):
        run_experiment(variants, SETTINGS, jobs=2, callbacks=lambda v: [])
    with pytest.raises(ValueError, match="at least one job"):
        run_experiment(variants, SETTINGS, jobs=0)


def test_jobs_share_the_threads_and_each_gets_one_at_least():
    assert threads_per_job(8, 2) == 4
    assert threads_per_job(7, 2) == 3
    assert threads_per_job(1, 3) == 1


@pytest.mark.parametrize("command", [["sweep", *TINY], ["demo", "degradation"]])
@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_a_bad_jobs_value_is_one_line_and_exit_2(command, value, capsys):
    assert main([*command, "--jobs", value]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "--jobs" in captured.err
    assert "Results" not in captured.out


def test_the_editor_trains_half_the_cores_worth_of_variants_at_once():
    from explorer.app.classroom.runner import parallel_jobs, threads_each

    assert [parallel_jobs(6, cores) for cores in (1, 2, 3, 4, 8, 64)] == [1, 1, 1, 2, 4, 6]
    assert parallel_jobs(2, 16) == 2  # never more than there are variants
    assert threads_each(4, 8) == 1 and threads_each(2, 8) == 3 and threads_each(1, 2) == 1


@pytest.mark.slow
def test_the_experiment_window_runs_variants_side_by_side_with_the_headless_numbers(
        qtbot, tmp_path):
    from explorer.app.classroom.experiment import Experiment
    from explorer.app.classroom.runner import ExperimentRunner, threads_each

    variants = tuple(sweep_variants(["plain", "residual", "highway"], [2], width=8))
    runner = ExperimentRunner(Experiment("three", variants, SETTINGS), lambda: tmp_path / "runs",
                              jobs=2)
    most_at_once = []
    runner.variant_changed.connect(lambda index: most_at_once.append(
        sum(run.status in ("starting", "running") for run in runner.runs)))
    assert runner.run()
    qtbot.waitUntil(lambda: not runner.running, timeout=120_000)
    assert [run.status for run in runner.runs] == ["done"] * 3
    assert max(most_at_once) == 2
    configs = [json.loads((run.run_dir / "config.json").read_text()) for run in runner.runs]
    assert {config["threads"] for config in configs} == {threads_each(2)}
    headless = run_experiment(variants, SETTINGS, threads=threads_each(2))
    assert [run.final_train_loss for run in runner.runs] == [
        result.final_train_loss for result in headless]
