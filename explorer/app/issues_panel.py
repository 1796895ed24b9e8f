"""The list of problems the checker found: errors first, warnings after, each with its hint.

Clicking a problem selects its node on the canvas and centres it there.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from explorer.graph import CheckResult, Issue, format_count

from . import theme

NODE_ROLE = Qt.ItemDataRole.UserRole


def severity_icon(severity: str, size: int = 16) -> QIcon:
    t = theme.current()
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(t.error if severity == "error" else t.warning)
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.setPen(QColor("white"))
    font = painter.font()
    font.setBold(True)
    font.setPixelSize(size - 5)
    painter.setFont(font)
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, "!")
    painter.end()
    return QIcon(pixmap)


def summary_text(result: CheckResult, node_count: int) -> str:
    """The status bar's line about the network: parameters, nodes, errors and warnings."""
    errors, warnings = len(result.errors), len(result.warnings)
    parts = [f"Parameters: {format_count(result.total_params)}", f"{node_count} nodes"]
    parts.append(f"{errors} error" + ("s" if errors != 1 else "") if errors else "no errors")
    if warnings:
        parts.append(f"{warnings} warning" + ("s" if warnings != 1 else ""))
    return "  ·  ".join(parts)


def dock_title(result: CheckResult) -> str:
    """"Problems (3)", or "Problems" when there are none."""
    count = len(result.errors) + len(result.warnings)
    return f"Problems ({count})" if count else "Problems"


def issue_text(issue: Issue) -> str:
    where = f"{issue.node_id}: " if issue.node_id else ""
    text = f"{where}{issue.message}"
    return text + (f"\n    {issue.hint}" if issue.hint else "")


class IssuesPanel(QWidget):
    """Problems of the current graph; ``node_activated(node_id)`` when one is clicked."""

    node_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setIconSize(QSize(16, 16))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addWidget(self.summary)
        layout.addWidget(self.list)
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)

    def show_result(self, result: CheckResult) -> None:
        self.list.clear()
        ordered = [*result.errors, *result.warnings]
        for issue in ordered:
            item = QListWidgetItem(severity_icon(issue.severity), issue_text(issue))
            item.setData(NODE_ROLE, issue.node_id)
            tip = ("Click to show the node on the canvas." if issue.node_id
                   else "A problem of the network as a whole.")
            item.setToolTip(tip)
            self.list.addItem(item)
        errors, warnings = len(result.errors), len(result.warnings)
        if not ordered:
            self.summary.setText("No problems: every shape fits.")
        else:
            parts = [f"{errors} error" + ("s" if errors != 1 else "")] if errors else []
            if warnings:
                parts.append(f"{warnings} warning" + ("s" if warnings != 1 else ""))
            located = any(issue.node_id for issue in ordered)
            self.summary.setText(" and ".join(parts) + "."
                                 + (" Click one to find its node." if located else ""))

    def issues_shown(self) -> list[tuple[str | None, str]]:
        return [(self.list.item(i).data(NODE_ROLE), self.list.item(i).text())
                for i in range(self.list.count())]

    def _clicked(self, item: QListWidgetItem) -> None:
        node_id = item.data(NODE_ROLE)
        if node_id:
            self.node_activated.emit(node_id)
