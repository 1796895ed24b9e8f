"""New, open, save, save as, recent files, examples, and recovering work after a crash.

A file that cannot be read opens nothing: the message says why, and the
graph on screen stays as it was. Saving is atomic (``project.save``); a
failed save leaves the document marked as modified.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from explorer.graph import Project, ProjectFileError
from explorer.graph.project import SUFFIX, load, save

from . import dialogs, import_dialog
from .autosave import find_recoveries, try_load
from .background import BackgroundWork
from .document import Document
from .examples import Example, default_project

MAX_RECENT = 10
RECENT_KEY = "files/recent"


def with_suffix(path: str | Path) -> Path:
    """``net`` -> ``net.archx.json``; a name that already ends so is kept."""
    path = Path(path)
    return path if path.name.endswith(SUFFIX) else path.with_name(path.name + SUFFIX)


class FileController(QObject):
    """File commands of one window."""

    recent_changed = Signal()
    message = Signal(str, bool)  # text, is_error

    def __init__(self, parent: QWidget, document: Document, settings: QSettings) -> None:
        super().__init__(parent)
        self.window = parent
        self.document = document
        self.settings = settings
        self.imports = BackgroundWork(self)  # File > Import runs here, off the UI thread

    # -- unsaved work -----------------------------------------------------------------

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; True when it is fine to go on (saved or discarded)."""
        if not self.document.is_modified:
            return True
        answer = dialogs.ask_save_changes(self.window, self.document.display_name)
        if answer == "save":
            return self.save()
        return answer == "discard"

    # -- opening ----------------------------------------------------------------------

    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self.document.replace(Project(name="Untitled"))
        return True

    def open(self, path: str | Path | None = None) -> bool:
        if not self.maybe_save():
            return False
        if path is None:
            start = str(self.document.path.parent) if self.document.path else ""
            path = dialogs.ask_open_path(self.window, start)
            if path is None:
                return False
        return self.load_path(Path(path))

    def load_path(self, path: Path) -> bool:
        """Open ``path`` without asking; on failure say why and keep what is open."""
        try:
            project = load(path)
        except ProjectFileError as error:
            self.message.emit(f"Could not open {path.name}: {_reason(error)}", True)
            return False
        self.document.replace(project, path)
        self.add_recent(path)
        self.message.emit(f"Opened {path.name}.", False)
        return True

    def open_example(self, example: Example) -> bool:
        if not self.maybe_save():
            return False
        try:
            project = example.load()
        except ProjectFileError as error:
            self.message.emit(f"Could not open the example {example.title}: {_reason(error)}",
                              True)
            return False
        self.document.replace(project)  # an example is a starting point, not a file to overwrite
        self.message.emit(f"Opened the example “{example.title}”.", False)
        return True

    def import_network(self) -> bool:
        """Ask what to import, import it off the UI thread, then open it; False if cancelled."""
        if not self.maybe_save():
            return False
        folder = str(self.document.path.parent) if self.document.path else ""
        request = import_dialog.ask_import(self.window, folder)
        if request is None:
            return False
        self.message.emit(f"Importing {request.name} from {request.source}…", False)
        import_dialog.run_in_background(self.imports, request, self._imported,
                                        self._import_failed)
        return True

    def _imported(self, path: Path, notes: list[str]) -> None:
        if self.maybe_save() and self.load_path(path):  # asks again if edited meanwhile
            self.message.emit(f"Imported into {path.name} (weights beside it). "
                              + " ".join(notes), False)

    def _import_failed(self, reason: str) -> None:
        self.message.emit(f"Could not import: {reason}", True)

    def open_default(self) -> None:
        self.document.replace(default_project())

    def offer_recovery(self, folder: Path) -> bool:
        """After a crash: offer the newest autosave left in ``folder``; True if it was opened."""
        recoveries = find_recoveries(folder)
        if not recoveries:
            return False
        recovery = recoveries[0]
        if not dialogs.ask_recover(self.window, recovery.name, recovery.when):
            recovery.discard()
            return False
        project = try_load(recovery)
        if isinstance(project, str):
            self.message.emit(f"The autosave could not be read: {project}", True)
            return False
        self.document.replace(project, recovery.original_path, modified=True)
        recovery.discard()
        self.message.emit("Recovered your unsaved work. Save it to keep it.", False)
        return True

    # -- saving -----------------------------------------------------------------------

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._write(self.document.path)

    def save_as(self) -> bool:
        current = self.document.path
        suggested = str(current) if current else self.document.display_name + SUFFIX
        path = dialogs.ask_save_path(self.window, suggested)
        if path is None:
            return False
        return self._write(with_suffix(path))

    def _write(self, path: Path) -> bool:
        try:
            save(self.document.project, path)
        except OSError as error:
            self.message.emit(f"Could not save {path.name}: {error.strerror or error}. "
                              "Your work is still open; try another folder.", True)
            return False
        except ProjectFileError as error:  # a value no file can hold: nothing was written
            self.message.emit(f"Could not save {path.name}: {_reason(error)} "
                              "Your work is still open; change that value and save again.", True)
            return False
        self.document.saved(path)
        self.add_recent(path)
        self.message.emit(f"Saved {path.name}.", False)
        return True

    # -- recent files --------------------------------------------------------------------

    def recent_files(self) -> list[Path]:
        value = self.settings.value(RECENT_KEY, [])
        if isinstance(value, str):  # QSettings returns a lone string for a one-item list
            value = [value]
        if not isinstance(value, (list, tuple)):
            return []  # damaged settings: start the list afresh
        return [Path(p) for p in value if isinstance(p, str) and p]

    def add_recent(self, path: Path) -> None:
        path = path.resolve()
        recent = [p for p in self.recent_files() if p != path]
        self.settings.setValue(RECENT_KEY, [str(p) for p in [path, *recent][:MAX_RECENT]])
        self.recent_changed.emit()

    def clear_recent(self) -> None:
        self.settings.setValue(RECENT_KEY, [])
        self.recent_changed.emit()


def _reason(error: ProjectFileError) -> str:
    where = f" (at {error.where})" if error.where else ""
    return error.message + where
