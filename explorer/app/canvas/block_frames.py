"""The frames around expanded blocks: one per block, fitted around its nodes.

A frame follows its nodes: at once while the user drags one, and once per
change when the graph moves them (a layout or an undo moves hundreds of a
block's nodes one at a time; refitting after each was most of the time
DenseNet-201 took to open). Which blocks exist changes only with the
wiring, when the scene calls ``sync``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

from explorer.graph import ArchitectureGraph

from .group_frame import GroupFrame
from .node_item import NodeItem


class Canvas(Protocol):
    """What the frames need of the scene that shows them."""

    @property
    def graph(self) -> ArchitectureGraph: ...

    nodes: dict[str, NodeItem]

    def addItem(self, item: GroupFrame) -> None: ...  # Qt's names

    def removeItem(self, item: GroupFrame) -> None: ...


class BlockFrames:
    """The scene's expanded-block frames (``frames``: block id -> frame)."""

    def __init__(self, scene: Canvas) -> None:
        self.scene = scene
        self.frames: dict[str, GroupFrame] = {}
        self._members: dict[str, set[str]] = defaultdict(set)  # block -> its nodes' ids
        self._moved: set[str] = set()  # blocks whose nodes the graph moved in this change

    def clear(self) -> None:
        """Forget every frame (the scene has removed the items)."""
        self.frames.clear()
        self._members.clear()
        self._moved.clear()

    def node_added(self, item: NodeItem) -> None:
        if item.node.group is not None:
            self._members[item.node.group].add(item.node_id)

    def node_removed(self, item: NodeItem) -> None:
        self._members.get(item.node.group or "", set()).discard(item.node_id)

    def node_resized(self, item: NodeItem) -> None:
        """A node's height may have changed (new ports): its frame fits it again."""
        if item.node.group in self.frames:
            self.fit(item.node.group)

    def node_moved(self, item: NodeItem) -> None:
        """A node moved: its frame follows now (a drag) or once the change is over."""
        if item.node.group in self.frames:
            self._moved.add(item.node.group)
        if not item.moved_by_graph:
            self.fit_moved()

    def fit_moved(self) -> None:
        """Fit the frames of blocks whose nodes moved, each once."""
        for group_id in self._moved & self.frames.keys():
            self.fit(group_id)
        self._moved.clear()

    def sync(self) -> None:
        """A frame for each expanded block of the graph, none for blocks gone."""
        groups = self.scene.graph.groups()
        for gone in set(self.frames) - set(groups):
            self.scene.removeItem(self.frames.pop(gone))
        for group_id, block in groups.items():
            if group_id not in self.frames:
                frame = GroupFrame(block)
                self.frames[group_id] = frame
                self.scene.addItem(frame)
            self.fit(group_id)

    def fit(self, group_id: str) -> None:
        nodes = self.scene.nodes
        members = [nodes[n] for n in self._members.get(group_id, ()) if n in nodes]
        self.frames[group_id].fit(item.mapRectToScene(item.body_rect()) for item in members)
