"""Autosave and crash recovery: unsaved work survives a killed process.

While a document has unsaved changes, it is written every ~30 seconds to
``autosave-<pid>.archx.json`` in the app's data folder, with a small note
(the file it belongs to, when). A clean exit or a save removes both. At
start, autosaves left by processes that are no longer running are offered
back.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from explorer.graph import Project, ProjectFileError
from explorer.graph.project import load, save

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

    def load(self) -> Project:
        return load(self.project_file)

    def discard(self) -> None:
        for path in (self.project_file, self.note_file):
            path.unlink(missing_ok=True)

    @property
    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))


class Autosaver(QObject):
    """Writes the document to the data folder while it has unsaved changes."""

    def __init__(self, document: Document, directory: Path, *,
                 interval_ms: int = AUTOSAVE_SECONDS * 1000) -> None:
        super().__init__(document)
        self.document = document
        self.directory = Path(directory)
        self.project_file = self.directory / f"{PREFIX}{os.getpid()}.archx.json"
        self.note_file = self.directory / f"{PREFIX}{os.getpid()}.json"
        self._keep_orphans()
        self._pending = False
        self.timer = QTimer(self, interval=interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.timer.start()
        document.graph.events.changed.connect(self._changed)
        document.project_replaced.connect(self._replaced)
        document.undo_stack.cleanChanged.connect(self._clean_changed)

    def _keep_orphans(self) -> None:
        """A dead session that had our pid left files under our name: keep them aside."""
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
        # the previous graph's events are gone with it; follow the new one
        self.document.graph.events.changed.connect(self._changed)
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
        """Write the autosave if there is unsaved work not yet written; True if written."""
        if not self._pending or not self.document.is_modified:
            return False
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            save(self.document.project, self.project_file)
            note = {"pid": os.getpid(), "time": time.time(),
                    "path": str(self.document.path) if self.document.path else None,
                    "name": self.document.display_name}
            self.note_file.write_text(json.dumps(note), encoding="utf-8")
        except OSError as error:
            log.warning("Autosave to %s failed: %s", self.project_file, error)
            return False
        self._pending = False
        return True

    def discard(self) -> None:
        """Remove this session's autosave (after a save, or a clean exit)."""
        for path in (self.project_file, self.note_file):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)

    def stop(self) -> None:
        self.timer.stop()


def _process_running(pid: int) -> bool:
    if pid <= 0:
        return False  # set aside by a later session (see Autosaver._keep_orphans)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, but belongs to someone else
    return True


def find_recoveries(directory: Path) -> list[Recovery]:
    """Autosaves of sessions that are no longer running, newest first."""
    found: list[Recovery] = []
    if not Path(directory).is_dir():
        return found
    for project_file in Path(directory).glob(f"{PREFIX}*.archx.json"):
        stem = project_file.name.removesuffix(".archx.json")
        note_file = project_file.with_name(f"{stem}.json")
        try:
            pid = int(stem.removeprefix(PREFIX).split("-")[0])
        except ValueError:
            continue
        if _process_running(pid):
            continue
        note: dict = {}
        with contextlib.suppress(OSError, ValueError):
            note = json.loads(note_file.read_text(encoding="utf-8"))
        if not isinstance(note, dict):
            note = {}
        original = note.get("path")
        found.append(Recovery(
            project_file, note_file, Path(original) if isinstance(original, str) else None,
            float(note.get("time") or project_file.stat().st_mtime),
            str(note.get("name") or "Untitled")))
    return sorted(found, key=lambda r: r.saved_at, reverse=True)


def try_load(recovery: Recovery) -> Project | str:
    """The recovered project, or why it cannot be read."""
    try:
        return recovery.load()
    except ProjectFileError as error:
        return str(error)
