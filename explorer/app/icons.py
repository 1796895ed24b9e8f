"""Small, clear icons for node kinds, drawn with QPainter (no image files to keep in sync).

Each icon is a rounded tile in the kind's category colour with a white glyph
that hints at what the kind computes: activations plot their own curve,
merges show their operator, blocks show the skip path that defines them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap

from explorer.graph import NodeKind, get_kind

from .theme import category_color

Glyph = Callable[[QPainter, QRectF], None]


def _pen(width: float = 1.6) -> QPen:
    pen = QPen(QColor("white"), width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _at(r: QRectF, x: float, y: float) -> QPointF:
    """A point given in 0..1 box coordinates."""
    return QPointF(r.left() + x * r.width(), r.top() + y * r.height())


def _curve(fn: Callable[[float], float], lo: float = -1.2, hi: float = 1.2) -> Glyph:
    """Plot ``fn`` over -3..3, its values from ``lo`` (bottom) to ``hi`` (top)."""
    def draw(p: QPainter, r: QRectF) -> None:
        path = QPainterPath()
        for i in range(41):
            x = -3 + 6 * i / 40
            y = (fn(x) - lo) / (hi - lo)
            point = _at(r, i / 40, 1 - min(max(y, 0.0), 1.0))
            path.lineTo(point) if i else path.moveTo(point)
        p.setPen(_pen(0.9))
        p.drawLine(_at(r, 0, 1 - (0 - lo) / (hi - lo)), _at(r, 1, 1 - (0 - lo) / (hi - lo)))
        p.setPen(_pen(1.8))
        p.drawPath(path)
    return draw


def _symbol(text: str, scale: float = 0.9) -> Glyph:
    def draw(p: QPainter, r: QRectF) -> None:
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(6, int(r.height() * scale)))
        p.setFont(font)
        p.setPen(QColor("white"))
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, text)
    return draw


def _grid(n: int, box: tuple[float, float, float, float] = (0.1, 0.1, 0.8, 0.8)) -> Glyph:
    def draw(p: QPainter, r: QRectF) -> None:
        x0, y0, w, h = box
        p.setPen(_pen(1.1))
        for i in range(n + 1):
            p.drawLine(_at(r, x0 + w * i / n, y0), _at(r, x0 + w * i / n, y0 + h))
            p.drawLine(_at(r, x0, y0 + h * i / n), _at(r, x0 + w, y0 + h * i / n))
    return draw


def _arrow(p: QPainter, a: QPointF, b: QPointF) -> None:
    p.drawLine(a, b)
    angle = math.atan2(b.y() - a.y(), b.x() - a.x())
    for side in (-1, 1):
        tip = QPointF(b.x() - 4 * math.cos(angle + side * 0.5),
                      b.y() - 4 * math.sin(angle + side * 0.5))
        p.drawLine(b, tip)


def _shrink(target: str) -> Glyph:
    """A grid turning into something smaller: pooling, flattening."""
    def draw(p: QPainter, r: QRectF) -> None:
        _grid(2, (0.02, 0.2, 0.42, 0.6))(p, r)
        p.setPen(_pen(1.4))
        _arrow(p, _at(r, 0.5, 0.5), _at(r, 0.7, 0.5))
        if target == "dot":
            p.setBrush(QColor("white"))
            p.drawEllipse(_at(r, 0.87, 0.5), r.width() * 0.09, r.width() * 0.09)
        elif target == "bar":
            p.drawLine(_at(r, 0.86, 0.1), _at(r, 0.86, 0.9))
        else:
            p.drawRect(QRectF(_at(r, 0.76, 0.37), _at(r, 0.98, 0.63)))
    return draw


def _network(p: QPainter, r: QRectF) -> None:
    left = [_at(r, 0.15, y) for y in (0.2, 0.5, 0.8)]
    right = [_at(r, 0.85, y) for y in (0.3, 0.7)]
    p.setPen(_pen(1.0))
    for a in left:
        for b in right:
            p.drawLine(a, b)
    p.setBrush(QColor("white"))
    for point in left + right:
        p.drawEllipse(point, r.width() * 0.08, r.width() * 0.08)


def _skip(arcs: int = 1, gate: bool = False, body: str = "box") -> Glyph:
    """A block: its body with the skip path arching over it."""
    def draw(p: QPainter, r: QRectF) -> None:
        p.setPen(_pen(1.4))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawLine(_at(r, 0.0, 0.75), _at(r, 1.0, 0.75))
        if body == "hourglass":
            path = QPainterPath(_at(r, 0.3, 0.62))
            for x, y in ((0.45, 0.5), (0.55, 0.5), (0.7, 0.62), (0.7, 0.88), (0.55, 1.0),
                         (0.45, 1.0), (0.3, 0.88), (0.3, 0.62)):
                path.lineTo(_at(r, x, y))
            p.setBrush(QColor("white"))
            p.drawPath(path)
        elif body == "waist":  # wide, narrow, wide: the ResNet bottleneck
            path = QPainterPath(_at(r, 0.28, 0.58))
            for x, y in ((0.72, 0.58), (0.56, 0.75), (0.72, 0.92), (0.28, 0.92), (0.44, 0.75),
                         (0.28, 0.58)):
                path.lineTo(_at(r, x, y))
            p.setBrush(QColor("white"))
            p.drawPath(path)
        else:
            p.setBrush(QColor("white"))
            p.drawRoundedRect(QRectF(_at(r, 0.3, 0.58), _at(r, 0.7, 0.92)), 2, 2)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for i in range(arcs):
            inset = 0.08 + 0.12 * i
            path = QPainterPath(_at(r, inset, 0.75))
            path.cubicTo(_at(r, inset, 0.05 + 0.1 * i), _at(r, 1 - inset, 0.05 + 0.1 * i),
                         _at(r, 1 - inset, 0.75))
            p.drawPath(path)
        if gate:
            p.setBrush(QColor("white"))
            p.drawEllipse(_at(r, 0.5, 0.19), r.width() * 0.1, r.width() * 0.1)
    return draw


def _bell(p: QPainter, r: QRectF) -> None:
    _curve(lambda x: 2.2 * math.exp(-x * x / 1.2) - 1.0, -1.1, 1.3)(p, r)


def _dropout(p: QPainter, r: QRectF) -> None:
    p.setPen(_pen(1.2))
    for i in range(3):
        for j in range(3):
            p.setBrush(QColor("white") if (i + 2 * j) % 3 else Qt.BrushStyle.NoBrush)
            p.drawEllipse(_at(r, 0.2 + 0.3 * i, 0.2 + 0.3 * j), r.width() * 0.1, r.width() * 0.1)


def _drop_path(p: QPainter, r: QRectF) -> None:
    """The shortcut stays; the branch above it is dashed: sometimes it is not there."""
    p.setPen(_pen(1.4))
    p.drawLine(_at(r, 0.0, 0.75), _at(r, 1.0, 0.75))
    pen = _pen(1.2)
    pen.setStyle(Qt.PenStyle.DashLine)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawLine(_at(r, 0.1, 0.75), _at(r, 0.25, 0.3))
    p.drawRoundedRect(QRectF(_at(r, 0.25, 0.1), _at(r, 0.75, 0.5)), 2, 2)
    p.drawLine(_at(r, 0.75, 0.3), _at(r, 0.9, 0.75))


def _image(p: QPainter, r: QRectF) -> None:
    p.setPen(_pen(1.3))
    p.drawRect(QRectF(_at(r, 0.08, 0.15), _at(r, 0.92, 0.85)))
    path = QPainterPath(_at(r, 0.08, 0.8))
    for x, y in ((0.38, 0.45), (0.58, 0.68), (0.72, 0.52), (0.92, 0.75)):
        path.lineTo(_at(r, x, y))
    p.drawPath(path)


def _tokens(p: QPainter, r: QRectF) -> None:
    p.setPen(_pen(1.2))
    for i in range(3):
        p.drawRect(QRectF(_at(r, 0.04 + 0.33 * i, 0.35), _at(r, 0.29 + 0.33 * i, 0.65)))


def _vector(p: QPainter, r: QRectF) -> None:
    p.setPen(_pen(1.5))
    _arrow(p, _at(r, 0.05, 0.5), _at(r, 0.6, 0.5))
    p.drawLine(_at(r, 0.8, 0.1), _at(r, 0.8, 0.9))


def _target(p: QPainter, r: QRectF) -> None:
    p.setPen(_pen(1.4))
    for radius in (0.42, 0.26):
        p.drawEllipse(_at(r, 0.5, 0.5), r.width() * radius, r.width() * radius)
    p.setBrush(QColor("white"))
    p.drawEllipse(_at(r, 0.5, 0.5), r.width() * 0.08, r.width() * 0.08)


def _regression(p: QPainter, r: QRectF) -> None:
    p.setPen(_pen(1.5))
    p.drawLine(_at(r, 0.05, 0.9), _at(r, 0.95, 0.15))
    p.setBrush(QColor("white"))
    for x, y in ((0.2, 0.62), (0.45, 0.62), (0.62, 0.28), (0.8, 0.4)):
        p.drawEllipse(_at(r, x, y), r.width() * 0.06, r.width() * 0.06)


def _segmentation(p: QPainter, r: QRectF) -> None:
    _grid(3)(p, r)
    p.setBrush(QColor("white"))
    p.setPen(Qt.PenStyle.NoPen)
    for i, j in ((0, 0), (1, 0), (0, 1)):
        p.drawRect(QRectF(_at(r, 0.1 + 0.267 * i, 0.1 + 0.267 * j),
                          _at(r, 0.367 + 0.267 * i, 0.367 + 0.267 * j)))


def _attention(p: QPainter, r: QRectF) -> None:
    p.setPen(_pen(1.0))
    tops = [_at(r, x, 0.15) for x in (0.15, 0.5, 0.85)]
    bottoms = [_at(r, x, 0.85) for x in (0.15, 0.5, 0.85)]
    for a in tops:
        for b in bottoms:
            p.drawLine(a, b)
    p.setBrush(QColor("white"))
    for point in tops + bottoms:
        p.drawEllipse(point, r.width() * 0.08, r.width() * 0.08)


def _upsample(p: QPainter, r: QRectF) -> None:
    p.setPen(_pen(1.3))
    p.drawRect(QRectF(_at(r, 0.05, 0.38), _at(r, 0.3, 0.62)))
    _arrow(p, _at(r, 0.35, 0.5), _at(r, 0.52, 0.5))
    p.drawRect(QRectF(_at(r, 0.58, 0.15), _at(r, 0.95, 0.85)))


def _table(p: QPainter, r: QRectF) -> None:
    p.setPen(_pen(1.2))
    p.drawRect(QRectF(_at(r, 0.1, 0.1), _at(r, 0.9, 0.9)))
    for y in (0.3, 0.5, 0.7):
        p.drawLine(_at(r, 0.1, y), _at(r, 0.9, y))
    p.drawLine(_at(r, 0.35, 0.1), _at(r, 0.35, 0.9))


def _transition(p: QPainter, r: QRectF) -> None:
    path = QPainterPath(_at(r, 0.1, 0.1))
    for x, y in ((0.9, 0.3), (0.9, 0.7), (0.1, 0.9), (0.1, 0.1)):
        path.lineTo(_at(r, x, y))
    p.setPen(_pen(1.4))
    p.drawPath(path)


def _concat(p: QPainter, r: QRectF) -> None:
    p.setPen(_pen(1.3))
    p.drawRect(QRectF(_at(r, 0.15, 0.15), _at(r, 0.45, 0.85)))
    p.setBrush(QColor("white"))
    p.drawRect(QRectF(_at(r, 0.55, 0.15), _at(r, 0.85, 0.85)))


def _sealed(p: QPainter, r: QRectF) -> None:
    """A closed parcel: an imported module, kept whole, that cannot be opened here."""
    p.setPen(_pen(1.3))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(QRectF(_at(r, 0.1, 0.25), _at(r, 0.9, 0.9)))
    p.drawLine(_at(r, 0.1, 0.45), _at(r, 0.9, 0.45))
    p.drawLine(_at(r, 0.5, 0.25), _at(r, 0.5, 0.9))
    p.drawLine(_at(r, 0.1, 0.25), _at(r, 0.25, 0.1))
    p.drawLine(_at(r, 0.25, 0.1), _at(r, 0.75, 0.1))
    p.drawLine(_at(r, 0.75, 0.1), _at(r, 0.9, 0.25))


GLYPHS: dict[str, Glyph] = {
    "VectorInput": _vector, "ImageInput": _image, "TokenInput": _tokens,
    "ClassificationOutput": _target, "RegressionOutput": _regression,
    "SegmentationOutput": _segmentation,
    "Linear": _network, "Conv2d": _grid(3), "ConvTranspose2d": _upsample,
    "Upsample": _upsample, "Embedding": _table,
    "PositionalEmbedding": _curve(math.sin), "SelfAttention": _attention,
    "PatchEmbedding": _grid(2), "ClassToken": _tokens, "SelectToken": _shrink("dot"),
    "TiedLinear": _table,
    "ReLU": _curve(lambda x: max(x, 0.0) / 2.5 - 0.1),
    "GELU": _curve(lambda x: x / 2.5 * 0.5 * (1 + math.erf(x / math.sqrt(2))) - 0.1),
    "Tanh": _curve(math.tanh),
    "Sigmoid": _curve(lambda x: 2 / (1 + math.exp(-2 * x)) - 1),
    "SiLU": _curve(lambda x: x / (1 + math.exp(-x)) / 2.5 - 0.1),
    "LeakyReLU": _curve(lambda x: (x if x > 0 else 0.15 * x) / 2.5 - 0.1),
    "ReLU6": _curve(lambda x: min(max(x, 0.0), 2.0) / 2.0 - 0.3),  # the cap, drawn at 2
    "Hardswish": _curve(lambda x: x * min(max(x + 3, 0.0), 6.0) / 6 / 2.5 - 0.1),
    "StochasticDepth": _drop_path,
    "BatchNorm": _bell, "LayerNorm": _bell, "GroupNorm": _bell, "Dropout": _dropout,
    "MaxPool2d": _shrink("box"), "AvgPool2d": _shrink("box"),
    "AdaptiveAvgPool2d": _shrink("box"),
    "GlobalAvgPool": _shrink("dot"), "GlobalMaxPool": _shrink("dot"),
    "Flatten": _shrink("bar"),
    "Add": _symbol("+"), "Subtract": _symbol("−"), "Multiply": _symbol("×"),
    "Concat": _concat,
    "ResidualMLP": _skip(), "ResidualConv": _skip(), "Highway": _skip(gate=True),
    "DenseBlock": _skip(arcs=3), "TransformerBlock": _skip(arcs=2),
    "MBConv": _skip(body="hourglass"), "Transition": _transition,
    "Bottleneck": _skip(body="waist"),
    "Module": _sealed,
}


def paint_kind_icon(painter: QPainter, rect: QRectF, kind: NodeKind) -> None:
    """Draw the icon of ``kind`` into ``rect`` (also used on canvas nodes)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(category_color(kind.category))
    radius = rect.width() * 0.22
    painter.drawRoundedRect(rect, radius, radius)
    inner = rect.adjusted(rect.width() * 0.2, rect.height() * 0.2,
                          -rect.width() * 0.2, -rect.height() * 0.2)
    glyph = GLYPHS.get(kind.name) or _symbol(kind.title[:1], 0.8)
    glyph(painter, inner)
    painter.restore()


@cache
def kind_pixmap(kind_name: str, pixels: int = 64) -> QPixmap:
    """The icon of a kind as one picture, for drawing many small copies quickly."""
    pixmap = QPixmap(pixels, pixels)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    paint_kind_icon(painter, QRectF(0, 0, pixels, pixels), get_kind(kind_name))
    painter.end()
    return pixmap


@cache
def kind_icon(kind_name: str, size: int = 32) -> QIcon:
    """The icon of a kind, drawn at 1× and 2× for sharp HiDPI rendering."""
    kind = get_kind(kind_name)
    icon = QIcon()
    for scale in (1, 2):
        pixmap = QPixmap(size * scale, size * scale)
        pixmap.setDevicePixelRatio(scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        paint_kind_icon(painter, QRectF(1, 1, size - 2, size - 2), kind)
        painter.end()
        icon.addPixmap(pixmap)
    return icon
