"""Drawing a project's diagram without a window: PNG or SVG files, and gallery thumbnails."""

from __future__ import annotations

import errno
import os
import re
import sys
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication

from explorer.graph import Project, check_graph
from explorer.graph.atomic import write_text_atomically
from explorer.graph.layout import positions_to_fill
from explorer.graph.project import dumps, load, loads

from . import theme
from .canvas.scene import GraphScene

MARGIN = 32.0
PNG_SCALE = 2.0  # crisp on HiDPI screens and in slides
MAX_PIXELS = 12_000  # the longest side of a PNG; big graphs are scaled down to fit
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
# Characters XML 1.0 forbids (control characters, lone surrogates, two non-characters).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def ensure_application() -> QApplication:
    """A QApplication to draw with; offscreen when there is no display (servers, CI)."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    no_display = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if no_display:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QApplication(sys.argv[:1])


def project_scene(project: Project) -> GraphScene:
    """A scene showing ``project``'s graph with its check results (shapes, badges)."""
    scene = GraphScene(project.graph)
    scene.show_grid = False  # a picture of the network, not of the canvas
    scene.apply_check(check_graph(project.graph))
    return scene


def diagram_rect(scene: GraphScene) -> QRectF:
    return scene.content_rect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)


def export_diagram(project: Project, out_path: str | os.PathLike) -> Path:
    """Draw ``project``'s diagram to a file, from a scene of its own (the canvas is untouched)."""
    scene = project_scene(project)
    try:
        return render_scene(scene, out_path)
    finally:
        scene.detach()


def render_scene(scene: GraphScene, out_path: str | os.PathLike) -> Path:
    """Write the scene's diagram to ``out_path`` (.svg, or .png/.jpg); returns the path."""
    path = Path(out_path)
    suffix = path.suffix.lower()
    source = diagram_rect(scene)
    scene.clearSelection()
    scene.set_item_caching(False)  # paint vectors and text, not cached pixmaps
    if suffix == ".svg":
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(source.size().toSize())
        generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
        generator.setTitle("Architecture diagram")
        painter = QPainter(generator)
        _paint(scene, painter, QRectF(0, 0, source.width(), source.height()), source)
        painter.end()
        if path.exists():
            _make_well_formed(path)
    elif suffix in IMAGE_SUFFIXES:
        scale = min(PNG_SCALE, MAX_PIXELS / max(source.width(), source.height()))
        image = QImage(QSize(int(source.width() * scale), int(source.height() * scale)),
                       QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(theme.current().background)
        painter = QPainter(image)
        _paint(scene, painter, QRectF(image.rect()), source)
        painter.end()
        if not image.save(str(path)):
            raise _write_error(path)
    else:
        raise ValueError(f"cannot draw a diagram as {suffix or 'a file without a suffix'}; "
                         "use .png or .svg.")
    if not path.exists():
        raise _write_error(path)
    return path


def _make_well_formed(path: Path) -> None:
    """Drop what XML forbids from an SVG Qt wrote.

    Qt escapes ``<`` and ``&`` in the text it draws, but copies control
    characters from node ids and labels as they are, which no XML reader
    accepts. They draw as nothing anyway, so they are removed.
    """
    text = path.read_text(encoding="utf-8", errors="replace")
    cleaned = NOT_XML.sub("", text)
    if cleaned != text:
        write_text_atomically(path, cleaned)


def _write_error(path: Path) -> OSError:
    reason = ("the folder does not exist" if not path.parent.is_dir()
              else "the folder is not writable, or the disk is full")
    return OSError(errno.EIO, reason, str(path))


def _paint(scene: GraphScene, painter: QPainter, target: QRectF, source: QRectF) -> None:
    painter.setRenderHints(QPainter.RenderHint.Antialiasing
                           | QPainter.RenderHint.TextAntialiasing
                           | QPainter.RenderHint.SmoothPixmapTransform)
    scene.render(painter, target, source, Qt.AspectRatioMode.KeepAspectRatio)


def thumbnail(project: Project, size: QSize) -> QPixmap:
    """A small picture of the whole of a project's diagram (for the examples gallery).

    The network is laid out afresh, folded into as many bands as fill the
    picture best, so a deep network shows all of itself rather than its start.
    """
    laid_out = loads(dumps(project))  # the caller's project keeps its own layout
    graph = laid_out.graph
    with graph.batch():
        for node_id, (x, y) in positions_to_fill(graph, size.width() / size.height()).items():
            graph.move(node_id, x, y)
    scene = project_scene(laid_out)
    ratio = 2.0
    pixmap = QPixmap(size * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(theme.current().background)
    painter = QPainter(pixmap)
    _paint(scene, painter, QRectF(0, 0, size.width(), size.height()), diagram_rect(scene))
    painter.end()
    scene.detach()
    return pixmap


def render_to_file(project_path: str, out_path: str) -> None:
    """Headless: draw the diagram of the project file ``project_path`` into ``out_path``.

    Raises ProjectFileError for an unreadable project, ValueError for an
    unknown output type and OSError when the picture cannot be written.
    """
    ensure_application()
    project = load(project_path)
    scene = project_scene(project)
    try:
        render_scene(scene, out_path)
    finally:
        scene.detach()
