"""The canvas's dot grid, drawn as one tiled fill in screen pixels per frame.

Drawing a thousand dots one by one cost more than the rest of a frame; a
one-cell tile, cached per spacing and colour, makes the grid nearly free.
The dots follow the scene as it pans; their spacing is rounded to whole
pixels (the grid is decoration: nothing snaps to it).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPixmap, QTransform

from .. import theme

GRID = 24  # scene units between dots
MIN_SCALE = 0.35  # further out, a grid that dense is noise


class DotGrid:
    """Paints the grid; remembers the last tile it made."""

    def __init__(self) -> None:
        self._key: tuple[int, str, float] | None = None
        self._tile: QPixmap | None = None

    def paint(self, painter: QPainter, rect: QRectF) -> None:
        transform = painter.worldTransform()
        scale = transform.m11()
        if scale < MIN_SCALE:
            return
        spacing = max(4, round(GRID * scale))
        device = painter.device()
        ratio = device.devicePixelRatioF() if device is not None else 1.0
        tile = self._tile_for(spacing, theme.current().grid, ratio)
        brush = QBrush(tile)
        origin = transform.map(QPointF(0, 0))
        brush.setTransform(QTransform.fromTranslate(origin.x() % spacing - spacing / 2,
                                                    origin.y() % spacing - spacing / 2))
        painter.save()
        painter.resetTransform()
        painter.fillRect(transform.mapRect(rect), brush)
        painter.restore()

    def _tile_for(self, spacing: int, color: QColor, ratio: float) -> QPixmap:
        key = (spacing, color.name(), ratio)
        if key != self._key or self._tile is None:
            tile = QPixmap(round(spacing * ratio), round(spacing * ratio))
            tile.setDevicePixelRatio(ratio)
            tile.fill(Qt.GlobalColor.transparent)
            painter = QPainter(tile)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawEllipse(QPointF(spacing / 2, spacing / 2), 1.5, 1.5)
            painter.end()
            self._key, self._tile = key, tile
        return self._tile
