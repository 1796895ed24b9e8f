"""A run process started ahead of time takes the next plan; a dead one is passed over."""

import multiprocessing

import pytest

from explorer.cli import main
from explorer.graph import project
from explorer.train import RunProcess, StepRecord, load_run, plan_run
from explorer.train.warm import WarmProcess

from .train_helpers import CHILD_START, tiny_mlp, wait_until

pytestmark = pytest.mark.slow


def run_children():
    return [p for p in multiprocessing.active_children()
            if p.name == "architecture-explorer-run"]


def run_losses(run):
    """The training losses in a run folder's records, by step."""
    return [record.train_loss for record in load_run(run.run_dir).records]


@pytest.fixture
def warm():
    process = WarmProcess()
    process.start()
    yield process
    process.close()


def test_the_warm_process_trains_the_plan_it_is_handed(tmp_path, warm):
    assert warm.wait_ready(CHILD_START), "the warm process never finished warming up"
    (waiting,) = run_children()
    run = RunProcess(plan_run(tiny_mlp(steps=20, log_every=10)), out=tmp_path)
    run.start(warm=warm)
    assert run.started_warm and not warm.alive  # spent: it takes no second plan
    assert run_children() == [waiting]  # no second process was spawned
    records = []
    wait_until(lambda: records.extend(run.poll()) or run.ended, CHILD_START, "the run's end")
    assert [r.step for r in records if isinstance(r, StepRecord)] == [10, 20]
    assert run.ended.ok and load_run(run.run_dir).state == "done"
    run.close()
    assert run_children() == []


def test_a_plan_handed_over_while_still_warming_up_waits_for_it(tmp_path, warm):
    run = RunProcess(plan_run(tiny_mlp(steps=10, log_every=5)), out=tmp_path)
    run.start(warm=warm)  # at once: the child is still loading torch
    assert run.started_warm
    assert run.wait(CHILD_START) is not None and run.ended.ok
    run.close()


def test_a_warm_process_trains_exactly_as_a_spawned_one(tmp_path, warm):
    """Its warm-up leaves nothing behind: same seed and threads, same losses."""
    plan = plan_run(tiny_mlp(steps=30, log_every=5, seed=7), threads=1)
    losses = []
    for given in (warm, None):
        run = RunProcess(plan, out=tmp_path)
        run.start(warm=given)
        assert run.started_warm is (given is not None)
        run.wait(CHILD_START)
        losses.append(run_losses(run))
        run.close()
    assert len(losses[0]) == 6 and losses[0] == losses[1]


def test_a_dead_warm_process_is_passed_over_and_the_run_spawned(tmp_path, warm):
    (waiting,) = run_children()
    waiting.kill()
    waiting.join(10)
    assert not warm.alive
    run = RunProcess(plan_run(tiny_mlp(steps=10, log_every=5)), out=tmp_path)
    run.start(warm=warm)
    assert not run.started_warm
    assert run.wait(CHILD_START) is not None and run.ended.ok
    run.close()
    assert run_children() == []


def test_closing_an_unused_warm_process_ends_it(warm):
    assert len(run_children()) == 1
    warm.close()  # even while it still loads torch
    assert run_children() == [] and not warm.alive
    warm.close()  # twice is harmless


def test_the_train_command_spawns_its_run_as_before(tmp_path, capsys):
    path = tmp_path / "tiny.archx.json"
    project.save(tiny_mlp(steps=10, log_every=5), path)
    assert main(["train", str(path), "--out", str(tmp_path / "runs")]) == 0
    assert run_children() == []
