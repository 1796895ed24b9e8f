"""The canvas as the rest of the editor sees it: one scene, its editor and its view.

``Canvas`` makes the three and offers what other parts do to the canvas:
point at nodes (the ``CanvasFocus`` seam: problems list, code preview, Train
panel, lesion bars), colour them (the ``NodeColours`` seam: gradients of a
run), and the canvas commands of the menus. Parts outside the canvas get
this object, typed by the seam they use, never the scene or the view.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPointF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from explorer.graph import get_kind

from ..document import Document
from ..seams import NodeMenuEntries
from .editing import CanvasEditor
from .scene import GraphScene
from .view import CanvasView

CHAIN_STEP = 220.0  # how far right of the selected node a palette double-click places a node


class Canvas:
    """One canvas on ``document``: ``scene``, ``editor`` and ``view``."""

    def __init__(self, document: Document, parent: QObject) -> None:
        self.scene = GraphScene(parent=parent)  # parented: a parentless scene is collected
        self.editor = CanvasEditor(document, self.scene)
        self.view = CanvasView(self.editor)

    # -- pointing at nodes (CanvasFocus) -------------------------------------------------------

    def reveal_node(self, node_id: str) -> None:
        """Select a node and bring it to the middle of the canvas, which takes the keyboard."""
        if node_id not in self.scene.nodes:
            return
        self.show_node(node_id)
        self.view.setFocus()

    def show_node(self, node_id: str) -> None:
        """Select a node and centre it; the keyboard focus stays where it is."""
        self.scene.select_nodes([node_id])
        self.view.centre_on_node(node_id)

    def select_nodes(self, node_ids: list[str]) -> None:
        """Select those of ``node_ids`` on the canvas; a list with none of them changes
        nothing (a lesion bar of a network no longer shown)."""
        present = [node_id for node_id in node_ids if node_id in self.scene.nodes]
        if present:
            self.scene.select_nodes(present)

    def fit(self) -> None:
        self.view.fit()

    def show_whole(self) -> None:
        self.view.show_whole()

    def show_opened(self) -> None:
        self.view.show_opened()

    def add_node_menu_entries(self, entries: NodeMenuEntries) -> None:
        self.view.node_menu_entries.append(entries)

    # -- colours (NodeColours) -------------------------------------------------------------------

    @property
    def legend_host(self) -> QWidget:
        return self.view

    def set_heat(self, nodes: dict[str, tuple[QColor, tuple[str, ...]]]) -> None:
        self.scene.set_heat(nodes)

    # -- commands of the menus and the palette ---------------------------------------------------

    def select_all(self) -> None:
        for item in self.scene.nodes.values():
            item.setSelected(True)

    def toggle_overview(self) -> None:
        minimap = self.view.minimap
        minimap.forced = not minimap.isVisible()
        minimap.schedule()

    def add_from_palette(self, kind_name: str) -> None:
        """Double-click in the palette: add after the selected node (wired), else mid-canvas."""
        selected = self.scene.selected_node_ids()
        port = None
        centre = QPointF()
        if len(selected) == 1:
            item = self.scene.nodes[selected[0]]
            kind = get_kind(kind_name)
            if item.output is not None and kind.input_ports(kind.defaults()):
                port = item.output
                centre = item.mapToScene(item.body_rect().center())
                centre.setX(centre.x() + CHAIN_STEP)
        if port is None:
            centre = self.view.mapToScene(self.view.viewport().rect().center())
        new = self.editor.add_node(kind_name, centre, connect_from=port)
        if new is not None:
            self.scene.select_nodes([new])

    def restyle(self) -> None:
        """Repaint everything after a change of theme."""
        for item in self.scene.items():
            item.update()
        self.view.resetCachedContent()
        self.view.viewport().update()
        self.view.minimap.redraw()
        self.view.far_view.invalidate()
