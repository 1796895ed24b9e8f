"""A wire between two ports; skip connections arc over the nodes they bypass."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from explorer.graph import Edge

from .. import theme
from ..plain_text import tooltip
from .hover import HoverItem
from .port_item import Port

ARC_RUN_IN = 60.0  # horizontal run before a skip arc rises
MIN_FORWARD = 4.0  # a target at least this far right of its source gets a plain curve


def wire_path(start: QPointF, end: QPointF, arc_top: float | None = None) -> QPainterPath:
    """A smooth wire leaving ``start`` to the right and entering ``end`` from the left.

    With ``arc_top`` the wire rises to that height, runs level over whatever
    lies between, and comes down into ``end``: the picture of a skip.
    """
    path = QPainterPath(start)
    if arc_top is not None and end.x() - start.x() > 2 * ARC_RUN_IN:
        top = min(arc_top, start.y(), end.y())
        path.cubicTo(QPointF(start.x() + 45, start.y()), QPointF(start.x() + 15, top),
                     QPointF(start.x() + ARC_RUN_IN, top))
        path.lineTo(QPointF(end.x() - ARC_RUN_IN, top))
        path.cubicTo(QPointF(end.x() - 15, top), QPointF(end.x() - 45, end.y()), end)
        return path
    if end.x() < start.x() + MIN_FORWARD:  # the target is behind: loop round, not double back
        apart = abs(end.y() - start.y())
        level = (start.y() + end.y()) / 2 if apart > 140 else max(start.y(), end.y()) + 70
        path.cubicTo(QPointF(start.x() + 60, start.y()), QPointF(start.x() + 60, level),
                     QPointF(start.x(), level))
        path.lineTo(QPointF(end.x(), level))
        path.cubicTo(QPointF(end.x() - 60, level), QPointF(end.x() - 60, end.y()), end)
        return path
    # Control points half the gap out: the wire never runs backwards, so the short wires
    # between neighbouring nodes (an expanded block's inside) are straight, not loops.
    dx = (end.x() - start.x()) * 0.5
    path.cubicTo(QPointF(start.x() + dx, start.y()), QPointF(end.x() - dx, end.y()), end)
    return path


def wire_bounds(start: QPointF, end: QPointF, arc_top: float | None = None) -> QRectF | None:
    """The bounding rectangle of ``wire_path(start, end, arc_top)``, without making it.

    A forward wire and a skip's arc only ever move away from ``start`` towards
    ``end`` (and up to the arc's top), so their curve stays in the box of its
    ends. None for a wire looping back, whose bends stick out.
    """
    x0, y0, x1, y1 = start.x(), start.y(), end.x(), end.y()
    if x1 < x0 + MIN_FORWARD:
        return None
    top, bottom = (y0, y1) if y0 <= y1 else (y1, y0)
    if arc_top is not None and x1 - x0 > 2 * ARC_RUN_IN and arc_top < top:
        top = arc_top
    return QRectF(x0, top, x1 - x0, bottom - top)


_SELECTABLE = QGraphicsItem.GraphicsItemFlag.ItemIsSelectable  # looked up once, not per wire


class WireItem(HoverItem):
    """The picture of one graph edge; it follows its ports as nodes move."""

    def __init__(self, edge: Edge, source: Port, target: Port) -> None:
        super().__init__()
        self.edge = edge
        self.source = source
        self.target = target
        self.arc_top: float | None = None  # set by the scene for skip connections
        self.shape_text = ""
        self.spec: object = None  # what flows along the wire, from the latest check
        self._path: QPainterPath | None = None  # made when first drawn: see update_path
        self._ends = (QPointF(), QPointF())  # the ports' anchors the path runs between
        self._bounds = QRectF()  # the path's, kept: Qt asks for it many times a frame
        self.heat: QColor | None = None  # a training statistic's colour, like its nodes'
        self.setFlag(_SELECTABLE)  # z: 0, under nodes
        self.update_path()

    @property
    def is_skip(self) -> bool:
        return self.arc_top is not None

    def set_ports(self, source: Port, target: Port) -> None:
        self.source, self.target = source, target
        self.update_path()

    def set_arc(self, arc_top: float | None) -> None:
        if arc_top != self.arc_top:
            self.arc_top = arc_top
            self.update_path()

    def set_shape_text(self, text: str) -> None:
        self.shape_text = text
        self.tooltip_changed()

    def tooltip_text(self) -> str:
        e, text = self.edge, self.shape_text
        where = f"{e.dst}" + (f" ({e.dst_port})" if e.dst_port != "in" else "")
        kind = "Skip connection" if self.is_skip else "Wire"
        return tooltip(f"{kind}: {e.src} → {where}" + (f"\ncarries {text}" if text else ""))

    def set_heat(self, colour: QColor | None) -> None:
        if colour != self.heat:
            self.heat = colour
            self.update()

    def update_path(self) -> None:
        """Follow the ports: new bounds now, the curve itself when it is next needed.

        Opening a 10,000-node graph made 16,000 curves, most of them never drawn
        (out of sight, or drawn from the far view's pictures) and each skip's twice
        (straight, then arched). The bounds Qt needs at once come from the two ends.
        """
        self.prepareGeometryChange()
        start, end = self._ends = (self.source.anchor(), self.target.anchor())
        bounds = wire_bounds(start, end, self.arc_top)
        if bounds is None:  # a wire looping back: its bounds are the curve's own
            self._path = wire_path(start, end, self.arc_top)
            bounds = self._path.boundingRect()
        else:
            self._path = None
        self._bounds = bounds.adjusted(-6, -6, 6, 6)
        self.tooltip_changed()  # a skip's tooltip says so

    def ends(self) -> tuple[QPointF, QPointF]:
        """Where the wire starts and ends (the two ports' anchors), without its curve."""
        return self._ends

    def path(self) -> QPainterPath:
        if self._path is None:
            self._path = wire_path(*self._ends, self.arc_top)
        return self._path

    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        return stroker.createStroke(self.path())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        t = theme.current()
        color = QColor(t.skip_wire if self.is_skip else t.wire)
        width = 2.2 if self.is_skip else 1.8
        if self.heat is not None:
            color, width = QColor(self.heat), width + 1.4
        if self.isSelected():
            color, width = t.selection, width + 1.2
        elif self._hovered:
            width += 1.2
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scale = painter.worldTransform().m11()
        if 0 < scale < 1:  # zoomed out: keep wires at least about 1.5 pixels wide
            width = max(width, 1.5 / scale)
        pen = QPen(color, width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())
