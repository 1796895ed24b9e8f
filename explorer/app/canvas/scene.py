"""The scene: a projection of one ArchitectureGraph into canvas items.

It listens to the graph's psygnal events and keeps id -> item maps (nodes,
wires, group frames), connecting and disconnecting symmetrically when the
document swaps graphs. It never changes the graph: user actions are turned
into edits by the view. A check result paints shapes, counts and badges.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable

from psygnal import SignalInstance
from PySide6.QtCore import QPointF, QRect, QRectF, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QGraphicsScene

from explorer.graph import ArchitectureGraph, CheckResult, Edge
from explorer.graph.collector import collector_paused

from .. import theme
from .block_frames import BlockFrames
from .grid import DotGrid
from .group_frame import GroupFrame
from .node_item import NodeItem
from .port_item import Port, nearest_port
from .skip_arcs import SkipArcs
from .stage_item import StageLayer
from .wire_item import WireItem


class GraphScene(QGraphicsScene):
    """Canvas items for every node, wire and expanded block of a graph."""

    node_activated = Signal(str)  # a node was double-clicked
    frame_activated = Signal(str)  # an expanded block's frame was double-clicked
    contents_changed = Signal()  # items were added, removed or moved (the overview redraws)
    looks_changed = Signal()  # an item moved or took training colours (the far view redraws)

    def __init__(self, graph: ArchitectureGraph | None = None, parent=None) -> None:
        super().__init__(parent)
        self.nodes: dict[str, NodeItem] = {}
        self.wires: dict[Edge, WireItem] = {}
        self.block_frames = BlockFrames(self)  # a frame around each expanded block
        self._wires_at: dict[str, set[Edge]] = defaultdict(set)
        self.arcs = SkipArcs(self)  # skip wires drawn as arcs over what they bypass
        self._content: QRectF | None = None  # cached content_rect
        self.stage_layer = StageLayer(self)  # stages: boxes, frames, hidden nodes
        self.show_grid = True
        self._grid = DotGrid()
        self._topology_dirty = False
        self._handlers: list[tuple[SignalInstance, Callable[..., None]]] = []
        self._rebuild_pending = False
        self._result: CheckResult | None = None
        self._graph: ArchitectureGraph | None = None
        if graph is not None:
            self.set_graph(graph)

    # -- binding -------------------------------------------------------------------

    @property
    def graph(self) -> ArchitectureGraph:
        assert self._graph is not None, "the scene shows no graph"
        return self._graph

    def set_graph(self, graph: ArchitectureGraph) -> None:
        """Show ``graph`` (forgetting the previous one and its items)."""
        if self._graph is not None:
            self._connect(self._graph, False)
        self.clear()
        self.nodes.clear()
        self.wires.clear()
        self.block_frames.clear()
        self._wires_at.clear()
        self.arcs.clear()
        self.stage_layer.forget()
        self._result = None
        self._graph = graph
        with collector_paused():  # a big graph's items and their skips: see collector.py
            for node_id in graph.node_ids():
                self._node_added(node_id)
            for edge in graph.edges():
                self._edge_added(edge)
            self._connect(graph, True)
            self._topology_dirty = True
            self._graph_changed()

    def detach(self) -> None:
        """Stop following the graph (a scene made only to draw a picture, say)."""
        if self._graph is not None:
            self._connect(self._graph, False)
            self._graph = None

    def _connect(self, graph: ArchitectureGraph, on: bool) -> None:
        if not on:
            for signal, guarded in self._handlers:
                signal.disconnect(guarded)
            self._handlers = []
            return
        for signal, handler in (
            (graph.events.node_added, self._node_added),
            (graph.events.node_removed, self._node_removed),
            (graph.events.node_changed, self._node_changed),
            (graph.events.node_moved, self._node_moved),
            (graph.events.edge_added, self._edge_added),
            (graph.events.edge_removed, self._edge_removed),
            (graph.events.stages_changed, self._stages_changed),
            (graph.events.changed, self._graph_changed),
        ):
            guarded = self._guard(handler)
            signal.connect(guarded)
            self._handlers.append((signal, guarded))

    def _guard(self, handler: Callable[..., None]) -> Callable[..., None]:
        """Run ``handler`` so that a failure to draw never breaks the graph's own change.

        The error goes to ``sys.excepthook`` (logged and shown by the app), and the
        scene is rebuilt from the graph, so what is on screen is right again.
        """
        def guarded(*args: object) -> None:
            try:
                handler(*args)
            except Exception:
                sys.excepthook(*sys.exc_info())
                if not self._rebuild_pending:
                    self._rebuild_pending = True
                    QTimer.singleShot(0, self, self._rebuild)
        return guarded

    def _rebuild(self) -> None:
        self._rebuild_pending = False
        if self._graph is not None:
            result = self._result
            self.set_graph(self._graph)
            if result is not None:
                self.apply_check(result)

    # -- graph events ----------------------------------------------------------------

    def _node_added(self, node_id: str) -> None:
        item = NodeItem(self.graph.node(node_id))
        self.nodes[node_id] = item
        self.addItem(item)
        self.block_frames.node_added(item)
        if self._result is not None:
            self._show_report(node_id)
        self._topology_dirty = True

    def _node_removed(self, node_id: str) -> None:
        item = self.nodes.pop(node_id)
        self.removeItem(item)
        self._wires_at.pop(node_id, None)
        self.block_frames.node_removed(item)
        self._topology_dirty = True

    def _node_changed(self, node_id: str) -> None:
        item = self.nodes[node_id]
        item.set_node(self.graph.node(node_id))
        for edge in self._wires_at[node_id]:  # ports may have been rebuilt
            self.place_wire(edge)
        self.block_frames.node_resized(item)

    def _node_moved(self, node_id: str, x: float, y: float) -> None:
        item = self.nodes[node_id]
        item.node = self.graph.node(node_id)
        item.move_to((x, y))

    def _edge_added(self, edge: Edge) -> None:
        source, target = self._ports(edge)
        wire = WireItem(edge, source, target)
        self.wires[edge] = wire
        self.addItem(wire)
        if self._result is not None:  # the next check may not look at its source again
            self._show_spec(wire)
        self._wires_at[edge.src].add(edge)
        self._wires_at[edge.dst].add(edge)
        target.set_connected(True)
        source.set_connected(True)
        self._topology_dirty = True

    def _edge_removed(self, edge: Edge) -> None:
        wire = self.wires.pop(edge)
        self.removeItem(wire)
        self._wires_at[edge.src].discard(edge)
        self._wires_at[edge.dst].discard(edge)
        wire.target.set_connected(False)
        wire.source.set_connected(any(e.src == edge.src for e in self._wires_at[edge.src]))
        self._topology_dirty = True

    def _stages_changed(self) -> None:
        self.stage_layer.dirty = True

    def _graph_changed(self) -> None:
        """After a change (or a batch): skips and frames follow nodes coming and going."""
        self._fit_moved_frames()
        stages_dirty = self._topology_dirty or self.stage_layer.dirty
        if self._topology_dirty:
            self._topology_dirty = False
            self.arcs.rebuild()
            self.block_frames.sync()
            self._content = None
            self._fit_index()
        self.arcs.raise_due()
        if stages_dirty and self.stage_layer.sync(self.graph, self._result):
            self._content = None
        if self._content is None:  # nodes came, went or moved
            self.contents_changed.emit()

    def _fit_index(self) -> None:
        """Give the item index (a BSP tree) cells in proportion to the items.

        Qt's own choice stayed at depth 5, 32 cells for any number of items: at
        10,000 nodes (23,000 items with the wires) each frame asked thousands of
        items for their bounds to find the 90 in sight. About eight items a cell
        keeps that to the items near the view.
        """
        items = len(self.nodes) + len(self.wires)
        depth = max(5, min(14, items.bit_length() - 3))
        if depth != self.bspTreeDepth():
            self.setBspTreeDepth(depth)

    # -- items following each other ------------------------------------------------------

    def node_item_moved(self, item: NodeItem) -> None:
        """Called by a node item whenever it moves (by drag or by the graph)."""
        self._content = None
        self.looks_changed.emit()
        for edge in self._wires_at.get(item.node_id, ()):
            self.wires[edge].update_path()
        self.arcs.node_moved(item.node_id, item.moved_by_graph)
        self.block_frames.node_moved(item)
        self.stage_layer.node_moved(item.node_id)
        if not item.moved_by_graph:  # a drag: frames follow at once; the graph's moves
            self.stage_layer.fit_moved_frames()  # (hundreds) once, when its change is over

    @property
    def frames(self) -> dict[str, GroupFrame]:
        """The expanded blocks' frames, by block id."""
        return self.block_frames.frames

    def _fit_moved_frames(self) -> None:
        """Fit the frames of blocks and stages whose nodes moved (each frame once)."""
        self.block_frames.fit_moved()
        self.stage_layer.fit_moved_frames()

    def wires_at(self, node_id: str) -> set[Edge]:
        return set(self._wires_at.get(node_id, ()))

    def _ports(self, edge: Edge) -> tuple[Port, Port]:
        source = self.stage_layer.port_for(edge.src, edge.dst, True) or self.nodes[edge.src].output
        target = (self.stage_layer.port_for(edge.dst, edge.src, False)
                  or self.nodes[edge.dst].inputs[edge.dst_port])
        assert source is not None
        return source, target

    def place_wire(self, edge: Edge) -> None:
        """Attach a wire to its ports again (a node's ports changed, or a stage folded)."""
        source, target = self._ports(edge)
        wire = self.wires[edge]
        wire.set_ports(source, target)
        source.set_connected(True)
        target.set_connected(True)

    # -- check results -------------------------------------------------------------------

    def apply_check(self, result: CheckResult) -> None:
        """Paint a new check: shapes, counts, badges. Items that did not change stay as is.

        A check after an edit makes new reports only for the nodes it looked at again
        (the others' are the same objects), so only those, and nodes with issues, are
        visited: on 10,000 nodes, comparing every report took 40 ms of each edit.
        """
        if result is self._result:
            return  # shown already (the document's signal and the editor both hand it over)
        self._result = result
        issues: dict[str, list] = defaultdict(list)
        for issue in result.issues:
            if issue.node_id is not None:
                issues[issue.node_id].append(issue)
        reports = result.reports
        touched = [node_id for node_id, item in self.nodes.items()
                   if reports.get(node_id) is not item.report or item.issues
                   or node_id in issues]
        badges_changed = False
        for node_id in touched:
            item = self.nodes[node_id]
            had_error = item.has_error
            item.set_report(reports.get(node_id), tuple(issues.get(node_id, ())))
            badges_changed |= had_error != item.has_error
            for edge in self._wires_at.get(node_id, ()):
                if edge.src == node_id:
                    self._show_spec(self.wires[edge])
        self.stage_layer.describe(self.graph, result)
        if badges_changed:
            self.contents_changed.emit()  # the overview shows nodes with errors in red

    def _show_spec(self, wire: WireItem) -> None:
        """The wire's tooltip says what flows along it: its source's output, as last checked."""
        report = self._result.reports.get(wire.edge.src) if self._result is not None else None
        spec = report.spec if report is not None else None
        if spec != wire.spec:
            wire.spec = spec
            wire.set_shape_text(str(spec) if spec is not None else "")

    def _show_report(self, node_id: str) -> None:
        assert self._result is not None
        self.nodes[node_id].set_report(self._result.reports.get(node_id),
                                       self._result.issues_for(node_id))

    # -- training colours ------------------------------------------------------------------

    def set_heat(self, nodes: dict[str, tuple[QColor, tuple[str, ...]]]) -> None:
        """Colour nodes by a training statistic, ``{node_id: (colour, tooltip lines)}``;
        ``{}`` clears. A wire takes its source's colour, else its target's."""
        for node_id, item in self.nodes.items():
            colour, lines = nodes.get(node_id, (None, ()))
            item.set_heat(colour, lines)
        for edge, wire in self.wires.items():
            near = nodes.get(edge.src) or nodes.get(edge.dst)
            wire.set_heat(near[0] if near else None)
        self.looks_changed.emit()

    # -- selection and positions ------------------------------------------------------

    def selected_node_ids(self) -> list[str]:
        return [i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)]

    def selected_edges(self) -> list[Edge]:
        return [i.edge for i in self.selectedItems() if isinstance(i, WireItem)]

    def select_nodes(self, node_ids: list[str]) -> None:
        self.clearSelection()
        for node_id in node_ids:
            if node_id in self.nodes:
                self.nodes[node_id].setSelected(True)

    def moved_positions(self) -> dict[str, tuple[float, float]]:
        """Items the user dragged away from where the graph has them."""
        return {node_id: (item.pos().x(), item.pos().y())
                for node_id, item in self.nodes.items() if item.user_moved}

    def reset_positions(self) -> None:
        """Put every item back where the graph says it is (after a refused move)."""
        for node_id, item in self.nodes.items():
            item.move_to(self.graph.node(node_id).position)
        self.arcs.raise_due()  # no change of the graph's follows to raise them

    def set_item_caching(self, on: bool) -> None:
        """Cached nodes paint from pixmaps (fast on screen); off, they paint as vectors (SVG)."""
        mode = NodeItem.CacheMode.DeviceCoordinateCache if on else NodeItem.CacheMode.NoCache
        for item in self.nodes.values():
            item.setCacheMode(mode)

    def content_rect(self) -> QRectF:
        """The area the graph's items cover (an empty graph: a default canvas area)."""
        if self._content is None:
            rect = QRectF()
            for item in [*self.nodes.values(), *self.frames.values(), *self.wires.values(),
                         *self.stage_layer.items()]:
                rect = rect.united(item.sceneBoundingRect())
            self._content = rect if not rect.isEmpty() else QRectF(-200, -150, 400, 300)
        return QRectF(self._content)

    def port_at(self, point: QPointF, radius: float = 10.0) -> Port | None:
        """The port under (or within ``radius`` of) a scene point."""
        area = QRectF(point.x() - radius, point.y() - radius, 2 * radius, 2 * radius)
        nodes = (i for i in self.items(area)  # a node's shape holds its ports' squares
                 if isinstance(i, NodeItem) and i.isVisible())  # a stage box's start none
        return nearest_port((p for node in nodes for p in node.ports()), point, radius)

    def node_at(self, point: QPointF) -> NodeItem | None:
        for item in self.items(point):
            if isinstance(item, NodeItem):
                return item
        return None

    def frame_at(self, point: QPointF) -> GroupFrame | None:
        for item in self.items(point):
            if isinstance(item, GroupFrame) and item.block_id:  # not a stage's frame
                return item
        return None

    # -- painting -------------------------------------------------------------------------

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        painter.fillRect(rect, theme.current().background)
        if self.show_grid:
            self._grid.paint(painter, QRectF(rect))
