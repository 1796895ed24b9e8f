"""Presentation mode at the sizes projectors have: 1024×768, 1280×720 and 1920×1080.

The window shows the thirty-layer network of the vanishing-gradients lesson
with a run's curves, gradient bars and decision boundary in its panels (made
up here, so the test needs no training), and every size is checked with
``fit_check``: no label or button smaller than its text, the whole network in
view and none of it under the minimap, no crowded tick labels, the legend off
the curves, and the decision boundary filling its plot.

Set EXPLORER_PRESENTATION_SHOTS to a folder to save a picture of each size
there (docs/screenshots holds them; take them under a real display, e.g.
``env -u QT_QPA_PLATFORM xvfb-run -a -s '-screen 0 1920x1080x24' .venv/bin/python
-m pytest tests/app/classroom/test_presentation_sizes.py``).
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from explorer.app.runs.buffers import NODE_STATS, RunBuffers
from explorer.graph.demos import demo
from explorer.graph.experiments import shared
from explorer.train.boundary import BoundaryFrame, BoundaryGrid, probabilities_to_bytes
from tests.app.classroom import fit_check

SIZES = ((1024, 768), (1280, 720), (1920, 1080))
STEPS = 400
SHOTS = os.environ.get("EXPLORER_PRESENTATION_SHOTS")


def spirals(points: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals, as the spirals dataset draws them."""
    rng = np.random.default_rng(0)
    turn = np.sqrt(rng.uniform(0, 1, points)) * 3 * np.pi
    labels = np.arange(points) % 2
    angle = turn + np.pi * labels
    x = np.stack([turn * np.cos(angle), turn * np.sin(angle)], axis=1) / (3 * np.pi)
    return x + rng.normal(0, 0.03, x.shape), labels


def spiral_map(grid: BoundaryGrid) -> np.ndarray:
    """Class probabilities (size² × 2) of a network that has nearly learned the spirals."""
    xy = grid.points().astype(np.float64)
    radius = np.hypot(xy[:, 0], xy[:, 1]) * 3 * np.pi
    side = np.sin(np.arctan2(xy[:, 1], xy[:, 0]) - radius)
    first = 1 / (1 + np.exp(-4 * side))
    return np.stack([first, 1 - first], axis=1)


def records(node_ids: list[str]):
    """Logged steps of a deep tanh network: the loss falls, gradients die toward the input."""
    rng = np.random.default_rng(1)
    depth = len(node_ids)
    for step in range(10, STEPS + 1, 10):
        progress = step / STEPS
        loss = 0.69 * (1 - 0.6 * progress) + rng.normal(0, 0.02)
        nodes = {node: SimpleNamespace(**{name: None for name in NODE_STATS}) for node in node_ids}
        for depth_index, node in enumerate(node_ids):
            nodes[node].grad_norm = 10.0 ** (-7 + 6.5 * depth_index / depth + rng.normal(0, 0.1))
        yield SimpleNamespace(
            step=step, train_loss=loss, train_accuracy=0.5 + 0.4 * progress,
            val_loss=loss + 0.05 if step % 50 == 0 else None,
            val_accuracy=0.5 + 0.35 * progress if step % 50 == 0 else None,
            lr=0.05, grad_norm=1.0, nodes=nodes)


@pytest.fixture
def presenting(window, qtbot):
    """The window in presentation mode with a run's numbers in its panels."""
    lesson = demo("vanishing_gradients")
    window.document.replace(shared(lesson.variants[0], lesson.settings))
    window.document.undo_stack.setClean()
    training = window.training
    presentation = window.classroom.presentation
    presentation.set_active(True)
    qtbot.waitUntil(lambda: training.boundary is not None and training.loss is not None
                    and training.gradients is not None)
    buffers = RunBuffers()
    buffers.add_all(records(window.document.graph.node_ids()))
    training.show_buffers(buffers, "plain tanh, 30 layers", STEPS)
    x, y = spirals()
    grid = BoundaryGrid.around(x)
    training.boundary.set_data(grid, x, y, 2)
    training.boundary.show_frame(BoundaryFrame(STEPS, probabilities_to_bytes(
        spiral_map(grid), grid.size)))
    yield window
    presentation.set_active(False)


def present_at(window, qtbot, size: tuple[int, int]) -> None:
    """Lay the presenting window out at ``size``, as on a screen of that size."""
    presentation = window.classroom.presentation
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size)
    qtbot.waitUntil(lambda: not presentation.refit_pending)  # it follows the new size
    qtbot.wait(60)  # so do the minimap and the gradient panel's row names, on timers


def everything_that_does_not_fit(window) -> list[str]:
    training = window.training
    loss, gradients, boundary = training.loss, training.gradients, training.boundary
    presentation = window.classroom.presentation
    return [
        *fit_check.clipped_text(window),
        *fit_check.hidden_tool_bar_actions(presentation.bar),
        *fit_check.canvas_problems(window.view, window.scene.nodes, window.view.minimap),
        *fit_check.plot_problems({"loss": loss.loss_plot, "accuracy": loss.accuracy_plot,
                                  "gradient bars": gradients.bars_plot,
                                  "gradient heatmap": gradients.heat_plot,
                                  "decision boundary": boundary.plot},
                                 named_rows=["gradient bars"]),
        *fit_check.legend_problems(loss.legend, loss.loss_plot),
        *fit_check.image_fill_problems(boundary.image, boundary.plot, "the decision boundary"),
    ]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_everything_fits_on_a_projector(presenting, qtbot, size):
    window = presenting
    present_at(window, qtbot, size)
    if SHOTS:
        path = Path(SHOTS) / f"presentation_{size[0]}x{size[1]}.png"
        window.grab().save(str(path))
    problems = everything_that_does_not_fit(window)
    assert not problems, "\n".join(problems)


def test_the_minimap_hides_while_the_whole_network_shows_and_never_covers_a_node(
        presenting, qtbot):
    window = presenting
    present_at(window, qtbot, (1280, 720))
    view, minimap = window.view, window.view.minimap
    assert not minimap.isVisible()  # fitted: the canvas already shows everything
    # The presenter zooms in on the start: the rest is out of view, and the overview
    # shows in a corner clear of nodes.
    view.set_zoom(view.zoom * 3)
    view.centerOn(window.scene.nodes["input_1"].sceneBoundingRect().center())
    qtbot.waitUntil(minimap.isVisible)
    assert not [p for p in fit_check.canvas_problems(view, window.scene.nodes, minimap)
                if "minimap" in p]
    view.fit()
    qtbot.waitUntil(lambda: not minimap.isVisible())


def test_the_checks_name_what_does_not_fit(qtbot):
    """The checks are not vacuous: a squeezed button, crowded numbers on a short axis and a
    square map in a wide plot are each reported."""
    holder = QWidget()
    qtbot.addWidget(holder)
    button = QPushButton("Leave Presentation")
    button.setFixedWidth(40)
    QHBoxLayout(holder).addWidget(button)
    plots = pg.GraphicsLayoutWidget()
    qtbot.addWidget(plots)
    plots.resize(600, 70)
    plot = plots.addPlot()  # pyqtgraph's own axes
    plot.setYRange(0, 1, padding=0)
    plot.setAspectLocked(True)
    image = pg.ImageItem(np.zeros((8, 8)))
    plot.addItem(image)
    plot.setRange(xRange=(0, 8), yRange=(0, 8), padding=0)
    holder.show()
    plots.show()
    qtbot.waitExposed(plots)
    clipped = fit_check.clipped_text(holder)
    assert clipped and "Leave Presentation" in clipped[0]
    crowded = pg.GraphicsLayoutWidget()
    qtbot.addWidget(crowded)
    crowded.resize(300, 60)
    short = crowded.addPlot()
    short.setYRange(0, 1, padding=0)
    crowded.show()
    qtbot.waitExposed(crowded)
    assert any("overlap" in p for p in fit_check.axis_problems(short.getAxis("left"), "short"))
    assert fit_check.image_fill_problems(image, plot, "the map")
