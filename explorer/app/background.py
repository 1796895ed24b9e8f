"""Plain-Python work off the UI thread, with its result handed back on the UI thread.

Code generation and export import torch and the code formatter (seconds, the
first time) and then take a noticeable moment each run, so the editor never
does them on the thread that paints. A ``BackgroundWork`` runs a function on
one of Qt's pooled threads and delivers what it returned, or what it raised,
to callbacks that run on the owner's (UI) thread, where touching widgets is
safe.

Each job carries its outcome home through a small ``_Relay`` of its own, held
by the job and not by the owner: the owner (and the window around it) may be
deleted while the job runs, and a signal emitted on a deleted owner crashes
PySide6. The relay reaches the owner through a queued connection, which Qt
drops by itself when the owner is gone, so a late outcome is simply not
delivered. The pool is plain ``QThreadPool``: superqt's thread workers would
add a dependency for the same dozen lines.
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

# Jobs may block for seconds (reaping a run's process, starting one): enough
# threads that one of them never holds up the code preview, unlike a pool
# sized to the number of cores.
MAX_THREADS = 16

T = TypeVar("T")
# A result crosses threads through a Qt signal typed ``object``: past that point it is Any.
ResultCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


@cache
def _pool() -> QThreadPool:
    """The threads of all jobs; the program waits for running jobs before it exits.

    Python does not wait for threads it did not start, and a file being
    written when the user quits must still be written in full.
    """
    pool = QThreadPool()
    pool.setMaxThreadCount(MAX_THREADS)
    atexit.register(pool.waitForDone)
    return pool


class _Relay(QObject):
    """Carries one job's outcome from its worker thread to the owner's thread."""

    finished = Signal(int, object, object)  # job, result, error (None when it succeeded)


class BackgroundWork(QObject):
    """Runs functions on worker threads; their outcomes arrive on this object's thread."""

    busy_changed = Signal(bool)  # True when the first job starts, False when the last ends

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: dict[int, tuple[ResultCallback, ErrorCallback, _Relay]] = {}
        self._next_job = 0

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def submit(self, work: Callable[[], T], on_result: Callable[[T], None],
               on_error: ErrorCallback) -> int:
        """Start ``work()`` on a pooled thread; returns the job's number.

        Exactly one of the callbacks runs later, on this object's thread,
        unless this object is deleted first.
        """
        self._next_job += 1
        job = self._next_job
        relay = _Relay()
        relay.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._jobs[job] = (on_result, on_error, relay)
        _pool().start(lambda: _run(job, work, relay))
        if len(self._jobs) == 1:
            self.busy_changed.emit(True)
        return job

    @Slot(int, object, object)
    def _deliver(self, job: int, result: Any, error: BaseException | None) -> None:
        on_result, on_error, relay = self._jobs.pop(job)
        # The relay lives on this thread; the worker may still hold a reference to it, and a
        # QObject must not be destroyed by whichever thread happens to drop it last.
        relay.deleteLater()
        try:
            if error is None:
                on_result(result)
            else:
                on_error(error)
        finally:
            if not self._jobs:
                self.busy_changed.emit(False)


def _run(job: int, work: Callable[[], object], relay: _Relay) -> None:
    """A worker's part: run ``work`` and send what came of it home."""
    try:
        result = work()
    except BaseException as error:  # handed to the UI thread, which says what went wrong
        relay.finished.emit(job, None, error)
    else:
        relay.finished.emit(job, result, None)
