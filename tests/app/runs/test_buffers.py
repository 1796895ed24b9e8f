"""The numbers behind the live panels: growing arrays, smoothing, and time bins that keep
a bounded size however long a run is (plain numpy, no Qt)."""

from types import SimpleNamespace

import numpy as np
import pytest

from explorer.app.runs.buffers import (
    NODE_STATS,
    RunBuffers,
    Series,
    Smoother,
    TimeBins,
    smoothed,
)


def stats(**values):
    return SimpleNamespace(**{name: values.get(name) for name in NODE_STATS})


def record(step, nodes, loss=1.0, val_loss=None, accuracy=None):
    return SimpleNamespace(step=step, train_loss=loss, val_loss=val_loss,
                           train_accuracy=accuracy, val_accuracy=None, lr=0.01,
                           grad_norm=None, nodes=nodes)


def test_a_series_grows_by_doubling_and_keeps_every_point():
    series = Series(capacity=4)
    for i in range(10):
        series.append(i, i * i)
    series.extend(np.array([10.0, 11.0]), np.array([100.0, 121.0]))
    assert len(series) == 12
    assert series.x.tolist() == list(range(12))
    assert series.y.tolist() == [i * i for i in range(12)]
    assert len(series._x) == 16  # 4 -> 8 -> 16, never one allocation per point


def test_smoothing_starts_at_the_first_value_and_skips_gaps():
    values = np.array([2.0, 4.0, np.nan, 4.0])
    out = smoothed(values, 0.5)
    # debiased EMA: 2, (0.5*0.5*2 + 0.5*4)/(1-0.25) = 10/3, carried over the gap, then on
    assert out[0] == pytest.approx(2.0)
    assert out[1] == pytest.approx(10 / 3)
    assert out[2] == pytest.approx(out[1])
    assert out[3] == pytest.approx((0.5 * (0.25 * 2 + 0.5 * 4) + 0.5 * 4) / (1 - 0.125))
    assert smoothed(values, 0.0) is values


def test_the_smoother_extends_point_by_point_as_the_full_computation_would():
    rng = np.random.default_rng(0)
    values = rng.random(300)
    series, smoother = Series(), Smoother(0.9)
    for chunk in np.array_split(np.arange(300), 7):
        series.extend(chunk.astype(float), values[chunk])
        smoother.update(series)
    np.testing.assert_allclose(smoother.out.y, smoothed(values, 0.9))
    smoother.set_weight(0.5)  # a new weight recomputes from the start
    np.testing.assert_allclose(smoother.update(series).y, smoothed(values, 0.5))


def test_time_bins_merge_in_pairs_and_keep_peaks_means_and_step_ranges():
    bins = TimeBins(width=2, max_bins=4)
    rows = [(step, np.array([float(step), np.nan if step % 3 else -step]))
            for step in range(1, 101)]
    for step, row in rows:
        bins.add(step, row)
    assert bins.count <= 2 * bins.max_bins
    first, last = bins.steps()
    assert first[0] == 1 and last[-1] == 100
    assert all(last[i] + 1 == first[i + 1] for i in range(bins.count - 1))  # no step lost
    for i in range(bins.count):
        inside = [row for step, row in rows if first[i] <= step <= last[i]]
        column = np.array([r[0] for r in inside])
        assert bins.peaks()[i, 0] == column.max()
        assert bins.means()[i, 0] == pytest.approx(column.mean())
        known = [r[1] for r in inside if not np.isnan(r[1])]
        if known:
            assert bins.peaks()[i, 1] == max(known)
        else:
            assert np.isnan(bins.peaks()[i, 1])


def test_run_buffers_keep_curves_and_per_node_statistics_in_report_order():
    buffers = RunBuffers(max_bins=8)
    for step in range(10, 210, 10):
        nodes = {"input_1": stats(act_mean=0.5),
                 "linear_1": stats(grad_norm=step / 1000, act_mean=0.1),
                 "res_1": stats(grad_norm=1.0, gate_mean=0.3)}
        buffers.add(record(step, nodes, loss=1 / step,
                           val_loss=0.5 if step % 50 == 0 else None))
    assert len(buffers) == 20 and buffers.version == 20
    assert buffers.curves["train_loss"].x.tolist() == list(range(10, 210, 10))
    assert buffers.curves["val_loss"].x.tolist() == [50, 100, 150, 200]
    history = buffers.nodes
    assert history.nodes == ["input_1", "linear_1", "res_1"]
    assert history.columns_with("grad_norm") == [1, 2]
    assert history.columns_with("gate_mean") == [2]
    assert history.latest_by_node("grad_norm") == {"linear_1": 0.2, "res_1": 1.0}
    table = history.history("grad_norm")  # peaks per bin
    assert table.shape[1] == 3 and np.nanmax(table[:, 1]) == pytest.approx(0.2)
    assert np.isnan(table[:, 0]).all()


def test_a_node_that_appears_later_gets_its_own_column():
    buffers = RunBuffers()
    buffers.add(record(1, {"a": stats(grad_norm=1.0)}))
    buffers.add(record(2, {"a": stats(grad_norm=2.0), "b": stats(grad_norm=5.0)}))
    assert buffers.nodes.nodes == ["a", "b"]
    assert buffers.nodes.latest_by_node("grad_norm") == {"a": 2.0, "b": 5.0}
    assert np.nanmax(buffers.nodes.history("grad_norm")[:, 1]) == 5.0
