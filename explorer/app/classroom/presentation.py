"""Presentation mode: the editor as a projector sees it (View menu, F11; Esc leaves).

Full screen, larger text, and nothing but the canvas with the loss,
gradient-flow and decision-boundary panels beside it: the palette,
inspector, problems list, other panels, menu bar and tool bars are put
away, and a compact bar at the top keeps Train / Resume, Pause (which
freezes the run), Step and Stop at hand; a run started while presenting
leaves this layout as it is. Leaving puts back exactly the layout, window
state and text size there were before.

Projectors differ (1024×768, 1280×720, 1920×1080 are common), and a window
reaches its full-screen size only after the window system has answered:
whenever the window or the canvas changes size while presenting, the panels
get their shares again and the network is fitted anew.
tests/app/classroom/test_presentation_sizes.py checks that everything fits at
projector sizes (its checks are in tests/app/classroom/fit_check.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from PySide6.QtCore import QByteArray, QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QToolBar

from ..seams import CanvasFocus, EditorRuns, TextSize

PRESENTATION_ZOOM = 1.5  # text size while presenting (at least; a larger choice is kept)
PANEL_SHARE = 0.45  # of the screen's width for the live panels beside the canvas
PANEL_HEIGHTS = (0.42, 0.33, 0.25)  # loss, gradient flow, decision boundary
REFIT_DELAY_MS = 50  # a resize comes in bursts (docks, then the canvas): refit once after


@dataclass(frozen=True)
class SavedLayout:
    """What presentation mode changes, as it was before."""

    state: QByteArray
    geometry: QByteArray
    window_state: Qt.WindowState
    ui_zoom: float
    menu_bar_visible: bool
    status_bar_visible: bool


class PresentationMode(QObject):
    """Enter and leave presentation mode for one frame.

    It rearranges ``frame`` (its docks, bars, menu bar and window state: the
    one part given the ``QMainWindow`` itself), sets ``text_size``, fits the
    network on ``canvas``, and keeps the live panels and run buttons of
    ``runs`` (the editor's training workspace).
    """

    def __init__(self, frame: QMainWindow, *, text_size: TextSize, canvas: CanvasFocus,
                 runs: EditorRuns) -> None:
        super().__init__(frame)
        self.frame = frame
        self.text_size = text_size
        self.canvas = canvas
        self.runs = runs
        self.saved: SavedLayout | None = None
        self.bar: QToolBar | None = None
        self.action = QAction("&Presentation Mode", frame, checkable=True)
        self.action.setShortcut(QKeySequence("F11"))
        self.action.setStatusTip("Full screen, large text, the canvas and the live panels "
                                 "only (F11; Esc leaves).")
        self.action.toggled.connect(self._toggled)
        self.leave_action = QAction("Leave Presentation", frame)
        self.leave_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.leave_action.setEnabled(False)  # Esc belongs to the canvas otherwise
        self.leave_action.triggered.connect(lambda *_: self.action.setChecked(False))
        frame.addAction(self.action)
        frame.addAction(self.leave_action)
        self._refit_soon = QTimer(self, singleShot=True, interval=REFIT_DELAY_MS)
        self._refit_soon.timeout.connect(self.refit)
        self._fitted_size: QSize | None = None  # the window's size the docks were shared for

    @property
    def active(self) -> bool:
        return self.saved is not None

    @property
    def refit_pending(self) -> bool:
        """A resize has come in and the layout will follow it in a moment."""
        return self._refit_soon.isActive()

    def set_active(self, on: bool) -> None:
        self.action.setChecked(on)

    def _toggled(self, on: bool) -> None:
        if on and not self.active:
            self._enter()
        elif not on and self.active:
            self._leave()

    # -- entering and leaving -------------------------------------------------------------------

    def _enter(self) -> None:
        w = self.frame
        self.saved = SavedLayout(w.saveState(), w.saveGeometry(), w.windowState(),
                                 self.text_size.ui_zoom, w.menuBar().isVisible(),
                                 w.statusBar().isVisible())
        live = self._live_docks()
        for dock in w.findChildren(QDockWidget):
            if dock not in live:
                dock.hide()
        for bar in w.findChildren(QToolBar):
            bar.hide()
        w.menuBar().hide()
        w.statusBar().hide()  # problems and announcements still show on the canvas
        w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, live[0])
        for above, below in pairwise(live):
            w.splitDockWidget(above, below, Qt.Orientation.Vertical)
        for dock in live:
            dock.show()
        self.runs.presenting = True
        self.bar = self._make_bar()
        w.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.bar)
        self.bar.show()  # a child added to a window on screen waits to be asked
        self.text_size.set_ui_zoom(max(PRESENTATION_ZOOM, self.saved.ui_zoom))
        w.showFullScreen()
        self.leave_action.setEnabled(True)
        self._fitted_size = None
        w.installEventFilter(self)
        canvas = w.centralWidget()
        if canvas is not None:
            canvas.installEventFilter(self)
        self._refit_soon.start(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.active:
            self._refit_soon.start()
        return False

    def refit(self) -> None:
        """Share the window out again and fit the network to the canvas: on entering, and
        whenever the window changes size (full screen arrives, or another projector)."""
        if not self.active:
            return
        w, live = self.frame, list(self._live_docks())
        if self._fitted_size != w.size():
            self._fitted_size = w.size()
            w.resizeDocks(live[:1], [int(w.width() * PANEL_SHARE)], Qt.Orientation.Horizontal)
            w.resizeDocks(live, [int(w.height() * share) for share in PANEL_HEIGHTS],
                          Qt.Orientation.Vertical)
            self._refit_soon.start()  # the docks take their sizes on the next pass: fit then
            return
        self.canvas.show_whole()

    def _live_docks(self) -> tuple[QDockWidget, ...]:
        """The panels shown while presenting, top to bottom."""
        return self.runs.live_docks()

    def _make_bar(self) -> QToolBar:
        bar = QToolBar("Presentation", self.frame)
        bar.setObjectName("PresentationBar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        actions = self.runs.actions
        bar.addActions([actions[name] for name in ("train", "pause", "step", "stop")])
        bar.addSeparator()
        bar.addAction(self.leave_action)
        return bar

    def _leave(self) -> None:
        w, saved = self.frame, self.saved
        if saved is None:  # not presenting: nothing to restore
            return
        self.saved = None
        self.runs.presenting = False
        self.leave_action.setEnabled(False)
        self._refit_soon.stop()
        w.removeEventFilter(self)
        canvas = w.centralWidget()
        if canvas is not None:
            canvas.removeEventFilter(self)
        if self.bar is not None:
            w.removeToolBar(self.bar)
            self.bar.deleteLater()
            self.bar = None
        self.text_size.set_ui_zoom(saved.ui_zoom)
        w.setWindowState(saved.window_state)
        w.restoreGeometry(saved.geometry)
        w.restoreState(saved.state)
        w.menuBar().setVisible(saved.menu_bar_visible)
        w.statusBar().setVisible(saved.status_bar_visible)
        QTimer.singleShot(0, self.canvas.show_opened)
