"""File > Export: PyTorch code, code with a training script, and ONNX, off the UI thread.

Each export asks where to write, snapshots the project as its file text and
runs the export layer on a worker thread (it imports torch, formats with
ruff, and for ONNX checks the file against onnxruntime: seconds, not
milliseconds). A busy bar shows in the status bar meanwhile; the outcome,
the path written or the reason it could not be, comes as a notice. A network
with errors is not exported: the notice names the first error, and no file
dialog opens.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QProgressBar, QWidget

from explorer.graph.project import dumps

from . import dialogs
from .background import BackgroundWork
from .document import Document
from .plain_text import question
from .seams import Notices

log = logging.getLogger(__name__)

TRAINING_FILES = ("model.py", "train.py", "data.safetensors")

# -- the questions an export asks (plain functions, so tests can replace them) ----------


def ask_python_path(parent: QWidget | None, suggested: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Export PyTorch code", suggested,
                                          "Python files (*.py);;All files (*)")
    return path or None


def ask_onnx_path(parent: QWidget | None, suggested: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Export ONNX model", suggested,
                                          "ONNX models (*.onnx);;All files (*)")
    return path or None


def ask_training_folder(parent: QWidget | None, start: str) -> str | None:
    path = QFileDialog.getExistingDirectory(
        parent, "Folder for model.py, train.py and data.safetensors", start)
    return path or None


def replace_question(parent: QWidget | None, folder: str, names: list[str]) -> QMessageBox:
    """The box asking whether to replace files (the folder's name shown as written)."""
    return question(
        parent, "Replace files?",
        f"The folder “{folder}” already holds {', '.join(names)}. Replace "
        + ("it?" if len(names) == 1 else "them?"),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel)


def ask_replace_files(parent: QWidget | None, folder: str, names: list[str]) -> bool:
    """The folder already holds some of the files an export writes: replace them?"""
    return replace_question(parent, folder, names).exec() == QMessageBox.StandardButton.Yes


# -- the work, done on a worker thread from a snapshot of the project ----------------------


def _load(snapshot: str):
    from explorer.graph.project import loads

    return loads(snapshot)


def write_python(snapshot: str, path: Path, weights: Path | None) -> Path:
    from explorer.export import export_python

    export_python(_load(snapshot), path, weights=weights)
    return path


def write_training(snapshot: str, folder: Path):
    from explorer.export import export_training

    return export_training(_load(snapshot), folder)


def write_onnx(snapshot: str, path: Path, weights: Path | None):
    from explorer.export import export_onnx

    return export_onnx(_load(snapshot), path, weights=weights)


def is_export_error(error: BaseException) -> bool:
    """True for the export layer's ExportError, without importing it (that imports torch)."""
    errors = sys.modules.get("explorer.export.errors")
    return errors is not None and isinstance(error, errors.ExportError)


def _with_suffix(path: str, suffix: str) -> Path:
    return Path(path if path.lower().endswith(suffix) else path + suffix)


class ExportActions(QObject):
    """The export commands of one document: they tell ``notices`` how it went and open
    their file dialogs over ``parent``. ``busy_bar`` is for the status bar."""

    def __init__(self, document: Document, notices: Notices,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.notices = notices
        self.parent_widget = parent
        self.work = BackgroundWork(self)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # no known end: a moving bar
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        self.work.busy_changed.connect(self._show_busy)
        self.last_message = ""  # what the last export said (success or failure)

    @property
    def busy(self) -> bool:
        return self.work.busy

    # -- the commands ----------------------------------------------------------------

    def export_python(self, weights: str | os.PathLike | None = None) -> None:
        """Ask for a .py file and write the standalone PyTorch code there.

        ``weights``: a trained run's .safetensors file, copied beside the code;
        None exports the network as built (freshly initialised weights).
        """
        if self._refused():
            return
        path = ask_python_path(self.parent_widget, self._suggested(".py"))
        if path is None:
            return
        target = _with_suffix(path, ".py")
        self._start("the PyTorch code",
                    partial(write_python, self._snapshot(), target, _path_or_none(weights)),
                    lambda written: f"Saved the PyTorch code as {written}.")

    def export_training(self) -> None:
        """Ask for a folder and write model.py, train.py and data.safetensors into it."""
        if self._refused():
            return
        start = str(self.document.path.parent) if self.document.path else ""
        folder = ask_training_folder(self.parent_widget, start)
        if folder is None:
            return
        existing = [name for name in TRAINING_FILES if (Path(folder) / name).exists()]
        if existing and not ask_replace_files(self.parent_widget, folder, existing):
            return
        self._start("the training script", partial(write_training, self._snapshot(),
                                                   Path(folder)),
                    lambda done: f"Saved model.py, train.py and data.safetensors in "
                                 f"{done.script.parent}. Run “python train.py” there to train.")

    def export_onnx(self, weights: str | os.PathLike | None = None) -> None:
        """Ask for a .onnx file, write the model and check it against onnxruntime.

        ``weights`` as for ``export_python``.
        """
        if self._refused():
            return
        path = ask_onnx_path(self.parent_widget, self._suggested(".onnx"))
        if path is None:
            return
        target = _with_suffix(path, ".onnx")
        self._start("the ONNX model",
                    partial(write_onnx, self._snapshot(), target, _path_or_none(weights)),
                    lambda report: f"Saved the ONNX model as {report.path}. onnxruntime agrees "
                                   f"with PyTorch to within {report.max_difference:.1e}.")

    def export_diagram(self, kind: str) -> None:
        """Ask for a file and draw the diagram there as ``kind`` ("png" or "svg")."""
        from .render import export_diagram

        suggested = self.document.display_name + "." + kind
        path = dialogs.ask_export_path(self.parent_widget, suggested, kind)
        if path is None:
            return
        if not path.lower().endswith("." + kind):
            path += "." + kind
        try:
            written = export_diagram(self.document.project, path)
        except OSError as error:
            self._tell(f"Could not export the diagram: {error.strerror or error}.", error=True)
            return
        except ValueError as error:
            self._tell(f"Could not export the diagram: {error}", error=True)
            return
        self.notices.show_message(f"Diagram saved as {written.name}.")

    # -- shared steps --------------------------------------------------------------------

    def _refused(self) -> bool:
        """Say why nothing can be exported now (errors, or an export still running)."""
        if self.busy:
            self._tell("An export is still running; try again when it has finished.",
                       error=True)
            return True
        errors = self.document.result.errors
        if errors:
            where = f"{errors[0].node_id}: " if errors[0].node_id else ""
            self._tell(f"Fix the errors before exporting: {where}{errors[0].message}",
                       error=True)
            return True
        return False

    def _snapshot(self) -> str:
        return dumps(self.document.project)

    def _suggested(self, suffix: str) -> str:
        document = self.document
        name = document.display_name + suffix
        return str(document.path.parent / name) if document.path else name

    def _start(self, what: str, work: Callable[[], Any],
               success: Callable[[Any], str]) -> None:
        self.notices.show_progress(f"Exporting {what}…")
        self.work.submit(work, lambda result: self._tell(success(result)),
                         partial(self._failed, what))

    def _failed(self, what: str, error: BaseException) -> None:
        if is_export_error(error):
            text = f"Could not export {what}: {error}"
        elif isinstance(error, ModuleNotFoundError):
            package = error.name or "a package"
            text = (f"Exporting {what} needs {package}, which is not installed "
                    f"(pip install {package}).")
        elif isinstance(error, OSError):
            name = Path(error.filename).name if error.filename else "the file"
            text = (f"Could not write {name}: {error.strerror or error}. "
                    "Try another folder.")
        else:
            log.error("Export of %s failed", what, exc_info=error)
            text = (f"Something went wrong while exporting {what} "
                    f"({type(error).__name__}: {error}). Your work is safe; the details "
                    "are in the log.")
        self._tell(text, error=True)

    def _tell(self, text: str, *, error: bool = False) -> None:
        self.last_message = text
        if error:
            self.notices.show_message(text, error=True)
        else:
            self.notices.announce(text)

    def _show_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        if busy:
            QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        else:
            QApplication.restoreOverrideCursor()


def _path_or_none(path: str | os.PathLike | None) -> Path | None:
    return Path(path) if path is not None else None
