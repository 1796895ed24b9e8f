"""Train with Processes above 1: the run in several processes under torchrun, from the editor.

A ``ProcessesSession`` is the several-process sibling of ``RunSession``.
The project is copied on the UI thread (a snapshot: later edits do not
reach the run, and nothing needs saving), then, on one worker thread, the
run is planned, checked (``check_processes``: a batch that does not split
is refused before anything starts), started under torchrun and followed to
its end. The worker owns the processes for their whole life, so they are
ended whatever happens to the window. They write the run folder a
one-process run writes, in the editor's runs folder: the run lists in the
run history.

Only rank 0's heartbeats (step, speed, loss) come back while the processes
train; the step records are not piped to the editor. So the progress bar
follows the run live, and the curves are read from the run folder when it
ends, just as the run history opens a past run (``open_run``). Pause and
Step have nothing to talk to; Stop ends the processes (their weights are
then not saved, as with Ctrl-C on the command line).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from explorer.graph import Project, project
from explorer.train.errors import SetupError
from explorer.train.records import Progress, RunEnded

from ..background import BackgroundWork
from ..runs.run_session import start_error_text

if TYPE_CHECKING:  # these import torch: the worker thread has them, the editor only names them
    from explorer.train.launch import Heartbeat, ProcessesRun
    from explorer.train.plan import RunPlan

    from .run_history import OpenedRun

log = logging.getLogger(__name__)

POLL_MS = 100  # how often the newest heartbeat is shown (rank 0 sends a few a second)
IDLE, STARTING, RUNNING, STOPPING, ENDED = "idle", "starting", "running", "stopping", "ended"


class Shared:
    """What the worker thread and the UI thread both touch: the run once it is started,
    rank 0's newest heartbeat, and whether Stop (or closing the window) was asked."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.run: ProcessesRun | None = None
        self.plan: RunPlan | None = None
        self.beat: Heartbeat | None = None
        self.stopped = False

    def started(self, run: ProcessesRun, plan: RunPlan) -> None:
        """The worker: the processes are up (a Stop asked meanwhile ends them now)."""
        with self._lock:
            self.run, self.plan = run, plan
            if self.stopped:
                run.stop()

    def heartbeat(self, beat: Heartbeat) -> None:
        self.beat = beat  # one reference, replaced whole: no lock needed

    def stop(self) -> None:
        """The UI: end the processes, now or as soon as they are started."""
        with self._lock:
            self.stopped = True
            if self.run is not None:
                self.run.stop()


@dataclass
class Followed:
    """How the run ended, and its curves read from its folder (None if unreadable)."""

    ended: RunEnded
    opened: OpenedRun | None


def train_in_processes(snapshot: Project, runs_dir: Path, nproc: int,
                       shared: Shared) -> Followed:
    """Plan, check, start and follow the run (on a worker thread: this imports torch).

    Raises SetupError, before anything starts, when the run cannot be split
    this way. The threads are shared out among the processes, as on the
    command line.
    """
    from explorer.train.cores import threads_per_process
    from explorer.train.launch import Choices, ProcessesRun, check_processes
    from explorer.train.plan import plan_run

    threads = threads_per_process(None, nproc)
    panel = Choices("Processes", "Device cpu", "Processes 1")  # the Train panel's words
    plan = check_processes(plan_run(snapshot, threads=threads), nproc, panel)
    run = ProcessesRun(plan, runs_dir)
    try:
        run.start()
        shared.started(run, plan)
        outcome = run.follow(shared.heartbeat)
    finally:
        run.close()
    return Followed(outcome.ended, read_curves(outcome.ended.run_dir))


def read_curves(run_dir: str | None) -> OpenedRun | None:
    """The finished run as the run history opens it; None when its folder cannot be read."""
    from explorer.train.run_index import read_summary

    from .run_history import open_run

    if run_dir is None:
        return None
    try:
        return open_run(read_summary(run_dir))
    except Exception as error:  # a damaged folder leaves the panels empty, never the editor
        log.warning("reading the curves of %s: %s", run_dir, error)
        return None


class ProcessesSession(QObject):
    """One run in several processes at a time; ``ended`` keeps how the last one ended."""

    state_changed = Signal(str)
    run_started = Signal(object)  # Path: the run folder, once the processes are up
    progress = Signal(object)  # Progress, from rank 0's newest heartbeat
    run_ended = Signal(object)  # RunEnded
    curves_read = Signal(object)  # OpenedRun: the ended run's curves, from its folder
    start_failed = Signal(str)  # the plain reason the run could not start

    def __init__(self, runs_dir: Callable[[], Path], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runs_dir = runs_dir
        self.state = IDLE
        self.nproc = 1
        self.plan: RunPlan | None = None
        self.run_dir: Path | None = None
        self.last_progress: Progress | None = None
        self.ended: RunEnded | None = None
        self._shared = Shared()
        self._shown: Heartbeat | None = None
        self._began = time.monotonic()
        self._work = BackgroundWork(self)
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self.poll)

    @property
    def active(self) -> bool:
        return self.state in (STARTING, RUNNING, STOPPING)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    def start(self, source: Project, nproc: int) -> bool:
        """Train a snapshot of ``source`` in ``nproc`` processes; False if a run is out."""
        if self.active:
            return False
        snapshot = project.loads(project.dumps(source))
        self.nproc, self.plan, self.run_dir = nproc, None, None
        self.last_progress = self.ended = self._shown = None
        shared = self._shared = Shared()
        self._began = time.monotonic()
        self._set_state(STARTING)
        runs_dir = self.runs_dir()
        self._work.submit(lambda: train_in_processes(snapshot, runs_dir, nproc, shared),
                          self._finished, self._failed)
        self._timer.start()
        return True

    def stop(self) -> None:
        """End the processes (their weights are not saved); the end arrives as usual."""
        if self.state in (STARTING, RUNNING):
            self._shared.stop()
            self._set_state(STOPPING)

    def forget(self) -> bool:
        """Drop the ended run (another project is shown now); False while a run is out."""
        if self.active:
            return False
        self.ended = self.last_progress = None
        self._set_state(IDLE)
        return True

    def shutdown(self) -> None:
        """The window closes: the worker ends the processes (it waits for them, not us)."""
        self._timer.stop()
        self._shared.stop()

    def poll(self) -> None:
        """Show that the processes started, and rank 0's newest heartbeat (the timer)."""
        shared = self._shared
        run, plan, beat = shared.run, shared.plan, shared.beat
        if self.run_dir is None and run is not None and run.run_dir is not None:
            self.plan, self.run_dir = plan, run.run_dir
            if self.state == STARTING:
                self._set_state(RUNNING)
            self.run_started.emit(self.run_dir)
        if beat is not None and beat is not self._shown and plan is not None:
            self._shown = beat
            self.last_progress = Progress(beat.step, plan.total_steps, 0, beat.loss,
                                          beat.speed, time.monotonic() - self._began)
            self.progress.emit(self.last_progress)

    def _finished(self, followed: Followed) -> None:
        self.poll()  # the folder and the last heartbeat, if the timer missed them
        self._timer.stop()
        self.ended = followed.ended
        self._set_state(ENDED)
        self.run_ended.emit(followed.ended)
        if followed.opened is not None:
            self.curves_read.emit(followed.opened)

    def _failed(self, error: BaseException) -> None:
        """The run could not start (a batch that does not split, no run folder, ...)."""
        self._timer.stop()
        if not isinstance(error, SetupError):  # a SetupError is the user's to fix, not a bug
            log.error("A run in several processes could not start", exc_info=error)
        self._set_state(IDLE)
        self.start_failed.emit(start_error_text(error))
