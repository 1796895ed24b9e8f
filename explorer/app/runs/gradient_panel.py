"""The gradient-flow panel: how big each layer's gradients are, now and over the run.

Layers are rows, in depth order from the input down, the same in both
halves: on the left a bar per layer with its value on the latest logged
step (log scale, coloured with the canvas's ramp), on the right a
layers × time heatmap of the same statistic over the whole run (each
column the peak of its stretch of steps). A layer whose bar is short and
whose row is dark blue is where the signal dies.

The statistic is chosen above: gradient norm, mean or largest |gradient|,
update/weight ratio, or the outputs' mean and spread and the highway gate
means (the activation statistics). Gradients are measured before clipping
(the panel says so), so an exploding gradient shows even when Clip
gradients is on.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, QTimer
from PySide6.QtGui import QBrush, QFontMetricsF
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..plain_text import escaped
from .buffers import RunBuffers
from .gradient_colours import LOG_MAX, LOG_MIN, ramp_colour
from .plot_style import (
    TRAIN,
    ReadableAxis,
    add_readout_and_plots,
    follow_text_size,
    readable_axes,
    restyle,
    settle,
    style_plot,
)

# (statistic, words, log scale by default, coloured with the gradient ramp)
STATISTICS = (
    ("grad_norm", "Gradient norm", True, True),
    ("grad_mean_abs", "Mean |gradient|", True, True),
    ("grad_max_abs", "Largest |gradient|", True, True),
    ("update_ratio", "Update / weight ratio", True, False),
    ("act_mean", "Activation mean", False, False),
    ("act_std", "Activation spread (std)", False, False),
    ("gate_mean", "Highway gate mean T(x)", False, False),
)
MEASURED_BEFORE_CLIPPING = frozenset({"grad_norm", "grad_mean_abs", "grad_max_abs"})
MAX_LABEL = 18  # characters of a node id shown on the axis
ROW_LABEL_PIXELS = 15  # height a row's name needs (at least: more with larger text)
TICK_LABEL_PIXELS = 40  # width a value such as 1e-6 needs on the axis (at least)


class LogAxis(ReadableAxis):
    """An axis whose values are log10 of what it labels: ticks read 1e-3, 0.1, 10."""

    log = True

    def tickStrings(self, values, scale, spacing):
        if not self.log:
            return super().tickStrings(values, scale, spacing)
        return [_power(v) for v in values]


def _power(log_value: float) -> str:
    if abs(log_value - round(log_value)) > 1e-6:
        return ""
    exponent = round(log_value)
    return {0: "1", 1: "10", -1: "0.1", 2: "100"}.get(exponent, f"1e{exponent}")


def ramp_lookup_table(size: int = 256) -> np.ndarray:
    """The canvas ramp as a lookup table for images (size × 4, uint8)."""
    table = np.zeros((size, 4), dtype=np.uint8)
    for i in range(size):
        colour = ramp_colour(LOG_MIN + (LOG_MAX - LOG_MIN) * i / (size - 1))
        table[i] = (colour.red(), colour.green(), colour.blue(), 255)
    return table


class GradientFlowPanel(QWidget):
    """Per-layer statistic as bars (now) and as a heatmap (over time)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(imageAxisOrder="row-major")
        self.buffers = RunBuffers()
        self.run_name = ""
        self._drawn: tuple | None = None
        self.rows: list[str] = []  # node ids shown, top to bottom
        self._labelled_height = 0.0
        self._spaced_width = 0.0  # the bars' width when their value labels were spaced
        self.values = np.zeros(0)  # the bars' values (not logged)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show"))
        self.statistic = QComboBox()
        for name, words, _, _ in STATISTICS:
            self.statistic.addItem(words, name)
        self.statistic.setToolTip("Gradient sizes per layer (measured before clipping), or "
                                  "the activation statistics (outputs' mean and spread, "
                                  "highway gate means).")
        self.statistic.currentIndexChanged.connect(self._statistic_changed)
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setChecked(True)
        self.log_scale.toggled.connect(lambda _: self._redraw())
        bar.addWidget(self.statistic)
        bar.addWidget(self.log_scale)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.readout, self.graphics = add_readout_and_plots(layout)
        self.axis = LogAxis("bottom")
        self.bars_plot = self.graphics.addPlot(row=0, col=0,
                                               axisItems=readable_axes(bottom=self.axis))
        style_plot(self.bars_plot, bottom="latest")
        self._label_axis()
        self.bars_plot.invertY(True)
        self.bars_plot.setMouseEnabled(x=False, y=True)
        self.bars = pg.BarGraphItem(x0=[], x1=[], y=[], height=0.7)
        self.bars_plot.addItem(self.bars)
        self.heat_plot = self.graphics.addPlot(row=0, col=1, axisItems=readable_axes())
        style_plot(self.heat_plot, bottom="step")
        self.heat_plot.invertY(True)
        self.heat_plot.setYLink(self.bars_plot)
        self.heat_plot.getAxis("left").setStyle(showValues=False)
        self.heat_plot.setMouseEnabled(x=True, y=True)
        self.image = pg.ImageItem()
        self.heat_plot.addItem(self.image)
        self.graphics.ci.layout.setColumnStretchFactor(0, 3)  # the bars' numbers need room
        self.graphics.ci.layout.setColumnStretchFactor(1, 2)
        self._ramp_table = ramp_lookup_table()
        self._plain_table = pg.colormap.get("viridis").getLookupTable(nPts=256)
        self._hover = pg.SignalProxy(self.graphics.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._mouse_moved)

    # -- what to draw -----------------------------------------------------------------------

    @property
    def stat(self) -> str:
        return STATISTICS[self.statistic.currentIndex()][0]

    @property
    def words(self) -> str:
        """The statistic in words, for the read-out and the axis ("gradient norm before
        clipping": the gradients are taken before any clipping)."""
        words = STATISTICS[self.statistic.currentIndex()][1].lower()
        return f"{words} before clipping" if self.stat in MEASURED_BEFORE_CLIPPING else words

    @property
    def uses_ramp(self) -> bool:
        return STATISTICS[self.statistic.currentIndex()][3]

    @property
    def logged(self) -> bool:
        return self.log_scale.isChecked()

    def set_statistic(self, stat: str) -> None:
        self.statistic.setCurrentIndex(next(i for i, s in enumerate(STATISTICS) if s[0] == stat))

    def set_step_range(self, last_step: int) -> None:
        """Fix the heatmap's step axis to a run's length (it fills in from the left)."""
        self.heat_plot.setXRange(0, max(last_step, 1), padding=0.01)
        self.heat_plot.enableAutoRange(x=False)

    def show_buffers(self, buffers: RunBuffers, name: str = "") -> None:
        """Draw ``buffers`` (of the run called ``name``) from now on."""
        self.buffers = buffers
        self.run_name = name
        self.readout.setText(f"Layers of {name}, from the input down" if name else " ")
        self._redraw()

    def _statistic_changed(self, index: int) -> None:
        self.log_scale.setChecked(STATISTICS[index][2])
        self._label_axis()
        self._redraw()

    def _label_axis(self) -> None:
        clipping = ", before clipping" if self.stat in MEASURED_BEFORE_CLIPPING else ""
        self.axis.setLabel(f"latest{clipping}")

    def _redraw(self) -> None:
        self._drawn = None
        self.refresh()

    # -- drawing ----------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Redraw if the buffers (or what is shown) changed; True if it redrew."""
        key = (id(self.buffers), self.buffers.version, self.stat, self.logged)
        if key == self._drawn:
            return False
        self._drawn = key
        history = self.buffers.nodes
        columns = history.columns_with(self.stat)
        names = [history.nodes[i] for i in columns]
        if names != self.rows:
            self.rows = names
            self._label_rows()
            self.bars_plot.setYRange(-0.5, max(len(names), 1) - 0.5, padding=0.02)
        self.values = history.latest(self.stat)[columns] if columns else np.zeros(0)
        self._draw_bars()
        self._draw_heatmap(history.history(self.stat)[:, columns] if columns else None)
        settle(self.bars_plot, self.heat_plot)
        return True

    def _label_rows(self) -> None:
        """Name the rows; when they are too many for the height, every second (third, ...)
        one, so names never overlap (hovering a row always names it)."""
        rows = len(self.rows)
        row_pixels = max(ROW_LABEL_PIXELS, QFontMetricsF(self.graphics.font()).height())
        room = max(self.bars_plot.vb.height(), 1.0) / row_pixels
        every = max(1, math.ceil(rows / room)) if rows else 1
        ticks = [(i, n if len(n) <= MAX_LABEL else n[: MAX_LABEL - 1] + "…")
                 for i, n in enumerate(self.rows) if i % every == 0]
        self.bars_plot.getAxis("left").setTicks([ticks])
        self._labelled_height = self.bars_plot.vb.height()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self._relabel_if_resized)

    def _relabel_if_resized(self) -> None:
        if self.rows and self.bars_plot.vb.height() != self._labelled_height:
            self._label_rows()
        if self.rows and self.bars_plot.vb.width() != self._spaced_width:
            self._draw_bars()  # as many values along the bottom as fit the new width

    def _shown(self, values: np.ndarray) -> np.ndarray:
        """Values as drawn: log10 of their size on a log scale (NaN where there is none)."""
        if not self.logged:
            return values
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(np.abs(values))

    def _draw_bars(self) -> None:
        self.axis.log = self.logged
        shown = self._shown(self.values)
        finite = shown[np.isfinite(shown)]
        if self.logged:
            base = math.floor(float(finite.min())) - 0.5 if len(finite) else LOG_MIN
            base = max(base, LOG_MIN - 1)
            span = (float(finite.max()) if len(finite) else 0.0) - base
            metrics = QFontMetricsF(self.graphics.font())  # larger text, fewer labels
            label = max(TICK_LABEL_PIXELS, metrics.horizontalAdvance("1e-10 "))
            fit = max(1.0, self.bars_plot.vb.width() / label)
            self._spaced_width = self.bars_plot.vb.width()
            decades = max(1, math.ceil(span / fit))  # as many labels as fit side by side
            self.axis.setTickSpacing(major=decades, minor=1)
        else:
            base = 0.0
            self.axis.setTickSpacing()  # pyqtgraph's own choice
        ends = np.where(np.isfinite(shown), shown, base)
        if self.uses_ramp:
            with np.errstate(divide="ignore", invalid="ignore"):
                sizes = np.nan_to_num(np.log10(np.abs(self.values)), nan=LOG_MIN)
            brushes: list[QBrush] | None = [pg.mkBrush(ramp_colour(float(v))) for v in sizes]
        else:
            brushes = [pg.mkBrush(TRAIN)] * len(ends)
        rows = np.arange(len(ends))
        if not len(ends):  # pyqtgraph cannot colour an empty list of bars
            brushes = None
        self.bars.setOpts(x0=np.full(len(ends), base), x1=ends, y=rows, height=0.7,
                          brushes=brushes, brush=pg.mkBrush(TRAIN), pen=pg.mkPen(None))
        self.axis.picture = None
        self.axis.update()

    def _draw_heatmap(self, table: np.ndarray | None) -> None:
        bins = self.buffers.nodes.bins
        if table is None or bins.count == 0:
            self.image.clear()
            return
        image = self._shown(table.T)
        if self.uses_ramp and self.logged:
            self.image.setImage(image, lut=self._ramp_table, levels=(LOG_MIN, LOG_MAX),
                                autoLevels=False)
        else:
            finite = image[np.isfinite(image)]
            low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0, 1)
            self.image.setImage(image, lut=self._plain_table,
                                levels=(low, high if high > low else low + 1), autoLevels=False)
        first, last = bins.steps()
        start, end = float(first[0]), float(last[-1])
        self.image.setRect(QRectF(start, -0.5, max(end - start, 1.0), table.shape[1]))

    def restyle(self) -> None:
        restyle(self.graphics, [self.bars_plot, self.heat_plot])

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # the editor's text size changed
            follow_text_size(self.font(), [self.bars_plot, self.heat_plot])

    # -- hover ----------------------------------------------------------------------------------

    def _mouse_moved(self, event: tuple) -> None:
        position = event[0]
        for plot in (self.bars_plot, self.heat_plot):
            if plot.sceneBoundingRect().contains(position):
                point = plot.vb.mapSceneToView(position)
                self.describe_at(point.y(), point.x() if plot is self.heat_plot else None)
                return

    def describe_at(self, row: float, step: float | None = None) -> str:
        """The read-out for a row (and, over the heatmap, a step); returns its text."""
        index = round(row)
        if not 0 <= index < len(self.rows):
            self.readout.setText(" ")
            return ""
        words = self.words
        node_id = self.rows[index]
        if step is None:
            value = self.values[index]
            text = f"<b>{escaped(node_id)}</b> · {words} on the latest step: <b>{value:.3g}</b>"
        else:
            first, last = self.buffers.nodes.bins.steps()
            column = int(np.clip(np.searchsorted(last, step), 0, max(len(last) - 1, 0)))
            table = self.buffers.nodes.history(self.stat)
            columns = self.buffers.nodes.columns_with(self.stat)
            if not len(last) or index >= len(columns):
                return ""
            value = table[column, columns[index]]
            span = (f"step {first[column]:,.0f}" if first[column] == last[column]
                    else f"steps {first[column]:,.0f}–{last[column]:,.0f}")
            text = f"<b>{escaped(node_id)}</b> · {span} · {words} <b>{value:.3g}</b>"
        self.readout.setText(text)
        return text

