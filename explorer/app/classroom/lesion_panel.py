"""A lesion study as a picture: validation accuracy with each block switched off in turn.

One bar per block, from the input down, as long as the accuracy that is
left when that block alone is switched off; a line marks the trained
network's accuracy and a dashed one the accuracy of guessing. Bars fade
from green (nothing lost) to red (down to chance), so a residual network's
column of green and a plain network's wall of red read at a glance.
Hovering a bar names the block (``hovered`` says which, for the canvas).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..plain_text import escaped
from ..runs.plot_style import add_readout_and_plots, background, foreground, style_plot

if TYPE_CHECKING:
    from explorer.train.lesions import Lesion, LesionStudy

HEALTHY, BROKEN = QColor("#2fa37a"), QColor("#d93a35")
BASELINE_COLOUR, CHANCE_COLOUR = "#2f6fe4", "#d93a35"
KEY_TEXT = ("Solid bars: blocks, whose skip path remains when switched off. Hatched: plain "
            "layers (such as the stem), removed outright.")
ROW_LABEL_PIXELS = 15  # height a row's name needs
MAX_LABEL = 16


class PercentAxis(pg.AxisItem):
    """Accuracy ticks as percentages: 0%, 50%, 100%."""

    def tickStrings(self, values, scale, spacing):
        return [f"{100 * v:.0f}%" for v in values]


def bar_colour(accuracy: float, baseline: float, chance: float) -> QColor:
    """Green when switching the block off cost nothing, red when it left only chance."""
    span = baseline - chance
    lost = (baseline - accuracy) / span if span > 1e-9 else 0.0
    t = min(max(lost, 0.0), 1.0)
    healthy = (HEALTHY.redF(), HEALTHY.greenF(), HEALTHY.blueF())
    broken = (BROKEN.redF(), BROKEN.greenF(), BROKEN.blueF())
    return QColor.fromRgbF(*(h * (1 - t) + b * t for h, b in zip(healthy, broken, strict=True)))


class LesionPanel(QWidget):
    """Bars of accuracy against the removed block, with the baseline and chance as lines."""

    hovered = Signal(str)  # the node id under the mouse ("" when none)

    def __init__(self, title: str = "", colour: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.study: LesionStudy | None = None  # the study shown
        self.rows: list[str] = []  # node ids, top to bottom
        self.highlighted: str | None = None
        self._hovered = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        self.title = QLabel(title)
        self.key = QLabel(KEY_TEXT)  # which bars are blocks and which plain layers
        self.key.setWordWrap(True)
        self.key.hide()
        self.title.setStyleSheet(f"font-weight: bold; color: {colour};" if colour
                                 else "font-weight: bold;")
        layout.addWidget(self.title)
        layout.addWidget(self.key)
        self.readout, self.graphics = add_readout_and_plots(layout)
        self.plot = self.graphics.addPlot(row=0, col=0,
                                          axisItems={"bottom": PercentAxis("bottom")})
        style_plot(self.plot, bottom="validation accuracy with the block switched off")
        self.plot.showGrid(x=True, y=False, alpha=0.12)
        self.plot.invertY(True)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setXRange(0, 1, padding=0.02)
        self.bars = pg.BarGraphItem(x0=[], x1=[], y=[], height=0.7)
        self.plot.addItem(self.bars)
        self.baseline = pg.InfiniteLine(angle=90, pen=pg.mkPen(BASELINE_COLOUR, width=2),
                                        label="trained", labelOpts=_label_options(0.04))
        self.chance = pg.InfiniteLine(angle=90, pen=pg.mkPen(CHANCE_COLOUR, width=2,
                                                             style=Qt.PenStyle.DashLine),
                                      label="chance", labelOpts=_label_options(0.96))
        for line in (self.baseline, self.chance):
            line.hide()
            self.plot.addItem(line, ignoreBounds=True)
        self._hover = pg.SignalProxy(self.graphics.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._mouse_moved)

    # -- what to show ------------------------------------------------------------------------

    def show_message(self, text: str, *, error: bool = False) -> None:
        """A line above the plot: what is happening, or why there is no study."""
        colour = "#d93a35" if error else ""
        html = text.replace("&", "&amp;").replace("<", "&lt;")
        self.readout.setText(f"<span style='color:{colour}'>{html}</span>" if colour else html)

    def show_study(self, study: LesionStudy) -> None:
        """Draw a LesionStudy (one bar per lesion, in network order)."""
        self.study = study
        self.rows = [", ".join(lesion.node_ids) for lesion in study.lesions]
        self.highlighted = None
        # Only worth a key when the study mixes the two (a plain stem among residual blocks).
        self.key.setVisible(len({lesion.is_block for lesion in study.lesions}) > 1)
        self._draw()
        worst = min((lesion.accuracy for lesion in study.lesions), default=study.baseline_accuracy)
        self.show_message(f"Trained: {study.baseline_accuracy:.1%} · chance: {study.chance:.1%}"
                          f" · worst with one block off: {worst:.1%}")

    def highlight(self, node_id: str | None) -> None:
        """Outline one bar (a block switched off from the canvas)."""
        self.highlighted = node_id
        self._draw()

    def lesion_of(self, node_id: str) -> Lesion | None:
        if self.study is None:
            return None
        return next((lesion for lesion in self.study.lesions if node_id in lesion.node_ids),
                    None)

    def clear(self) -> None:
        self.study, self.rows, self.highlighted = None, [], None
        self._draw()

    # -- drawing -------------------------------------------------------------------------------

    def _draw(self) -> None:
        study = self.study
        if study is None:
            self.bars.setOpts(x0=[], x1=[], y=[], height=0.7, brushes=None, pens=None)
            self.baseline.hide()
            self.chance.hide()
            self.plot.getAxis("left").setTicks([[]])
            return
        accuracies = np.array([lesion.accuracy for lesion in study.lesions], dtype=float)
        brushes = [bar_brush(bar_colour(lesion.accuracy, study.baseline_accuracy, study.chance),
                             lesion.is_block) for lesion in study.lesions]
        pens = [pg.mkPen(foreground(), width=2.5) if self.highlighted is not None
                and self.highlighted in row.split(", ") else pg.mkPen(None) for row in self.rows]
        rows = np.arange(len(accuracies))
        if len(rows):
            self.bars.setOpts(x0=np.zeros(len(rows)), x1=accuracies, y=rows, height=0.7,
                              brushes=brushes, pens=pens)
        else:
            self.bars.setOpts(x0=[], x1=[], y=[], height=0.7, brushes=None, pens=None)
        self.baseline.setValue(study.baseline_accuracy)
        self.baseline.label.setFormat(f"trained {study.baseline_accuracy:.0%}")
        self.chance.setValue(study.chance)
        self.chance.label.setFormat(f"chance {study.chance:.0%}")
        self.baseline.show()
        self.chance.show()
        self.plot.setYRange(-0.6, max(len(rows), 1) - 0.4, padding=0)
        self._label_rows()

    def _label_rows(self) -> None:
        """Name the rows; when there are too many for the height, every second (third...)."""
        room = max(self.plot.vb.height(), 1.0) / ROW_LABEL_PIXELS
        every = max(1, math.ceil(len(self.rows) / room)) if self.rows else 1
        ticks = [(i, n if len(n) <= MAX_LABEL else n[: MAX_LABEL - 1] + "…")
                 for i, n in enumerate(self.rows) if i % every == 0]
        self.plot.getAxis("left").setTicks([ticks])

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self._label_rows)

    def restyle(self) -> None:
        self.graphics.setBackground(background())

    # -- hover -----------------------------------------------------------------------------------

    def _mouse_moved(self, event: tuple) -> None:
        position = event[0]
        row = None
        if self.plot.sceneBoundingRect().contains(position):
            row = self.plot.vb.mapSceneToView(position).y()
        self.describe_row(row)

    def describe_row(self, row: float | None) -> str:
        """Name the block at ``row`` (a y position) and its cost; tell the canvas about it."""
        index = round(row) if row is not None else -1
        if self.study is None or not 0 <= index < len(self.rows):
            if self._hovered:
                self._hovered = ""
                self.hovered.emit("")
            return ""
        lesion = self.study.lesions[index]
        name = self.rows[index]
        what = "block" if lesion.is_block else "plain layer"
        text = (f"<b>{escaped(name)}</b> ({what}) switched off: {lesion.accuracy:.1%} "
                f"({-self.study.drop(lesion):+.1f} points)")
        self.readout.setText(text)
        if name != self._hovered:
            self._hovered = name
            self.hovered.emit(lesion.node_ids[0])
        return text


def bar_brush(colour: QColor, is_block: bool) -> QBrush:
    """Solid for a block (its skip path remains); hatched for a plain layer, whose removal
    leaves a gap that closes only because its input and output shapes agree."""
    if is_block:
        return QBrush(colour)
    return QBrush(colour, Qt.BrushStyle.BDiagPattern)


def _label_options(position: float) -> dict:
    return {"position": position, "color": foreground(), "movable": False}
