"""What an experiment shows beside its curves: gradient flows, lesion studies or memory, per
variant, side by side.

Each comparison is told the variants (``set_runs``), then which one
changed (``update_run``); ``refresh`` redraws what grew (the experiment
window calls it on its timer). The gradient and lesion comparisons reuse
the live-training gradient panel and the lesion panel, one per variant,
captioned in the variant's colour.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.graph.specs import format_bytes

from .experiment import DONE, FAILED, RUNNING, SKIPPED, STARTING, STOPPED, VariantRun
from .lesion_panel import LesionPanel

COLUMNS = 3  # panels side by side before a second row starts


def _caption(run: VariantRun) -> QLabel:
    label = QLabel(run.label)
    label.setStyleSheet(f"font-weight: bold; color: {run.colour};")
    return label


class _SideBySide(QWidget):
    """One panel per variant in a grid, rebuilt whenever the variants are set."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: list[VariantRun] = []
        self.panels: list = []
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)

    def set_runs(self, runs: list[VariantRun]) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                old.hide()  # gone from the screen now, not when deletion comes round
                old.deleteLater()
        self.runs, self.panels = list(runs), []
        for index, run in enumerate(runs):
            shown, panel = self._make_panel(run)
            self.panels.append(panel)
            self._grid.addWidget(shown, index // COLUMNS, index % COLUMNS)
            self.update_run(index)

    def _make_panel(self, run: VariantRun) -> tuple[QWidget, QWidget]:
        """(what goes in the grid, the panel in it) for one variant."""
        raise NotImplementedError

    def update_run(self, index: int) -> None:
        raise NotImplementedError


class GradientComparison(_SideBySide):
    """Each variant's gradient flow (bars now, heatmap over time), side by side."""

    def _make_panel(self, run: VariantRun) -> tuple[QWidget, QWidget]:
        from ..runs.gradient_panel import GradientFlowPanel

        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(_caption(run))
        panel = GradientFlowPanel()
        layout.addWidget(panel, 1)
        return column, panel

    def update_run(self, index: int) -> None:
        run, panel = self.runs[index], self.panels[index]
        if panel.buffers is not run.buffers:
            if run.total_steps:
                panel.set_step_range(run.total_steps)
            panel.show_buffers(run.buffers, run.label)

    def refresh(self) -> None:
        for panel in self.panels:
            panel.refresh()


class LesionComparison(_SideBySide):
    """Each variant's lesion study, side by side (residual beside plain)."""

    hovered = Signal(str)  # a node id under the mouse in any of the studies

    def _make_panel(self, run: VariantRun) -> tuple[QWidget, QWidget]:
        panel = LesionPanel(f"{run.label}: accuracy with each block switched off", run.colour)
        panel.hovered.connect(self.hovered)
        return panel, panel

    def update_run(self, index: int) -> None:
        run, panel = self.runs[index], self.panels[index]
        if run.lesion is not None:
            if panel.study is not run.lesion:
                panel.show_study(run.lesion)
        elif run.analysis_error:
            panel.show_message(f"No lesion study: {run.analysis_error}", error=True)
        elif run.status in (FAILED, SKIPPED):
            panel.clear()
            panel.show_message("No lesion study: the network did not finish training.",
                               error=run.status == FAILED)
        elif run.status in (DONE, STOPPED):
            panel.show_message("Switching each block off in turn…")
        elif run.status in (STARTING, RUNNING):
            panel.clear()
            panel.show_message("Training; the lesion study follows.")
        else:
            panel.clear()
            panel.show_message("Waiting to train; the lesion study follows.")

    def refresh(self) -> None:
        """Lesion studies arrive whole; nothing grows."""


class MemoryTable(QTableWidget):
    """Activations stored for backward, without and with gradient checkpointing."""

    HEADERS = ("Network", "Without checkpointing", "With checkpointing", "Memory saved",
               "Step time")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.HEADERS), parent)
        self.runs: list[VariantRun] = []
        self.setHorizontalHeaderLabels(self.HEADERS)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)

    def set_runs(self, runs: list[VariantRun]) -> None:
        self.runs = list(runs)
        self.setRowCount(len(runs))
        for index in range(len(runs)):
            self.update_run(index)

    def update_run(self, index: int) -> None:
        run = self.runs[index]
        if run.memory is not None:
            plain, checkpointed = run.memory
            saved = 1 - checkpointed.saved_bytes / max(plain.saved_bytes, 1)
            slower = checkpointed.step_seconds / max(plain.step_seconds, 1e-9)
            cells = (format_bytes(plain.saved_bytes), format_bytes(checkpointed.saved_bytes),
                     f"{saved:.0%}", f"×{slower:.2f} (recomputing)")
        elif run.status == FAILED:
            cells = ("could not be measured", run.reason, "", "")
        else:
            cells = ("measuring…" if run.status == RUNNING else run.status_text(), "", "", "")
        for column, text in enumerate((run.label, *cells)):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if column:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(index, column, item)

    def refresh(self) -> None:
        """Measurements arrive whole; nothing grows."""
