"""A node on the canvas: title, kind, output shape, parameter count and error badge.

The item paints what the graph and the latest check say; it owns nothing
the graph does not have. Its position follows ``graph.events.node_moved``;
a drag only moves the item until the view turns the drop into a Move edit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from explorer.graph import Issue, Node, NodeReport, format_count, get_kind

from .. import theme
from ..icons import kind_pixmap, paint_kind_icon
from .hover import HoverItem
from .port_item import HIT_HALF_SIZE, MIN_LEVEL_OF_DETAIL, Port, light_port, port_under

NODE_WIDTH = 164.0
HEADER_HEIGHT = 42.0
PORT_SPACING = 20.0
MIN_HEIGHT = 82.0
CORNER = 8.0
DETAIL_THRESHOLD = 0.45  # below this zoom, the details are unreadable: icon and name only
OVERVIEW_TEXT_PIXELS = 12.0  # on-screen height of a node's name in the overview
NAME_MIN_ZOOM = 0.18  # further out the overview shows no names


@cache
def _font(pixels: int, bold: bool = False) -> QFont:
    """A font of a pixel size, made on first use: a QFont made before the QApplication
    does not know the platform's font and measures text differently from how it draws."""
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


def _elide(text: str, font: QFont, width: float) -> str:
    return QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, width)


def _overview_name(name: str, size: float, width: float) -> tuple[QFont, str]:
    """The font and text of a name in the overview: a size down to 5/6 of ``size`` if that
    makes it fit, else shortened in the middle, so ``linear_10`` and ``linear_11`` stay
    apart (``lin…_10``, not ``linear…``)."""
    for pixels in sorted({max(1, round(size)), max(1, round(size * 5 / 6))}, reverse=True):
        font = _font(pixels, bold=True)
        metrics = QFontMetricsF(font)
        if metrics.horizontalAdvance(name) <= width:
            return font, name
    return font, metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, width)


TITLE_PIXELS = 13
SMALL_PIXELS = 11


# Qt's flags, looked up once rather than for each of 10,000 nodes.
_MOVABLE_SELECTABLE = (QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                       | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
_CACHED = QGraphicsItem.CacheMode.DeviceCoordinateCache


class NodeItem(HoverItem):
    """The canvas picture of one graph node."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node_id = node.id
        self.node = node
        self.kind = get_kind(node.kind)
        self.color = theme.category_color(self.kind.category)
        self.report: NodeReport | None = None
        self.issues: tuple[Issue, ...] = ()
        self.has_error = False
        self.has_warning = False
        self.inputs: dict[str, Port] = {}
        self.output: Port | None = None
        self._port_under_mouse: Port | None = None
        self._height = MIN_HEIGHT
        self.heat: QColor | None = None  # a training statistic's colour (gradient magnitude)
        self.heat_lines: tuple[str, ...] = ()  # its numbers, for the tooltip
        self._syncing = False  # True while the graph, not the user, moves the item
        # No ItemSendsGeometryChanges and no itemChange: a Python itemChange is called
        # for every change of every item (16 per node while a graph opens). Moves are
        # reported to the scene by move_to and mouseMoveEvent instead.
        self.setFlags(_MOVABLE_SELECTABLE)
        self.setCacheMode(_CACHED)
        self.setZValue(1)
        self._build_ports()
        self.move_to(node.position)

    # -- following the model ------------------------------------------------------------

    def set_node(self, node: Node) -> None:
        """Parameters or label changed: repaint, and rebuild ports if their names changed."""
        self.prepareGeometryChange()
        self.node = node
        if tuple(self.inputs) != self._port_names():
            self._build_ports()
        self._update_tooltip()
        self.update()

    def move_to(self, position: tuple[float, float]) -> None:
        point = QPointF(*position)
        if point == self.pos():
            return
        self._syncing = True
        try:
            self.setPos(point)
            self._moved()
        finally:
            self._syncing = False

    @property
    def moved_by_graph(self) -> bool:
        """True while the item follows a move of the graph's (not a drag): the scene fits
        the frames around it once the graph's change (a batch of moves) is over."""
        return self._syncing

    def _moved(self) -> None:
        scene = self.scene()
        if scene is not None and hasattr(scene, "node_item_moved"):
            scene.node_item_moved(self)

    def set_heat(self, colour: QColor | None, lines: tuple[str, ...] = ()) -> None:
        """Colour the node by how it trains (None: its usual look); ``lines`` join the tooltip."""
        if lines != self.heat_lines:
            self.heat_lines = lines
            self._update_tooltip()
        if colour != self.heat:  # only a new colour costs a repaint
            self.heat = colour
            self.update()

    def set_report(self, report: NodeReport | None, issues: tuple[Issue, ...]) -> bool:
        """Show a new check result; returns False (and repaints nothing) if it is the same."""
        if report == self.report and issues == self.issues:
            return False
        self.report, self.issues = report, issues
        self.has_error = any(i.severity == "error" for i in issues)
        self.has_warning = any(i.severity == "warning" for i in issues)
        self._update_tooltip()
        self.update()
        return True

    @property
    def short_title(self) -> str:
        """The title without the expanded block's prefix (``res_2_fc1`` -> ``fc1``)."""
        node = self.node
        if not node.label and node.group and node.id.startswith(node.group + "_"):
            return node.id.removeprefix(node.group + "_")
        return node.title

    @property
    def user_moved(self) -> bool:
        """True when the item sits somewhere other than the model says (mid-drag)."""
        return (self.pos().x(), self.pos().y()) != tuple(self.node.position)

    # -- ports ------------------------------------------------------------------------------

    def _port_names(self) -> tuple[str, ...]:
        return self.kind.input_ports(self.node.params)

    def _build_ports(self) -> None:
        names = self._port_names()
        self._height = max(MIN_HEIGHT, HEADER_HEIGHT + PORT_SPACING * len(names) + 8)
        self.inputs = {name: Port(self, self.node_id, name, False, self.color,
                                  0.0, self._port_y(i, len(names)))
                       for i, name in enumerate(names)}
        self.output = Port(self, self.node_id, "out", True, self.color, NODE_WIDTH,
                           self._height / 2) if self.kind.has_output else None
        self._port_under_mouse = None

    def _port_y(self, index: int, count: int) -> float:
        if count == 1:
            return self._height / 2
        return HEADER_HEIGHT + PORT_SPACING * (index + 0.5)

    def ports(self) -> list[Port]:
        return [*self.inputs.values(), *([self.output] if self.output else [])]

    def hoverEnterEvent(self, event) -> None:
        super().hoverEnterEvent(event)
        self._follow_mouse(event.pos())

    def hoverMoveEvent(self, event) -> None:
        self._follow_mouse(event.pos())

    def hoverLeaveEvent(self, event) -> None:
        self._follow_mouse(None)
        super().hoverLeaveEvent(event)

    def _follow_mouse(self, point: QPointF | None) -> None:
        """Light the port under the mouse, with the cross cursor and the port's tooltip."""
        port = None if point is None else port_under(self.ports(), point)
        if port is not self._port_under_mouse:
            light_port(self, self._port_under_mouse, port)
            self._port_under_mouse = port
            self.tooltip_changed()

    # -- Qt ------------------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        left = -HIT_HALF_SIZE if self.inputs else -4.0  # the input ports' rings, drawn here
        return QRectF(left, -12, NODE_WIDTH + 12 - left, self._height + 16)

    def body_rect(self) -> QRectF:
        return QRectF(0, 0, NODE_WIDTH, self._height)

    @property
    def body_height(self) -> float:
        return self._height

    def shape(self) -> QPainterPath:
        """The body and the ports' squares: where the mouse finds the node or a port."""
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.WindingFill)  # the squares overlap the body
        path.addRoundedRect(self.body_rect(), CORNER, CORNER)
        for port in self.ports():
            path.addRect(port.hit_rect())
        return path

    def mouseMoveEvent(self, event) -> None:
        """Qt drags every selected item along: tell the scene of each (wires follow)."""
        before = {item: item.pos() for item in self._dragged()}
        super().mouseMoveEvent(event)
        for item, pos in before.items():
            if item.pos() != pos:
                item._moved()

    def _dragged(self) -> list[NodeItem]:
        scene = self.scene()
        selected = scene.selectedItems() if scene is not None else []
        return [self, *(i for i in selected if isinstance(i, NodeItem) and i is not self)]

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        t = theme.current()
        rect = self.body_rect()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod < DETAIL_THRESHOLD:
            self._paint_overview(painter, t, rect, lod)
        else:
            self._paint_details(painter, t, rect)
        if lod >= MIN_LEVEL_OF_DETAIL:  # the ports paint nothing themselves: see port_item
            for port in self.ports():
                port.draw(painter)

    def _paint_details(self, painter: QPainter, t: theme.CanvasTheme, rect: QRectF) -> None:
        border = t.selection if self.isSelected() else (
            t.error if self.has_error else self.heat or (t.hover if self._hovered
                                                         else t.node_border))
        width = 2.5 if self.isSelected() or self.has_error else 4.0 if self.heat else 1.2
        painter.setPen(QPen(border, width))
        painter.setBrush(t.node_fill)
        painter.drawRoundedRect(rect, CORNER, CORNER)
        self._paint_header(painter, t)
        self._paint_body(painter, t)
        if self.heat is not None:
            self._paint_heat_band(painter, rect)
        if self.issues:
            self._paint_badge(painter, t)

    def _paint_overview(self, painter: QPainter, t: theme.CanvasTheme, rect: QRectF,
                        lod: float) -> None:
        """Far out: a tinted box, the kind's icon and the name at a readable screen size."""
        tint = QColor(self.heat or self.color)
        tint.setAlpha(60 if t.name == "light" else 90)
        border = t.error if self.has_error else (
            t.selection if self.isSelected() else self.heat or self.color)
        painter.setPen(QPen(border, 2.5 / max(lod, 0.05)))
        painter.setBrush(tint)
        painter.drawRoundedRect(rect, CORNER, CORNER)
        name_height = OVERVIEW_TEXT_PIXELS / max(lod, 0.05) if lod >= NAME_MIN_ZOOM else 0.0
        side = min(rect.height() - name_height - 14, rect.width() - 16)
        if side > 0:  # a picture of the icon: hundreds of small vector icons are slow to draw
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(QRectF(rect.center().x() - side / 2, rect.top() + 7, side, side),
                               kind_pixmap(self.kind.name), QRectF(0, 0, 64, 64))
        if name_height:
            text_rect = QRectF(rect.left() + 4, rect.bottom() - name_height - 4,
                               rect.width() - 8, name_height)
            font, name = _overview_name(self.short_title, name_height * 0.8, text_rect.width())
            painter.setFont(font)
            painter.setPen(t.text)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, name)

    def _paint_header(self, painter: QPainter, t: theme.CanvasTheme) -> None:
        stripe = QPainterPath()
        stripe.addRoundedRect(QRectF(0, 0, NODE_WIDTH, HEADER_HEIGHT), CORNER, CORNER)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, NODE_WIDTH, HEADER_HEIGHT))
        tint = QColor(self.color)
        tint.setAlpha(46 if t.name == "light" else 70)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(tint)
        painter.drawPath(stripe.intersected(clip))
        paint_kind_icon(painter, QRectF(9, 10, 22, 22), self.kind)
        text_left, text_width = 38.0, NODE_WIDTH - 46.0
        painter.setPen(t.text)
        painter.setFont(_font(TITLE_PIXELS, True))
        title = _elide(self.node.title, _font(TITLE_PIXELS, True), text_width)
        painter.drawText(QRectF(text_left, 5, text_width, 18), Qt.AlignmentFlag.AlignVCenter,
                         title)
        painter.setPen(t.muted_text)
        painter.setFont(_font(SMALL_PIXELS))
        subtitle = self.kind.title
        if self.node.label:
            subtitle += f" · {self.node_id}"
        subtitle = _elide(subtitle, _font(SMALL_PIXELS), text_width)
        painter.drawText(QRectF(text_left, 22, text_width, 15), Qt.AlignmentFlag.AlignVCenter,
                         subtitle)

    def _paint_body(self, painter: QPainter, t: theme.CanvasTheme) -> None:
        multi = len(self.inputs) > 1
        painter.setFont(_font(SMALL_PIXELS))
        if multi:
            painter.setPen(t.muted_text)
            for port in self.inputs.values():
                y = port.pos().y()
                painter.drawText(QRectF(10, y - 8, 30, 16), Qt.AlignmentFlag.AlignVCenter,
                                 port.name)
        left = 44.0 if multi else 12.0
        width = NODE_WIDTH - left - 12
        metrics = QFontMetricsF(_font(SMALL_PIXELS))
        lines = self._body_lines()
        top = HEADER_HEIGHT + 4 if not multi else self._height - 18 * len(lines) - 6
        for i, (text, color) in enumerate(lines):
            painter.setPen(color(t))
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
            painter.drawText(QRectF(left, top + 16 * i, width, 16),
                             Qt.AlignmentFlag.AlignVCenter, shown)

    def _body_lines(self) -> Sequence[tuple[str, Callable[[theme.CanvasTheme], QColor]]]:
        report = self.report
        if report is None:
            return [("checking…", lambda t: t.muted_text)]
        if report.spec is None:
            shape = ("shape unknown", lambda t: t.error if self.has_error else t.muted_text)
        else:
            spec = report.spec
            layout = "" if spec.dtype == "long" else f" {spec.layout}"
            shape = (f"→ {spec}{layout}", lambda t: t.text)
        count = (f"{format_count(report.params)} params" if report.params else "no weights",
                 lambda t: t.muted_text)
        return [shape, count]

    def _paint_heat_band(self, painter: QPainter, rect: QRectF) -> None:
        """A band along the bottom in the heat colour: readable even when selected."""
        band = QPainterPath()
        band.addRoundedRect(rect, CORNER, CORNER)
        clip = QPainterPath()
        clip.addRect(QRectF(rect.left(), rect.bottom() - 7, rect.width(), 7))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.heat)
        painter.drawPath(band.intersected(clip))

    def _paint_badge(self, painter: QPainter, t: theme.CanvasTheme) -> None:
        color = t.error if self.has_error else t.warning
        centre = QPointF(NODE_WIDTH - 2, 0)
        painter.setPen(QPen(t.node_fill, 2))
        painter.setBrush(color)
        painter.drawEllipse(centre, 10, 10)
        painter.setPen(QColor("white"))
        painter.setFont(_font(13, bold=True))
        painter.drawText(QRectF(centre.x() - 10, centre.y() - 10, 20, 20),
                         Qt.AlignmentFlag.AlignCenter, "!")

    def _update_tooltip(self) -> None:
        self.tooltip_changed()

    def tooltip_text(self) -> str:
        if self._port_under_mouse is not None:
            return self._port_under_mouse.tooltip_text()
        kind = self.kind
        lines = [f"<b>{_html(self.node.title)}</b> — {_html(kind.title)}"]
        for issue in self.issues:
            colour = "#d93a35" if issue.severity == "error" else "#b87800"
            word = "Error" if issue.severity == "error" else "Warning"
            lines.append(f"<span style='color:{colour}'><b>{word}:</b> {_html(issue.message)}"
                         "</span>" + (f"<br><i>{_html(issue.hint)}</i>" if issue.hint else ""))
        lines.append(_html(kind.description))
        lines.append(f"<code>{_html(kind.formula)}</code>")
        lines.extend(_html(line) for line in self.heat_lines)
        return "<br>".join(lines)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
