"""The canvas view: zoom, pan, drops from the palette, wiring, and canvas shortcuts.

Gestures become calls on the CanvasEditor, which pushes edits; the view
itself makes no edit. Scroll bars are hidden: the canvas is navigated by
dragging (middle button, or Space + left button), the wheel, the overview in
the corner and F (fit). A network just opened is shown at a zoom where its
text reads, an example first folded into rows for the window (readable.py).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QGraphicsView

from .. import theme
from ..document import error_text
from ..kind_search import KIND_MIME_TYPE
from ..notices import NoticeBar
from ..quick_add import QuickAddPopup
from ..seams import NodeMenuEntries
from .editing import CanvasEditor
from .far_view import FarView
from .minimap import Minimap
from .readable import MARGIN, READABLE_SCALE, fold_to_window
from .scene import GraphScene
from .stage_item import StageCommands
from .view_menus import ViewMenus
from .wire_drag import WireDrag
from .zoom_caching import ZoomCaching

MIN_ZOOM, MAX_ZOOM = 0.08, 4.0
FIT_MAX_ZOOM = 1.25  # fitting a small graph should not blow it up
CANVAS_EXTENT = 100_000.0
EMPTY_CANVAS_HINT = ("Drag layers and blocks here from the palette,\n"
                     "or press Tab and type a name.\n\n"
                     "File ▸ Examples opens a ready-made network.")


class CanvasView(ViewMenus):
    """Shows a GraphScene and turns gestures on it into editor calls."""

    zoom_changed = Signal(float)

    def __init__(self, editor: CanvasEditor, parent=None) -> None:
        super().__init__(editor.scene, parent)
        self.editor = editor
        self.graph_scene: GraphScene = editor.scene
        self._zoom = 1.0
        self._ui_scale = 1.0
        self._pan_from: QPoint | None = None
        self._space_held = False
        self._wire: WireDrag | None = None
        self.node_menu_entries: list[NodeMenuEntries] = []  # other parts' node commands
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        half = CANVAS_EXTENT / 2
        self.setSceneRect(QRectF(-half, -half, CANVAS_EXTENT, CANVAS_EXTENT))
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("")
        self.minimap = Minimap(self, self.graph_scene)
        self.far_view = FarView(self.graph_scene)
        self.graph_scene.contents_changed.connect(self.far_view.invalidate)
        self.graph_scene.looks_changed.connect(self.far_view.invalidate)
        self.graph_scene.selectionChanged.connect(self.far_view.invalidate)
        self.zoom_caching = ZoomCaching(self.graph_scene, self)
        self.zoom_changed.connect(self.minimap.schedule)
        self.notice = NoticeBar(self)
        self.quick_add = QuickAddPopup(self)
        self.quick_add.chosen.connect(self._quick_add_chosen)
        self._quick_add_at = QPointF()
        self._quick_add_port: tuple[str, str, bool] | None = None
        self.graph_scene.node_activated.connect(editor.toggle_block)
        self.stages = StageCommands(editor.document, self, self.graph_scene)
        self.node_menu_entries.append(self.stages.node_entries)

    # -- zoom and pan --------------------------------------------------------------------

    @property
    def zoom(self) -> float:
        return self._zoom

    def set_ui_scale(self, scale: float) -> None:
        """The classroom UI zoom also makes the canvas bigger."""
        self._ui_scale = scale
        self.set_zoom(self._zoom)

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to ``zoom`` keeping the scene point under ``anchor`` (view coords) in place."""
        zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        anchor = anchor if anchor is not None else QPointF(self.viewport().rect().center())
        fixed = self.mapToScene(anchor.toPoint())
        self._zoom = zoom
        scale = zoom * self._ui_scale
        self.resetTransform()
        self.scale(scale, scale)
        moved = self.mapToScene(anchor.toPoint())
        self._scroll_by_scene(fixed - moved)
        self.zoom_changed.emit(zoom)

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """A zoom step (wheel, keys): on a big graph, nodes keep their pictures until the
        steps rest (zoom_caching.py)."""
        self.zoom_caching.zooming(self.mapToScene(self.viewport().rect()).boundingRect())
        self.set_zoom(self._zoom * factor, anchor)

    def zoom_in(self) -> None:
        self.zoom_by(1.25)

    def zoom_out(self) -> None:
        self.zoom_by(1 / 1.25)

    def reset_zoom(self) -> None:
        self.set_zoom(1.0)

    def fit(self) -> None:
        """Show the whole graph (F)."""
        rect = self.graph_scene.content_rect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
        view = self.viewport().rect()
        if rect.isEmpty() or view.width() < 10 or view.height() < 10:
            return
        zoom = min(view.width() / rect.width(), view.height() / rect.height())
        self.set_zoom(min(zoom / self._ui_scale, FIT_MAX_ZOOM))
        self.centerOn(rect.center())

    def show_whole(self) -> None:
        """Show the whole network as large as the canvas allows (presentation mode, on a
        screen of any shape): a network opened for viewing, tidily laid out and not yet in
        a file, is first folded into rows that suit the canvas's shape."""
        view = self.viewport().rect()
        if self.editor.document.path is None and view.width() >= 10 and view.height() >= 10:
            fold_to_window(self.editor.graph, view.width(), view.height(), scale=0.0)
        self.fit()

    def show_opened(self) -> None:
        """Show a network just opened with its nodes' text readable: whole if it fits so,
        else from its start, top left. An example's tidy layout is first folded into
        rows that suit the window; a user's own file keeps its layout."""
        view = self.viewport().rect()
        if view.width() < 10 or view.height() < 10:
            return
        if self.editor.document.path is None:
            fold_to_window(self.editor.graph, view.width(), view.height())
        rect = self.graph_scene.content_rect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
        if min(view.width() / rect.width(), view.height() / rect.height()) >= READABLE_SCALE:
            self.fit()
            return
        self.set_zoom(READABLE_SCALE / self._ui_scale)
        self.centerOn(rect.left() + view.width() / READABLE_SCALE / 2,
                      rect.top() + view.height() / READABLE_SCALE / 2)

    def centre_on_node(self, node_id: str) -> None:
        item = self.graph_scene.nodes.get(node_id)
        if item is not None:
            self.centerOn(item.sceneBoundingRect().center())

    def _scroll_by_scene(self, delta: QPointF) -> None:
        scale = self.transform().m11()
        self._scroll_by_view(QPointF(-delta.x() * scale, -delta.y() * scale))

    def _scroll_by_view(self, delta: QPointF) -> None:
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() - round(delta.x()))
        v.setValue(v.value() - round(delta.y()))

    def wheelEvent(self, event: QWheelEvent) -> None:
        pixels = event.pixelDelta()
        if not pixels.isNull() and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._scroll_by_view(QPointF(pixels))  # a touchpad scrolls
            return
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.15 ** steps, event.position())

    # -- mouse -----------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        panning = event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space_held)
        if panning:
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if event.button() == Qt.MouseButton.LeftButton:
            port = self.graph_scene.port_at(self.mapToScene(event.position().toPoint()),
                                            radius=8)
            if port is not None:
                self._wire = WireDrag(self.graph_scene, port)
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            now = event.position().toPoint()
            self._scroll_by_view(QPointF(now - self._pan_from))
            self._pan_from = now
            return
        if self._wire is not None:
            self._wire.move(self.mapToScene(event.position().toPoint()))
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if self._space_held
                                      else Qt.CursorShape.ArrowCursor)
            return
        if self._wire is not None:
            self._finish_wire(event)
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self.editor.commit_moves()

    def _finish_wire(self, event: QMouseEvent) -> None:
        drag, self._wire = self._wire, None
        assert drag is not None
        point = self.mapToScene(event.position().toPoint())
        edit = drag.finish(point)
        if edit is not None:
            self.editor.document.push(edit)
        elif drag.problem is not None:
            self.editor.document.notice.emit(error_text(drag.problem))
        elif drag.target is None and drag.detached is None:
            fixed = drag.fixed
            self.open_quick_add(event.position().toPoint(),
                                connect_to=(fixed.node_id, fixed.name, fixed.is_output))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        point = self.mapToScene(event.position().toPoint())
        node = self.graph_scene.node_at(point)
        if node is not None:
            if not self.editor.toggle_block(node.node_id):
                super().mouseDoubleClickEvent(event)
            return
        if self.stages.toggle_at(point):  # a stage's box opens, its frame closes
            return
        frame = self.graph_scene.frame_at(point)
        if frame is not None:
            self.editor.collapse(frame.block_id)
            return
        if self.graph_scene.itemAt(point, self.transform()) is None:
            self.open_quick_add(event.position().toPoint())
            return
        super().mouseDoubleClickEvent(event)

    # -- keys ------------------------------------------------------------------------------

    def event(self, event) -> bool:
        if isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Tab and not event.modifiers():
            self.open_quick_add(self.mapFromGlobal(self.cursor().pos()))
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            return
        if event.key() == Qt.Key.Key_Escape and self._wire is not None:
            self._wire.cancel()
            self._wire = None
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            return
        super().keyReleaseEvent(event)

    # -- quick add ---------------------------------------------------------------------------

    def open_quick_add(self, view_pos: QPoint | None = None, *,
                       connect_to: tuple[str, str, bool] | None = None) -> None:
        """Open the search box at ``view_pos`` (default: the middle of the canvas)."""
        if view_pos is None or not self.viewport().rect().contains(view_pos):
            view_pos = self.viewport().rect().center()
        self._quick_add_at = self.mapToScene(view_pos)
        self._quick_add_port = connect_to
        self.quick_add.open_at(self.viewport().mapToGlobal(view_pos))

    def _quick_add_chosen(self, kind_name: str) -> None:
        port = None
        if self._quick_add_port is not None:
            node_id, name, is_output = self._quick_add_port
            item = self.graph_scene.nodes.get(node_id)
            if item is not None:
                port = item.output if is_output else item.inputs.get(name)
        new = self.editor.add_node(kind_name, self._quick_add_at, connect_from=port)
        if new is not None:
            self.graph_scene.select_nodes([new])
        self.setFocus()

    # -- drops from the palette ----------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(KIND_MIME_TYPE):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(KIND_MIME_TYPE):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        data = event.mimeData()
        if not data.hasFormat(KIND_MIME_TYPE):
            event.ignore()  # a file, some text, an image: not ours to handle here
            return
        kind = bytes(data.data(KIND_MIME_TYPE).data()).decode("utf-8", "replace").strip()
        point = self.mapToScene(event.position().toPoint())
        if self.editor.add_node(kind, point) is not None:
            event.acceptProposedAction()
            self.setFocus()
        else:
            event.ignore()

    # -- painting ------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        """Far out on a big graph, paint pictures instead of every item (far_view.py)."""
        if self.far_view.draws(self):
            self.far_view.paint_view(self, event.rect())
        else:
            super().paintEvent(event)

    # -- overlays ------------------------------------------------------------------------------

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        """An empty canvas says how to start."""
        if self.graph_scene.nodes:
            return
        painter.save()
        painter.resetTransform()
        font = painter.font()
        font.setPixelSize(16)
        painter.setFont(font)
        painter.setPen(theme.current().muted_text)
        painter.drawText(QRectF(self.viewport().rect()), Qt.AlignmentFlag.AlignCenter,
                         EMPTY_CANVAS_HINT)
        painter.restore()

    def show_notice(self, text: str, *, error: bool = False) -> None:
        self.notice.show_message(text, error=error)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        margin = 12
        self.minimap.move(self.width() - self.minimap.width() - margin,
                          self.height() - self.minimap.height() - margin)
        self.notice.place()
