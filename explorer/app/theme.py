"""Light and dark themes, colours by node category, and the classroom UI zoom.

The canvas paints with the colours of the current ``CanvasTheme``; widgets
use a Fusion QPalette, so both themes look the same on every platform.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from explorer.graph import CATEGORIES

from .paths import asset_path

# One hue per palette category, in CATEGORIES order: readable on light and dark.
CATEGORY_HUES = {
    CATEGORIES[0]: "#5b8def",  # inputs & outputs: blue
    CATEGORIES[1]: "#2fa37a",  # layers: green
    CATEGORIES[2]: "#e39b2d",  # activations: amber
    CATEGORIES[3]: "#8d6cd9",  # normalisation & regularisation: violet
    CATEGORIES[4]: "#3aa8bf",  # pooling & reshaping: teal
    CATEGORIES[5]: "#8a9a2b",  # merges: olive (red is kept for errors)
    CATEGORIES[6]: "#c2559b",  # blocks: magenta
}
FALLBACK_HUE = "#8a8f98"


def category_color(category: str) -> QColor:
    return QColor(CATEGORY_HUES.get(category, FALLBACK_HUE))


@dataclass(frozen=True)
class CanvasTheme:
    """Colours the canvas items paint with."""

    name: str
    background: QColor
    grid: QColor
    node_fill: QColor
    node_border: QColor
    text: QColor
    muted_text: QColor
    wire: QColor
    skip_wire: QColor
    selection: QColor
    hover: QColor
    error: QColor
    warning: QColor
    ok_port: QColor
    frame_fill: QColor


LIGHT = CanvasTheme(
    name="light",
    background=QColor("#f6f7f9"),
    grid=QColor("#e3e6eb"),
    node_fill=QColor("#ffffff"),
    node_border=QColor("#c5cad3"),
    text=QColor("#1f2329"),
    muted_text=QColor("#5f6673"),
    wire=QColor("#7d8592"),
    skip_wire=QColor("#c2559b"),
    selection=QColor("#2f6fe4"),
    hover=QColor("#8fb3f5"),
    error=QColor("#d93a35"),
    warning=QColor("#d48a00"),
    ok_port=QColor("#2fa37a"),
    frame_fill=QColor(194, 85, 155, 22),
)

DARK = CanvasTheme(
    name="dark",
    background=QColor("#1d2026"),
    grid=QColor("#2a2e36"),
    node_fill=QColor("#2b3039"),
    node_border=QColor("#444b57"),
    text=QColor("#e8eaee"),
    muted_text=QColor("#a3aab6"),
    wire=QColor("#8d95a3"),
    skip_wire=QColor("#e07bbd"),
    selection=QColor("#6b9cff"),
    hover=QColor("#4d6fae"),
    error=QColor("#ff6b66"),
    warning=QColor("#f2b33d"),
    ok_port=QColor("#4cc79a"),
    frame_fill=QColor(224, 123, 189, 30),
)

THEMES = {"light": LIGHT, "dark": DARK}
_current = LIGHT


def current() -> CanvasTheme:
    """The theme the canvas paints with now."""
    return _current


def widget_palette(theme: CanvasTheme) -> QPalette:
    palette = QPalette()
    if theme.name == "dark":
        window, base, alt, text = "#262a31", "#1f2228", "#2b3039", "#e8eaee"
        button, highlight, disabled = "#30353e", "#3d6fd6", "#7b828e"
    else:
        window, base, alt, text = "#eef0f3", "#ffffff", "#f4f5f7", "#1f2329"
        button, highlight, disabled = "#f7f8fa", "#2f6fe4", "#9aa0aa"
    roles = {
        QPalette.ColorRole.Window: window, QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base, QPalette.ColorRole.AlternateBase: alt,
        QPalette.ColorRole.Text: text, QPalette.ColorRole.Button: button,
        QPalette.ColorRole.ButtonText: text, QPalette.ColorRole.Highlight: highlight,
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: base,
        QPalette.ColorRole.ToolTipText: text, QPalette.ColorRole.PlaceholderText: disabled,
        QPalette.ColorRole.Link: highlight,
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText,
                 QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))
    return palette


def apply_theme(name: str) -> CanvasTheme:
    """Switch widgets and canvas to the ``light`` or ``dark`` theme (unknown names: light)."""
    global _current
    _current = THEMES.get(name, LIGHT)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setStyle("Fusion")
        app.setPalette(widget_palette(_current))
        app.setStyleSheet(_style_sheet(_current.name) + _zoom_rule())
    return _current


def _style_sheet(name: str) -> str:
    """The small style sheet in assets/style (empty if the assets are not installed)."""
    path = asset_path("style", f"{name}.qss")
    try:
        return path.read_text(encoding="utf-8") if path is not None else ""
    except OSError:
        return ""


# -- UI zoom for projectors ---------------------------------------------------------

UI_ZOOM_STEPS = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5)
_base_point_size: float | None = None
_zoom_factor = 1.0


def _zoom_rule() -> str:
    """A style-sheet rule for the zoomed font size: with a style sheet set, Qt does not pass
    QApplication.setFont on to widgets that already exist, but it does apply this."""
    if _zoom_factor == 1.0 or _base_point_size is None:
        return ""
    return f"\n* {{ font-size: {_base_point_size * _zoom_factor:.1f}pt; }}\n"


def apply_ui_zoom(factor: float) -> float:
    """Scale every font in the UI by ``factor`` (kept within the zoom steps' range)."""
    global _base_point_size, _zoom_factor
    factor = min(max(factor, UI_ZOOM_STEPS[0]), UI_ZOOM_STEPS[-1])
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return factor
    if _base_point_size is None:
        _base_point_size = app.font().pointSizeF() if app.font().pointSizeF() > 0 else 10.0
    font = QFont(app.font())
    font.setPointSizeF(_base_point_size * factor)
    app.setFont(font)
    _zoom_factor = factor
    app.setStyleSheet(_style_sheet(_current.name) + _zoom_rule())
    return factor


def next_ui_zoom(factor: float, step: int) -> float:
    """The zoom step after (``step=1``) or before (``-1``) ``factor``."""
    steps = UI_ZOOM_STEPS
    if step > 0:
        return next((s for s in steps if s > factor + 1e-6), steps[-1])
    return next((s for s in reversed(steps) if s < factor - 1e-6), steps[0])
