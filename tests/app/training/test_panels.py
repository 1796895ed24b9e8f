"""The live panels draw what the buffers hold: loss and accuracy curves with smoothing, log
scale, hover values and compared runs; gradient bars and heatmap in depth order; the
decision boundary map with the training points."""

from types import SimpleNamespace

import numpy as np
import pytest

from explorer.app.runs.buffers import NODE_STATS, RunBuffers, smoothed
from explorer.app.runs.gradient_panel import GradientFlowPanel
from explorer.app.runs.loss_panel import LossPanel
from explorer.app.training.boundary_panel import BoundaryPanel, boundary_image, class_colours
from explorer.train.boundary import BoundaryFrame, BoundaryGrid, probabilities_to_bytes


def stats(**values):
    return SimpleNamespace(**{name: values.get(name) for name in NODE_STATS})


def fill(buffers, steps, nodes=3):
    for step in steps:
        layer_stats = {f"layer_{i}": stats(grad_norm=10.0 ** (i - nodes), act_mean=i / 10,
                                           gate_mean=0.2 if i == 1 else None)
                       for i in range(nodes)}
        layer_stats = {"input_1": stats(act_mean=0.0), **layer_stats}
        buffers.add(SimpleNamespace(
            step=step, train_loss=1.0 / step, val_loss=2.0 / step if step % 50 == 0 else None,
            train_accuracy=min(step / 200, 1.0), val_accuracy=None, lr=0.1, grad_norm=1.0,
            nodes=layer_stats))


@pytest.fixture
def loss_panel(qtbot):
    panel = LossPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 400)
    panel.show()
    return panel


def test_the_loss_panel_grows_with_the_buffers_and_smooths(loss_panel):
    buffers = RunBuffers()
    loss_panel.show_buffers(buffers, "run")
    fill(buffers, range(10, 110, 10))
    assert loss_panel.refresh()
    assert not loss_panel.refresh()  # nothing new: no redraw
    x, y = loss_panel.train_raw.getData()
    assert len(x) == 10 and y[0] == pytest.approx(0.1)
    _, smooth = loss_panel.train.getData()
    np.testing.assert_allclose(smooth, smoothed(buffers.curves["train_loss"].y,
                                                loss_panel.smoothing_weight))
    assert len(loss_panel.val.getData()[0]) == 2
    fill(buffers, range(110, 210, 10))
    loss_panel.refresh()
    assert len(loss_panel.train.getData()[0]) == 20
    loss_panel.smoothing.setValue(0)  # raw values only
    assert loss_panel.train.getData()[1].tolist() == buffers.curves["train_loss"].y.tolist()
    assert loss_panel.train_raw.getData()[0] is None  # no faint copy behind


def test_the_loss_panel_hovers_toggles_and_compares(loss_panel):
    buffers, other = RunBuffers(), RunBuffers()
    fill(buffers, range(10, 210, 10))
    fill(other, range(10, 110, 10))
    loss_panel.show_buffers(buffers)
    text = loss_panel.show_values_at(52)
    assert "step <b>50</b>" in text and "training loss <b>0.02</b>" in text
    assert "validation loss <b>0.04</b>" in text and "training accuracy <b>25.0%</b>" in text
    loss_panel.log_scale.setChecked(True)
    assert loss_panel.loss_plot.ctrl.logYCheck.isChecked()
    loss_panel.show_accuracy.setChecked(False)
    assert not loss_panel.accuracy_plot.isVisible()
    loss_panel.set_overlays([("older run", other)])
    assert len(loss_panel._overlay_curves) == 2
    assert len(loss_panel._overlay_curves[0][1].getData()[0]) == 10
    loss_panel.set_overlays([])
    assert loss_panel._overlay_curves == []


def legend_names(panel):
    return [label.text for _, label in panel.legend.items]


def test_the_loss_legend_sits_above_the_curves_and_follows_compared_runs(loss_panel, qtbot):
    buffers, other = RunBuffers(), RunBuffers()
    fill(buffers, range(10, 210, 10))
    fill(other, range(10, 110, 10))
    loss_panel.show_buffers(buffers)
    assert legend_names(loss_panel) == ["training", "validation"]
    loss_panel.set_overlays([("older run", other)])
    assert legend_names(loss_panel) == ["training", "validation", "older run"]
    qtbot.wait(50)  # let the layout settle
    legend = loss_panel.legend.sceneBoundingRect()
    curves = loss_panel.loss_plot.vb.sceneBoundingRect()
    assert legend.height() > 0 and not legend.intersects(curves), (legend, curves)
    loss_panel.set_overlays([])
    assert legend_names(loss_panel) == ["training", "validation"]


def test_the_gradient_panel_shows_layers_in_depth_order(qtbot):
    panel = GradientFlowPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 300)
    panel.show()
    buffers = RunBuffers()
    fill(buffers, range(1, 301), nodes=4)
    panel.show_buffers(buffers)
    assert panel.rows == ["layer_0", "layer_1", "layer_2", "layer_3"]  # not input_1
    assert panel.values.tolist() == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1])
    bars = panel.bars.opts
    assert list(bars["x1"]) == pytest.approx([-4, -3, -2, -1])  # log10 on a log scale
    assert panel.image.image.shape == (4, buffers.nodes.bins.count)
    assert "layer_2" in panel.describe_at(2.2) and "0.01" in panel.describe_at(2.2)
    # gradients are measured before clipping, and the panel says so
    assert panel.describe_at(1, 150.0) == ("<b>layer_1</b> · step 150 · gradient norm before "
                                           "clipping <b>0.001</b>")
    assert "before clipping" in panel.bars_plot.getAxis("bottom").labelText
    panel.set_statistic("gate_mean")
    assert panel.rows == ["layer_1"] and not panel.logged
    assert "clipping" not in panel.bars_plot.getAxis("bottom").labelText
    assert "clipping" not in panel.describe_at(0)
    panel.set_statistic("act_mean")
    assert panel.rows[0] == "input_1"  # activations: every node with an output
    assert panel.describe_at(99) == ""


def test_the_boundary_colours_follow_the_classes_and_pale_with_doubt():
    palette = class_colours(2)
    sure = np.zeros((2, 1, 2))
    sure[0, 0, 0] = sure[1, 0, 1] = 1.0
    unsure = np.full((2, 1, 1), 0.5)
    image = boundary_image(sure, palette)
    assert image.shape == (1, 2, 4) and image.dtype == np.uint8
    first, second = image[0, 0, :3].astype(int), image[0, 1, :3].astype(int)
    assert np.argmax(first) == np.argmax((palette[0] * 255).astype(int))
    assert np.abs(first - second).sum() > 100  # two classes, two colours
    assert boundary_image(unsure, palette)[0, 0, :3].min() > 200  # unsure: nearly white


def test_the_boundary_panel_draws_a_map_under_the_points(qtbot):
    panel = BoundaryPanel()
    qtbot.addWidget(panel)
    panel.show()
    assert not panel.available  # no run yet: it says what it is for
    grid = BoundaryGrid(-1, 1, -1, 1, size=8)
    x = np.random.default_rng(0).uniform(-1, 1, (3000, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int)
    panel.set_data(grid, x, y, 2, ("left", "right"))
    assert panel.available and len(panel.points.data) == 1500  # a sample of big sets
    p = np.stack([np.full(64, 0.9), np.full(64, 0.1)], axis=1)
    panel.show_frame(BoundaryFrame(40, probabilities_to_bytes(p, 8)))
    assert panel.image.image.shape == (8, 8, 4) and panel.step == 40
    assert "step 40" in panel.caption.text()
    rect = panel.image.mapRectToParent(panel.image.boundingRect())
    assert (rect.left(), rect.top(), rect.width()) == pytest.approx((-1, -1, 2))
