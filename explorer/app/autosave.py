"""Autosave and crash recovery: unsaved work survives a killed process.

While a document has unsaved changes (to its graph, its training settings
or its details: anything ``Document.changed`` reports), it is written every
~30 seconds to ``autosave-<pid>.archx.json`` in the app's data folder, with
a small note (the file it belongs to, when). A clean exit or a save removes
both. At start, autosaves left by processes that are no longer running are
offered back.

Whether an autosave's editor still runs is told by a ``QLockFile`` beside
it (``autosave-<pid>.lock``), held while the autosave is on disk. A killed
editor leaves its lock behind, and Qt recognises such a lock as stale (its
process is gone, or its pid now runs another program), so the next editor
can take it: an autosave whose lock can be taken is offered back, and the
editor offering it holds the lock meanwhile, so no other one offers it too.

The editor never waits for the disk: the project is turned into text on the
GUI thread (the model is not thread-safe, and compact JSON is quick to
make), and the text is written by one background thread. Writes never
overlap, and one overtaken by a newer state is skipped, so the newest state
always wins. Removing the autosave or stopping cancels the queued writes
and waits for the one in progress, so no write lands after it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer

from explorer.graph import Project, ProjectFileError
from explorer.graph.atomic import write_text_atomically
from explorer.graph.project import load, to_document

from .document import Document

log = logging.getLogger(__name__)

AUTOSAVE_SECONDS = 30
PREFIX = "autosave-"


@dataclass(frozen=True)
class Recovery:
    """An autosave a previous (crashed or killed) session left behind."""

    project_file: Path
    note_file: Path
    original_path: Path | None
    saved_at: float
    name: str
    lock: QLockFile | None = field(default=None, compare=False, repr=False)  # held until discard

    def load(self) -> Project:
        return load(self.project_file)

    def discard(self) -> None:
        for path in (self.project_file, self.note_file):
            path.unlink(missing_ok=True)
        if self.lock is not None:
            self.lock.unlock()

    @property
    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))


class SerialWriter:
    """Runs jobs on one background thread, one at a time; a job overtaken is skipped.

    Each job gets a ticket. When its turn comes, a job whose ticket is no
    longer the newest does nothing: a burst of saves writes only the last
    state, and ``cancel`` turns every queued job into such a one.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")
        self._newest = 0
        self._last: Future[None] | None = None

    def submit(self, job: Callable[[], None]) -> None:
        self._newest += 1
        self._last = self._pool.submit(self._run, self._newest, job)

    def _run(self, ticket: int, job: Callable[[], None]) -> None:
        if ticket == self._newest:
            job()

    def cancel(self) -> None:
        """Queued jobs will not run; the one running finishes."""
        self._newest += 1

    def wait(self) -> None:
        """Block until every job submitted so far has run (or been skipped)."""
        if self._last is not None:
            self._last.result()

    def close(self) -> None:
        """Cancel the queued jobs, wait for the running one, and end the thread."""
        self.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)


class Autosaver(QObject):
    """Writes the document to the data folder while it has unsaved changes."""

    def __init__(self, document: Document, directory: Path, *,
                 interval_ms: int = AUTOSAVE_SECONDS * 1000) -> None:
        super().__init__(document)
        self.document = document
        self.directory = Path(directory)
        self.project_file = self.directory / f"{PREFIX}{os.getpid()}.archx.json"
        self.note_file = self.directory / f"{PREFIX}{os.getpid()}.json"
        self.lock_file = self.directory / f"{PREFIX}{os.getpid()}.lock"
        self._lock = _lock_for(self.lock_file)
        self._keep_orphans()
        self._pending = False
        self._stopped = False
        self._writer = SerialWriter()
        self.timer = QTimer(self, interval=interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.timer.start()
        document.changed.connect(self._changed)
        document.project_replaced.connect(self._replaced)
        document.undo_stack.cleanChanged.connect(self._clean_changed)

    def _keep_orphans(self) -> None:
        """A dead session that had our pid left files under our name: keep them aside.

        Its lock names our pid, so Qt would take it for ours, never for stale:
        it is removed, and the set-aside files are offered back without one.
        """
        with contextlib.suppress(OSError):
            self.lock_file.unlink(missing_ok=True)
        if not self.project_file.exists():
            return
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for path in (self.project_file, self.note_file):
            with contextlib.suppress(OSError):
                suffix = ".archx.json" if path.name.endswith(".archx.json") else ".json"
                path.rename(path.with_name(f"{PREFIX}0-{stamp}{suffix}"))

    def _changed(self) -> None:
        self._pending = True

    def _replaced(self) -> None:
        self._pending = self.document.is_modified
        if not self.document.is_modified:
            self.discard()

    def _clean_changed(self, clean: bool) -> None:
        if clean:  # saved (or undone back to the saved state): nothing to recover
            self._pending = False
            self.discard()
        else:
            self._pending = True

    def save_now(self) -> bool:
        """Start writing the autosave if there is unsaved work not yet written.

        True if a write was started; ``wait`` blocks until it is on disk.
        """
        if self._stopped or not self._pending or not self.document.is_modified:
            return False
        try:
            text = json.dumps(to_document(self.document.project), ensure_ascii=False,
                              allow_nan=False)
        except ValueError as error:  # a number no JSON file can hold (inf, nan)
            log.warning("Autosave skipped: the project cannot be written: %s", error)
            return False
        note = json.dumps({"pid": os.getpid(), "time": time.time(),
                           "path": str(self.document.path) if self.document.path else None,
                           "name": self.document.display_name})
        self._pending = False
        self._writer.submit(lambda: self._write(text, note))
        return True

    def _write(self, text: str, note: str) -> None:
        """On the writer's thread: the lock, the project file, then its note."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._hold_lock()
            write_text_atomically(self.project_file, text, durable=True)
            write_text_atomically(self.note_file, note)
        except (OSError, ValueError) as error:
            log.warning("Autosave to %s failed: %s", self.project_file, error)
            self._pending = True  # try again at the next tick

    def _hold_lock(self) -> None:
        """Hold the lock that tells other editors this autosave's session still runs.

        Without it the autosave is still written (losing work is worse), but
        another editor starting meanwhile may offer it back as a crashed one's.
        """
        if not self._lock.isLocked() and not self._lock.tryLock(0):
            log.warning("Another editor may offer this session's autosave back: its lock "
                        "%s could not be taken (%s).", self.lock_file, self._lock.error().name)

    def wait(self) -> None:
        """Block until the autosave writes started so far are done."""
        self._writer.wait()

    def discard(self) -> None:
        """Remove this session's autosave (after a save, or a clean exit).

        Queued writes are cancelled and the one in progress is waited for, so
        no write brings the files back afterwards.
        """
        self._writer.cancel()
        self._writer.wait()
        for path in (self.project_file, self.note_file):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        self._lock.unlock()  # no autosave left to guard; the next write takes it again

    def stop(self) -> None:
        """No more autosaves: cancel the queued write and wait for the one in progress."""
        self._stopped = True
        self.timer.stop()
        self._writer.close()


def _lock_for(lock_file: Path) -> QLockFile:
    """A lock that is stale only when its holder's process is gone, however long it was held.

    Qt's default also calls a lock stale after 30 seconds, which would hand
    a running editor's autosave to another one.
    """
    lock = QLockFile(str(lock_file))
    lock.setStaleLockTime(0)
    return lock


def _claim(lock_file: Path) -> QLockFile | None:
    """The autosave's lock, now held by us, if its editor is gone; None while it runs."""
    lock = _lock_for(lock_file)
    return lock if lock.tryLock(0) else None


def find_recoveries(directory: Path) -> list[Recovery]:
    """Autosaves of sessions that are no longer running, newest first.

    Each comes with its lock held until it is discarded (or forgotten), so
    two editors starting together do not both offer it.
    """
    found: list[Recovery] = []
    if not Path(directory).is_dir():
        return found
    for project_file in Path(directory).glob(f"{PREFIX}*.archx.json"):
        stem = project_file.name.removesuffix(".archx.json")
        note_file = project_file.with_name(f"{stem}.json")
        lock = _claim(project_file.with_name(f"{stem}.lock"))
        if lock is None:
            continue  # its editor runs (or the folder cannot be written: leave it be)
        note: dict = {}
        with contextlib.suppress(OSError, ValueError):
            note = json.loads(note_file.read_text(encoding="utf-8"))
        if not isinstance(note, dict):
            note = {}
        original = note.get("path")
        found.append(Recovery(
            project_file, note_file, Path(original) if isinstance(original, str) else None,
            float(note.get("time") or project_file.stat().st_mtime),
            str(note.get("name") or "Untitled"), lock))
    return sorted(found, key=lambda r: r.saved_at, reverse=True)


def try_load(recovery: Recovery) -> Project | str:
    """The recovered project, or why it cannot be read."""
    try:
        return recovery.load()
    except ProjectFileError as error:
        return str(error)
