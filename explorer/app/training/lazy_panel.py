"""A dock's contents built the first time the dock is on screen (pyqtgraph loads then)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

# covariant: a LazyPanel[LossPanel] serves where a LazyPanel[QWidget] is asked for
ContentT = TypeVar("ContentT", bound=QWidget, covariant=True)


class LazyPanel(QWidget, Generic[ContentT]):
    """A dock's contents, built the first time the dock is on screen.

    Docks tabbed behind others count as visible to Qt, so the dock's
    ``visibilityChanged`` (which follows the tabs) says when it is on screen.
    """

    def __init__(self, build: Callable[[], ContentT]) -> None:
        super().__init__()
        self._build = build
        self.content: ContentT | None = None
        self.on_screen = False
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def ensure(self) -> ContentT:
        if self.content is None:
            self.content = self._build()
            self._layout.addWidget(self.content)
        return self.content

    def set_on_screen(self, on: bool) -> None:
        self.on_screen = on
        if on:  # a moment later, and only if still there: a window being set up flickers
            QTimer.singleShot(0, self, self._shown)

    def _shown(self) -> None:
        if not self.on_screen:
            return
        try:  # an error escaping a Qt event handler can take the whole app down
            content = self.ensure()
            refresh = getattr(content, "refresh", None)
            if callable(refresh):
                refresh()  # it may have missed updates while hidden
        except Exception:
            sys.excepthook(*sys.exc_info())  # logged and shown; the editor carries on
