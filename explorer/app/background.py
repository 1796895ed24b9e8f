"""Plain-Python work off the UI thread, with its result handed back on the UI thread.

Code generation and export import torch and black (seconds, the first time)
and then take a noticeable moment each run, so the editor never does them on
the thread that paints. A ``BackgroundWork`` runs a function on a Python
thread and delivers what it returned, or what it raised, to callbacks that
run on the UI thread, where touching widgets is safe.

The worker never touches Qt: it puts its outcome in a plain queue, and a
timer on the UI thread collects it while jobs are out. A Qt signal emitted
from the worker would race with the window being deleted (tests close
windows while a job still runs, and PySide6 crashed on exactly that), and
a slot connected to a lambda would even run on the worker thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)

POLL_MS = 20  # how often the UI thread looks for finished jobs while any are running

ResultCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]
Outcome = tuple[int, Any, "BaseException | None"]


def _run(job: int, work: Callable[[], Any], outcomes: queue.SimpleQueue) -> None:
    """The worker thread's whole life: run ``work`` and queue what came of it."""
    try:
        outcomes.put((job, work(), None))
    except BaseException as error:  # handed to the UI thread, which says what went wrong
        outcomes.put((job, None, error))


class BackgroundWork(QObject):
    """Runs functions on worker threads; their outcomes arrive on this object's thread."""

    busy_changed = Signal(bool)  # True when the first job starts, False when the last ends

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._callbacks: dict[int, tuple[ResultCallback, ErrorCallback]] = {}
        self._outcomes: queue.SimpleQueue[Outcome] = queue.SimpleQueue()
        self._next_job = 0
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self.deliver_finished)

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    def submit(self, work: Callable[[], Any], on_result: ResultCallback,
               on_error: ErrorCallback) -> int:
        """Start ``work()`` on a new thread; returns the job's number.

        Exactly one of the callbacks runs later, on the UI thread. The
        thread is not a daemon: a file being written is finished before the
        program exits.
        """
        self._next_job += 1
        job = self._next_job
        self._callbacks[job] = (on_result, on_error)
        thread = threading.Thread(target=_run, args=(job, work, self._outcomes),
                                  name=f"explorer-background-{job}")
        thread.start()
        if len(self._callbacks) == 1:
            self._poll.start()
            self.busy_changed.emit(True)
        return job

    def deliver_finished(self) -> None:
        """Run the callbacks of the jobs that have finished (the poll timer calls this)."""
        while True:
            try:
                job, result, error = self._outcomes.get_nowait()
            except queue.Empty:
                break
            on_result, on_error = self._callbacks.pop(job)
            try:
                if error is None:
                    on_result(result)
                else:
                    on_error(error)
            finally:
                if not self._callbacks:
                    self._poll.stop()
                    self.busy_changed.emit(False)
