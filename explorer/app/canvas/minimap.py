"""An overview of a big graph in the canvas corner: click or drag in it to look there.

It paints node rectangles from the scene's items (not a second live view of
the scene) into a cached picture, redrawn only when the graph changes;
scrolling and zooming only move the rectangle that marks what the canvas
shows.

It stays out of the way: hidden while the canvas shows the whole graph
(there is nowhere else to look, as after fitting the network in
presentation mode), and put in a corner of the canvas where it covers no
node (bottom right first), made smaller if that frees a corner; where
every corner has nodes, in the one that hides the fewest.
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsView, QWidget

from .. import theme
from .node_item import NODE_WIDTH, NodeItem
from .scene import GraphScene

MINIMAP_SIZE = (220, 140)
SHOW_FROM_NODES = 14  # smaller graphs fit on screen; the overview would only add clutter
SMALL_SHARE = 0.6  # of the full size, to fit beside the nodes where the full size does not
MARGIN = 12  # between the overview and the canvas's edges


class Minimap(QWidget):
    """Overview of ``scene`` with the rectangle ``view`` shows; steers ``view``."""

    def __init__(self, view: QGraphicsView, scene: GraphScene) -> None:
        super().__init__(view)
        self.view = view
        self.scene = scene
        self.forced: bool | None = None  # None: show for big graphs only
        self.resize(*MINIMAP_SIZE)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the canvas there.")
        self._picture: QPixmap | None = None
        self._repaint = QTimer(self, singleShot=True, interval=30)  # coalesce repaints
        self._repaint.timeout.connect(self._refresh)
        view.horizontalScrollBar().valueChanged.connect(self.schedule)
        view.verticalScrollBar().valueChanged.connect(self.schedule)
        view.installEventFilter(self)  # a resized canvas may uncover the graph or a corner
        scene.contents_changed.connect(self.redraw)

    def redraw(self) -> None:
        """The graph changed: the cached picture of the nodes is out of date."""
        self._picture = None
        self.schedule()

    def schedule(self, *args) -> None:
        if not self._repaint.isActive():
            self._repaint.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.Resize:
            self.schedule()
        return False

    def _refresh(self) -> None:
        if self.forced is not None:
            wanted = self.forced
        else:
            wanted = len(self.scene.nodes) >= SHOW_FROM_NODES and not self._all_in_view()
        if wanted:
            self._place()
        self.setVisible(bool(wanted))
        if wanted:
            self.update()

    def _all_in_view(self) -> bool:
        shown = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        return shown.contains(self.scene.content_rect())

    def _corners(self, size: QSize) -> list[QRect]:
        """Where the overview may go, in the view: bottom right, bottom left, top right,
        top left."""
        area = self.view.viewport().geometry()
        right = area.right() + 1 - size.width() - MARGIN
        bottom = area.bottom() + 1 - size.height() - MARGIN
        left, top = area.left() + MARGIN, area.top() + MARGIN
        return [QRect(QPoint(x, y), size) for x, y in ((right, bottom), (left, bottom),
                                                      (right, top), (left, top))]

    def _covered(self, place: QRect) -> int:
        """How many nodes the overview would hide at ``place`` (view coordinates)."""
        inside = place.translated(-self.view.viewport().pos())
        under = self.view.mapToScene(inside).boundingRect()
        return len({item.topLevelItem() for item in self.scene.items(under)
                    if isinstance(item.topLevelItem(), NodeItem)})

    def _place(self) -> None:
        full = QSize(*MINIMAP_SIZE)
        for size in (full, full * SMALL_SHARE):
            free = next((p for p in self._corners(size) if not self._covered(p)), None)
            if free is not None:
                self.setGeometry(free)
                return
        self.setGeometry(min(self._corners(full), key=self._covered))

    def _frame(self) -> tuple[QRectF, float, QPointF]:
        """The scene area shown, the scale, and the offset from scene to widget."""
        area = self.scene.content_rect().adjusted(-40, -40, 40, 40)
        inner = QRectF(self.rect()).adjusted(6, 6, -6, -6)
        scale = min(inner.width() / area.width(), inner.height() / area.height())
        offset = QPointF(inner.center().x() - area.center().x() * scale,
                         inner.center().y() - area.center().y() * scale)
        return area, scale, offset

    def _to_widget(self, rect: QRectF, scale: float, offset: QPointF) -> QRectF:
        return QRectF(rect.x() * scale + offset.x(), rect.y() * scale + offset.y(),
                      rect.width() * scale, rect.height() * scale)

    def paintEvent(self, event) -> None:
        t = theme.current()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._nodes_picture())
        _area, scale, offset = self._frame()
        shown = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(t.selection, 1.5))
        painter.setBrush(QColor(t.selection.red(), t.selection.green(), t.selection.blue(), 30))
        painter.drawRect(self._to_widget(shown, scale, offset))

    def _nodes_picture(self) -> QPixmap:
        ratio = self.devicePixelRatioF()
        if self._picture is not None and self._picture.size() == self.size() * ratio:
            return self._picture
        t = theme.current()
        picture = QPixmap(self.size() * ratio)
        picture.setDevicePixelRatio(ratio)
        picture.fill(Qt.GlobalColor.transparent)
        painter = QPainter(picture)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        background = QColor(t.node_fill)
        background.setAlpha(235)
        painter.setPen(QPen(t.node_border, 1))
        painter.setBrush(background)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        _area, scale, offset = self._frame()
        painter.setPen(Qt.PenStyle.NoPen)
        for colour, rects in self._node_rects(scale, offset):
            painter.setBrush(colour)
            painter.drawRects(rects)
        painter.end()
        self._picture = picture
        return picture

    def _node_rects(self, scale: float, offset: QPointF) -> list[tuple[QColor, list[QRectF]]]:
        """The nodes' boxes in widget coordinates, a list per colour (a node in error is in
        the error colour), at most one box per pixel and colour.

        A box here is a pixel or two: of 10,000 nodes some 1,500 boxes differ, and
        making a QRectF for each node was most of the time a new overview took
        (rebuilt after every edit). Positions are the graph's (an item being dragged
        has not moved in the overview yet; the drop redraws it).
        """
        by_category: dict[str, list[QRectF]] = defaultdict(list)
        seen: set[tuple[str, int, int, float]] = set()
        width, dx, dy = NODE_WIDTH * scale, offset.x(), offset.y()
        for item in self.scene.nodes.values():
            x, y = item.node.position
            x, y = x * scale + dx, y * scale + dy
            category = "" if item.has_error else item.kind.category
            key = (category, int(x), int(y), item.body_height)
            if key not in seen:
                seen.add(key)
                by_category[category].append(QRectF(x, y, width, item.body_height * scale))
        error = theme.current().error
        return [(error if category == "" else theme.category_color(category), rects)
                for category, rects in by_category.items()]

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._steer(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._steer(event.position())

    def _steer(self, point: QPointF) -> None:
        _area, scale, offset = self._frame()
        self.view.centerOn(QPointF((point.x() - offset.x()) / scale,
                                   (point.y() - offset.y()) / scale))
