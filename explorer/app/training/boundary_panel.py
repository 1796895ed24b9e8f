"""The decision boundary view: the plane coloured by what the network would answer there.

As in TensorFlow Playground: for a dataset of 2-D points with classes, each
spot of the plane takes the colour of the class the network gives it, pale
where it hesitates and strong where it is sure, with the training points on
top in their true class's colour. The map is computed inside the run (see
``explorer.train.boundary``) and arrives a few times a second.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

from ..runs.plot_style import (
    CLASS_COLOURS,
    SteadyLabel,
    TimedLayout,
    background,
    readable_axes,
    restyle,
    settle,
    style_plot,
)

MAX_POINTS = 1500  # training points drawn over the map (a sample of bigger sets)
UNAVAILABLE = ("The decision boundary is drawn for datasets of 2-D points with classes "
               "(spirals, moons, circles, XOR, blobs). Choose one in the Train panel and "
               "start a run to watch the network carve up the plane.")


def class_colours(classes: int) -> np.ndarray:
    """classes × 3 floats in 0-1."""
    colours = [QColor(CLASS_COLOURS[k % len(CLASS_COLOURS)]) for k in range(classes)]
    return np.array([[c.redF(), c.greenF(), c.blueF()] for c in colours])


def boundary_image(probabilities: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """RGBA bytes (size × size × 4) from class probabilities (K × size × size, 0-1).

    The colour is the probability-weighted mix of the class colours, washed
    towards white as the network becomes unsure (all classes equally likely:
    white).
    """
    classes = probabilities.shape[0]
    mix = np.tensordot(probabilities.transpose(1, 2, 0), palette[:classes], axes=1)
    certainty = (probabilities.max(axis=0) - 1.0 / classes) / (1.0 - 1.0 / classes)
    strength = 0.15 + 0.6 * np.clip(certainty, 0.0, 1.0)[..., None]
    rgb = 1.0 - strength * (1.0 - mix)
    alpha = np.ones((*rgb.shape[:2], 1))
    return (np.concatenate([rgb, alpha], axis=2) * 255).astype(np.uint8)


class BoundaryPanel(QWidget):
    """The map and the points; a sentence instead when the dataset has no map."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(imageAxisOrder="row-major")
        self.grid = None  # BoundaryGrid of the run shown
        self.classes = 0
        self.step = 0
        self.frames = 0  # maps drawn since the run's data was set
        self.stack = QStackedLayout(self)
        self.message = QLabel(UNAVAILABLE, wordWrap=True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setObjectName("InspectorHint")
        self.message.setMargin(16)
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(4, 4, 4, 4)
        self.caption = SteadyLabel(" ")
        self.caption.setObjectName("InspectorHint")
        layout.addWidget(self.caption)
        self.graphics = TimedLayout()
        self.graphics.setBackground(background())
        layout.addWidget(self.graphics, 1)
        self.plot = self.graphics.addPlot(axisItems=readable_axes())
        style_plot(self.plot)
        self.plot.showGrid(x=False, y=False)
        # The map fills its plot whatever the panel's shape (a projector's side panel is
        # wide and short): the axes, not the picture's proportions, give the scale.
        self.plot.setAspectLocked(False)
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("#ffffff", width=0.8))
        self.plot.addItem(self.points)
        self.stack.addWidget(self.message)
        self.stack.addWidget(holder)
        self.show_unavailable()

    @property
    def available(self) -> bool:
        return self.stack.currentIndex() == 1

    def show_unavailable(self, text: str = UNAVAILABLE) -> None:
        self.grid = None
        self.message.setText(text)
        self.stack.setCurrentIndex(0)

    def set_data(self, grid, x: np.ndarray, y: np.ndarray, classes: int,
                 class_names: tuple[str, ...] = (), seed: int = 0) -> None:
        """A new run: its grid, training points and classes (the map comes with frames)."""
        self.grid, self.classes, self.frames, self.step = grid, classes, 0, 0
        self.image.clear()
        if len(x) > MAX_POINTS:
            keep = np.random.default_rng(seed).choice(len(x), MAX_POINTS, replace=False)
            x, y = x[keep], y[keep]
        brushes = [pg.mkBrush(CLASS_COLOURS[int(k) % len(CLASS_COLOURS)]) for k in range(classes)]
        self.points.setData(x=x[:, 0], y=x[:, 1], brush=[brushes[int(k)] for k in y])
        self.plot.setRange(xRange=(grid.x_min, grid.x_max), yRange=(grid.y_min, grid.y_max),
                           padding=0)
        names = ", ".join(class_names[:4]) + ("…" if len(class_names) > 4 else "")
        self.caption.setText(f"{classes} classes" + (f" ({names})" if names else "")
                             + " · waiting for the first map…")
        self.stack.setCurrentIndex(1)

    def show_frame(self, frame) -> None:
        """Draw a BoundaryFrame from the run."""
        if self.grid is None:
            return
        probabilities = frame.as_float()
        rgba = boundary_image(probabilities, class_colours(max(self.classes,
                                                                probabilities.shape[0])))
        self.image.setImage(rgba, autoLevels=False)
        g = self.grid
        self.image.setRect(QRectF(g.x_min, g.y_min, g.x_max - g.x_min, g.y_max - g.y_min))
        settle(self.plot)
        self.step = frame.step
        self.frames += 1
        self.caption.setText(f"Decision boundary at step {frame.step:,} · pale where the "
                             "network is unsure")

    def restyle(self) -> None:
        restyle(self.graphics, [self.plot])
