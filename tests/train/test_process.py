"""Runs in their own process: records stream back, commands work, and a crash is only a failure."""

import json
import os

import pytest

from explorer.train import (
    Progress,
    RunEnded,
    RunProcess,
    RunStarted,
    StateChanged,
    StepRecord,
    load_run,
    plan_run,
)
from explorer.train.process import RecordSender, crash_reason

from .train_helpers import CHILD_START, AbortAt, PoisonWeights, tiny_mlp, wait_until


def started(tmp_path, project, child_callbacks=(), **settings):
    run = RunProcess(plan_run(project, **settings), out=tmp_path,
                     child_callbacks=child_callbacks)
    run.start()
    return run


def gather(run, records, predicate, what, timeout=CHILD_START):
    """Poll ``run`` into ``records`` until ``predicate()`` holds."""
    def polled():
        records.extend(run.poll())
        return predicate()
    wait_until(polled, timeout, what)


def collect(run, timeout=CHILD_START):
    """Every record until the run ends."""
    records = []
    gather(run, records, lambda: run.ended is not None, "the end of the run", timeout)
    return records


@pytest.mark.slow
def test_a_run_streams_its_records_and_ends_done(tmp_path):
    run = started(tmp_path, tiny_mlp(steps=40, log_every=10))
    records = collect(run)
    kinds = [type(r) for r in records]
    assert kinds[0] is RunStarted and kinds[-1] is RunEnded
    assert [r.step for r in records if isinstance(r, StepRecord)] == [10, 20, 30, 40]
    assert any(isinstance(r, Progress) for r in records)
    assert run.ended.ok and run.ended.step == 40
    assert load_run(run.run_dir).state == "done"
    run.close()


@pytest.mark.slow
def test_pause_step_resume_and_stop_reach_the_child(tmp_path):
    run = started(tmp_path, tiny_mlp(steps=100_000, log_every=1000, batch_size=8))
    records = []

    def until(predicate, what):
        gather(run, records, lambda: any(predicate(r) for r in records), what)

    until(lambda r: isinstance(r, Progress), "the first progress record")
    run.pause()
    until(lambda r: isinstance(r, StateChanged) and r.state == "paused", "the pause")
    paused_at = next(r.step for r in records if isinstance(r, StateChanged))
    run.step()
    until(lambda r: isinstance(r, StepRecord) and r.step == paused_at + 1, "the single step")
    run.resume()
    until(lambda r: isinstance(r, StateChanged) and r.state == "running", "the resume")
    run.stop()
    records += collect(run)
    assert run.ended.status == "stopped" and run.ended.step > paused_at + 1
    assert load_run(run.run_dir).has_weights
    run.close()


@pytest.mark.slow
def test_a_hard_crash_of_the_child_is_a_failed_run_and_the_parent_carries_on(tmp_path):
    go = tmp_path / "abort now"
    run = started(tmp_path, tiny_mlp(steps=50, log_every=5), child_callbacks=[AbortAt(12, go)])
    gather(run, [], lambda: run.steps_done >= 10, "the record of step 10")
    go.touch()
    collect(run)
    ended = run.ended
    assert ended.status == "failed"
    assert "crashed" in ended.reason and "SIGABRT" in ended.reason
    assert ended.step >= 10, "the steps it reported before dying are kept"
    status = json.loads((run.run_dir / "status.json").read_text())
    assert status["status"] == "failed" and "SIGABRT" in status["reason"]
    run.close()
    assert os.getpid() > 0  # still here


@pytest.mark.slow
def test_a_failure_inside_the_child_comes_back_with_its_reason(tmp_path):
    run = started(tmp_path, tiny_mlp(), child_callbacks=[PoisonWeights("linear_2", 4)])
    collect(run)
    assert run.ended.status == "failed" and run.ended.node_id == "linear_2"
    run.close()


class SlowToExit:
    """A child whose pipe has closed but which has not exited yet (still tearing down)."""

    def __init__(self):
        self.exitcode = None
        self.joins = []  # the timeout of every join asked for

    def is_alive(self):
        return self.exitcode is None

    def join(self, timeout=None):
        self.joins.append(timeout)

    def kill(self):
        self.exitcode = -9


class ClosedPipe:
    """The records pipe of a child that has gone: reading it says end-of-file."""

    def poll(self):
        raise EOFError

    def close(self):
        pass


def silent_child(monkeypatch, clock):
    """A run whose child closed its pipe without a word, and the fake process behind it."""
    monkeypatch.setattr("explorer.train.process.time.monotonic", lambda: clock[0])
    run = RunProcess(plan_run(tiny_mlp()), out=None)
    child = SlowToExit()
    run._process, run._records = child, ClosedPipe()
    return run, child


def test_poll_never_waits_for_a_child_that_is_slow_to_exit(monkeypatch):
    clock = [100.0]
    run, child = silent_child(monkeypatch, clock)
    assert run.poll() == [] and run.ended is None  # not exited yet: ask again later
    clock[0] += 1
    assert run.poll() == [] and run.ended is None
    assert all(timeout == 0 for timeout in child.joins), "poll must never block the caller"
    child.exitcode = -6
    [ended] = run.poll()
    assert ended is run.ended and ended.status == "failed" and "SIGABRT" in ended.reason
    assert all(timeout == 0 for timeout in child.joins)


def test_a_child_that_never_exits_after_going_silent_is_reported_all_the_same(monkeypatch):
    clock = [100.0]
    run, child = silent_child(monkeypatch, clock)
    assert run.poll() == []
    clock[0] += 60
    [ended] = run.poll()
    assert ended.status == "failed" and "stopped answering" in ended.reason
    assert all(timeout == 0 for timeout in child.joins)
    run.close()  # off the UI thread: it may wait a moment, and it ends the child
    assert not child.is_alive()


def test_crash_reasons_read_plainly():
    assert "out of memory" in crash_reason(-9, 3)
    assert "SIGSEGV" in crash_reason(-11, 0) and "before its first step" in crash_reason(-11, 0)
    assert "exit code 3" in crash_reason(3, 10)


@pytest.mark.slow
def test_killing_a_run_ends_it_as_stopped_without_weights(tmp_path):
    run = started(tmp_path, tiny_mlp(steps=1_000_000, log_every=100))
    gather(run, [], lambda: run.steps_done >= 100, "step 100")
    run.kill()
    collect(run)
    assert run.ended.status == "stopped" and "not saved" in run.ended.reason
    assert load_run(run.run_dir).state == "stopped"
    assert not load_run(run.run_dir).has_weights
    run.close()


def test_the_child_sends_records_in_batches_and_all_of_them_in_order_on_close():
    import multiprocessing as mp

    reader, writer = mp.Pipe(duplex=False)
    sender = RecordSender(writer, interval=0.02)
    for i in range(500):
        sender.send(i)
    wait_until(reader.poll, 10, "a first batch")  # one goes while the "run" carries on
    for i in range(500, 1000):
        sender.send(i)
    sender.close()
    batches = []
    with pytest.raises(EOFError):  # the sender closed its end after the last batch
        while True:
            batches.append(reader.recv())
    assert all(isinstance(batch, list) for batch in batches)
    assert 1 < len(batches) < 1000  # batched: far fewer messages than records
    assert [i for batch in batches for i in batch] == list(range(1000))
