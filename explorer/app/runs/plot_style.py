"""What every training plot shares: colours that follow the theme, settings that keep
plots fast with hundreds of thousands of points (clip to view, peak downsampling), and
text that stays readable at any size (axes whose numbers never crowd, read-outs that end
in "…" rather than mid-letter), for a projector's small screen as for a big one."""

from __future__ import annotations

import html
import math
import time

import pyqtgraph as pg
from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QTextDocumentFragment
from PySide6.QtWidgets import QApplication, QBoxLayout, QGraphicsItem, QLabel, QSizePolicy

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
ELIDES = "elides"  # a widget property: True where ending the text in "…" is intended
TICK_GAP_EMS = 0.6  # room between two tick labels, in widths of the letter M
WIDER_TICKS = (2, 3, 4, 5, 6, 8, 10, 15, 20, 25, 50, 100)  # multiples of a crowded spacing
LEGEND_TEXT_SHARE = 0.9  # legend text against the editor's text size
PLOT_MARGINS = (2, 4, 6, 2)  # around a panel's plots (left, top, right, bottom): room is dear


class SteadyLabel(QLabel):
    """A line of text whose changes never resize it (``STEADY``); a text longer than the
    width ends in "…" (drawn plain) instead of being cut off mid-letter."""

    def __init__(self, text: str = " ") -> None:
        super().__init__(text)
        self.setSizePolicy(*STEADY)
        self.setProperty(ELIDES, True)

    def paintEvent(self, event) -> None:
        if self.sizeHint().width() <= self.width():
            super().paintEvent(event)
            return
        text = self.text()
        if self.textFormat() == Qt.TextFormat.RichText or QtGui.Qt.mightBeRichText(text):
            text = QTextDocumentFragment.fromHtml(text).toPlainText()
        room = self.contentsRect().adjusted(self.margin(), 0, -self.margin(), 0)
        shown = self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room.width())
        painter = QPainter(self)
        self.style().drawItemText(painter, room, int(self.alignment()), self.palette(),
                                  self.isEnabled(), shown, self.foregroundRole())
        painter.end()


class ReadableAxis(pg.AxisItem):
    """An axis whose numbered ticks are always at least a label apart, and whose title
    ends in "…" where the axis is shorter than it.

    pyqtgraph labels its coarsest ticks however little room there is, so on a
    short plot (a projector at 1024×768 with large text) the numbers run into
    each other; here the spacing widens until they no longer do. Its title
    would run past the axis into the next plot's.
    """

    def labelString(self) -> str:
        full = super().labelString()
        along = self.size().height() if self.orientation in ("left", "right") else \
            self.size().width()
        if along <= 0 or not self.labelText or self._title_width(full) <= along:
            return full
        metrics = QFontMetricsF(self.label.font())
        style = ";".join(f"{k}: {v}" for k, v in self.labelStyle.items())
        room = along - (self._title_width(full) - metrics.horizontalAdvance(self.labelText))
        while True:  # the title's margins and spacing, then the text as far as it goes
            short = metrics.elidedText(self.labelText, Qt.TextElideMode.ElideRight,
                                       max(room, 0.0))
            text = f"<span style='{style}'>{html.escape(short)}</span>"
            if room <= 0 or self._title_width(text) <= along:
                return text
            room -= metrics.averageCharWidth()

    def _title_width(self, text: str) -> float:
        """Pixels the title takes along the axis when it reads ``text`` (HTML)."""
        document = self.label.document().clone()
        document.setHtml(text)
        return document.size().width()

    def resizeEvent(self, ev=None) -> None:
        if self.label is not None and self.labelText:
            wanted = self.labelString()
            if wanted != self._shown_title:
                self._shown_title = wanted
                self.label.setHtml(wanted)
        super().resizeEvent(ev)

    _shown_title = ""

    def follow_text_size(self, font: QFont) -> None:
        """The editor's text size changed: the title follows (its text item keeps the
        font it was made with otherwise)."""
        if self.label is not None and self.labelText:
            self.label.setFont(font)
            self._shown_title = ""
            self._updateLabel()

    def tickSpacing(self, minVal, maxVal, size):
        levels = super().tickSpacing(minVal, maxVal, size)
        if not levels or maxVal <= minVal or size <= 0:
            return levels
        major, offset = levels[0]
        pixels_per_unit = size / (maxVal - minVal)
        room = self._label_room(minVal, maxVal, major)
        if major * pixels_per_unit >= room:
            return levels
        wider = next((major * m for m in WIDER_TICKS if major * m * pixels_per_unit >= room),
                     maxVal - minVal)
        return [(wider, offset)]

    def _label_room(self, low: float, high: float, spacing: float) -> float:
        """Pixels one label and a gap take along the axis."""
        metrics = QFontMetricsF(self.tick_font())
        gap = metrics.horizontalAdvance("M") * TICK_GAP_EMS
        if self.orientation in ("left", "right"):
            return metrics.height() + gap
        ends = [math.ceil(low / spacing) * spacing, math.floor(high / spacing) * spacing]
        texts = self.tickStrings(ends, self.autoSIPrefixScale * self.scale, spacing)
        return max(metrics.horizontalAdvance(t) for t in texts) + gap

    def tick_font(self) -> QFont:
        """The font the tick labels are drawn in: the axis's own, else its view's."""
        if self.style["tickFont"] is not None:
            return self.style["tickFont"]
        scene = self.scene()
        views = scene.views() if scene is not None else []
        return views[0].font() if views else QApplication.font()


def readable_axes(**others: pg.AxisItem) -> dict[str, pg.AxisItem]:
    """Axes for ``addPlot(axisItems=...)``: readable ones, unless given in ``others``."""
    return {side: others.get(side) or ReadableAxis(side) for side in ("left", "bottom")}


def legend_text_size(font: QFont) -> str:
    """A legend's text size (as pyqtgraph takes it) following the editor's text size."""
    return f"{font.pointSizeF() * LEGEND_TEXT_SHARE:.1f}pt"


def follow_text_size(font: QFont, plots: list[pg.PlotItem],
                     legend: pg.LegendItem | None = None) -> None:
    """After the editor's text size changed: axis titles and legend entries take the new
    size (pyqtgraph keeps the size they were made with)."""
    for plot in plots:
        for side in ("left", "bottom"):
            axis = plot.getAxis(side)
            if isinstance(axis, ReadableAxis):
                axis.follow_text_size(font)
    if legend is not None:
        size = legend_text_size(font)
        legend.setLabelTextSize(size)
        for _sample, label in legend.items:
            label.setText(label.text, size=size)
        legend.updateSize()


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
    readout = SteadyLabel(" ")
    readout.setObjectName("InspectorHint")
    readout.setTextFormat(Qt.TextFormat.RichText)
    layout.addWidget(readout)
    graphics = TimedLayout()
    graphics.setBackground(background())
    graphics.ci.setContentsMargins(*PLOT_MARGINS)
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
