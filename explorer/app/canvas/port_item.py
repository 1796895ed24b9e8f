"""A node's connection points: named inputs on the left, the output on the right.

A port is not a graphics item. A graph of 10,000 nodes has some 23,000
ports; as items (even ones that drew nothing, their bounds kept in C++)
they were a third of the time such a graph took to open, and Qt's item
index had twice as many items to sort. A ``Port`` is a small object its
owner (a node item, or a collapsed stage's box) holds: the owner draws it
into its own cached picture (``draw``), finds it under the mouse
(``port_under``) to light its ring, show the cross cursor and its tooltip,
and the scene finds it near a point to start or end a wire (``port_at``).
Wires attach to ``anchor``, the port's centre in scene coordinates.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

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


class Port:
    """One port of a node (or stage box): its name and side, where it sits, how it looks.

    It holds no model state beyond its name and side; ``connected``, ``hovered`` and
    ``drop_state`` say how to draw it."""

    # Until they change, a port's states are the class's (one attribute set fewer each).
    connected = False
    drop_state = DropState.NONE
    hovered = False

    def __init__(self, owner: QGraphicsItem, node_id: str, name: str, is_output: bool,
                 color: QColor, x: float = 0.0, y: float = 0.0) -> None:
        self.owner = owner
        self.node_id = node_id
        self.name = name
        self.is_output = is_output
        self.color = color
        self.required = not is_output  # an empty input is an error the checker reports
        self._pos = QPointF(x, y)

    def pos(self) -> QPointF:
        """The port's centre in its owner's coordinates."""
        return QPointF(self._pos)

    def anchor(self) -> QPointF:
        """Where wires attach: the centre, in scene coordinates."""
        return self.owner.mapToScene(self._pos)

    def hit_rect(self) -> QRectF:
        """The square (in the owner's coordinates) the mouse finds the port in."""
        side = 2 * HIT_HALF_SIZE
        return QRectF(self._pos.x() - HIT_HALF_SIZE, self._pos.y() - HIT_HALF_SIZE, side, side)

    def tooltip_text(self) -> str:
        side = "output" if self.is_output else f"input {self.name!r}"
        return tooltip(f"{self.node_id}: {side}. Drag from here to wire it.")

    def set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self._repaint()

    def set_drop_state(self, state: DropState) -> None:
        if state != self.drop_state:
            self.drop_state = state
            self._repaint()

    def set_hovered(self, hovered: bool) -> None:
        if hovered != self.hovered:
            self.hovered = hovered
            self._repaint()

    def _repaint(self) -> None:
        if self.owner.scene() is not None:  # an item not yet shown is painted fresh anyway
            self.owner.update()

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
        painter.drawEllipse(self._pos, radius, radius)


def port_under(ports: Iterable[Port], point: QPointF) -> Port | None:
    """The port whose square holds ``point`` (in the owner's coordinates), if any."""
    for port in ports:
        if port.hit_rect().contains(point):
            return port
    return None


def nearest_port(ports: Iterable[Port], point: QPointF, radius: float) -> Port | None:
    """The port nearest a scene point among those whose square comes within ``radius``."""
    reach = HIT_HALF_SIZE + radius
    best, best_distance = None, 0.0
    for port in ports:
        offset = port.anchor() - point
        if abs(offset.x()) <= reach and abs(offset.y()) <= reach:
            distance = offset.manhattanLength()
            if best is None or distance < best_distance:
                best, best_distance = port, distance
    return best


def light_port(owner: QGraphicsItem, old: Port | None, new: Port | None) -> None:
    """The mouse moved from port ``old`` to ``new`` (either None: off the ports): move the
    ring's hover look, and show the cross cursor over a port."""
    if old is not None:
        old.set_hovered(False)
    if new is not None:
        new.set_hovered(True)
        owner.setCursor(Qt.CursorShape.CrossCursor)
    else:
        owner.unsetCursor()
