"""Stages on the canvas: a collapsed stage as one box, an open one as a labelled frame,
and the commands that make, open, close, rename and ungroup them.

A collapsed stage's nodes are hidden (the scene does that); the box stands
for them, with one input port on the left that the wires into the stage
attach to and one output port on the right that the wires out of it leave
from. Its ports take no new wires: wire to the nodes inside after opening it.
Every command pushes an edit (``explorer.graph.stages``), so each is undoable
and marks the file modified: the file stores which stages are collapsed.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QInputDialog,
    QMenu,
    QStyleOptionGraphicsItem,
    QWidget,
)

from explorer.graph import CheckResult, format_count
from explorer.graph.stages import (
    MakeStage,
    RemoveStage,
    RenameStage,
    SetStageCollapsed,
    Stage,
    get_stage,
)
from explorer.graph.stages import stages as graph_stages

from .. import theme
from ..plain_text import tooltip
from .group_frame import GroupFrame
from .node_item import CORNER, NODE_WIDTH, _elide, _font
from .port_item import MIN_LEVEL_OF_DETAIL, Port, light_port, port_under

BOX_HEIGHT = 104.0
LINE = 17.0


class StagePort(Port):
    """A port of a stage box: wires attach here while the stage is collapsed; none start."""

    def tooltip_text(self) -> str:
        side = "what it computes" if self.is_output else "its input"
        return tooltip(f"Stage {self.node_id}: {side}. Open the stage to wire its nodes.")


class StageBox(QGraphicsItem):
    """One collapsed stage: its name, how many nodes and parameters, what goes in and out."""

    def __init__(self, stage: Stage) -> None:
        super().__init__()
        self.name = stage.name
        self.stage = stage
        self.lines: tuple[str, ...] = ()
        colour = theme.current().skip_wire
        self.input = StagePort(self, stage.name, "in", False, colour, 0.0, BOX_HEIGHT / 2)
        self.output = StagePort(self, stage.name, "out", True, colour, NODE_WIDTH,
                                BOX_HEIGHT / 2)
        self._port_under_mouse: Port | None = None
        self._tooltip = ""
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)  # to light a port and show what it is
        self.setZValue(1)

    def follow(self, stage: Stage, member_rects: Iterable[QRectF],
               result: CheckResult | None, inputs: list[str], outputs: list[str]) -> None:
        """Follow the stage: centre the box on where its nodes lie, and describe them.

        ``inputs``: nodes outside that feed the stage; ``outputs``: members whose
        output leaves it (their shapes are the box's in and out)."""
        self.stage = stage
        area = QRectF()
        for rect in member_rects:
            area = area.united(rect)
        centre = area.center() if not area.isEmpty() else QPointF()
        self.setPos(centre.x() - NODE_WIDTH / 2, centre.y() - BOX_HEIGHT / 2)
        count = len(stage.members)
        lines = [f"{count} node{'s' if count != 1 else ''}"]
        if result is not None:
            reports = [result.reports.get(m) for m in stage.members]
            params = sum(r.params for r in reports if r is not None)
            lines[0] += f" · {format_count(params)} params"
            lines.append("in  " + _shapes(result, inputs))
            lines.append("out " + _shapes(result, outputs))
        if tuple(lines) != self.lines:
            self.lines = tuple(lines)
            self.update()
        shown = ", ".join(stage.members[:8]) + (", …" if count > 8 else "")
        self._tooltip = tooltip(f"Stage {stage.name}: {shown}.\n"
                                "Double-click to open it and see its nodes.")
        self._show_tooltip()

    def hoverMoveEvent(self, event) -> None:
        self._follow_mouse(event.pos())

    def hoverLeaveEvent(self, event) -> None:
        self._follow_mouse(None)

    def _follow_mouse(self, point: QPointF | None) -> None:
        port = None if point is None else port_under((self.input, self.output), point)
        if port is not self._port_under_mouse:
            light_port(self, self._port_under_mouse, port)
            self._port_under_mouse = port
            self._show_tooltip()

    def _show_tooltip(self) -> None:
        port = self._port_under_mouse
        self.setToolTip(port.tooltip_text() if port is not None else self._tooltip)

    def boundingRect(self) -> QRectF:
        return QRectF(-9, -8, NODE_WIDTH + 18, BOX_HEIGHT + 16)  # and the ports' rings

    def body_rect(self) -> QRectF:
        return QRectF(0, 0, NODE_WIDTH, BOX_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        t = theme.current()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        body = self.body_rect()
        painter.setBrush(t.frame_fill)
        painter.setPen(QPen(t.skip_wire, 3.0 if self.isSelected() else 1.5))
        painter.drawRoundedRect(body.adjusted(4, 4, 4, 4), CORNER, CORNER)  # a stack of nodes
        painter.setBrush(t.node_fill)
        painter.drawRoundedRect(body, CORNER, CORNER)
        text = body.adjusted(12, 8, -10, -6)
        painter.setFont(_font(13, True))
        painter.setPen(t.text)
        painter.drawText(QRectF(text.left(), text.top(), text.width(), LINE + 4),
                         Qt.AlignmentFlag.AlignLeft, _elide(self.name, _font(13, True),
                                                             text.width()))
        painter.setFont(_font(11))
        painter.setPen(t.muted_text)
        for i, line in enumerate(self.lines):
            row = QRectF(text.left(), text.top() + (i + 1.3) * LINE, text.width(), LINE)
            painter.drawText(row, Qt.AlignmentFlag.AlignLeft,
                             _elide(line, _font(11), text.width()))
        if option.levelOfDetailFromTransform(painter.worldTransform()) >= MIN_LEVEL_OF_DETAIL:
            for port in (self.input, self.output):  # they paint nothing themselves
                port.draw(painter)


def _shapes(result: CheckResult, node_ids: list[str]) -> str:
    specs = []
    for node_id in node_ids:
        report = result.reports.get(node_id)
        shown = str(report.spec) if report is not None and report.spec is not None else "?"
        if shown not in specs:
            specs.append(shown)
    return ", ".join(specs) if specs else "—"


class StageFrame(GroupFrame):
    """The frame around an open stage's nodes; double-click closes it again."""

    def __init__(self, stage: Stage) -> None:  # a GroupFrame's look, without a block
        self._set_up(f"{stage.name} · stage of {len(stage.members)} nodes (double-click to "
                     "close)", f"The nodes of stage {stage.name}.\nDouble-click the frame "
                     "(or right-click) to close it into one box again.",
                     z=-2)  # behind the frames of blocks expanded inside it
        self.name = stage.name
        self.block_id = ""


class StageLayer:
    """The scene's stages: a box for each collapsed one (its nodes and the wires among them
    hidden, the wires to and from it moved to the box's ports), a frame for each open one."""

    def __init__(self, scene) -> None:
        self.scene = scene
        self.boxes: dict[str, StageBox] = {}
        self.frames: dict[str, StageFrame] = {}
        self.folded: dict[str, str] = {}  # node -> the collapsed stage hiding it
        self.open_at: dict[str, str] = {}  # node -> the open stage framing it
        self.moved_in: set[str] = set()  # open stages whose nodes moved: fit their frames
        self.dirty = False

    def forget(self) -> None:
        """The scene dropped its items (a new graph): start again."""
        self.boxes.clear()
        self.frames.clear()
        self.folded.clear()
        self.open_at.clear()
        self.moved_in.clear()
        self.dirty = True

    def port_for(self, node_id: str, other: str, output: bool) -> Port | None:
        """The box port a wire between these nodes attaches to, if ``node_id`` is hidden
        in a collapsed stage that ``other`` is not in."""
        name = self.folded.get(node_id)
        if name is None or self.folded.get(other) == name:
            return None
        box = self.boxes[name]
        return box.output if output else box.input

    def sync(self, graph, result: CheckResult | None) -> bool:
        """Follow the graph's stages (after a change to them or to the wiring); returns
        whether there were any to follow."""
        self.dirty = False
        if not graph.stage_names() and not self.folded and not self.boxes and not self.frames:
            return False  # the usual case: nothing to do, at any size
        found = graph_stages(graph)
        if not found and not self.folded and not self.boxes and not self.frames:
            return False  # the usual case: nothing to do, at any size
        scene, old = self.scene, self.folded
        self.folded = {m: s.name for s in found if s.collapsed for m in s.members}
        self.open_at = {m: s.name for s in found if not s.collapsed for m in s.members}
        shown = {s.name: s for s in found if s.members}
        for items, collapsed in ((self.boxes, True), (self.frames, False)):
            for name in [n for n in items if n not in shown or shown[n].collapsed != collapsed]:
                scene.removeItem(items.pop(name))
        for stage in shown.values():
            if stage.collapsed and stage.name not in self.boxes:
                self.boxes[stage.name] = StageBox(stage)
                scene.addItem(self.boxes[stage.name])
            elif not stage.collapsed:
                if stage.name in self.frames:
                    scene.removeItem(self.frames.pop(stage.name))  # its label counts nodes
                self.frames[stage.name] = StageFrame(stage)
                scene.addItem(self.frames[stage.name])
                self.fit_frame(stage.name)
        self.describe(graph, result)
        for node_id in old.keys() | self.folded.keys():
            self._fold(node_id)
        for group_id, frame in scene.frames.items():  # a block expanded in a closed stage
            frame.setVisible(not all(m in self.folded for m in graph.members(group_id)))
        return True

    def _fold(self, node_id: str) -> None:
        """Hide or show a node and re-attach its wires (to the box or back to it)."""
        scene, hidden = self.scene, node_id in self.folded
        item = scene.nodes.get(node_id)
        if item is not None:
            item.setVisible(not hidden)
            if hidden:
                item.setSelected(False)
        for edge in scene.wires_at(node_id):
            wire = scene.wires[edge]
            inside = hidden and self.folded.get(edge.src) == self.folded.get(edge.dst)
            wire.setVisible(not inside)
            scene.place_wire(edge)
            if edge.src in self.folded or edge.dst in self.folded:
                wire.set_arc(None)

    def describe(self, graph, result: CheckResult | None) -> None:
        """Place each box on its nodes and write its counts and shapes."""
        for name, box in self.boxes.items():
            stage = get_stage(graph, name)
            inside = set(stage.members)
            feeders = [e.src for m in stage.members for e in graph.in_edges(m)
                       if e.src not in inside]
            leaving = [m for m in stage.members
                       if any(e.dst not in inside for e in graph.out_edges(m))]
            items = [self.scene.nodes[m] for m in stage.members if m in self.scene.nodes]
            box.follow(stage, (i.mapRectToScene(i.body_rect()) for i in items), result,
                     feeders, leaving or list(stage.members[-1:]))

    def fit_frame(self, name: str) -> None:
        members = [self.scene.nodes[n] for n, s in self.open_at.items()
                   if s == name and n in self.scene.nodes]
        self.frames[name].fit(item.mapRectToScene(item.body_rect()) for item in members)

    def node_moved(self, node_id: str) -> None:
        """A node moved: its stage's box or frame follows in ``fit_moved_frames``, once
        however many of its nodes moved (fitting a frame reads every node in it)."""
        if node_id in self.folded:  # the box moves to where its nodes went
            self.dirty = True
        if node_id in self.open_at:
            self.moved_in.add(self.open_at[node_id])

    def fit_moved_frames(self) -> None:
        for name in self.moved_in & self.frames.keys():
            self.fit_frame(name)
        self.moved_in.clear()

    def at(self, point: QPointF) -> tuple[str, bool] | None:
        """The stage under a scene point: (name, collapsed), unless a node or an expanded
        block's frame lies over it there."""
        for item in self.scene.items(point):
            while item.parentItem() is not None:
                item = item.parentItem()
            if isinstance(item, StageBox):
                return item.name, True
            if isinstance(item, StageFrame):
                return item.name, False
            if isinstance(item, GroupFrame) or hasattr(item, "node_id"):
                return None
        return None

    def items(self) -> list[QGraphicsItem]:
        return [*self.boxes.values(), *self.frames.values()]


class StageCommands:
    """What the canvas's gestures and menus do with stages: each one pushes an edit."""

    def __init__(self, document, parent: QWidget, scene) -> None:
        self.document = document
        self.parent = parent
        self.scene = scene

    def toggle_at(self, point: QPointF) -> bool:
        """Double-click: open the stage box there, or close the open stage's frame."""
        found = self.scene.stage_layer.at(point)
        return found is not None and self.set_collapsed(found[0], not found[1])

    def menu_at(self, menu: QMenu, point: QPointF) -> bool:
        """Fill ``menu`` for the stage box or frame at a point; False if there is none."""
        found = self.scene.stage_layer.at(point)
        if found is None:
            return False
        name, collapsed = found
        if collapsed:
            menu.addAction("Open Stage", lambda: self.set_collapsed(name, False))
        else:
            menu.addAction("Close Stage", lambda: self.set_collapsed(name, True))
        menu.addAction("Rename Stage…", lambda: self.rename(name))
        menu.addAction("Ungroup Stage", lambda: self.ungroup(name))
        return True

    def node_entries(self, menu: QMenu, node_id: str) -> None:
        """The stage commands in a node's context menu."""
        menu.addSeparator()
        selected = self.scene.selected_node_ids() or [node_id]
        menu.addAction("Group as Stage…", lambda: self.group(selected))
        name = self.document.graph.stage_of(node_id)
        if name is not None:
            menu.addAction(f"Close Stage {name}", lambda: self.set_collapsed(name, True))
            menu.addAction(f"Ungroup Stage {name}", lambda: self.ungroup(name))

    def group_selection(self) -> bool:
        return self.group(self.scene.selected_node_ids())

    def ungroup_selection(self) -> bool:
        """Ungroup the selected stage box, or the stage of the selected nodes."""
        boxes = [i.name for i in self.scene.selectedItems() if isinstance(i, StageBox)]
        nodes = self.scene.selected_node_ids()
        names = set(boxes) | {self.document.graph.stage_of(n) for n in nodes} - {None}
        if len(names) != 1:
            self.document.notice.emit("Select one stage (its box, or nodes in it) to ungroup."
                                      if not names else "The selection is in more than one "
                                      "stage; select one stage to ungroup.")
            return False
        return self.ungroup(names.pop())

    def group(self, node_ids: list[str]) -> bool:
        """Ask a name for the nodes, and group them as a stage (shown open)."""
        if not node_ids:
            self.document.notice.emit("Select the nodes to group as a stage first.")
            return False
        name, ok = QInputDialog.getText(self.parent, "Group as Stage",
                                        f"Name for a stage of {len(node_ids)} nodes:",
                                        text=self._free_name())
        if not ok:
            return False
        return self.document.push(MakeStage(name.strip(), node_ids))

    def _free_name(self) -> str:
        names = self.document.graph.stage_names()
        n = 1
        while f"stage{n}" in names:
            n += 1
        return f"stage{n}"

    def set_collapsed(self, name: str, collapsed: bool) -> bool:
        return self.document.push(SetStageCollapsed(name, collapsed))

    def ungroup(self, name: str) -> bool:
        return self.document.push(RemoveStage(name))

    def rename(self, name: str) -> bool:
        new, ok = QInputDialog.getText(self.parent, "Rename Stage", f"New name for {name}:",
                                       text=name)
        if not ok or new.strip() == name:
            return False
        return self.document.push(RenameStage(name, new.strip()))

