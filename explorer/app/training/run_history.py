"""The run history: every run kept, newest first, to look at again, compare, restore or tidy.

Each run folder under the app's ``runs/`` folder is one row: its name,
how it ended, its steps and final loss. Selecting a row opens the run (read
on a worker thread) and shows its curves and statistics in the panels;
ticking "Compare" draws a run's curves dashed beside the one shown.
A run can be renamed (double-click its name), deleted (after a question),
its graph restored into the editor, and its curves saved as CSV, PNG or SVG.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.train.run_index import RunIndexError, RunSummary, delete_run, list_runs, rename_run

from ..background import BackgroundWork
from ..plain_text import question, tooltip
from ..runs.buffers import RunBuffers

if TYPE_CHECKING:
    from explorer.train.run_record import RunRecord

log = logging.getLogger(__name__)

PATH_ROLE = Qt.ItemDataRole.UserRole
STATUS_WORDS = {"done": "done", "stopped": "stopped", "failed": "failed", "running": "running",
                "unknown": "unknown"}


def ask_delete_run(parent: QWidget | None, name: str) -> bool:
    """Ask before a run is deleted for good (tests replace this)."""
    box = question(parent, "Delete run", f"Delete the run “{name}” and everything it saved?",
                   QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                   QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes


def ask_export_path(parent: QWidget | None, suggested: str) -> str | None:
    """Where to save a run's curves: CSV, PNG or SVG by the chosen file's suffix."""
    path, _ = QFileDialog.getSaveFileName(
        parent, "Save the curves", suggested,
        "Curves as CSV (*.csv);;Picture as PNG (*.png);;Drawing as SVG (*.svg)")
    return path or None


@dataclass
class OpenedRun:
    """A past run, read from its folder: the record and its numbers ready to draw."""

    summary: RunSummary
    record: RunRecord
    buffers: RunBuffers


def open_run(summary: RunSummary) -> OpenedRun:
    """Read a run folder (on a worker thread: this imports torch)."""
    from explorer.train import load_run

    record = load_run(summary.path)
    return OpenedRun(summary, record, RunBuffers.from_records(record.records))


def describe(summary: RunSummary) -> str:
    """A run's line of details for its tooltip."""
    parts = [f"{summary.name}", f"{summary.status}: {summary.reason}" if summary.reason
             else summary.status, f"{summary.steps:,} of {summary.total_steps:,} steps",
             f"dataset {summary.dataset}" if summary.dataset else "", str(summary.path)]
    return "\n".join(p for p in parts if p)


def _when(created: str) -> str:
    try:
        return datetime.fromisoformat(created).astimezone().strftime("%d %b %H:%M")
    except ValueError:
        return ""


class RunHistory(QWidget):
    """The list of runs and what can be done with them."""

    run_opened = Signal(object)  # OpenedRun: show its curves
    live_selected = Signal(object)  # RunSummary of the run in progress: show it live
    compare_changed = Signal(list)  # [OpenedRun] ticked for comparison
    restore_requested = Signal(object)  # RunSummary whose graph should come back
    export_requested = Signal(object, str)  # RunSummary, target path
    message = Signal(str, bool)  # text, is it a problem

    def __init__(self, runs_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs_dir = runs_dir
        self.busy_paths: set[Path] = set()  # runs in progress: not to be deleted
        self.opened: dict[Path, OpenedRun] = {}
        self._loading: set[Path] = set()
        self._filling = False
        self._work = BackgroundWork(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Run", "Status", "Steps", "Loss", "Started"])
        # The name takes the room the others leave; they are as wide as what they show.
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.tree.itemSelectionChanged.connect(self._selected)
        self.tree.itemChanged.connect(self._item_changed)
        layout.addWidget(self.tree, 1)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, tip, slot in (
            ("restore", "Restore graph", "Put this run's graph and settings in the editor.",
             self._restore),
            ("rename", "Rename", "Give the run a name of your own.", self._rename),
            ("export", "Save curves…", "Save the curves as CSV, PNG or SVG.", self._export),
            ("delete", "Delete", "Delete the run's folder for good.", self._delete),
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.buttons[key] = button
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._update_buttons()

    # -- the list ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the runs folder again (keeps the selection where it can)."""
        selected = self.selected_summary()
        ticked = {s.path for s in self.compared()}
        self._filling = True
        self.tree.clear()
        for summary in list_runs(self.runs_dir):
            loss = f"{summary.final_loss:.4g}" if summary.final_loss is not None else ""
            item = QTreeWidgetItem([summary.name, STATUS_WORDS.get(summary.status,
                                                                    summary.status),
                                    f"{summary.steps:,}", loss, _when(summary.created)])
            item.setData(0, PATH_ROLE, summary)
            item.setToolTip(0, tooltip(describe(summary)))
            item.setToolTip(1, tooltip(summary.reason or summary.status))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable
                          | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if summary.path in ticked
                               else Qt.CheckState.Unchecked)
            self.tree.addTopLevelItem(item)
            if selected is not None and summary.path == selected.path:
                item.setSelected(True)
        for column in range(1, 5):
            self.tree.resizeColumnToContents(column)
        self._filling = False
        self._update_buttons()

    def _rows(self) -> list[QTreeWidgetItem]:
        """The runs' rows, top to bottom (the tree holds nothing else)."""
        rows = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [row for row in rows if row is not None]

    def summaries(self) -> list[RunSummary]:
        return [row.data(0, PATH_ROLE) for row in self._rows()]

    def item_for(self, path: Path) -> QTreeWidgetItem | None:
        for item in self._rows():
            if item.data(0, PATH_ROLE).path == path:
                return item
        return None

    def selected_summary(self) -> RunSummary | None:
        items = self.tree.selectedItems()
        return items[0].data(0, PATH_ROLE) if items else None

    def compared(self) -> list[RunSummary]:
        return [row.data(0, PATH_ROLE) for row in self._rows()
                if row.checkState(0) == Qt.CheckState.Checked]

    def select(self, path: Path) -> None:
        item = self.item_for(path)
        if item is not None:
            self.tree.setCurrentItem(item)

    # -- opening runs ---------------------------------------------------------------------------

    def _selected(self) -> None:
        self._update_buttons()
        summary = self.selected_summary()
        if summary is None:
            return
        if summary.path in self.busy_paths:
            self.live_selected.emit(summary)
        else:
            self._open(summary, compare=False)

    def _open(self, summary: RunSummary, compare: bool) -> None:
        opened = self.opened.get(summary.path)
        if opened is not None and opened.summary.steps == summary.steps:
            self._show(opened, compare)
            return
        if summary.path in self._loading:
            return
        self._loading.add(summary.path)
        self._work.submit(lambda: open_run(summary), lambda run: self._loaded(run, compare),
                          lambda error: self._failed(summary, error))

    def _loaded(self, run: OpenedRun, compare: bool) -> None:
        self._loading.discard(run.summary.path)
        self.opened[run.summary.path] = run
        self._show(run, compare)

    def _show(self, run: OpenedRun, compare: bool) -> None:
        if compare:
            self._emit_compared()
        elif (selected := self.selected_summary()) is not None and selected.path == \
                run.summary.path:
            self.run_opened.emit(run)

    def _failed(self, summary: RunSummary, error: BaseException) -> None:
        self._loading.discard(summary.path)
        text = getattr(error, "args", [str(error)])[0] if error.args else str(error)
        self.message.emit(f"The run “{summary.name}” could not be read: {text}", True)

    def _emit_compared(self) -> None:
        ready = [self.opened[s.path] for s in self.compared() if s.path in self.opened]
        self.compare_changed.emit(ready)

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._filling or column != 0:
            return
        summary: RunSummary = item.data(0, PATH_ROLE)
        if item.text(0) != summary.name:
            self._apply_rename(item, summary, item.text(0))
            return
        if item.checkState(0) == Qt.CheckState.Checked:
            self._open(summary, compare=True)
        else:
            self._emit_compared()

    # -- acting on the selected run -----------------------------------------------------------

    def _update_buttons(self) -> None:
        has = self.selected_summary() is not None
        for button in self.buttons.values():
            button.setEnabled(has)

    def _restore(self) -> None:
        summary = self.selected_summary()
        if summary is not None:
            self.restore_requested.emit(summary)

    def _rename(self) -> None:
        items = self.tree.selectedItems()
        if items:
            self.tree.editItem(items[0], 0)

    def _apply_rename(self, item: QTreeWidgetItem, summary: RunSummary, name: str) -> bool:
        try:
            rename_run(summary.path, name)
            renamed = True
        except RunIndexError as error:
            self.message.emit(str(error), True)
            renamed = False
        self.reload()
        return renamed

    def rename(self, path: Path, name: str) -> bool:
        """Rename a run (as typing in the list does); False, with a message, if refused."""
        item = self.item_for(path)
        return item is not None and self._apply_rename(item, item.data(0, PATH_ROLE), name)

    def _delete(self) -> None:
        summary = self.selected_summary()
        if summary is None:
            return
        if summary.path in self.busy_paths:
            self.message.emit("This run is still training: stop it before deleting it.", True)
            return
        if not ask_delete_run(self, summary.name):
            return
        try:
            delete_run(summary.path)
        except RunIndexError as error:
            self.message.emit(str(error), True)
            return
        self.opened.pop(summary.path, None)
        self.reload()
        self._emit_compared()
        self.message.emit(f"Deleted the run “{summary.name}”.", False)

    def _export(self) -> None:
        summary = self.selected_summary()
        if summary is None:
            return
        suggested = str(Path.home() / f"{summary.folder}.csv")
        path = ask_export_path(self, suggested)
        if path:
            self.export_requested.emit(summary, path)
