"""The panels around the canvas: where a new one goes, and its entry in View > Panels.

One ``Docks`` per window is the ``DockHost`` seam (``seams.py``): features
add their panels through it and never touch the window's layout calls.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QWidget

Area = Qt.DockWidgetArea


def object_name(title: str) -> str:
    """The name a saved layout knows a dock by: "Gradient flow" -> "GradientflowDock"."""
    return title.replace(" ", "") + "Dock"


class Docks:
    """Adds docks to one frame, each listed in the Panels menu (``menu``).

    ``tab_with`` is the dock right-hand panels are tabbed with (the
    inspector) and ``problems_dock`` the one the first bottom panel sits
    beside; the window sets both once it has made them, before any feature.
    """

    problems_dock: QDockWidget

    def __init__(self, frame: QMainWindow) -> None:
        self.frame = frame
        self.menu = QMenu("&Panels", frame)
        self.tab_with: QDockWidget | None = None

    def add(self, title: str, widget: QWidget, area: Area = Area.RightDockWidgetArea,
            *, name: str = "") -> QDockWidget:
        """A dock holding ``widget`` in ``area``."""
        dock = self._make(title, widget, name)
        self.frame.addDockWidget(area, dock)
        return dock

    def add_panel(self, title: str, widget: QWidget) -> QDockWidget:
        """A panel on the right, tabbed with the inspector."""
        dock = self.add(title, widget)
        if self.tab_with is not None:
            self.frame.tabifyDockWidget(self.tab_with, dock)
        return dock

    def add_bottom_panel(self, title: str, widget: QWidget, beside: QDockWidget | None = None,
                         *, name: str = "") -> QDockWidget:
        """A panel below the canvas: beside the problems list, split off ``beside``, or on
        its own (``beside`` None)."""
        dock = self._make(title, widget, name)
        bottom = Area.BottomDockWidgetArea
        if beside is not None and beside is getattr(self, "problems_dock", None):
            # tabbed with History: a split would add a tab there
            self.frame.addDockWidget(bottom, dock, Qt.Orientation.Horizontal)
        else:
            self.frame.addDockWidget(bottom, dock)
            if beside is not None:
                self.frame.splitDockWidget(beside, dock, Qt.Orientation.Horizontal)
        return dock

    def resize_docks(self, docks: list[QDockWidget], sizes: list[int],
                     orientation: Qt.Orientation) -> None:
        self.frame.resizeDocks(docks, sizes, orientation)

    def _make(self, title: str, widget: QWidget, name: str) -> QDockWidget:
        dock = QDockWidget(title, self.frame)
        dock.setObjectName(name or object_name(title))
        dock.setWidget(widget)
        self.menu.addAction(dock.toggleViewAction())
        return dock
