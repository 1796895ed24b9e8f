"""A canvas item that redraws itself when the mouse comes over it and when it leaves."""

from __future__ import annotations

from PySide6.QtWidgets import QGraphicsItem


class HoverItem(QGraphicsItem):
    """Base for canvas items with a hover look: ``self._hovered`` says whether to draw it."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._hovered = False
        self.setAcceptHoverEvents(True)

    def hoverEnterEvent(self, event) -> None:
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self._hovered = False
        self.update()
