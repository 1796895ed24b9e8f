"""Gradient magnitude as colour: dark blue where the signal dies, yellow where it is healthy,
red where it explodes; the legend that says so on the canvas; and the canvas colouring.

The colour follows log10 of a node's gradient norm on a fixed scale, so the
same colour means the same size in every run and every network (what a
teacher compares). The canvas, its legend and the gradient-flow heatmap all
use this one ramp.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QWidget

from .. import theme

if TYPE_CHECKING:
    from explorer.train.records import NodeStats

# (log10 of the gradient norm, colour): the ramp's stops, from vanishing to exploding.
RAMP = ((-8.0, "#1a1f5c"), (-6.0, "#2b4fb3"), (-4.0, "#2f8fd0"), (-2.5, "#3fb6a8"),
        (-1.0, "#f2d23c"), (1.0, "#f39c34"), (3.0, "#d7301f"))
LOG_MIN, LOG_MAX = RAMP[0][0], RAMP[-1][0]


def ramp_position(log_value: float) -> float:
    """Where ``log_value`` lies on the ramp, 0 (vanishing) to 1 (exploding)."""
    return min(max((log_value - LOG_MIN) / (LOG_MAX - LOG_MIN), 0.0), 1.0)


def ramp_colour(log_value: float) -> QColor:
    """The colour for log10 of a gradient norm (clamped to the ramp's ends)."""
    if log_value <= LOG_MIN:
        return QColor(RAMP[0][1])
    for (x0, c0), (x1, c1) in itertools.pairwise(RAMP):
        if log_value <= x1:
            f = (log_value - x0) / (x1 - x0)
            a, b = QColor(c0), QColor(c1)
            return QColor.fromRgbF(a.redF() + f * (b.redF() - a.redF()),
                                   a.greenF() + f * (b.greenF() - a.greenF()),
                                   a.blueF() + f * (b.blueF() - a.blueF()))
    return QColor(RAMP[-1][1])


def gradient_colour(norm: float | None) -> QColor | None:
    """The colour of a gradient norm; None when there is none to show."""
    if norm is None or not math.isfinite(norm):
        return None if norm is None or math.isnan(norm) else QColor(RAMP[-1][1])
    # In tenths of a decade: the eye sees no finer, and an unchanged colour costs no repaint.
    return ramp_colour(round(math.log10(norm), 1) if norm > 0 else LOG_MIN)


def describe_size(norm: float) -> str:
    """A word for a gradient norm's size, for tooltips: vanishing, small, healthy, large."""
    if norm <= 0 or math.log10(norm) < -5:
        return "vanishing"
    log_value = math.log10(norm)
    return "small" if log_value < -2.5 else "healthy" if log_value < 1 else "large"


STAT_WORDS = (("grad_norm", "Gradient norm"), ("grad_mean_abs", "Mean |gradient|"),
              ("grad_max_abs", "Largest |gradient|"), ("weight_norm", "Weight norm"),
              ("update_ratio", "Update / weight"), ("act_mean", "Output mean"),
              ("act_std", "Output spread (std)"), ("gate_mean", "Gate mean T(x)"))


def heat_for(stats: Mapping[str, NodeStats],
             step: int) -> dict[str, tuple[QColor, tuple[str, ...]]]:
    """Canvas colours and tooltip lines from one record's ``{node_id: NodeStats}``.

    Nodes without weights have no gradient of their own: they keep their
    usual look, and their tooltip still shows their output statistics.
    """
    heat: dict[str, tuple[QColor, tuple[str, ...]]] = {}
    for node_id, node_stats in stats.items():
        norm = getattr(node_stats, "grad_norm", None)
        colour = gradient_colour(norm)
        lines = [f"At step {step}:" + (f" gradient {describe_size(norm)}"
                                       if norm is not None and math.isfinite(norm) else "")]
        for name, words in STAT_WORDS:
            value = getattr(node_stats, name, None)
            if value is not None:
                lines.append(f"{words}: {value:.3g}")
        if colour is not None:
            heat[node_id] = (colour, tuple(lines))
    return heat


class GradientLegend(QWidget):
    """The ramp, labelled, in a corner of the canvas while the nodes are coloured."""

    WIDTH, HEIGHT = 300, 58

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFixedSize(self.WIDTH, self.HEIGHT)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
        self.setToolTip("Nodes are coloured by the size of their weights' gradients (L2 norm, "
                        "before clipping) on the latest logged step: dark blue at "
                        f"1e{LOG_MIN:.0f} and below, yellow around 0.1, red at "
                        f"1e{LOG_MAX:.0f} and above. "
                        "View > Clear Gradient Colours takes the colours off.")
        self.caption = "Gradient norm"
        parent.installEventFilter(self)  # follow the canvas's size
        self.hide()

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.place()
        return False

    def place(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.move(14, parent.height() - self.height() - 14)

    def paintEvent(self, event) -> None:
        t = theme.current()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        fill = QColor(t.node_fill)
        fill.setAlpha(235)
        painter.setPen(QPen(t.node_border, 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(frame, 6, 6)
        font = QFont(self.font())
        font.setPixelSize(11)
        painter.setFont(font)
        painter.setPen(t.text)
        painter.drawText(QRectF(10, 4, self.width() - 20, 16), Qt.AlignmentFlag.AlignVCenter,
                         self.caption)
        bar = QRectF(10, 22, self.width() - 20, 12)
        gradient = QLinearGradient(QPointF(bar.left(), 0), QPointF(bar.right(), 0))
        for log_value, colour in RAMP:
            gradient.setColorAt(ramp_position(log_value), QColor(colour))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(gradient)
        painter.drawRoundedRect(bar, 3, 3)
        painter.setPen(t.muted_text)
        for log_value, text, align in ((LOG_MIN, "vanishing", Qt.AlignmentFlag.AlignLeft),
                                       (-1.0, "healthy", Qt.AlignmentFlag.AlignHCenter),
                                       (LOG_MAX, "exploding", Qt.AlignmentFlag.AlignRight)):
            x = bar.left() + ramp_position(log_value) * bar.width()
            box = QRectF(x - 40, 36, 80, 16)
            if align == Qt.AlignmentFlag.AlignLeft:
                box.moveLeft(bar.left())
            elif align == Qt.AlignmentFlag.AlignRight:
                box.moveRight(bar.right())
            painter.drawText(box, align | Qt.AlignmentFlag.AlignVCenter, text)
