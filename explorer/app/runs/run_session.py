"""The editor's side of one training run: start it, drain its records, command it, end it.

A ``RunSession`` turns Train into a running process without ever making
the window wait: the project is copied on the UI thread (a snapshot, so
later edits do not reach the run), then planned and started on a worker
thread (planning imports torch and loads the data; starting pickles the
data into a fresh process). From then on a QTimer drains the run's records
about 30 times a second into preallocated buffers and tells the panels in
one signal per tick, however many records came. Pause, Step and Stop go
down the run's command pipe and return at once.

``prepare()`` (the application calls it once the window is up) keeps a
run process warm: started ahead of time, torch loaded, waiting for the
next plan (``explorer.train.warm``), and loads the planning code on a
worker thread; so Train starts training at once instead of after seconds.

Whatever happens to the run process (a NaN, running out of memory, a
crash, being killed) arrives as a ``RunEnded`` with a plain reason; the
editor and its unsaved graph never notice anything else.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from explorer.graph import Project, project
from explorer.train.errors import SetupError
from explorer.train.records import Progress, RunEnded, RunStarted, StateChanged, StepRecord
from explorer.train.warm import WarmProcess

from ..background import BackgroundWork
from .buffers import RunBuffers

if TYPE_CHECKING:  # these import torch: the run process has them, the editor only names them
    from explorer.train.boundary import BoundaryChannel
    from explorer.train.plan import RunPlan
    from explorer.train.process import RunProcess

log = logging.getLogger(__name__)

POLL_MS = 33  # how often records are drained while a run is out
CLOSE_TIMEOUT = 3.0  # seconds a closing session gives its run to stop before killing it

# The states a session goes through; "ended" keeps the last run's buffers on show.
IDLE, STARTING, RUNNING, PAUSED, STOPPING, ENDED = (
    "idle", "starting", "running", "paused", "stopping", "ended")


@dataclass
class Launched:
    """What the worker thread hands back once the run process is up."""

    plan: RunPlan
    process: RunProcess
    channel: BoundaryChannel | None  # None when the dataset has no map


class Handover:
    """Hands a started run from the launching worker thread to its session, unless the
    session closed first.

    A session can close (its window closing) while its run is still being
    planned and started on the worker thread. Whichever side comes second
    closes the run: the worker if the session closed before the run was
    offered, the session if the offer came first. So no run is ever left
    training with nobody watching it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._closed = False
        self._launched: Launched | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    def offer(self, launched: Launched) -> bool:
        """The worker: hand the run over; False if the session has closed (close it yourself)."""
        with self._lock:
            if not self._closed:
                self._launched = launched
            return not self._closed

    def close(self) -> Launched | None:
        """The session: take no run from now on; returns the one offered, if any."""
        with self._lock:
            self._closed = True
            return self._launched


def launch(snapshot: Project, runs_dir: Path, overrides: dict[str, Any],
           with_boundary: bool = True, handover: Handover | None = None,
           warm: WarmProcess | None = None) -> Launched | None:
    """Plan and start a run of ``snapshot`` (on a worker thread: this imports torch),
    in ``warm`` if that process is still there, else in a new one.

    None if the session closed meanwhile (see ``Handover``): then no process is left running.
    """
    from explorer.train import RunProcess, plan_run
    from explorer.train.boundary import BoundaryChannel, BoundaryGrid, shows_boundary

    handover = handover or Handover()
    plan = plan_run(snapshot, **overrides)
    if handover.closed:
        return None  # nobody would watch it: never start it
    channel = None
    if with_boundary and shows_boundary(plan.dataset):
        channel = BoundaryChannel(BoundaryGrid.around(plan.dataset.x_train))
    process = RunProcess(plan, out=runs_dir,
                         child_callbacks=[channel.probe] if channel is not None else [])
    try:
        process.start(warm=warm)
    finally:
        if channel is not None:
            channel.run_started()
    launched = Launched(plan, process, channel)
    if not handover.offer(launched):
        _close(process, channel, CLOSE_TIMEOUT)
        return None
    return launched


def leave_a_core_for_the_editor() -> None:
    """Runs started from the editor use one CPU core fewer than there are (at least one).

    torch uses every core by default; the editor then has to fight the run
    for the CPU to draw it, and both slow down. Set once, before any run
    process starts (it inherits the environment); a value the user set wins.
    """
    cores = os.cpu_count() or 1
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, cores - 1)))


def load_planning() -> None:
    """Import what planning and starting a run import (torch among them), ahead of Train."""
    import explorer.train.boundary
    import explorer.train.plan
    import explorer.train.process  # noqa: F401


def start_error_text(error: BaseException) -> str:
    """Why a run could not start, for the user: a SetupError's own words, else a summary."""
    message = getattr(error, "message", None)
    if isinstance(message, str) and message:
        hint = getattr(error, "hint", "") or ""
        return message + (f" {hint}" if hint else "")
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"The run could not start: {text}"


class RunSession(QObject):
    """One run at a time; its buffers stay on show after it ends, until the next one."""

    state_changed = Signal(str)
    run_started = Signal(object)  # RunStarted
    progress = Signal(object)  # Progress, at most once per tick
    records_added = Signal()  # new StepRecords are in ``buffers`` (once per tick)
    boundary = Signal(object)  # BoundaryFrame, the newest of the tick
    run_ended = Signal(object)  # RunEnded
    start_failed = Signal(str)  # the plain reason a run could not start

    def __init__(self, runs_dir: Callable[[], Path], parent: QObject | None = None,
                 *, with_boundary: bool = True) -> None:
        super().__init__(parent)
        self.runs_dir = runs_dir
        self.with_boundary = with_boundary
        self.state = IDLE
        self.buffers = RunBuffers()
        self.plan: RunPlan | None = None
        self.process: RunProcess | None = None
        self.channel: BoundaryChannel | None = None
        self.started: RunStarted | None = None
        self.last_progress: Progress | None = None
        self.ended: RunEnded | None = None
        self._cancel = False
        self._handover: Handover | None = None  # the launch in progress, or the last one
        self.warm: WarmProcess | None = None  # the process the next run goes to
        self.keep_warm = False  # prepare() was called: keep a process warm after each run
        self._closed = False
        self._work = BackgroundWork(self)
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self.poll)
        leave_a_core_for_the_editor()

    # -- state ------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """A run is starting, running, paused or stopping."""
        return self.state in (STARTING, RUNNING, PAUSED, STOPPING)

    @property
    def run_dir(self) -> Path | None:
        return getattr(self.process, "run_dir", None)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    # -- commands ---------------------------------------------------------------------

    def prepare(self) -> None:
        """Have a run process waiting for the next run (and the planning code loaded).

        Called after the window shows, and again after each run ends. A waiting
        process that died is replaced; one still warming up is kept.
        """
        if self._closed:
            return
        first = not self.keep_warm
        self.keep_warm = True
        if first:
            self._work.submit(load_planning, lambda _: None,
                              lambda error: log.warning("loading the planning code: %s", error))
        if self.active or (self.warm is not None and self.warm.alive):
            return
        self.warm = WarmProcess()
        try:
            self.warm.start()
        except Exception:  # the run is then spawned when Train asks, as without one
            log.exception("starting a run process ahead of time failed")
            self.warm = None

    def start(self, source: Project, **overrides: Any) -> bool:
        """Start a run of a snapshot of ``source``; False if one is already out."""
        if self.active:
            return False
        snapshot = project.loads(project.dumps(source))
        self._reset()
        self._set_state(STARTING)
        runs_dir = self.runs_dir()
        handover = self._handover = Handover()
        with_boundary = self.with_boundary
        warm = self.warm  # kept unless the run takes it: a plan that fails leaves it waiting
        self._work.submit(
            lambda: launch(snapshot, runs_dir, overrides, with_boundary, handover, warm),
            self._launched, self._launch_failed)
        return True

    def pause(self) -> None:
        if self.state == RUNNING and self.process is not None:
            self.process.pause()

    def resume(self) -> None:
        if self.state == PAUSED and self.process is not None:
            self.process.resume()

    def step(self) -> None:
        """While paused: one more step, logged in full."""
        if self.state == PAUSED and self.process is not None:
            self.process.step()

    def stop(self) -> None:
        """Ask the run to stop after its current step; it keeps its weights."""
        if self.state == STARTING:
            self._cancel = True
            self._set_state(STOPPING)
        elif self.state in (RUNNING, PAUSED) and self.process is not None:
            self.process.stop()
            self._set_state(STOPPING)

    def kill(self) -> None:
        """End the run process at once (nothing saved); the end arrives as usual."""
        if self.process is not None and self.ended is None:
            self.process.kill()

    def forget(self) -> bool:
        """Drop an ended run (another project is shown now); False while a run is out."""
        if self.active:
            return False
        self._reset()
        self._set_state(IDLE)
        return True

    def shutdown(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """The window closes: stop the run (kill it if it does not stop in ``timeout`` s).

        A run still starting is stopped too, here or by the worker starting it (``Handover``).
        """
        self._timer.stop()
        self._closed = True
        if self.warm is not None:
            self.warm.close()
            self.warm = None
        launched = self._handover.close() if self._handover is not None else None
        if launched is None:
            return  # no run, or one still starting: the worker closes it
        if self.ended is None:  # an ended one is being reaped
            try:
                launched.process.close(timeout)
            except Exception:  # closing must never keep the window open
                log.exception("closing the run process failed")
        if launched.channel is not None:
            launched.channel.close()

    # -- records ----------------------------------------------------------------------

    def poll(self) -> None:
        """Drain what arrived (the timer calls this); one signal per kind of news."""
        process = self.process
        if process is None:
            return
        added = False
        newest_progress: Progress | None = None
        for record in process.poll():
            match record:
                case StepRecord():
                    self.buffers.add(record)
                    added = True
                case Progress():
                    newest_progress = record
                case StateChanged(state=state):
                    self._follow(state)
                case RunStarted():
                    self.started = record
                    self.run_started.emit(record)
                case RunEnded():
                    pass  # also ``process.ended``: handled below, once the tick's news is out
                case _:
                    log.debug("A record of unknown type was passed over: %r", record)
        if added:
            self.records_added.emit()
        if newest_progress is not None:
            self.last_progress = newest_progress
            self.progress.emit(newest_progress)
        if self.channel is not None:
            frame = self.channel.poll()
            if frame is not None:
                self.boundary.emit(frame)
        if process.ended is not None:
            self._finish(process, process.ended)

    # -- inside -------------------------------------------------------------------------

    def _follow(self, run_state: str) -> None:
        """The run paused or resumed; a session already stopping stays so until it ends."""
        if self.state != STOPPING:
            self._set_state(PAUSED if run_state == "paused" else RUNNING)

    def _reset(self) -> None:
        self.buffers = RunBuffers()
        self.plan = self.process = self.channel = None
        self.started = self.last_progress = self.ended = None
        self._cancel = False

    def _launched(self, launched: Launched | None) -> None:
        if launched is None or self._handover is None or self._handover.closed:
            return  # the session closed while the run started: the run was closed (Handover)
        self.plan, self.process, self.channel = launched.plan, launched.process, launched.channel
        if self.warm is not None and not self.warm.alive:
            self.warm = None  # it took this run (or died): the next one is made when it ends
        if self._cancel:
            self.process.stop()
        else:
            self._set_state(RUNNING)
        self._timer.start()

    def _launch_failed(self, error: BaseException) -> None:
        if not isinstance(error, SetupError):  # a SetupError is the user's to fix, not a bug
            log.error("A run could not start", exc_info=error)
        self._set_state(IDLE)
        self.start_failed.emit(start_error_text(error))
        if self.keep_warm:
            self.prepare()  # the waiting process is kept; one that died meanwhile is replaced

    def _finish(self, process: RunProcess, ended: RunEnded) -> None:
        self._timer.stop()
        self.ended = ended
        if self.channel is not None:
            frame = self.channel.poll()  # the last map may follow the end
            if frame is not None:
                self.boundary.emit(frame)
        channel = self.channel
        # Reaping the process may wait a moment for it to exit: not on the UI thread.
        self._work.submit(lambda: _close(process, channel), lambda _: None,
                          lambda error: log.warning("closing a run: %s", error))
        self._set_state(ENDED)
        self.run_ended.emit(ended)
        if self.keep_warm:
            self.prepare()


def _close(process: RunProcess, channel: BoundaryChannel | None, timeout: float = 10) -> None:
    process.close(timeout)
    if channel is not None:
        channel.close()
