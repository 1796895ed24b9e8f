"""What every training plot shares: colours that follow the theme, and settings that keep
plots fast with hundreds of thousands of points (clip to view, peak downsampling)."""

from __future__ import annotations

import time

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QBoxLayout, QGraphicsItem, QLabel, QSizePolicy

from .. import theme

# Colours for curves, readable on light and dark backgrounds.
TRAIN = "#2f6fe4"
VALIDATION = "#e0792b"
OVERLAY_COLOURS = ("#8d6cd9", "#2fa37a", "#c2559b", "#8a9a2b", "#3aa8bf", "#b0703a")
CLASS_COLOURS = ("#f59322", "#0877bd", "#2fa37a", "#c2559b", "#8d6cd9", "#8a9a2b",
                 "#3aa8bf", "#d93a35", "#5f6673", "#e3b505")

pg.setConfigOptions(antialias=False, useNumba=False, segmentedLineMode="off")

# The size policy of a label whose text changes while a run goes on (a step number, a
# value under the mouse): its text must never resize it, or the window re-lays out every
# dock around it and repaints all the plots at once.
STEADY = (QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)


class TimedLayout(pg.GraphicsLayoutWidget):
    """A plot layout that remembers what its paints cost (seconds, a running average),
    so live updates can slow down where painting is slow instead of stalling the editor."""

    paint_seconds = 0.0

    def paintEvent(self, event) -> None:
        started = time.perf_counter()
        super().paintEvent(event)
        took = time.perf_counter() - started
        self.paint_seconds = took if not self.paint_seconds else (
            0.7 * self.paint_seconds + 0.3 * took)


def add_readout_and_plots(layout: QBoxLayout) -> tuple[QLabel, TimedLayout]:
    """A panel's line of numbers (the values under the mouse, say) and, below it, the area
    its plots go in, which takes the room left."""
    readout = QLabel(" ")
    readout.setObjectName("InspectorHint")
    readout.setSizePolicy(*STEADY)
    readout.setTextFormat(Qt.TextFormat.RichText)
    layout.addWidget(readout)
    graphics = TimedLayout()
    graphics.setBackground(background())
    layout.addWidget(graphics, 1)
    return readout, graphics


def settle(*plots: pg.PlotItem) -> None:
    """Work out new axis ranges now, not while painting: a range found during a paint
    asks for a second paint straight after, and every redraw would cost two."""
    for plot in plots:
        plot.vb.prepareForPaint()


def background() -> QColor:
    return theme.current().node_fill


def foreground() -> QColor:
    return theme.current().muted_text


def style_plot(plot: pg.PlotItem, *, left: str = "", bottom: str = "") -> None:
    """Axis colours and labels from the theme; fast drawing for long curves."""
    plot.setClipToView(True)
    plot.setDownsampling(auto=True, mode="peak")
    plot.showGrid(x=False, y=True, alpha=0.12)
    plot.setMenuEnabled(False)
    for name in ("left", "bottom", "right", "top"):
        # An axis redraws its text only when its range changes; between times a pixmap
        # copy is far cheaper than replaying its drawing (pyqtgraph's default).
        plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    for name, label in (("left", left), ("bottom", bottom)):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(foreground()))
        axis.setTextPen(pg.mkPen(foreground()))
        axis.enableAutoSIPrefix(False)  # "loss (x0.001)" reads worse than 0.6
        if label:
            axis.setLabel(label)


def restyle(widget: pg.GraphicsView, plots: list[pg.PlotItem]) -> None:
    """Follow a theme change."""
    widget.setBackground(background())
    for plot in plots:
        for name in ("left", "bottom", "right"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen(foreground()))
            axis.setTextPen(pg.mkPen(foreground()))


def pen(colour: str, width: float = 1.6, dashed: bool = False) -> pg.QtGui.QPen:
    p = pg.mkPen(colour, width=width)
    if dashed:
        p.setStyle(pg.QtCore.Qt.PenStyle.DashLine)
    return p


def fast_curve(plot: pg.PlotItem, colour: str, name: str | None = None, *,
               width: float = 1.0, dashed: bool = False, symbol: str | None = None
               ) -> pg.PlotDataItem:
    """A curve that draws only what is in view, peak-downsampled to the screen's width."""
    curve = plot.plot([], [], pen=pen(colour, width, dashed), name=name, symbol=symbol,
                      symbolSize=5, symbolBrush=colour, symbolPen=None)
    curve.setClipToView(True)
    curve.setDownsampling(auto=True, method="peak")
    curve.setSkipFiniteCheck(False)
    return curve
