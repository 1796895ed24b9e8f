"""Quick add: type a few letters at the cursor, press Enter, and the node is there.

Opened with Tab or Ctrl+K on the canvas, by double-clicking empty canvas, or
by dropping a wire on nothing (the new node is then wired to it).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

from .icons import kind_icon
from .kind_search import find_kinds

KIND_ROLE = Qt.ItemDataRole.UserRole


class QuickAddPopup(QFrame):
    """A search box with a list of matching kinds; emits ``chosen(kind_name)``."""

    chosen = Signal(str)
    dismissed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.search = QLineEdit(placeholderText="Add a node: type its name…")
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setIconSize(QSize(20, 20))
        self.results.setUniformItemSizes(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        self.resize(320, 360)
        self.search.textChanged.connect(self._refilter)
        self.search.installEventFilter(self)
        self.results.itemActivated.connect(self._accept_item)
        self._accepted = False
        self._refilter("")

    def open_at(self, global_pos: QPoint, text: str = "") -> None:
        self._accepted = False
        self.search.setText(text)
        self._refilter(text)
        self.move(self.place(global_pos))
        self.show()
        self.search.setFocus()

    def place(self, global_pos: QPoint) -> QPoint:
        """Where the popup's corner goes: at ``global_pos``, moved up or left as far as it
        takes to stay inside the canvas it belongs to (and the screen), never hanging below."""
        area = QRect()
        parent = self.parentWidget()
        if parent is not None:
            area = QRect(parent.mapToGlobal(QPoint(0, 0)), parent.size())
        screen = self.screen()
        if screen is not None:
            available = screen.availableGeometry()
            area = area.intersected(available) if area.isValid() else available
        if not area.isValid():
            return global_pos
        x = max(area.left(), min(global_pos.x(), area.right() + 1 - self.width()))
        y = max(area.top(), min(global_pos.y(), area.bottom() + 1 - self.height()))
        return QPoint(x, y)

    def current_kind(self) -> str | None:
        item = self.results.currentItem()
        return item.data(KIND_ROLE) if item is not None else None

    def accept_current(self) -> bool:
        kind = self.current_kind()
        if kind is None:
            return False
        self._accepted = True
        self.hide()
        self.chosen.emit(kind)
        return True

    def _refilter(self, text: str) -> None:
        self.results.clear()
        for kind in find_kinds(text):
            item = QListWidgetItem(kind_icon(kind.name), kind.title)
            item.setData(KIND_ROLE, kind.name)
            item.setToolTip(kind.description)
            self.results.addItem(item)
        self.results.setCurrentRow(0)

    def _accept_item(self, item: QListWidgetItem) -> None:
        self.results.setCurrentItem(item)
        self.accept_current()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.accept_current()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.results.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
                self.results.setCurrentRow(max(0, min(row, self.results.count() - 1)))
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(watched, event)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        if not self._accepted:
            self.dismissed.emit()
