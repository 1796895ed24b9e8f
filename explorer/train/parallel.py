"""Training an experiment's variants side by side, each in a process of its own.

A variant's result depends only on its plan: the seed, the settings and the
number of CPU threads it computes with (``environment.py`` says why the
threads matter). So variants trained in separate processes, each with the
same plan, give exactly the numbers they give one after another; only the
wall time changes.

The pool is kept small and explicit rather than a ``ProcessPoolExecutor``:
when one worker is killed (out of memory, say), an executor breaks every
variant still out, while here the parent knows which variant that worker
held, reports it as failed with the reason, and starts a fresh worker for
the variants still waiting. Workers are started with ``spawn`` (a clean
interpreter: no torch state or threads copied from the parent) and each
trains many variants, so torch is imported once per worker, not per variant.
That start (a couple of seconds each) is what parallel variants pay: it
pays off for variants that train for more than a few seconds on cores that
are otherwise idle, not for a sweep that takes seconds in all.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

import torch

from .callbacks import Callback
from .engine import Trainer
from .plan import RunPlan
from .records import StepRecord
from .run_folder import RunWriter, new_run_dir

WORKER_NAME = "architecture-explorer-sweep"
FAILED = "failed"


def threads_per_job(total: int, jobs: int) -> int:
    """Each job's share of ``total`` CPU threads: at least one, so that ``jobs`` x the share
    never exceeds ``total`` unless there are more jobs than threads."""
    return max(1, total // max(1, jobs))


class CurveRecorder(Callback):
    """Keeps every logged step: the curve a variant's result carries."""

    def __init__(self) -> None:
        self.records: list[StepRecord] = []

    def on_log(self, record: StepRecord) -> None:
        self.records.append(record)


class _ExperimentWriter(RunWriter):
    """A run folder whose config.json also says how the experiment shared the machine."""

    def __init__(self, run_dir: Path, jobs: int) -> None:
        super().__init__(run_dir)
        self.jobs = jobs

    def begin(self, project_text: str, config: dict[str, Any]) -> None:
        super().begin(project_text, {**config, "jobs": self.jobs})


def experiment_trainer(task: Task, callbacks: Sequence[Callback]) -> Trainer:
    """A Trainer for one variant, its run folder made now (as it starts) when the experiment
    keeps them; its config.json records ``jobs`` next to ``threads``."""
    trainer = Trainer(task.plan, callbacks)
    if task.out is not None:
        trainer.writer = _ExperimentWriter(new_run_dir(task.out, task.label), task.jobs)
    return trainer


@dataclass(frozen=True)
class Task:
    """One variant to train in a worker (picklable: the plan is a snapshot)."""

    index: int
    label: str
    plan: RunPlan
    out: str | None  # the folder its run folder goes in, if kept
    jobs: int
    keep_model: bool


@dataclass(frozen=True)
class Outcome:
    """How a variant's training ended, as the parent needs it to make its result."""

    index: int
    status: str
    reason: str
    steps: int
    seconds: float
    curve: tuple[StepRecord, ...]
    run_dir: str | None = None
    weights: dict[str, torch.Tensor] | None = None  # the trained state_dict, when asked for


def train(task: Task) -> Outcome:
    """Train one variant here; never raises (a failure is a failed outcome)."""
    curve = CurveRecorder()
    try:
        trainer = experiment_trainer(task, [curve])
    except OSError as error:  # its run folder cannot be made (a full disk, say)
        return Outcome(task.index, FAILED, f"Its run folder could not be made in {task.out}: "
                       f"{error.strerror or error}", 0, 0.0, ())
    started = time.perf_counter()
    ended = trainer.run()
    seconds = time.perf_counter() - started
    weights = None
    if task.keep_model and trainer.model is not None:
        # cloned: while training, parameters are views of one flat buffer
        weights = {k: v.detach().to("cpu", copy=True)
                   for k, v in trainer.model.state_dict().items()}
    return Outcome(task.index, ended.status, ended.reason, ended.step, seconds,
                   tuple(curve.records), ended.run_dir, weights)


def serve(conn: Connection) -> None:
    """A worker's life: train each task it is sent and send back its outcome; None ends it.

    Ctrl-C reaches every process of the terminal; the parent alone answers it
    (it ends the workers), so a worker ignores it rather than report half a run.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        while (task := conn.recv()) is not None:
            conn.send(train(task))
    except (EOFError, BrokenPipeError):
        pass  # the parent has gone: nothing left to report to


def rebuild_model(plan: RunPlan, weights: dict[str, torch.Tensor]) -> torch.nn.Module:
    """The trained network again, from its graph and the weights a worker sent back."""
    from explorer.compiler import build_model

    model = build_model(plan.project().graph)
    model.load_state_dict(weights)
    return model.to(torch.device(plan.device))


class _Worker:
    """One worker process, the pipe to it, and the task it is training (None when idle)."""

    def __init__(self, context: Any) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child,), name=WORKER_NAME,
                                       daemon=True)
        self.process.start()
        child.close()  # the worker holds its end: a dead worker then reads as end of file
        self.task: Task | None = None

    def give(self, task: Task) -> None:
        self.task = task
        with contextlib.suppress(OSError):  # it died already: collect() reports the task
            self.conn.send(task)

    def collect(self) -> Outcome | None:
        """The outcome of its task if training ended (a crash is a failed outcome), else None."""
        task = self.task
        if task is None:
            return None
        try:
            if self.conn.poll():
                outcome: Outcome = self.conn.recv()
                self.task = None
                return outcome
        except (EOFError, OSError):
            self.process.join(5)  # the pipe closed: the worker is exiting
        if self.process.is_alive():
            return None
        self.task = None
        return Outcome(task.index, FAILED, crash_reason(self.process.exitcode), 0, 0.0, ())

    def close(self, patience: float) -> None:
        """Ask the worker to finish; end it if it does not within ``patience`` seconds."""
        with contextlib.suppress(OSError):  # gone already
            self.conn.send(None)
        self.process.join(patience)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()


def crash_reason(exitcode: int | None) -> str:
    """Why a worker stopped without a result, in words."""
    if exitcode is not None and exitcode < 0:
        try:
            how = f"was killed ({signal.Signals(-exitcode).name})"
        except ValueError:
            how = f"was killed (signal {-exitcode})"
    else:
        how = f"exited with code {exitcode}"
    return (f"The process training this variant {how} before it finished; running out of "
            "memory is the usual cause. The other variants are not affected.")


def run_tasks(tasks: Sequence[Task], jobs: int,
              on_start: Callable[[Task], None] | None = None) -> list[Outcome]:
    """Train ``tasks`` in up to ``jobs`` worker processes; outcomes in the tasks' order.

    ``on_start`` is called here, in the parent, as each task is handed to a worker.
    Ctrl-C ends every worker and the experiment: what finished is kept, the rest
    are "stopped" outcomes. Any other error here ends every worker before it goes on.
    """
    context = multiprocessing.get_context("spawn")
    waiting = deque(tasks)
    outcomes: dict[int, Outcome] = {}
    workers: list[_Worker] = []
    finished = False
    try:
        while waiting and len(workers) < jobs:
            worker = _Worker(context)
            workers.append(worker)
            _hand(worker, waiting, on_start)
        while busy := [w for w in workers if w.task is not None]:
            wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                outcome = worker.collect()
                if outcome is None:
                    continue
                outcomes[outcome.index] = outcome
                if not worker.process.is_alive():  # crashed: a fresh one takes its place
                    worker.close(0)
                    workers.remove(worker)
                    if waiting:
                        worker = _Worker(context)
                        workers.append(worker)
                if waiting:
                    _hand(worker, waiting, on_start)
        finished = True
    except KeyboardInterrupt:
        pass  # the outcomes so far stand; the others are reported as interrupted
    finally:
        for worker in workers:
            worker.close(10 if finished else 0)
    return [outcomes.get(task.index) or Outcome(task.index, "stopped", "Interrupted before it "
                                                "finished.", 0, 0.0, ()) for task in tasks]


def _hand(worker: _Worker, waiting: deque[Task], on_start: Callable[[Task], None] | None
          ) -> None:
    task = waiting.popleft()
    worker.give(task)
    if on_start is not None:
        on_start(task)
