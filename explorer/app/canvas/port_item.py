"""A node's connection point: named inputs on the left, the output on the right.

A port is an item for what items do well: the mouse finds it (a wire drag
starts there, the scene's ``port_at``), it shows a tooltip and the cross
cursor, and its ring grows under the mouse. It paints nothing itself: the
node (or stage box) it belongs to draws its circle with ``draw``, into the
node's own cached picture. A graph of 10,000 nodes has some 23,000 ports, and
as items drawing themselves they cost a Python call each whenever Qt asked
one for its bounds (70,000 calls as the scene indexed them: 0.3 s instead of
0.18 s) and whenever one was drawn, in every frame (a full paint of the
10,000-node scene at 1:1 took 0.15 s instead of 0.10 s). Their bounds now come
from ``QGraphicsRectItem``, in C++.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem

from .. import theme
from ..plain_text import tooltip

PORT_RADIUS = 6.0
MIN_LEVEL_OF_DETAIL = 0.25  # below this zoom a port would be a dot of a pixel or two
HIT_HALF_SIZE = PORT_RADIUS + 3  # the square the mouse finds the port in (and its ring fits)


class DropState(Enum):
    """How a port answers a wire being dragged over it."""

    NONE = 0
    ACCEPTS = 1
    REFUSES = 2


_NO_PEN = QPen(Qt.PenStyle.NoPen)  # made once, the two below looked up once: 23,000 ports
_NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
_CROSS = Qt.CursorShape.CrossCursor  # (a QCursor here would need the application made first)


class PortItem(QGraphicsRectItem):
    """One port of a node item. It holds no model state beyond its name and side."""

    # Until they change, a port's states are the class's (one attribute set fewer each).
    connected = False
    drop_state = DropState.NONE
    hovered = False
    _tooltip_written = False

    def __init__(self, parent: QGraphicsItem, node_id: str, name: str, is_output: bool,
                 color: QColor) -> None:
        side = 2 * HIT_HALF_SIZE
        super().__init__(-HIT_HALF_SIZE, -HIT_HALF_SIZE, side, side, parent)
        self.setPen(_NO_PEN)  # the bounds are the square exactly
        self.setFlag(_NO_CONTENTS)
        self.setAcceptHoverEvents(True)
        self.setCursor(_CROSS)
        self.node_id = node_id
        self.name = name
        self.is_output = is_output
        self.color = color
        self.required = not is_output  # an empty input is an error the checker reports

    def tooltip_text(self) -> str:
        side = "output" if self.is_output else f"input {self.name!r}"
        return tooltip(f"{self.node_id}: {side}. Drag from here to wire it.")

    def toolTip(self) -> str:
        self._write_tooltip()
        return super().toolTip()

    def _write_tooltip(self) -> None:
        """Written when first needed: 23,000 tooltips made up front cost a tenth of a second."""
        if not self._tooltip_written:
            self._tooltip_written = True
            self.setToolTip(self.tooltip_text())

    def anchor(self) -> QPointF:
        """Where wires attach, in scene coordinates."""
        return self.scenePos()

    def set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self._repaint()

    def set_drop_state(self, state: DropState) -> None:
        if state != self.drop_state:
            self.drop_state = state
            self._repaint()

    def hoverEnterEvent(self, event) -> None:
        self._write_tooltip()
        self.hovered = True
        self._repaint()

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = False
        self._repaint()

    def _repaint(self) -> None:
        owner = self.parentItem()
        if owner is not None:
            owner.update()

    def draw(self, painter: QPainter) -> None:
        """Paint the port's circle, in its owner's coordinates (from the owner's ``paint``)."""
        t = theme.current()
        radius = PORT_RADIUS + (2 if self.hovered or self.drop_state != DropState.NONE else 0)
        border = self.color
        fill = QBrush(self.color) if self.connected else QBrush(t.node_fill)
        if self.drop_state == DropState.ACCEPTS:
            border, fill = t.ok_port, QBrush(t.ok_port)
        elif self.drop_state == DropState.REFUSES:
            border, fill = t.error, QBrush(t.node_fill)
        elif self.required and not self.connected:
            border = t.error
        painter.setPen(QPen(border, 2.0))
        painter.setBrush(fill)
        painter.drawEllipse(self.pos(), radius, radius)
