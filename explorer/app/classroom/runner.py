"""Running an experiment from the editor: each variant in its own process, several at once.

The ``ExperimentRunner`` hands variant after variant to live-training
``RunSession``s (so each trains in a fresh process with the experiment's
shared settings, exactly as Train does), and keeps every variant's numbers
in its ``VariantRun``. On a machine with more than two cores, up to half the
cores' worth of variants train at once, one session each, sharing the cores
the editor leaves (``parallel_jobs``); a variant's numbers do not depend on
what trains beside it, only on its seed and its threads. A variant that
cannot start, diverges or whose process dies is a failed row with the
reason; the next one starts all the same. After a variant of a lesion
experiment has trained, its lesion study runs on a worker thread from the
run folder; a memory experiment trains nothing and measures each variant on
a worker thread instead, one at a time (its timings would suffer beside
another).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from ..background import BackgroundWork
from ..runs.run_session import RunSession
from .experiment import (
    DONE,
    FAILED,
    RUNNING,
    SKIPPED,
    STARTING,
    STOPPED,
    Experiment,
    VariantRun,
)
from .work import failure_text, measure_memory, study_lesions

if TYPE_CHECKING:
    from explorer.train.lesions import LesionStudy
    from explorer.train.memory import MemoryReport
    from explorer.train.records import Progress, RunEnded, RunStarted

log = logging.getLogger(__name__)


def parallel_jobs(variants: int, cores: int | None = None) -> int:
    """How many variants the editor trains at once: half the cores (the editor has to draw
    meanwhile, and a run computes faster on two threads than one), one on two cores or fewer."""
    cores = cores or os.cpu_count() or 1
    return max(1, min(variants, cores // 2)) if cores > 2 else 1


def threads_each(jobs: int, cores: int | None = None) -> int:
    """The CPU threads each of ``jobs`` runs gets from the cores the editor leaves (one less
    than all); at least one."""
    cores = cores or os.cpu_count() or 1
    return max(1, (cores - 1) // jobs)


class ExperimentRunner(QObject):
    """Trains (or measures) an experiment's variants, ``jobs`` at a time; ``runs`` holds
    their state."""

    variant_changed = Signal(int)  # a variant's status or progress changed
    records_added = Signal(int)  # new numbers arrived for a variant's curves
    analysis_ready = Signal(int)  # a lesion study or memory measurement arrived (or failed)
    running_changed = Signal(bool)

    def __init__(self, experiment: Experiment, runs_dir: Callable[[], Path],
                 parent: QObject | None = None, *, jobs: int | None = None) -> None:
        """``jobs``: variants trained at once (default: ``parallel_jobs`` of this machine)."""
        super().__init__(parent)
        self.experiment = experiment
        self.runs_dir = runs_dir
        self.jobs = jobs
        self.runs = [VariantRun.of(v, i) for i, v in enumerate(experiment.variants)]
        self.running = False
        self._stopping = False
        self._sessions: list[RunSession] = []  # one per variant trained at once
        self._training: dict[int, int] = {}  # session slot -> the variant it trains now
        self._next = 0  # the next variant to start
        self._overrides: dict[str, Any] = {}  # for every variant's run (its threads)
        self._work = BackgroundWork(self)
        self._analyses = 0  # lesion studies still being computed
        self._generation = 0  # counts Runs, so news from an earlier one is ignored

    @property
    def session(self) -> RunSession:
        """The first run session (the only one when variants train one at a time)."""
        return self._session(0)

    def _session(self, slot: int) -> RunSession:
        """The run session of ``slot`` (made on first use), its news tagged with the slot."""
        while len(self._sessions) <= slot:
            n = len(self._sessions)
            session = RunSession(self.runs_dir, self, with_boundary=False)
            session.run_started.connect(lambda started, n=n: self._run_started(n, started))
            session.progress.connect(lambda progress, n=n: self._progress(n, progress))
            session.records_added.connect(lambda n=n: self._records_added(n))
            session.run_ended.connect(lambda ended, n=n: self._run_ended(n, ended))
            session.start_failed.connect(lambda text, n=n: self._start_failed(n, text))
            self._sessions.append(session)
        return self._sessions[slot]

    @property
    def current(self) -> int:
        """The first variant training (or being measured) now; -1 when none is."""
        return min(self._training.values(), default=-1)

    @property
    def busy(self) -> bool:
        """Training, measuring, or still working out a lesion study."""
        return self.running or self._analyses > 0

    def set_experiment(self, experiment: Experiment) -> None:
        """New settings (say, another number of steps) for the next Run; not while running."""
        if not self.running:
            self.experiment = experiment

    # -- commands -----------------------------------------------------------------------

    def run(self) -> bool:
        """Train (or measure) every variant afresh; False if it is already running."""
        if self.running:
            return False
        self.runs = [VariantRun.of(v, i) for i, v in enumerate(self.experiment.variants)]
        self._generation += 1
        self._stopping = False
        self._next = 0
        self._training = {}
        jobs = 1 if self.experiment.view == "memory" else \
            max(1, min(self.jobs or parallel_jobs(len(self.runs)), len(self.runs)))
        # one at a time: the run's own default threads, exactly as before
        self._overrides = {"threads": threads_each(jobs)} if jobs > 1 else {}
        self.running = True
        self.running_changed.emit(True)
        for index in range(len(self.runs)):
            self.variant_changed.emit(index)
        for slot in range(jobs):
            self._start_next(slot)
        return True

    def stop(self) -> None:
        """Stop the variants in progress (they keep what they learned); the rest are not run."""
        if not self.running:
            return
        self._stopping = True
        for session in self._sessions:
            if session.active:
                session.stop()

    def kill(self) -> None:
        """End the running variants' processes at once (runs that do not answer stop)."""
        for session in self._sessions:
            session.kill()

    def shutdown(self) -> None:
        """The window closes: stop the run processes, if any."""
        self._stopping = True
        for session in self._sessions:
            session.shutdown()

    # -- variant after variant, in each slot ----------------------------------------------

    def _start_next(self, slot: int) -> None:
        """Start the next variant waiting in ``slot``; finish when none waits or trains."""
        if not self.running:
            return
        if self._stopping:
            for rest in range(self._next, len(self.runs)):
                self._set(rest, status=SKIPPED, reason="The experiment was stopped first.")
            self._next = len(self.runs)
        if self._next >= len(self.runs):
            if not self._training:
                self._finish()
            return
        index = self._next
        self._next += 1
        self._training[slot] = index
        if self.experiment.view == "memory":
            self._measure(slot, index)
            return
        session = self._session(slot)
        if not session.start(self.experiment.project_for(index), **self._overrides):
            self._start_failed(slot, "Another run of this experiment is still going.")
            return
        self._set(index, status=STARTING, buffers=session.buffers)  # its fresh buffers

    def _measure(self, slot: int, index: int) -> None:
        self._set(index, status=RUNNING)
        project = self.experiment.variants[index].project  # each in its own data, as headless
        batch = self.experiment.settings.batch_size
        generation = self._generation
        self._work.submit(lambda: measure_memory(project, batch),
                          lambda reports: self._measured(generation, slot, reports),
                          lambda error: self._measure_failed(generation, slot, error))

    def _measured(self, generation: int, slot: int,
                  reports: tuple[MemoryReport, MemoryReport]) -> None:
        if generation != self._generation:
            return
        index = self._training.pop(slot)
        self.runs[index].memory = reports
        self._set(index, status=DONE, seconds=sum(r.step_seconds for r in reports))
        self.analysis_ready.emit(index)
        self._start_next(slot)

    def _measure_failed(self, generation: int, slot: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        index = self._training.pop(slot)
        self._set(index, status=FAILED, reason=failure_text(error))
        self._start_next(slot)

    def _finish(self) -> None:
        self.running = False
        self.running_changed.emit(False)

    def _set(self, index: int, **changes: Any) -> None:
        run = self.runs[index]
        for name, value in changes.items():
            setattr(run, name, value)
        self.variant_changed.emit(index)

    # -- the sessions' news ---------------------------------------------------------------------

    def _run_started(self, slot: int, started: RunStarted) -> None:
        if slot not in self._training:
            return
        run_dir = self._session(slot).run_dir
        self._set(self._training[slot], status=RUNNING, total_steps=started.total_steps,
                  run_dir=Path(run_dir) if run_dir is not None else None)

    def _progress(self, slot: int, progress: Progress) -> None:
        index = self._training.get(slot)
        if index is not None:
            run = self.runs[index]
            run.step = progress.step
            run.total_steps = progress.total_steps
            self.variant_changed.emit(index)

    def _records_added(self, slot: int) -> None:
        index = self._training.get(slot)
        if index is not None:
            self.records_added.emit(index)

    def _run_ended(self, slot: int, ended: RunEnded) -> None:
        index = self._training.pop(slot, None)
        if index is None:
            return
        run = self.runs[index]
        self._set(index, status={"done": DONE, "stopped": STOPPED}.get(ended.status, FAILED),
                  reason=ended.reason if ended.status != "done" else "", step=ended.step,
                  seconds=ended.elapsed)
        if (self.experiment.view == "lesion" and ended.status in ("done", "stopped")
                and run.run_dir is not None):
            self._study(index, run.run_dir)
        # the next variant after the session has settled
        QTimer.singleShot(0, self, lambda: self._start_next(slot))

    def _start_failed(self, slot: int, text: str) -> None:
        index = self._training.pop(slot, None)
        if index is None:
            return
        self._set(index, status=FAILED, reason=text)
        QTimer.singleShot(0, self, lambda: self._start_next(slot))
    def _study(self, index: int, run_dir: Path) -> None:
        self._analyses += 1
        run = self.runs[index]
        self._work.submit(lambda: study_lesions(run_dir),
                          lambda study: self._studied(run, study, ""),
                          lambda error: self._studied(run, None, failure_text(error)))

    def _studied(self, run: VariantRun, study: LesionStudy | None, error: str) -> None:
        self._analyses -= 1
        if run not in self.runs:
            return  # from an earlier Run of the experiment
        index = self.runs.index(run)
        run.lesion, run.analysis_error = study, error
        if error:
            log.info("lesion study of %s: %s", run.label, error)
        self.analysis_ready.emit(index)

