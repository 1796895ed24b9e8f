"""Skip connections drawn as arcs over the nodes they bypass, kept clear of them.

Which wires are skips, and over which nodes, changes only when the wiring
does (``rebuild``). An arc's height does change whenever a node under it
moves: at once for a node the user drags (``node_moved``), and once per
change for the nodes a batch of the graph's moves (a layout, an undo) moves
one at a time (``raise_due``): a DenseNet's long skips pass over hundreds of
nodes, and measuring each again for every one of them was quadratic.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

from explorer.graph import ArchitectureGraph, Edge

from .node_item import NodeItem
from .skips import find_skips, nesting_levels
from .stage_item import StageLayer
from .wire_item import WireItem

ARC_CLEARANCE = 44.0  # how far above the highest node it bypasses an arc passes
ARC_STEP = 16.0  # and how much higher for each skip nested inside it


class Canvas(Protocol):
    """What the arcs read of the scene that draws them."""

    @property
    def graph(self) -> ArchitectureGraph: ...

    nodes: dict[str, NodeItem]
    wires: dict[Edge, WireItem]
    stage_layer: StageLayer


class SkipArcs:
    """The skip wires of a scene, the nodes each passes over, and their arcs' heights."""

    def __init__(self, scene: Canvas) -> None:
        self.scene = scene
        self.skips: dict[Edge, frozenset[str]] = {}  # skip -> the nodes it bypasses
        self._levels: dict[Edge, int] = {}  # how many skips each one arches over
        self._over: dict[str, set[Edge]] = defaultdict(set)  # node -> the arcs over it
        self._due: set[Edge] = set()  # arcs over nodes the graph moved in this change

    def clear(self) -> None:
        self.skips, self._levels = {}, {}
        self._over.clear()
        self._due.clear()

    def rebuild(self) -> None:
        """The wiring changed: find the skips again and raise every arc."""
        scene = self.scene
        self.skips = find_skips(scene.graph, list(scene.wires))
        self._levels = nesting_levels(self.skips)
        self._over.clear()
        for edge, bypassed in self.skips.items():
            for node_id in bypassed | {edge.src, edge.dst}:
                self._over[node_id].add(edge)
        for edge, wire in scene.wires.items():
            if edge not in self.skips:
                wire.set_arc(None)
        self._due.clear()
        for edge in self.skips:
            self.raise_arc(edge)

    def node_moved(self, node_id: str, by_graph: bool) -> None:
        """A node moved: the arcs over it follow now (a drag) or when the change ends."""
        arcs = self._over.get(node_id, ())
        if by_graph:  # a batch moves the nodes under an arc one by one
            self._due.update(arcs)
        else:
            for edge in arcs:
                self.raise_arc(edge)

    def raise_due(self) -> None:
        """Raise the arcs over nodes the graph moved, each once per change."""
        due, self._due = self._due, set()
        for edge in due:
            if edge in self.skips:
                self.raise_arc(edge)

    def raise_arc(self, edge: Edge) -> None:
        """Set the arc's height: clear of the nodes it bypasses and of the arcs inside it."""
        scene = self.scene
        wire = scene.wires.get(edge)
        folded = scene.stage_layer.folded
        if wire is None or edge.src in folded or edge.dst in folded:
            return
        tops = [scene.nodes[n].sceneBoundingRect().top() + 12 for n in self.skips[edge]
                if n in scene.nodes]
        top = min(tops, default=wire.source.anchor().y())
        wire.set_arc(top - ARC_CLEARANCE - ARC_STEP * min(self._levels.get(edge, 0), 6))
