"""A node's connection point: named inputs on the left, the output on the right."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from .. import theme
from ..plain_text import tooltip
from .hover import HoverItem

PORT_RADIUS = 6.0
MIN_LEVEL_OF_DETAIL = 0.25  # below this zoom a port would be a dot of a pixel or two


class DropState(Enum):
    """How a port answers a wire being dragged over it."""

    NONE = 0
    ACCEPTS = 1
    REFUSES = 2


class PortItem(HoverItem):
    """One port of a node item. It holds no model state beyond its name and side."""

    def __init__(self, parent: QGraphicsItem, node_id: str, name: str, is_output: bool,
                 color: QColor) -> None:
        super().__init__(parent)
        self.node_id = node_id
        self.name = name
        self.is_output = is_output
        self.color = color
        self.connected = False
        self.required = not is_output  # an empty input is an error the checker reports
        self.drop_state = DropState.NONE
        self.setCursor(Qt.CursorShape.CrossCursor)

    def tooltip_text(self) -> str:
        side = "output" if self.is_output else f"input {self.name!r}"
        return tooltip(f"{self.node_id}: {side}. Drag from here to wire it.")

    def boundingRect(self) -> QRectF:
        r = PORT_RADIUS + 3
        return QRectF(-r, -r, 2 * r, 2 * r)

    def anchor(self) -> QPointF:
        """Where wires attach, in scene coordinates."""
        return self.scenePos()

    def set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self.update()

    def set_drop_state(self, state: DropState) -> None:
        if state != self.drop_state:
            self.drop_state = state
            self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if option.levelOfDetailFromTransform(painter.worldTransform()) < MIN_LEVEL_OF_DETAIL:
            return  # a dot under a pixel or two: the node's overview box stands for it
        t = theme.current()
        radius = PORT_RADIUS + (2 if self._hovered or self.drop_state != DropState.NONE else 0)
        border = self.color
        fill = QBrush(self.color) if self.connected else QBrush(t.node_fill)
        if self.drop_state == DropState.ACCEPTS:
            border, fill = t.ok_port, QBrush(t.ok_port)
        elif self.drop_state == DropState.REFUSES:
            border, fill = t.error, QBrush(t.node_fill)
        elif self.required and not self.connected:
            border = t.error
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(border, 2.0))
        painter.setBrush(fill)
        painter.drawEllipse(QPointF(0, 0), radius, radius)
