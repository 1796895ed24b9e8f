"""File > Import PyTorch Module…: what to import, and the import itself off the UI thread.

The dialog asks for the Python file, the class or function in it that makes
the network, the shape of one example, and where to save the project. The
import (which runs the user's code and traces it) happens on a worker
thread; the project and its weights are written beside each other, exactly
as ``main.py import`` writes them, and the caller opens the project.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from explorer.graph.project import SUFFIX

from .background import BackgroundWork

INPUT_HELP = ("One example, without the batch: 3x224x224 for an image, 64 for a feature "
              "vector, tokens:128:30000 for token ids.")


@dataclass(frozen=True)
class ImportRequest:
    source: str  # a .py file, or a package module such as torchvision.models
    name: str  # the class or function in it
    input: str
    output: Path

    @property
    def target(self) -> str:
        return f"{self.source}:{self.name}"


class ImportDialog(QDialog):
    """Four fields and OK; OK is enabled once each is filled in."""

    def __init__(self, parent: QWidget | None, folder: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Import a PyTorch module")
        self.folder = folder
        self.source = QLineEdit(placeholderText="models/net.py or package.module")
        self.name = QLineEdit(placeholderText="Net, or a function such as make_net")
        self.input = QLineEdit(placeholderText="3x32x32")
        self.input.setToolTip(INPUT_HELP)
        self.output = QLineEdit(placeholderText="net" + SUFFIX)
        form = QFormLayout(self)
        form.addRow("Python file or module:", self._with_button(self.source, self._pick_source))
        form.addRow("Class or function:", self.name)
        form.addRow("Input shape:", self.input)
        hint = QLabel(INPUT_HELP)
        hint.setWordWrap(True)
        form.addRow("", hint)
        form.addRow("Save project as:", self._with_button(self.output, self._pick_output))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        for field in (self.source, self.name, self.input, self.output):
            field.textChanged.connect(self._update_ok)
        self._update_ok()

    def request(self) -> ImportRequest:
        output = Path(self.output.text().strip())
        if not output.name.endswith(SUFFIX):
            output = output.with_name(output.name + SUFFIX)
        return ImportRequest(self.source.text().strip(), self.name.text().strip(),
                             self.input.text().strip(), output)

    def _with_button(self, field: QLineEdit, pick: Callable[[], None]) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        button = QPushButton("Browse…", row)
        button.clicked.connect(lambda *_: pick())
        layout.addWidget(field)
        layout.addWidget(button)
        return row

    def _pick_source(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Python file defining the network",
                                              self.folder, "Python files (*.py)")
        if path:
            self.source.setText(path)
            if not self.output.text():
                self.output.setText(str(Path(path).with_name(Path(path).stem + SUFFIX)))

    def _pick_output(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the imported project",
                                              self.output.text() or self.folder,
                                              f"Projects (*{SUFFIX})")
        if path:
            self.output.setText(path)

    def _update_ok(self) -> None:
        filled = all(f.text().strip() for f in (self.source, self.name, self.input, self.output))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(filled)


def ask_import(parent: QWidget | None, folder: str = "") -> ImportRequest | None:
    """Show the dialog; the request, or None when cancelled."""
    dialog = ImportDialog(parent, folder)
    return dialog.request() if dialog.exec() == QDialog.DialogCode.Accepted else None


def run_in_background(work: BackgroundWork, request: ImportRequest,
                      on_done: Callable[[Path, list[str]], None],
                      on_error: Callable[[str], None]) -> None:
    """Import on a worker thread; ``on_done(project_path, notes)`` or ``on_error(text)`` after."""
    def job() -> tuple[Path, list[str]]:
        from explorer.importer.commands import import_to_files

        written = import_to_files(request.target, request.input, request.output)
        return written.project, written.notes

    def failed(error: BaseException) -> None:
        from explorer.importer.errors import ImportFailure

        if isinstance(error, ImportFailure):
            on_error(str(error))
        elif isinstance(error, OSError):
            on_error(f"cannot write {request.output.name}: {error.strerror or error}")
        else:
            on_error(f"{type(error).__name__}: {error}")

    work.submit(job, lambda result: on_done(*result), failed)
