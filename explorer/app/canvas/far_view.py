"""The canvas far out on a big graph: plain boxes and straight wires from cached pictures.

Zoomed far out on thousands of nodes, asking every item to paint itself
costs a Python call per node, port and wire: 60-70 ms a frame at 10,000
nodes, where a frame should take 16. Nothing readable is lost by drawing
simpler there, so the view draws the whole graph from a few ``QPicture``
recordings instead, one per horizontal band of the scene: each node a box
tinted with its category's colour (red with an error, blue when selected,
the heat colour while training), each wire one straight line (a skip, a
three-segment arc; a wire looping round to the next row of a folded layout,
its control polygon), each expanded block's frame a tinted box. Replaying a
recording runs in C++ only, and only the bands in sight are recorded and
replayed: a pan at the fit zoom of 10,000 nodes went from 60-70 ms to 5 ms
(benchmarks/bench_canvas.py).

The recordings are made again, on the next far frame, after anything they
show changes: items added, removed or moved, a check's error badges, the
selection, training colours or the theme. The items themselves stay in the
scene (hover, clicks and rubber-band selection work as at any zoom); they
are just not asked to paint.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPicture
from PySide6.QtWidgets import QGraphicsView

from .. import theme
from .group_frame import GroupFrame
from .node_item import NAME_MIN_ZOOM, NodeItem
from .scene import GraphScene
from .stage_item import StageBox
from .wire_item import ARC_RUN_IN, WireItem

FAR_ZOOM = NAME_MIN_ZOOM  # below this scale (no names shown) a big graph is drawn from
# the pictures
FAR_FROM_NODES = 300  # smaller graphs paint item by item at every zoom (it is fast enough)
BAND_HEIGHT = 2400.0  # scene units per recorded band


def wire_lines(wire: WireItem) -> list[QLineF]:
    """The wire as straight lines: one; a skip's arc, three; a wire looping back, its bends."""
    start, end = wire.ends()  # not wire.path(): the curve is made only where it is needed
    x0, y0, x1, y1 = start.x(), start.y(), end.x(), end.y()
    if wire.arc_top is not None and x1 - x0 > 2 * ARC_RUN_IN:
        top = min(wire.arc_top, y0, y1)
        return [QLineF(x0, y0, x0 + ARC_RUN_IN, top), QLineF(x0 + ARC_RUN_IN, top,
                                                              x1 - ARC_RUN_IN, top),
                QLineF(x1 - ARC_RUN_IN, top, x1, y1)]
    if x1 < x0 + 30:  # the wire loops round to a node behind it: its control polygon
        path = wire.path()
        points = [path.elementAt(i) for i in range(path.elementCount())]
        return [QLineF(a.x, a.y, b.x, b.y) for a, b in itertools.pairwise(points)]
    return [QLineF(x0, y0, x1, y1)]


class FarView:
    """Pictures of ``scene`` in bands, each made when first in sight after ``invalidate``."""

    def __init__(self, scene: GraphScene) -> None:
        self.scene = scene
        self._bands: dict[int, tuple[QRectF, QPicture]] = {}
        self._fresh = False  # False: what the pictures show changed since the last paint

    def wanted(self, scale: float) -> bool:
        """True when a view at ``scale`` should draw the scene from the pictures."""
        return scale < FAR_ZOOM and len(self.scene.nodes) >= FAR_FROM_NODES

    @property
    def ready(self) -> bool:
        return self._fresh

    def draws(self, view: QGraphicsView) -> bool:
        """True when ``view`` should be painted from the pictures now. While a node is
        dragged (the scene has a mouse grabber) and changes what they show, items paint
        as usual: the pictures are made again once it is let go. (The scene's own state,
        not the application's button state, which a test's synthetic clicks can leave
        stuck.)"""
        return self.wanted(view.transform().m11()) and (
            self._fresh or self.scene.mouseGrabberItem() is None)

    @property
    def recorded(self) -> int:
        """How many bands have a picture now."""
        return len(self._bands)

    def invalidate(self, *args: object) -> None:
        self._bands.clear()
        self._fresh = False

    def paint_view(self, view: QGraphicsView, region: QRect) -> None:
        """Paint ``region`` of ``view``'s viewport: background, pictures, foreground and
        the rubber band, what QGraphicsView paints, with the pictures for the items."""
        painter = QPainter(view.viewport())
        exposed = view.mapToScene(region).boundingRect()
        painter.setClipRect(region)
        painter.setTransform(view.viewportTransform())
        view.drawBackground(painter, exposed)
        self.paint(painter, exposed)
        view.drawForeground(painter, exposed)
        band = view.rubberBandRect()
        if not band.isEmpty():
            painter.resetTransform()
            selection = theme.current().selection
            painter.setPen(QPen(selection, 1))
            painter.setBrush(QColor(selection.red(), selection.green(), selection.blue(), 40))
            painter.drawRect(band)
        painter.end()

    def paint(self, painter: QPainter, exposed: QRectF) -> None:
        """Replay the bands that meet ``exposed`` (scene coordinates) with ``painter``.

        A wire is recorded with the band it starts in, and may reach a band
        further up (a skip's arc) or down (a wire to the next row of a folded
        layout): the bands either side of those in sight are looked at too.
        """
        self._fresh = True
        first = int(exposed.top() // BAND_HEIGHT) - 1
        last = int(exposed.bottom() // BAND_HEIGHT) + 1
        for key in range(first, last + 1):
            if key not in self._bands:
                self._bands[key] = self._record(key)
            area, picture = self._bands[key]
            if area.intersects(exposed):
                picture.play(painter)

    def _record(self, key: int) -> tuple[QRectF, QPicture]:
        """One band: its frames, lines and boxes, each kind drawn with one call per colour."""
        top, bottom = key * BAND_HEIGHT, (key + 1) * BAND_HEIGHT
        content = self.scene.content_rect()
        band = _Band()
        area = QRectF(content.left(), top, content.width(), BAND_HEIGHT)
        for item in self.scene.items(area, Qt.ItemSelectionMode.IntersectsItemBoundingRect):
            if not item.isVisible():  # inside a closed stage: its box stands for it
                continue
            if isinstance(item, NodeItem):
                pos = item.pos()
                if top <= pos.y() < bottom:
                    band.add_node(item, pos)
            elif isinstance(item, WireItem):
                segments = wire_lines(item)
                if top <= segments[0].y1() < bottom:  # the band the wire starts in
                    (band.skips if item.is_skip else band.lines).extend(segments)
            elif isinstance(item, (GroupFrame, StageBox)):  # a closed stage: one box
                rect = item.mapRectToScene(item.boundingRect())
                if top <= rect.top() < bottom:
                    band.frames.append(rect)
        return band.record(theme.current())


class _Band:
    """What one band shows, gathered before it is recorded."""

    def __init__(self) -> None:
        self.frames: list[QRectF] = []
        self.lines: list[QLineF] = []
        self.skips: list[QLineF] = []
        self.boxes: dict[int, tuple[QColor, list[QRectF]]] = {}
        self.theme = theme.current()

    def add_node(self, item: NodeItem, pos: QPointF) -> None:
        colour = node_colour(item, self.theme)
        self.boxes.setdefault(colour.rgba(), (colour, []))[1].append(
            item.body_rect().translated(pos))

    def record(self, t: theme.CanvasTheme) -> tuple[QRectF, QPicture]:
        picture = QPicture()
        painter = QPainter(picture)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(t.frame_fill)
        painter.drawRects(self.frames)
        for colour, lines in ((t.wire, self.lines), (t.skip_wire, self.skips)):
            pen = QPen(colour, 1.5)
            pen.setCosmetic(True)  # as wide on screen at every zoom
            painter.setPen(pen)
            painter.drawLines(lines)
        for colour, rects in self.boxes.values():
            pen = QPen(colour, 1.5)
            pen.setCosmetic(True)
            painter.setPen(pen)
            tint = QColor(colour)
            tint.setAlpha(60 if t.name == "light" else 90)  # as the overview's boxes
            painter.setBrush(tint)
            painter.drawRects(rects)
        painter.end()
        area = QRectF(picture.boundingRect())  # a picture counts in whole scene units
        return area.adjusted(-4, -4, 4, 4), picture


def node_colour(item: NodeItem, t: theme.CanvasTheme) -> QColor:
    """The box colour far out: what the node's overview border would show."""
    if item.has_error:
        return t.error
    if item.isSelected():
        return t.selection
    return QColor(item.heat or item.color)
