"""Does everything fit? Checks of a window's geometry, as a projector would show it.

A projector is often 1024×768 or 1280×720: a layout that looks fine on the
desk can clip a button's text, put the minimap over the network, crowd an
axis's numbers into each other or shrink the decision boundary to a strip.
Each function here looks at the widgets as laid out and returns what does
not fit, in words (an empty list: all is well), so a test can name the
problem and a person can read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect, QRectF
from PySide6.QtGui import QFont, QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import (
    QAbstractButton,
    QGraphicsItem,
    QGraphicsView,
    QLabel,
    QToolBar,
    QToolButton,
    QWidget,
)

from explorer.app.runs.plot_style import ELIDES, ReadableAxis

BOUNDARY_FILL = 0.9  # of its plot area the decision boundary covers at least
CLIP_SLACK = 1  # pixels of rounding forgiven
MIN_TICK_LABELS = 2  # numbers an axis shows at least, to read a value off it


def _name(widget: QWidget) -> str:
    text = widget.text() if isinstance(widget, QLabel | QAbstractButton) else ""
    words = " ".join(text.split())[:40]
    return f"{type(widget).__name__} {words!r}" if words else type(widget).__name__


def _shown(widgets: Iterable[QWidget]) -> list[QWidget]:
    return [w for w in widgets if w.isVisible() and w.width() > 0 and w.height() > 0]


def clipped_text(window: QWidget) -> list[str]:
    """Labels and buttons smaller than their text needs, or cut off by what holds them.

    A label with ``ELIDES`` set is meant to cut its text short; a label that
    wraps its words needs only the height its width gives it.
    """
    problems = []
    for widget in _shown(window.findChildren(QLabel) + window.findChildren(QAbstractButton)):
        if widget.property(ELIDES) or _inside_menu_extension(widget):
            continue
        need = widget.minimumSizeHint()
        if isinstance(widget, QLabel):
            if not widget.text().strip():
                continue
            if widget.wordWrap():
                need.setHeight(widget.heightForWidth(widget.width()))
            else:
                need = need.expandedTo(widget.sizeHint())  # a label's whole text
        if widget.width() + CLIP_SLACK < need.width() or \
                widget.height() + CLIP_SLACK < need.height():
            problems.append(f"{_name(widget)} is {widget.width()}×{widget.height()} but its "
                            f"text needs {need.width()}×{need.height()}")
        elif not _within_parents(widget):
            problems.append(f"{_name(widget)} is cut off by the panel that holds it")
    return problems


def _inside_menu_extension(widget: QWidget) -> bool:
    return isinstance(widget, QToolButton) and widget.objectName() == "qt_toolbar_ext_button"


def _within_parents(widget: QWidget) -> bool:
    """True if every pixel of ``widget`` lies inside each widget that holds it."""
    rect = QRect(QPoint(0, 0), widget.size())
    child = widget
    parent = widget.parentWidget()
    while parent is not None:
        rect = rect.translated(child.pos())
        if not parent.rect().adjusted(-CLIP_SLACK, -CLIP_SLACK, CLIP_SLACK,
                                      CLIP_SLACK).contains(rect):
            return False
        if parent.isWindow():
            return True
        child, parent = parent, parent.parentWidget()
    return True


def hidden_tool_bar_actions(bar: QToolBar) -> list[str]:
    """Actions of ``bar`` pushed into its » menu because the bar is too short for them."""
    problems = []
    for action in bar.actions():
        if action.isSeparator() or not action.isVisible():
            continue
        button = bar.widgetForAction(action)
        if button is None or not button.isVisible():
            problems.append(f"the {action.text()!r} button does not fit in the bar")
    return problems


def canvas_problems(view: QGraphicsView, nodes: Mapping[str, QGraphicsItem],
                    minimap: QWidget | None = None) -> list[str]:
    """Nodes (by id) out of sight in ``view``, or under its ``minimap``."""
    problems = []
    viewport = view.viewport()
    offset = viewport.pos()
    covered = minimap.geometry() if minimap is not None and minimap.isVisible() else None
    for node_id, item in nodes.items():
        if not item.isVisible():
            continue
        rect = view.mapFromScene(item.sceneBoundingRect()).boundingRect()
        if not viewport.rect().contains(rect):
            problems.append(f"node {node_id} is not wholly in view")
        if covered is not None and covered.intersects(rect.translated(offset)):
            problems.append(f"the minimap covers node {node_id}")
    return problems


def axis_problems(axis: pg.AxisItem, name: str, least_labels: int = MIN_TICK_LABELS
                  ) -> list[str]:
    """Tick labels of ``axis`` that overlap one another or run off the axis, an axis with
    fewer than ``least_labels`` numbers, and an axis title longer than the axis."""
    if not axis.isVisible():
        return []
    problems = _title_problems(axis, name)
    if not axis.style.get("showValues", True):
        return problems
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    painter.setFont(_tick_font(axis))
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    texts = sorted(((rect, text) for rect, _flags, text in (specs[2] if specs else ()) if text),
                   key=lambda spec: (spec[0].top(), spec[0].left()))
    if len(texts) < least_labels and _holds_labels(axis, texts, least_labels):
        problems.append(f"{name}: {len(texts)} numbers shown, too few to read values off")
    bounds = axis.boundingRect().adjusted(-CLIP_SLACK, -CLIP_SLACK, CLIP_SLACK, CLIP_SLACK)
    for i, (rect, text) in enumerate(texts):
        for other, other_text in texts[i + 1:]:
            if rect.intersects(other):
                problems.append(f"{name}: tick labels {text!r} and {other_text!r} overlap")
        if not bounds.contains(rect):
            problems.append(f"{name}: tick label {text!r} is cut off")
    return problems


def _holds_labels(axis: pg.AxisItem, texts: list, count: int) -> bool:
    """True if ``axis`` is long enough for ``count`` numbers, a label's length apart and
    clear of its ends (pyqtgraph leaves out a number that would stick out)."""
    metrics = QFontMetricsF(_tick_font(axis))
    if axis.orientation in ("left", "right"):
        label, along = metrics.height() * 1.5, axis.size().height()
    else:
        widest = max((metrics.horizontalAdvance(text) for _rect, text in texts),
                     default=metrics.horizontalAdvance("0.0"))
        label, along = widest * 1.5, axis.size().width()
    return along >= (count + 0.5) * label


def _tick_font(axis: pg.AxisItem) -> QFont:
    """The font its tick labels are drawn in (as the app's own axes say)."""
    if isinstance(axis, ReadableAxis):
        return axis.tick_font()
    return axis.style["tickFont"] or QFont()


def _title_problems(axis: pg.AxisItem, name: str) -> list[str]:
    """An axis title ("loss", "step") longer than its axis runs into its neighbour's."""
    if not axis.label.isVisible() or not axis.labelText:
        return []
    along = axis.size().height() if axis.orientation in ("left", "right") else \
        axis.size().width()
    length = axis.label.boundingRect().width()
    if length > along + CLIP_SLACK:
        return [f"{name}: its title {axis.labelText!r} ({length:.0f} px) is longer than "
                f"the axis ({along:.0f} px)"]
    return []


def plot_problems(plots: dict[str, pg.PlotItem], *, named_rows: Iterable[str] = ()
                  ) -> list[str]:
    """Crowded, clipped or missing tick labels on every shown axis of each named plot
    (``named_rows``: plots whose left axis names rows and may name just one)."""
    problems = []
    rows = set(named_rows)
    for name, plot in plots.items():
        if not plot.isVisible():
            continue
        for side in ("left", "bottom"):
            least = 1 if side == "left" and name in rows else MIN_TICK_LABELS
            problems += axis_problems(plot.getAxis(side), f"{name} ({side} axis)", least)
    return problems


def legend_problems(legend: pg.LegendItem, plot: pg.PlotItem) -> list[str]:
    """A legend drawn on the plot's curves, or wider than the room it has."""
    if not legend.isVisible() or not legend.items:
        return []
    problems = []
    mine = legend.sceneBoundingRect()
    if mine.intersects(plot.vb.sceneBoundingRect()):
        problems.append("the legend lies on the curves")
    scene_rect = QRectF(legend.scene().views()[0].viewport().rect())
    if not scene_rect.adjusted(-CLIP_SLACK, -CLIP_SLACK, CLIP_SLACK, CLIP_SLACK).contains(mine):
        problems.append("the legend is cut off")
    return problems


def image_fill_problems(image: pg.ImageItem, plot: pg.PlotItem, name: str,
                        least: float = BOUNDARY_FILL) -> list[str]:
    """``image`` covering less than ``least`` of the plot's data area."""
    if image.image is None or not plot.isVisible():
        return []
    area = plot.vb.sceneBoundingRect()
    covered = image.sceneBoundingRect().intersected(area)
    share = covered.width() * covered.height() / max(area.width() * area.height(), 1.0)
    if share < least:
        return [f"{name} fills {share:.0%} of its plot (at least {least:.0%} wanted)"]
    return []
