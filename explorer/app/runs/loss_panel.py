"""The loss panel: training and validation loss (and accuracy) against steps, live.

Curves draw only what is in view, peak-downsampled to the pixels there are,
so a run of 100,000 logged steps redraws as fast as a short one. Smoothing
is a running average kept up to date point by point; a log scale, a hover
read-out with the values at the step under the mouse, and other runs drawn
dashed beside this one (``set_overlays``) for comparison. An experiment
shows several runs at once instead, each in its own colour (``show_runs``).

The panel draws what ``RunBuffers`` hold; ``refresh()`` (called by the
workspace's repaint timer, at most 20 times a second) only redraws when
they have changed since the last time.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from .buffers import RunBuffers, Smoother
from .plot_style import (
    OVERLAY_COLOURS,
    TRAIN,
    VALIDATION,
    add_readout_and_plots,
    fast_curve,
    follow_text_size,
    legend_text_size,
    readable_axes,
    restyle,
    settle,
)
from .plot_style import style_plot as _style

SMOOTHING_STEPS = 20  # the slider's notches; the weight is notch / SMOOTHING_STEPS * 0.99
LEGEND_COLUMNS = 4  # entries side by side in the legend row (compared runs wrap onto more rows)
ACCURACY_LINES = 16  # lines of text the plots' height must hold to show accuracy under the loss


class LossPanel(QWidget):
    """Loss above, accuracy below, steps along the bottom; one run live, others dashed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buffers = RunBuffers()
        self.run_name = ""
        self.overlays: list[tuple[str, RunBuffers]] = []
        self._drawn: tuple[int, int] | None = None  # (id of buffers, version) last drawn
        self._lengths: dict[str, int] = {}  # points of each curve last drawn
        self._smoother = Smoother()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        bar = QHBoxLayout()
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setToolTip("Show the loss on a logarithmic scale.")
        self.log_scale.toggled.connect(self._set_log)
        self.show_accuracy = QCheckBox("Accuracy")
        self.show_accuracy.setChecked(True)
        self.show_accuracy.setToolTip("Show the accuracy plot under the loss.")
        self.show_accuracy.toggled.connect(self._set_accuracy_visible)
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, SMOOTHING_STEPS)
        self.smoothing.setValue(SMOOTHING_STEPS // 2)
        self.smoothing.setMaximumWidth(120)
        self.smoothing.setToolTip("Smooth the training loss with a running average (the raw "
                                  "values stay faintly behind).")
        self.smoothing.valueChanged.connect(self._smoothing_changed)
        bar.addWidget(self.log_scale)
        bar.addWidget(self.show_accuracy)
        bar.addSpacing(8)
        bar.addWidget(QLabel("Smoothing"))
        bar.addWidget(self.smoothing)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.readout, self.graphics = add_readout_and_plots(layout)
        self.graphics.installEventFilter(self)  # its height decides whether accuracy fits
        # The legend is a row of its own above the plot, never on top of the curves; named
        # curves join it as they would a legend drawn inside the plot.
        self.legend = pg.LegendItem(colCount=LEGEND_COLUMNS, frame=False,
                                    labelTextSize=legend_text_size(self.font()))
        self.legend.layout.setContentsMargins(0, 0, 0, 0)
        self.graphics.addItem(self.legend, row=0, col=0)
        self.loss_plot = self.graphics.addPlot(row=1, col=0, axisItems=readable_axes())
        self.loss_plot.legend = self.legend
        _style(self.loss_plot, left="loss")
        self.accuracy_plot = self.graphics.addPlot(row=2, col=0, axisItems=readable_axes())
        _style(self.accuracy_plot, left="accuracy", bottom="step")
        self.accuracy_plot.setXLink(self.loss_plot)
        self.loss_plot.hideAxis("bottom")  # the accuracy plot below labels the steps
        self.accuracy_plot.setYRange(0, 1, padding=0.02)
        self.graphics.ci.layout.setRowStretchFactor(0, 0)
        # Loss and accuracy share the height: the accuracy plot needs room for its title.
        self.graphics.ci.layout.setRowStretchFactor(1, 1)
        self.graphics.ci.layout.setRowStretchFactor(2, 1)
        raw = pg.mkColor(TRAIN)
        raw.setAlpha(70)
        self.train_raw = fast_curve(self.loss_plot, raw.name(pg.QtGui.QColor.NameFormat.HexArgb))
        self.train = fast_curve(self.loss_plot, TRAIN, "training")
        self.val = fast_curve(self.loss_plot, VALIDATION, "validation", symbol="o")
        self.train_accuracy = fast_curve(self.accuracy_plot, TRAIN)
        self.val_accuracy = fast_curve(self.accuracy_plot, VALIDATION, symbol="o")
        self._overlay_curves: list[tuple[pg.PlotItem, pg.PlotDataItem]] = []
        self._runs: list[tuple[RunBuffers, tuple[pg.PlotDataItem, ...]]] = []
        self._runs_drawn: dict[int, int] = {}  # index of a run -> buffers version drawn
        self.step_line = pg.InfiniteLine(angle=90, movable=False,
                                      pen=pg.mkPen((128, 128, 128, 140), width=1))
        self.step_line.hide()
        self.loss_plot.addItem(self.step_line, ignoreBounds=True)
        self._hover = pg.SignalProxy(self.graphics.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._mouse_moved)
        self._smoothing_changed(self.smoothing.value())

    # -- what to draw ---------------------------------------------------------------------

    def show_buffers(self, buffers: RunBuffers, name: str = "") -> None:
        """Draw ``buffers`` (a live run's, or a past run's) from now on."""
        self.buffers = buffers
        self.run_name = name
        self._smoother.reset()
        self._drawn = None
        self.refresh()

    def set_overlays(self, runs: list[tuple[str, RunBuffers]]) -> None:
        """Other runs to compare with, drawn dashed: their training loss and accuracy."""
        for plot, curve in self._overlay_curves:
            plot.removeItem(curve)
        self._overlay_curves = []
        self.overlays = list(runs)
        for i, (name, buffers) in enumerate(self.overlays):
            colour = OVERLAY_COLOURS[i % len(OVERLAY_COLOURS)]
            loss = fast_curve(self.loss_plot, colour, name, dashed=True)
            loss.setData(buffers.curves["train_loss"].x, buffers.curves["train_loss"].y)
            accuracy = fast_curve(self.accuracy_plot, colour, dashed=True)
            accuracy.setData(buffers.curves["train_accuracy"].x,
                             buffers.curves["train_accuracy"].y)
            self._overlay_curves += [(self.loss_plot, loss), (self.accuracy_plot, accuracy)]

    def show_runs(self, runs: list[tuple[str, RunBuffers, str]]) -> None:
        """Several runs side by side, each as (name, buffers, colour): training loss solid,
        validation loss dashed, validation accuracy below. ``refresh`` extends them as the
        runs grow, so an experiment's variants can be watched live in one plot."""
        self.show_buffers(RunBuffers())  # nothing of its own: its legend entries go
        for curve in (self.train, self.val):
            self.legend.removeItem(curve)
        for _, curves in self._runs:
            for plot, curve in zip((self.loss_plot, self.loss_plot, self.accuracy_plot), curves,
                                   strict=True):
                plot.removeItem(curve)  # and its legend entry
        self._runs, self._runs_drawn = [], {}
        for name, buffers, colour in runs:
            curves = (fast_curve(self.loss_plot, colour, name, width=2.0),
                      fast_curve(self.loss_plot, colour, dashed=True),
                      fast_curve(self.accuracy_plot, colour, width=2.0, symbol="o"))
            self._runs.append((buffers, curves))
        self._draw_runs()

    def _draw_runs(self) -> bool:
        """Bring the runs of ``show_runs`` up to date; True if any of them grew."""
        grew = False
        for index, (buffers, curves) in enumerate(self._runs):
            if self._runs_drawn.get(index) == buffers.version:
                continue
            self._runs_drawn[index] = buffers.version
            for curve, name in zip(curves, ("train_loss", "val_loss", "val_accuracy"),
                                   strict=True):
                curve.setData(buffers.curves[name].x, buffers.curves[name].y)
            grew = True
        return grew

    def set_step_range(self, last_step: int) -> None:
        """Fix the step axis to a run's length: curves grow across it, and the axis, which
        is costly to redraw, stays as it is while they do (zooming still works)."""
        self.loss_plot.setXRange(0, max(last_step, 1), padding=0.01)
        self.loss_plot.enableAutoRange(x=False)

    @property
    def smoothing_weight(self) -> float:
        return self.smoothing.value() / SMOOTHING_STEPS * 0.99

    # -- drawing ----------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Redraw if the buffers changed since the last call; True if it redrew."""
        grew = self._draw_runs()
        key = (id(self.buffers), self.buffers.version)
        if key == self._drawn:
            if grew:
                settle(self.loss_plot, self.accuracy_plot)
            return grew
        if self._drawn is None or self._drawn[0] != key[0]:
            self._lengths.clear()
        self._drawn = key
        curves = self.buffers.curves
        train = curves["train_loss"]
        if self._changed("train", train):
            if self.smoothing_weight > 0:
                smooth = self._smoother.update(train)
                self.train.setData(smooth.x, smooth.y)
                self.train_raw.setData(train.x, train.y)
            else:
                self.train.setData(train.x, train.y)
                self.train_raw.setData([], [])
        for curve, name in ((self.val, "val_loss"), (self.train_accuracy, "train_accuracy"),
                            (self.val_accuracy, "val_accuracy")):
            if self._changed(name, curves[name]):
                curve.setData(curves[name].x, curves[name].y)
        settle(self.loss_plot, self.accuracy_plot)
        return True

    def _changed(self, name: str, series) -> bool:
        """True (once) when ``series`` has grown since it was last drawn."""
        if self._lengths.get(name) == len(series):
            return False
        self._lengths[name] = len(series)
        return True

    def _smoothing_changed(self, notch: int) -> None:
        self._smoother.set_weight(self.smoothing_weight)
        self._drawn = None
        self._lengths.clear()
        self.refresh()

    def _set_log(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self.loss_plot.enableAutoRange()

    def _set_accuracy_visible(self, on: bool) -> None:
        self._fit_accuracy()

    def _fit_accuracy(self) -> None:
        """Show the accuracy plot if asked for and there is room for two readable plots (a
        short panel, on a projector of 720 lines say, gives the loss all the room)."""
        room = self.graphics.height() >= ACCURACY_LINES * self.fontMetrics().height()
        on = self.show_accuracy.isChecked() and room
        if on == self.accuracy_plot.isVisible():
            return
        grid = self.graphics.ci.layout
        if on:  # a hidden plot still takes its row's room: it leaves the grid instead
            grid.addItem(self.accuracy_plot, 2, 0)
        else:
            grid.removeItem(self.accuracy_plot)
        self.accuracy_plot.setVisible(on)
        self.loss_plot.showAxis("bottom", not on)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.graphics and event.type() == QEvent.Type.Resize:
            self._fit_accuracy()
        return False

    def restyle(self) -> None:
        restyle(self.graphics, [self.loss_plot, self.accuracy_plot])

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # the editor's text size changed
            follow_text_size(self.font(), [self.loss_plot, self.accuracy_plot], self.legend)
            self._fit_accuracy()

    # -- hover -------------------------------------------------------------------------------

    def _mouse_moved(self, event: tuple) -> None:
        position = event[0]
        for plot in (self.loss_plot, self.accuracy_plot):
            if plot.isVisible() and plot.sceneBoundingRect().contains(position):
                step = plot.vb.mapSceneToView(position).x()
                self.show_values_at(step)
                return
        self.step_line.hide()

    def show_values_at(self, step: float) -> str:
        """Put the values nearest ``step`` in the read-out (and return its text)."""
        curves = self.buffers.curves
        parts = []
        shown_step = None
        for name, label, percent in (("train_loss", "training loss", False),
                                     ("val_loss", "validation loss", False),
                                     ("train_accuracy", "training accuracy", True),
                                     ("val_accuracy", "validation accuracy", True)):
            series = curves[name]
            if not len(series):
                continue
            i = int(np.clip(np.searchsorted(series.x, step), 0, len(series) - 1))
            if i > 0 and abs(series.x[i - 1] - step) < abs(series.x[i] - step):
                i -= 1
            if shown_step is None:
                shown_step = series.x[i]
            value = series.y[i]
            if math.isfinite(value):
                text = f"{value:.1%}" if percent else f"{value:.4g}"
                parts.append(f"{label} <b>{text}</b>")
        if shown_step is None:
            self.readout.setText(" ")
            return ""
        self.step_line.setValue(shown_step)
        self.step_line.show()
        text = f"step <b>{shown_step:,.0f}</b> · " + " · ".join(parts)
        self.readout.setText(text)
        return text
