"""The palette: every node kind, grouped by category, searchable, ready to drag.

Dragging a kind carries its name under ``KIND_MIME_TYPE``; the canvas adds a
node where it is dropped. Double-clicking (or Enter) asks the window to add
the kind in the middle of the canvas, wired after the selected node when
that makes sense.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QDrag, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.graph import CATEGORIES, NodeKind, all_kinds, get_kind

from .icons import kind_icon
from .kind_search import KIND_MIME_TYPE, find_kinds, kind_matches

KIND_ROLE = Qt.ItemDataRole.UserRole


def kind_tooltip(kind: NodeKind) -> str:
    """Title, what it does, the formula, and the paper it comes from (rich text)."""
    parts = [f"<b>{_html(kind.title)}</b>", _html(kind.description),
             f"<code>{_html(kind.formula)}</code>"]
    if kind.paper:
        parts.append(f"<i>{_html(kind.paper)}</i>")
    return "<p>" + "<br>".join(parts) + "</p>"


def kind_mime_data(kind_name: str) -> QMimeData:
    """What a palette drag carries (tests build the same to simulate a drop)."""
    data = QMimeData()
    data.setData(KIND_MIME_TYPE, kind_name.encode("utf-8"))
    return data


class KindTree(QTreeWidget):
    """The tree of kinds; starts a drag with the kind's MIME data."""

    def startDrag(self, actions) -> None:
        item = self.currentItem()
        kind = item.data(0, KIND_ROLE) if item is not None else None
        if item is None or not kind:
            return
        drag = QDrag(self)
        drag.setMimeData(kind_mime_data(kind))
        drag.setPixmap(item.icon(0).pixmap(QSize(32, 32)))
        drag.exec(Qt.DropAction.CopyAction)


class Palette(QWidget):
    """Search box above the tree of kinds."""

    add_requested = Signal(str)  # the user double-clicked (or pressed Enter on) a kind

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search layers and blocks…")
        self.search.setClearButtonEnabled(True)
        self.tree = KindTree()
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(QSize(22, 22))
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(12)
        self.tree.setUniformRowHeights(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.items: dict[str, QTreeWidgetItem] = {}
        self.groups: dict[str, QTreeWidgetItem] = {}
        self._fill()
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._add_first_match)
        self.tree.itemActivated.connect(self._activated)

    def _fill(self) -> None:
        bold = QFont()
        bold.setBold(True)
        for category in CATEGORIES:
            group = QTreeWidgetItem([category])
            group.setFont(0, bold)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(group)
            self.groups[category] = group
        for kind in all_kinds():
            home = self.groups.get(kind.category)
            if home is None:  # a kind outside the known categories still shows
                home = QTreeWidgetItem([kind.category])
                self.tree.addTopLevelItem(home)
                self.groups[kind.category] = home
            item = QTreeWidgetItem([kind.title])
            item.setIcon(0, kind_icon(kind.name))
            item.setData(0, KIND_ROLE, kind.name)
            item.setToolTip(0, kind_tooltip(kind))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsDragEnabled)
            home.addChild(item)
            self.items[kind.name] = item
        self.tree.expandAll()

    def filter(self, text: str) -> None:
        """Show only kinds matching ``text`` (and the groups that still hold some)."""
        for group in self.groups.values():
            shown = 0
            for item in _children(group):
                match = kind_matches(get_kind(item.data(0, KIND_ROLE)), text)
                item.setHidden(not match)
                shown += match
            group.setHidden(shown == 0)
            group.setExpanded(True)

    def visible_kinds(self) -> list[str]:
        return [name for name, item in self.items.items()
                if not item.isHidden() and not _group_hidden(item)]

    def _add_first_match(self) -> None:
        best = find_kinds(self.search.text())
        if best:
            self.add_requested.emit(best[0].name)

    def _activated(self, item: QTreeWidgetItem) -> None:
        kind = item.data(0, KIND_ROLE)
        if kind:
            self.add_requested.emit(kind)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _children(group: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    """The kinds under a category, in order (Qt types ``child`` as possibly absent)."""
    children = (group.child(i) for i in range(group.childCount()))
    return [child for child in children if child is not None]


def _group_hidden(item: QTreeWidgetItem) -> bool:
    """Whether the category holding ``item`` is hidden (a kind always has one)."""
    group = item.parent()
    return group is not None and group.isHidden()
