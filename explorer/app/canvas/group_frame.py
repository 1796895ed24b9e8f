"""The labelled frame drawn around the nodes of an expanded block."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from explorer.graph import Node, get_kind

from .. import theme
from ..plain_text import tooltip

PADDING = 22.0
LABEL_HEIGHT = 22.0
LABEL_PIXELS = 12  # the label font size, in scene units


class GroupFrame(QGraphicsItem):
    """Sits behind an expanded block's nodes; double-click collapses the block."""

    def __init__(self, block: Node) -> None:
        super().__init__()
        self.block_id = block.id
        self.block = block
        self._rect = QRectF()
        self.setZValue(-1)
        self.setAcceptHoverEvents(True)
        kind = get_kind(block.kind)
        self.label = f"{block.title} · {kind.title}, expanded (double-click to collapse)"
        self.setToolTip(tooltip(f"The nodes of {block.title}, a {kind.title}, shown one by "
                                "one.\nDouble-click the frame (or right-click) to collapse it "
                                "again."))

    def fit(self, member_rects: Iterable[QRectF]) -> None:
        """Wrap the given scene rectangles (the members' node bodies)."""
        rect = QRectF()
        for r in member_rects:
            rect = rect.united(r)
        rect = rect.adjusted(-PADDING, -PADDING, PADDING, PADDING + LABEL_HEIGHT)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
            self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        t = theme.current()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(t.skip_wire, 1.5, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(t.frame_fill)
        painter.drawRoundedRect(self._rect, 12, 12)
        if option.levelOfDetailFromTransform(painter.worldTransform()) * LABEL_PIXELS < 5:
            return  # the label would be under five pixels high: unreadable
        font = QFont()
        font.setPixelSize(LABEL_PIXELS)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(t.skip_wire)
        painter.drawText(self._rect.adjusted(12, 0, -12, -6),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, self.label)
