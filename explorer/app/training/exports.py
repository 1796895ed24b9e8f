"""Saving a run's curves: the numbers as CSV, the loss plot as a PNG picture or SVG drawing."""

from __future__ import annotations

import shutil
from pathlib import Path

from explorer.train.run_index import CURVES_FILE

SUFFIXES = (".csv", ".png", ".svg")


class ExportError(Exception):
    """The curves could not be saved; the message says why in plain words."""


def target_path(path: str | Path) -> Path:
    """The chosen path, with .csv added when it has no known suffix."""
    path = Path(path)
    return path if path.suffix.lower() in SUFFIXES else path.with_name(path.name + ".csv")


def export_curves_csv(run_dir: Path, target: Path) -> Path:
    """Copy the run's curves (step, losses, accuracies, learning rate, gradient norm)."""
    source = Path(run_dir) / CURVES_FILE
    if not source.is_file():
        raise ExportError(f"The run {Path(run_dir).name} has no curves to save.")
    try:
        shutil.copyfile(source, target)
    except OSError as error:
        raise ExportError(f"Could not save {target.name}: {error.strerror or error}.") from None
    return target


def export_plot(graphics, target: Path, width: int = 1600) -> Path:
    """Save a pyqtgraph GraphicsLayoutWidget (the loss and accuracy plots) as PNG or SVG.

    SVG is drawn through Qt's own SVG generator: pyqtgraph's SVG exporter
    fails on current Qt versions (pyqtgraph issue 3485).
    """
    suffix = target.suffix.lower()
    try:
        if suffix == ".svg":
            _write_svg(graphics, target)
        else:
            from pyqtgraph import exporters

            exporter = exporters.ImageExporter(graphics.ci)
            exporter.parameters()["width"] = width
            exporter.export(str(target))
    except (OSError, RuntimeError, ValueError) as error:
        raise ExportError(f"Could not save {target.name}: {error}.") from None
    if not target.is_file():
        raise ExportError(f"Could not save {target.name}: the folder may not be writable.")
    return target


def _write_svg(graphics, target: Path) -> None:
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    size = graphics.size()
    generator = QSvgGenerator()
    generator.setFileName(str(target))
    generator.setSize(size)
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(target.stem)
    painter = QPainter(generator)
    try:
        graphics.render(painter)
    finally:
        painter.end()
