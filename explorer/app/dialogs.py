"""The few questions the app asks, as plain functions (tests replace them).

Everything else the user needs to know is said without stopping them: in
the notice bar, the status bar or the problems list.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from explorer.graph.project import SUFFIX

PROJECT_FILTER = f"Architecture projects (*{SUFFIX});;JSON files (*.json);;All files (*)"


def ask_save_changes(parent: QWidget | None, name: str) -> str:
    """'save', 'discard' or 'cancel' for a document with unsaved changes."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Unsaved changes")
    box.setTextFormat(Qt.TextFormat.PlainText)  # the project's name, as written
    box.setText(f"Save the changes to “{name}”?")
    box.setInformativeText("If you don't save, your changes since the last save are lost.")
    buttons = QMessageBox.StandardButton
    box.setStandardButtons(buttons.Save | buttons.Discard | buttons.Cancel)
    box.setDefaultButton(buttons.Save)
    answer = box.exec()
    return {buttons.Save: "save", buttons.Discard: "discard"}.get(
        buttons(answer), "cancel")


def ask_open_path(parent: QWidget | None, directory: str = "") -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open project", directory, PROJECT_FILTER)
    return path or None


def ask_save_path(parent: QWidget | None, suggested: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Save project", suggested, PROJECT_FILTER)
    return path or None


def ask_export_path(parent: QWidget | None, suggested: str, kind: str) -> str | None:
    filters = {"png": "PNG image (*.png)", "svg": "SVG drawing (*.svg)"}
    path, _ = QFileDialog.getSaveFileName(parent, f"Export diagram as {kind.upper()}",
                                          suggested, filters.get(kind, "All files (*)"))
    return path or None


def ask_recover(parent: QWidget | None, name: str, when: str) -> bool:
    """Offer back the unsaved work of a session that ended unexpectedly."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Recover unsaved work")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(f"The app closed unexpectedly while “{name}” had unsaved changes.")
    box.setInformativeText(f"Its last autosave is from {when}. Open it?")
    buttons = QMessageBox.StandardButton
    box.setStandardButtons(buttons.Open | buttons.Discard)
    box.setDefaultButton(buttons.Open)
    return box.exec() == buttons.Open
