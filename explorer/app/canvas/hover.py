"""A canvas item with a hover look and a tooltip written only when someone looks at it.

Opening a graph of 10,000 nodes makes some 23,000 items; writing each one's
tooltip text up front (and again after every check) was a tenth of the
time it took. Instead an item says its tooltip is out of date
(``tooltip_changed``) and writes it when the mouse comes over it, which is
before Qt can show it, or when code asks for ``toolTip()``.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGraphicsItem


class HoverItem(QGraphicsItem):
    """Base for canvas items with a hover look: ``self._hovered`` says whether to draw it.

    Subclasses return their tooltip from ``tooltip_text`` and call
    ``tooltip_changed`` when it would read differently.
    """

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._hovered = False
        self._tooltip_stale = True
        self.setAcceptHoverEvents(True)

    def tooltip_text(self) -> str:
        return ""

    def tooltip_changed(self) -> None:
        self._tooltip_stale = True
        if self._hovered:  # the mouse rests here: Qt may show it again any moment
            self._write_tooltip()

    def toolTip(self) -> str:
        self._write_tooltip()
        return super().toolTip()

    def _write_tooltip(self) -> None:
        if self._tooltip_stale:
            self._tooltip_stale = False
            self.setToolTip(self.tooltip_text())

    def hoverEnterEvent(self, event) -> None:
        self._write_tooltip()
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self._hovered = False
        self.update()
