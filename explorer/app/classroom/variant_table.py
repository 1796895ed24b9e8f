"""The experiment's table: one row per variant, its status while it runs and its final figures.

The colour dot matches the variant's curves. The status column reads
waiting, starting, running (with a progress bar), done, stopped, failed or
not run; why a variant failed is in the status's tooltip and in the line
under the table, so a failure is never a mystery. Figures are those of the
saved results: parameters, final training loss (mean of the last tenth of
the logged steps), validation loss and accuracy, and the training time.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from explorer.graph import format_count

from .experiment import (
    FAILED,
    RUNNING,
    SKIPPED,
    VariantRun,
    format_accuracy,
    format_loss,
    format_seconds,
)

HEADERS = ("Variant", "Status", "Parameters", "Train loss", "Val loss", "Val accuracy", "Time")
FAILED_COLOUR = QColor("#d93a35")


def colour_dot(colour: str, size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(colour))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pixmap)


class VariantTable(QTableWidget):
    """Variants with their status and final figures; the selected row is "the" variant."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.runs: list[VariantRun] = []
        self.setHorizontalHeaderLabels(HEADERS)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def sizeHint(self) -> QSize:
        """Wide enough for every column, so the final figures show without scrolling."""
        header = self.horizontalHeader()
        names = [self.fontMetrics().horizontalAdvance(run.label) for run in self.runs]
        first = max([header.sectionSizeHint(0), *names]) + self.iconSize().width() + 24
        rest = sum(max(header.sectionSizeHint(c), self.sizeHintForColumn(c))
                   for c in range(1, self.columnCount()) if not self.isColumnHidden(c))
        width = first + rest + 2 * self.frameWidth() + self.verticalScrollBar().sizeHint().width()
        return QSize(max(super().sizeHint().width(), width), super().sizeHint().height())

    def set_runs(self, runs: list[VariantRun]) -> None:
        selected = self.selected_index()
        self.runs = list(runs)
        self.clearContents()
        self.setRowCount(len(runs))
        for index in range(len(runs)):
            self.update_run(index)
        if runs:
            self.selectRow(selected if selected is not None and selected < len(runs) else 0)
        self.updateGeometry()

    def selected_index(self) -> int | None:
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        return rows[0].row() if rows else None

    def update_run(self, index: int) -> None:
        """Show variant ``index`` as it is now."""
        run = self.runs[index]
        name = QTableWidgetItem(colour_dot(run.colour), run.label)
        name.setToolTip(run.label)
        self.setItem(index, 0, name)
        status = QTableWidgetItem(run.status_text())
        status.setToolTip(run.reason or run.status_text())
        if run.status == FAILED:
            status.setForeground(FAILED_COLOUR)
        self.setItem(index, 1, status)
        self._progress(index, run)
        figures = (format_count(run.parameters), format_loss(run.final_train_loss),
                   format_loss(run.final_val_loss), format_accuracy(run.final_val_accuracy),
                   format_seconds(run.seconds))
        for column, text in enumerate(figures, start=2):
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(index, column, item)

    def _progress(self, index: int, run: VariantRun) -> None:
        """A progress bar in the status cell while the variant trains."""
        bar = self.cellWidget(index, 1)
        if run.status == RUNNING and run.total_steps:
            if not isinstance(bar, QProgressBar):
                bar = QProgressBar()
                bar.setFormat("running · %p%")
                bar.setAlignment(Qt.AlignmentFlag.AlignCenter)
                self.setCellWidget(index, 1, bar)
            bar.setRange(0, run.total_steps)
            bar.setValue(run.step)
        elif bar is not None:
            self.removeCellWidget(index, 1)

    def failure_lines(self) -> list[str]:
        """'label: reason' for every variant that failed or was not run."""
        return [f"{run.label} {'failed' if run.status == FAILED else 'was not run'}: "
                f"{run.reason}" for run in self.runs
                if run.status in (FAILED, SKIPPED) and run.reason]
