"""What a user can do on the canvas, each as one undoable edit on the document.

The view (mouse, keys, drops) and the window's menus both call these, so a
menu command and its gesture always do the same thing. The editor also keeps
the scene bound to the document's graph and its check results.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QObject, QPointF
from PySide6.QtWidgets import QApplication

from explorer.graph import (
    AddNode,
    CollapseBlock,
    Compound,
    Connect,
    Disconnect,
    Edge,
    Edit,
    ExpandBlock,
    GraphError,
    Move,
    ProjectFileError,
    SetLabel,
    UnknownKind,
    get_kind,
    layered_positions,
    remove_nodes,
)
from explorer.graph.layout import TidyAgain, tidy_wrap

from ..document import Document
from .fragments import MIME_TYPE, fragment_text, paste_edit
from .node_item import NODE_WIDTH
from .port_item import Port
from .scene import GraphScene

PASTE_OFFSET = 40.0
TIDY_LIMIT = 3000  # nodes: beyond this, laying the network out again takes too long per block


class CanvasEditor(QObject):
    """Turns canvas gestures and menu commands into edits pushed on the document."""

    def __init__(self, document: Document, scene: GraphScene) -> None:
        super().__init__(scene)
        self.document = document
        self.scene = scene
        scene.set_graph(document.graph)
        document.project_replaced.connect(self._rebind)
        document.checked.connect(scene.apply_check)
        scene.apply_check(document.result)
        self._pastes = 0

    def _rebind(self) -> None:
        self.scene.set_graph(self.document.graph)
        self.scene.apply_check(self.document.result)

    @property
    def graph(self):
        return self.document.graph

    def _say(self, text: str) -> None:
        self.document.notice.emit(text)

    # -- adding -----------------------------------------------------------------------

    def add_node(self, kind_name: str, centre: QPointF, *,
                 connect_from: Port | None = None) -> str | None:
        """Add a node centred at ``centre``; optionally wire it to a port (one undo step)."""
        try:
            kind = get_kind(kind_name)
        except UnknownKind as error:
            self._say(f"Cannot add {kind_name!r}: {error.message} {error.hint}".strip())
            return None
        add = AddNode(kind.name, position=(round(centre.x() - NODE_WIDTH / 2),
                                           round(centre.y() - 35)))
        edits: list = [add]
        if connect_from is not None:
            edits.append(_LateConnect(add, connect_from))
        edit = add if len(edits) == 1 else Compound(edits, text=f"Add {kind.title} and wire it")
        return add.node_id if self.document.push(edit) else None

    # -- removing and rewiring ------------------------------------------------------------

    def delete_selection(self) -> bool:
        nodes = self.scene.selected_node_ids()
        edges = [e for e in self.scene.selected_edges()
                 if e.src not in nodes and e.dst not in nodes]
        if not nodes and not edges:
            return False
        edits: list = [Disconnect(e) for e in edges]
        if nodes:
            edits.append(remove_nodes(self.graph, nodes))
        count = len(nodes) + len(edges)
        text = edits[0].text if len(edits) == 1 else f"Delete {count} items"
        return self.document.push(edits[0] if len(edits) == 1 else Compound(edits, text=text))

    def disconnect_inputs(self, node_id: str) -> bool:
        edges = self.graph.in_edges(node_id)
        if not edges:
            return False
        return self.document.push(Compound([Disconnect(e) for e in edges],
                                           text=f"Disconnect the inputs of {node_id}"))

    # -- clipboard --------------------------------------------------------------------------

    def copy(self) -> bool:
        nodes = self.scene.selected_node_ids()
        if not nodes:
            self._say("Select the nodes to copy first.")
            return False
        text = fragment_text(self.graph, nodes)
        data = QMimeData()
        data.setData(MIME_TYPE, text.encode("utf-8"))
        data.setText(text)
        QApplication.clipboard().setMimeData(data)
        self._pastes = 0
        return True

    def cut(self) -> bool:
        return self.copy() and self.delete_selection()

    def paste(self, at: QPointF | None = None) -> bool:
        data = QApplication.clipboard().mimeData()
        if data is None or not (data.hasFormat(MIME_TYPE) or data.hasText()):
            self._say("The clipboard holds no nodes to paste.")
            return False
        raw = bytes(data.data(MIME_TYPE).data()).decode("utf-8", "replace") \
            if data.hasFormat(MIME_TYPE) else data.text()
        self._pastes += 1
        return self._paste_text(raw, at)

    def duplicate(self) -> bool:
        nodes = self.scene.selected_node_ids()
        if not nodes:
            self._say("Select the nodes to duplicate first.")
            return False
        return self._paste_text(fragment_text(self.graph, nodes), None)

    def _paste_text(self, text: str, at: QPointF | None) -> bool:
        step = PASTE_OFFSET * max(self._pastes, 1)
        try:
            edit = paste_edit(self.graph, text, offset=(step, step),
                              at=(at.x(), at.y()) if at is not None else None)
        except ProjectFileError as error:
            self._say(f"Nothing pasted: {error.message}")
            return False
        if not self.document.push(edit):
            return False
        self.scene.select_nodes([e.node_id for e in edit.edits
                                 if isinstance(e, AddNode) and e.node_id is not None])
        return True

    # -- arranging ------------------------------------------------------------------------

    def commit_moves(self) -> bool:
        """The user dropped dragged nodes: record where they are now as one Move."""
        moved = self.scene.moved_positions()
        if not moved:
            return False
        if not self.document.push(Move(moved)):
            self.scene.reset_positions()
            return False
        return True

    def tidy(self) -> bool:
        """Lay the whole graph out left to right, as one undoable Move."""
        positions = layered_positions(self.graph)
        changed = {n: p for n, p in positions.items() if self.graph.node(n).position != p}
        if not changed:
            return False
        return self.document.push(Compound([Move(changed)], text="Tidy layout"))

    # -- blocks ---------------------------------------------------------------------------

    def expand(self, block_id: str) -> bool:
        return self.document.push(self._keeping_tidy(ExpandBlock(block_id)))

    def collapse(self, group_id: str) -> bool:
        return self.document.push(self._keeping_tidy(CollapseBlock(group_id)))

    def _keeping_tidy(self, edit: ExpandBlock | CollapseBlock) -> Edit:
        """A tidy layout stays tidy: with it, a block opens into rows instead of pushing
        the rest of a folded network aside (one undo step). A layout made by hand is kept."""
        wrap = tidy_wrap(self.graph) if len(self.graph) <= TIDY_LIMIT else None
        return edit if wrap is None else Compound([edit, TidyAgain(wrap)], text=edit.text)

    def toggle_block(self, node_id: str) -> bool:
        """Double-click on a node: expand a block, or collapse the block a node came from."""
        node = self.graph.node(node_id)
        if get_kind(node.kind).expand is not None:
            return self.expand(node_id)
        if node.group is not None:
            return self.collapse(node.group)
        return False

    def rename(self, node_id: str, label: str) -> bool:
        if self.graph.node(node_id).label == label:
            return False
        return self.document.push(SetLabel(node_id, label))


class _LateConnect:
    """A Connect whose new node's id is known only once the AddNode before it ran."""

    def __init__(self, add: AddNode, port: Port) -> None:
        self.add = add
        self.port_node, self.port_name, self.from_output = port.node_id, port.name, port.is_output
        self._connect: Connect | None = None
        self.text = "Wire"

    def apply(self, graph) -> None:
        if self._connect is None:
            new = self.add.node_id
            assert new is not None
            if self.from_output:
                ports = graph.input_ports(new)
                if not ports:
                    raise GraphError(f"takes no input, so it cannot follow {self.port_node!r}.",
                                     node_id=new)
                edge = Edge(self.port_node, new, ports[0])
            else:
                if not get_kind(graph.node(new).kind).has_output:
                    raise GraphError("has no output to wire onward.", node_id=new)
                edge = Edge(new, self.port_node, self.port_name)
            self._connect = Connect(edge)
        self._connect.apply(graph)

    def revert(self, graph) -> None:
        assert self._connect is not None
        self._connect.revert(graph)
