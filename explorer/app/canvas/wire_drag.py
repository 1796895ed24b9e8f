"""Drawing a wire by dragging from a port, with incompatible targets refused visibly.

While the mouse moves, the port under it is asked (through the graph's own
``check_connect``) whether it would take the wire: it lights green, or red
with the reason beside the cursor. Dragging from an input that is already
wired picks that wire up, to move it elsewhere or (dropped on nothing)
remove it. The result is one edit for the view to push.
"""

from __future__ import annotations

import networkx as nx
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem

from explorer.graph import (
    ArchitectureGraph,
    Compound,
    Connect,
    CycleError,
    Disconnect,
    Edge,
    Edit,
    GraphError,
    PortError,
)

from .. import theme
from ..document import error_text
from .node_item import NodeItem
from .port_item import DropState, Port
from .scene import GraphScene
from .wire_item import wire_path


def connect_problem(graph: ArchitectureGraph, edge: Edge) -> GraphError | None:
    """Why ``Connect(edge)`` would be refused (None if it would work).

    An input that is already wired is not a problem: Connect replaces that
    wire. Only a loop can still forbid it.
    """
    try:
        graph.check_connect(edge)
    except PortError as error:
        ports = graph.input_ports(edge.dst)
        taken = graph.edge_into(edge.dst, edge.dst_port) if edge.dst_port in ports else None
        if taken is None or error.node_id != edge.dst:
            return error
        if nx.has_path(graph.view(), edge.dst, edge.src):
            return CycleError(f"a wire from {edge.src!r} to {edge.dst!r} would make a loop: "
                              f"{edge.dst!r} already feeds {edge.src!r}.", node_id=edge.dst,
                              hint="Networks here compute in one direction; wire it to a "
                              "later node.")
    except GraphError as error:
        return error
    return None


class ReasonLabel(QGraphicsItem):
    """A small note beside the cursor saying why a target refuses the wire."""

    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self.setZValue(100)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self._font = QFont()
        self._font.setPixelSize(12)

    def set_text(self, text: str) -> None:
        self.prepareGeometryChange()
        self.text = text
        self.setVisible(bool(text))

    def boundingRect(self) -> QRectF:
        metrics = QFontMetricsF(self._font)
        rect = metrics.boundingRect(QRectF(0, 0, 340, 400), Qt.TextFlag.TextWordWrap, self.text)
        return rect.adjusted(-8, -6, 8, 6).translated(16, 16)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = theme.current()
        rect = self.boundingRect()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(t.error, 1.2))
        painter.setBrush(t.node_fill)
        painter.drawRoundedRect(rect, 6, 6)
        painter.setPen(t.text)
        painter.setFont(self._font)
        painter.drawText(rect.adjusted(8, 6, -8, -6), Qt.TextFlag.TextWordWrap, self.text)


class WireDrag:
    """One wire-drawing gesture, from the press on a port to the release."""

    def __init__(self, scene: GraphScene, port: Port) -> None:
        self.scene = scene
        self.graph = scene.graph
        self.detached: Edge | None = None  # an existing wire picked up from its input
        if port.is_output:
            self.fixed, self.seeking_inputs = port, True
        else:
            taken = self.graph.edge_into(port.node_id, port.name)
            if taken is not None:
                self.detached = taken
                self.scene.wires[taken].setVisible(False)
                self.fixed, self.seeking_inputs = scene.wires[taken].source, True
            else:
                self.fixed, self.seeking_inputs = port, False
        self.target: Port | None = None
        self.problem: GraphError | None = None
        self.cursor = self.fixed.anchor()
        self.preview = QGraphicsPathItem()
        self.preview.setZValue(50)
        self.label = ReasonLabel()
        scene.addItem(self.preview)
        scene.addItem(self.label)
        self.label.set_text("")
        self.move(self.cursor)

    @property
    def source_id(self) -> str:
        return self.fixed.node_id if self.seeking_inputs else (
            self.target.node_id if self.target else "")

    def proposal(self, target: Port) -> Edge:
        if self.seeking_inputs:
            return Edge(self.fixed.node_id, target.node_id, target.name)
        return Edge(target.node_id, self.fixed.node_id, self.fixed.name)

    def move(self, point: QPointF) -> None:
        """Follow the cursor: find a target, ask whether it accepts, redraw."""
        self.cursor = point
        target = self._target_at(point)
        if target is not self.target:
            if self.target is not None:
                self.target.set_drop_state(DropState.NONE)
            self.target = target
            self.problem = None
            if target is not None:
                edge = self.proposal(target)
                self.problem = None if edge == self.detached else connect_problem(self.graph,
                                                                                   edge)
                target.set_drop_state(DropState.REFUSES if self.problem else DropState.ACCEPTS)
        t = theme.current()
        end = self.target.anchor() if self.target is not None and not self.problem else point
        start, stop = (self.fixed.anchor(), end) if self.seeking_inputs else (
            end, self.fixed.anchor())
        self.preview.setPath(wire_path(start, stop))
        pen = QPen(QColor(t.error if self.problem else t.selection), 2.2)
        pen.setStyle(Qt.PenStyle.DashLine if self.problem or self.target is None
                     else Qt.PenStyle.SolidLine)
        self.preview.setPen(pen)
        self.label.setPos(point)
        self.label.set_text(error_text(self.problem) if self.problem else "")

    def finish(self, point: QPointF) -> Edit | None:
        """The edit this gesture makes (None: nothing to do, or refused; see ``problem``)."""
        self.move(point)
        self._clean_up()
        if self.target is None:
            if self.detached is not None:
                return Disconnect(self.detached)
            return None
        if self.problem is not None:
            return None
        edge = self.proposal(self.target)
        if edge == self.detached or self.graph.edge_into(edge.dst, edge.dst_port) == edge:
            return None
        if self.detached is not None:
            return Compound([Disconnect(self.detached), Connect(edge)],
                            text=f"Rewire {edge.src} → {edge.dst}")
        return Connect(edge)

    def cancel(self) -> None:
        self._clean_up()

    def _clean_up(self) -> None:
        if self.target is not None:
            self.target.set_drop_state(DropState.NONE)
        if self.detached is not None and self.detached in self.scene.wires:
            self.scene.wires[self.detached].setVisible(True)
        for item in (self.preview, self.label):
            if item.scene() is not None:
                self.scene.removeItem(item)

    def _target_at(self, point: QPointF) -> Port | None:
        """The port the wire would go into: one near the cursor, or the node's best port."""
        port = self.scene.port_at(point, radius=14)
        if port is not None and port.is_output != self.seeking_inputs \
                and port.node_id != self.fixed.node_id:
            return port
        node = self.scene.node_at(point)
        if node is None or node.node_id == self.fixed.node_id:
            return None
        return self._best_port(node)

    def _best_port(self, node: NodeItem) -> Port | None:
        if not self.seeking_inputs:
            return node.output
        ports = list(node.inputs.values())
        free = [p for p in ports if self.graph.edge_into(node.node_id, p.name) is None]
        candidates = free or ports
        return candidates[0] if candidates else None
