"""The canvas's right-click menus: for a node, a wire, an expanded block's frame, a stage
(stage_item.py) or the empty canvas. Each entry calls what its gesture calls."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtWidgets import QGraphicsView, QInputDialog, QMenu

from explorer.graph import get_kind

from ..seams import NodeMenuEntries
from .editing import CanvasEditor
from .group_frame import GroupFrame
from .node_item import NodeItem
from .scene import GraphScene
from .stage_item import StageCommands
from .wire_item import WireItem


class ViewMenus(QGraphicsView):
    """The menus part of CanvasView (view.py), which sets the attributes named here."""

    editor: CanvasEditor
    graph_scene: GraphScene
    stages: StageCommands
    node_menu_entries: list[NodeMenuEntries]

    open_quick_add: Callable[[QPoint], None]
    fit: Callable[[], None]

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        point = self.mapToScene(event.pos())
        item = self.graph_scene.itemAt(point, self.transform())
        while item is not None and not isinstance(item, NodeItem | WireItem | GroupFrame):
            item = item.parentItem()
        if item is not None and not item.isSelected() and not isinstance(item, GroupFrame):
            self.graph_scene.clearSelection()
            item.setSelected(True)
        menu = QMenu(self)
        if isinstance(item, NodeItem):
            self._node_menu(menu, item)
        elif isinstance(item, WireItem):
            menu.addAction("Delete wire", self.editor.delete_selection)
        elif isinstance(item, GroupFrame) and item.block_id:  # a stage's frame has none
            block_id = item.block_id
            menu.addAction("Collapse block", lambda: self.editor.collapse(block_id))
        elif not self.stages.menu_at(menu, point):  # a stage's box or frame, else the canvas
            self._canvas_menu(menu, event.pos())
        menu.exec(event.globalPos())

    def _node_menu(self, menu: QMenu, item: NodeItem) -> None:
        node_id, node = item.node_id, item.node
        if get_kind(node.kind).expand is not None:
            menu.addAction("Expand block", lambda: self.editor.expand(node_id))
        if node.group is not None:
            group = node.group
            menu.addAction(f"Collapse block {group}", lambda: self.editor.collapse(group))
        menu.addAction("Rename…", lambda: self._rename(node_id))
        menu.addSeparator()
        menu.addAction("Duplicate", self.editor.duplicate)
        menu.addAction("Copy", self.editor.copy)
        disconnect = QAction("Disconnect inputs", menu)
        disconnect.setEnabled(bool(self.editor.graph.in_edges(node_id)))
        disconnect.triggered.connect(lambda: self.editor.disconnect_inputs(node_id))
        menu.addAction(disconnect)
        menu.addSeparator()
        menu.addAction("Delete", self.editor.delete_selection)
        for entries in self.node_menu_entries:
            entries(menu, node_id)

    def _canvas_menu(self, menu: QMenu, view_pos: QPoint) -> None:
        at = self.mapToScene(view_pos)
        menu.addAction("Add node here…", lambda: self.open_quick_add(view_pos))
        menu.addAction("Paste here", lambda: self.editor.paste(at))
        menu.addSeparator()
        menu.addAction("Tidy layout", self.editor.tidy)
        menu.addAction("Fit to view", self.fit)

    def _rename(self, node_id: str) -> None:
        current = self.editor.graph.node(node_id).label
        label, ok = QInputDialog.getText(self, "Rename node",
                                         f"Label for {node_id} (empty: show the id):",
                                         text=current)
        if ok:
            self.editor.rename(node_id, label.strip())
