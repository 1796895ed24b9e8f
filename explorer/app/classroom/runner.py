"""Running an experiment from the editor: each variant in its own process, one after another.

The ``ExperimentRunner`` hands variant after variant to one live-training
``RunSession`` (so each trains in a fresh process with the experiment's
shared settings, exactly as Train does), and keeps every variant's numbers
in its ``VariantRun``. A variant that cannot start, diverges or whose
process dies is a failed row with the reason; the next one starts all the
same. After a variant of a lesion experiment has trained, its lesion study
runs on a worker thread from the run folder; a memory experiment trains
nothing and measures each variant on a worker thread instead.
"""

from __future__ import annotations

import logging
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


class ExperimentRunner(QObject):
    """Trains (or measures) an experiment's variants in turn; ``runs`` holds their state."""

    variant_changed = Signal(int)  # a variant's status or progress changed
    records_added = Signal(int)  # new numbers arrived for a variant's curves
    analysis_ready = Signal(int)  # a lesion study or memory measurement arrived (or failed)
    running_changed = Signal(bool)

    def __init__(self, experiment: Experiment, runs_dir: Callable[[], Path],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.experiment = experiment
        self.runs_dir = runs_dir
        self.runs = [VariantRun.of(v, i) for i, v in enumerate(experiment.variants)]
        self.current = -1  # the variant training (or being measured) now
        self.running = False
        self._stopping = False
        self._session: RunSession | None = None
        self._work = BackgroundWork(self)
        self._analyses = 0  # lesion studies still being computed
        self._generation = 0  # counts Runs, so news from an earlier one is ignored

    @property
    def session(self) -> RunSession:
        """The run session the variants take turns in (made on first use)."""
        if self._session is None:
            session = RunSession(self.runs_dir, self, with_boundary=False)
            session.run_started.connect(self._run_started)
            session.progress.connect(self._progress)
            session.records_added.connect(lambda: self.records_added.emit(self.current))
            session.run_ended.connect(self._run_ended)
            session.start_failed.connect(self._start_failed)
            self._session = session
        return self._session

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
        self.running = True
        self.running_changed.emit(True)
        for index in range(len(self.runs)):
            self.variant_changed.emit(index)
        self._start(0)
        return True

    def stop(self) -> None:
        """Stop the variant in progress (it keeps what it learned); the rest are not run."""
        if not self.running:
            return
        self._stopping = True
        if self._session is not None and self._session.active:
            self._session.stop()

    def kill(self) -> None:
        """End the current variant's process at once (a run that does not answer stop)."""
        if self._session is not None:
            self._session.kill()

    def shutdown(self) -> None:
        """The window closes: stop the run process, if any."""
        self._stopping = True
        if self._session is not None:
            self._session.shutdown()

    # -- one variant after another ---------------------------------------------------------

    def _start(self, index: int) -> None:
        self.current = index
        if index >= len(self.runs):
            self._finish()
            return
        if self._stopping:
            for rest in range(index, len(self.runs)):
                self._set(rest, status=SKIPPED, reason="The experiment was stopped first.")
            self._finish()
            return
        if self.experiment.view == "memory":
            self._measure(index)
            return
        if not self.session.start(self.experiment.project_for(index)):
            self._start_failed("Another run of this experiment is still going.")
            return
        self._set(index, status=STARTING, buffers=self.session.buffers)  # its fresh buffers

    def _measure(self, index: int) -> None:
        self._set(index, status=RUNNING)
        project = self.experiment.variants[index].project  # each in its own data, as headless
        batch = self.experiment.settings.batch_size
        generation = self._generation
        self._work.submit(lambda: measure_memory(project, batch),
                          lambda reports: self._measured(generation, index, reports),
                          lambda error: self._measure_failed(generation, index, error))

    def _measured(self, generation: int, index: int,
                  reports: tuple[MemoryReport, MemoryReport]) -> None:
        if generation != self._generation:
            return
        self.runs[index].memory = reports
        self._set(index, status=DONE, seconds=sum(r.step_seconds for r in reports))
        self.analysis_ready.emit(index)
        self._start(index + 1)

    def _measure_failed(self, generation: int, index: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self._set(index, status=FAILED, reason=failure_text(error))
        self._start(index + 1)

    def _finish(self) -> None:
        self.current = -1
        self.running = False
        self.running_changed.emit(False)

    def _set(self, index: int, **changes: Any) -> None:
        run = self.runs[index]
        for name, value in changes.items():
            setattr(run, name, value)
        self.variant_changed.emit(index)

    # -- the session's news ---------------------------------------------------------------------

    def _run_started(self, started: RunStarted) -> None:
        run_dir = self.session.run_dir
        self._set(self.current, status=RUNNING, total_steps=started.total_steps,
                  run_dir=Path(run_dir) if run_dir is not None else None)

    def _progress(self, progress: Progress) -> None:
        if 0 <= self.current < len(self.runs):
            run = self.runs[self.current]
            run.step = progress.step
            run.total_steps = progress.total_steps
            self.variant_changed.emit(self.current)

    def _run_ended(self, ended: RunEnded) -> None:
        index = self.current
        run = self.runs[index]
        self._set(index, status={"done": DONE, "stopped": STOPPED}.get(ended.status, FAILED),
                  reason=ended.reason if ended.status != "done" else "", step=ended.step,
                  seconds=ended.elapsed)
        if (self.experiment.view == "lesion" and ended.status in ("done", "stopped")
                and run.run_dir is not None):
            self._study(index, run.run_dir)
        # the next variant after the session has settled
        QTimer.singleShot(0, self, lambda: self._start(index + 1))

    def _start_failed(self, text: str) -> None:
        index = self.current
        self._set(index, status=FAILED, reason=text)
        QTimer.singleShot(0, self, lambda: self._start(index + 1))

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

