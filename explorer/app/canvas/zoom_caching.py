"""Zooming a big graph: node items keep one picture while the wheel turns.

A node item is cached as a pixmap in screen pixels (DeviceCoordinateCache),
which makes panning cheap but throws the pixmap away at every change of
scale: each wheel step repainted every node in sight (two hundred text
layouts and icons, 30 ms of a frame at 1:1). While the zoom changes, the
nodes of a big graph switch to a pixmap in their own coordinates
(ItemCoordinateCache), drawn once and then only scaled; when the zoom has
rested for ``SETTLE_MS`` they switch back and paint sharp again. Only the
nodes in and around the view switch (an area three times the view's each
way, what a few steps out can show): switching all 10,000 items of a big
graph took a frame's worth of time, at the start and at the end of every
gesture. Small graphs (the screenshots, most lessons) never switch: they
repaint fast enough.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QRectF, QTimer
from PySide6.QtWidgets import QGraphicsItem

from .far_view import FAR_FROM_NODES
from .node_item import NodeItem
from .scene import GraphScene

SETTLE_MS = 200
ZOOMING = QGraphicsItem.CacheMode.ItemCoordinateCache
RESTING = QGraphicsItem.CacheMode.DeviceCoordinateCache


class ZoomCaching(QObject):
    """Switches ``scene``'s node items to a scalable cache during a zoom gesture."""

    def __init__(self, scene: GraphScene, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scene = scene
        self.active = False
        self._switched: list[NodeItem] = []
        self._rest = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._rest.timeout.connect(self.settle)

    def zooming(self, shown: QRectF) -> None:
        """The scale is about to change by a step (the wheel, a zoom command); ``shown``
        is the scene area in view."""
        if len(self.scene.nodes) < FAR_FROM_NODES:
            return
        if not self.active:
            self.active = True
            near = shown.adjusted(-shown.width(), -shown.height(), shown.width(),
                                  shown.height())
            self._switched = [item for item in self.scene.items(near)
                              if isinstance(item, NodeItem)
                              and item.cacheMode() != QGraphicsItem.CacheMode.NoCache]
            for item in self._switched:  # (vectors, for a picture, stay vectors)
                item.setCacheMode(ZOOMING)
        self._rest.start()

    def settle(self) -> None:
        """The zoom rested: paint every node sharp at the new scale again."""
        self._rest.stop()
        if self.active:
            self.active = False
            for item in self._switched:
                if item.scene() is self.scene:  # (not removed meanwhile)
                    item.setCacheMode(RESTING)
            self._switched = []
