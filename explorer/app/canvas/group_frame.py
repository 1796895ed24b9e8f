"""The labelled frame drawn around the nodes of an expanded block (or an open stage).

A block longer than a band of the tidy layout continues on the next band,
like a word broken over two lines; one rectangle around all its nodes would
then also take in the nodes of the bands' other parts. So the frame is one
rounded rectangle per band the members lie on, labelled on the last.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from explorer.graph import Node, get_kind

from .. import theme
from ..plain_text import tooltip

PADDING = 22.0
LABEL_HEIGHT = 22.0
LABEL_PIXELS = 12  # the label font size, in scene units
BAND_GAP = 80.0  # members further apart than this, top to bottom, lie on different bands
CORNER = 12.0


class GroupFrame(QGraphicsItem):
    """Sits behind an expanded block's nodes; double-click collapses the block."""

    def __init__(self, block: Node) -> None:
        kind = get_kind(block.kind)
        self._set_up(f"{block.title} · {kind.title}, expanded (double-click to collapse)",
                     f"The nodes of {block.title}, a {kind.title}, shown one by one.\n"
                     "Double-click the frame (or right-click) to collapse it again.", z=-1)
        self.block_id = block.id
        self.block = block

    def _set_up(self, label: str, tip: str, z: float) -> None:
        """What every frame starts with (a stage's frame too): no bands yet, its words."""
        QGraphicsItem.__init__(self)
        self._rect = QRectF()
        self._path = QPainterPath()
        self.band_rects: list[QRectF] = []
        self.setZValue(z)
        self.setAcceptHoverEvents(True)
        self.label = label
        self.setToolTip(tooltip(tip))

    def fit(self, member_rects: Iterable[QRectF]) -> None:
        """Wrap the given scene rectangles (the members' node bodies), band by band."""
        rects = [r.adjusted(-PADDING, -PADDING, PADDING, PADDING) for r in bands(member_rects)]
        if rects:
            rects[-1].adjust(0, 0, 0, LABEL_HEIGHT)  # room for the label, under the last
        if rects == self.band_rects:
            return  # (a drag moves a member within its band: the outline stays)
        path = QPainterPath()
        for r in rects:
            outline = QPainterPath()
            outline.addRoundedRect(r, CORNER, CORNER)
            path = path.united(outline)
        self.prepareGeometryChange()
        self._rect, self._path, self.band_rects = path.boundingRect(), path, rects
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def shape(self) -> QPainterPath:
        return self._path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        t = theme.current()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(t.skip_wire, 1.5, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(t.frame_fill)
        painter.drawPath(self._path)
        if option.levelOfDetailFromTransform(painter.worldTransform()) * LABEL_PIXELS < 5:
            return  # the label would be under five pixels high: unreadable
        font = QFont()
        font.setPixelSize(LABEL_PIXELS)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(t.skip_wire)
        last = self.band_rects[-1] if self.band_rects else self._rect
        painter.drawText(last.adjusted(12, 0, -12, -6),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, self.label)


def bands(rects: Iterable[QRectF]) -> list[QRectF]:
    """The rectangles merged into one per band: top to bottom, a rectangle joins the band
    above when it starts within ``BAND_GAP`` of that band's bottom."""
    merged: list[QRectF] = []
    for r in sorted(rects, key=QRectF.top):
        if merged and r.top() <= merged[-1].bottom() + BAND_GAP:
            merged[-1] = merged[-1].united(r)
        else:
            merged.append(QRectF(r))
    return merged
