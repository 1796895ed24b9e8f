"""The child's side of live training and the run list: the decision-boundary probe and its
channel, and listing, renaming and deleting run folders (explorer.train.boundary and
explorer.train.run_index)."""

import json

import numpy as np
import pytest

from explorer.train import run_index
from explorer.train.boundary import (
    BoundaryChannel,
    BoundaryFrame,
    BoundaryGrid,
    probabilities_to_bytes,
    shows_boundary,
)
from explorer.train.run_index import (
    RunIndexError,
    delete_run,
    list_runs,
    read_summary,
    rename_run,
)


def fake_run(parent, folder, *, created, status="done", reason="", name="spiral net",
             curves="step,train_loss\n10,0.5\n20,0.25\n"):
    path = parent / folder
    path.mkdir(parents=True)
    (path / "project.archx.json").write_text("{}", encoding="utf-8")
    (path / "config.json").write_text(json.dumps({
        "name": name, "created": created, "total_steps": 20,
        "dataset": {"name": "spirals"}}), encoding="utf-8")
    (path / "status.json").write_text(json.dumps({"status": status, "reason": reason,
                                                  "steps": 20}), encoding="utf-8")
    (path / "metrics.csv").write_text(curves, encoding="utf-8")
    return path


def test_the_run_list_is_newest_first_with_status_steps_and_final_loss(tmp_path):
    old = fake_run(tmp_path, "20260101-100000-a", created="2026-01-01T10:00:00+00:00")
    new = fake_run(tmp_path, "20260102-100000-b", created="2026-01-02T10:00:00+00:00",
                   status="failed", reason="The loss became NaN at step 20.")
    (tmp_path / "not-a-run").mkdir()
    (tmp_path / "stray.txt").write_text("x")
    runs = list_runs(tmp_path)
    assert [r.path for r in runs] == [new, old]
    assert runs[0].status == "failed" and "NaN" in runs[0].reason
    assert runs[1].final_loss == 0.25 and runs[1].steps == 20 and runs[1].dataset == "spirals"
    assert list_runs(tmp_path / "missing") == []


def test_a_damaged_run_folder_still_lists_with_blanks(tmp_path):
    path = fake_run(tmp_path, "r", created="2026-01-01T10:00:00", curves="step,train_loss\n10,")
    (path / "status.json").write_text("{not json", encoding="utf-8")
    summary = read_summary(path)
    assert summary.status == "unknown" and summary.final_loss is None
    assert summary.name == "spiral net"


def test_renaming_a_run_keeps_its_folder_and_refuses_empty_names(tmp_path):
    path = fake_run(tmp_path, "r", created="2026-01-01T10:00:00")
    assert rename_run(path, "  deep   plain net ") == "deep plain net"
    assert read_summary(path).name == "deep plain net" and path.is_dir()
    with pytest.raises(RunIndexError, match="cannot be empty"):
        rename_run(path, "   ")
    with pytest.raises(RunIndexError, match="at most"):
        rename_run(path, "x" * 500)
    assert read_summary(path).name == "deep plain net"


def test_deleting_removes_only_run_folders(tmp_path):
    path = fake_run(tmp_path, "r", created="2026-01-01T10:00:00")
    other = tmp_path / "precious"
    other.mkdir()
    (other / "thesis.txt").write_text("keep me")
    with pytest.raises(RunIndexError, match="does not look like a run folder"):
        delete_run(other)
    assert (other / "thesis.txt").exists()
    delete_run(path)
    assert not path.exists()
    delete_run(path)  # already gone: nothing to do


def test_the_index_reads_the_files_the_run_folder_writes():
    from explorer.train import run_folder

    for name in ("PROJECT_FILE", "CONFIG_FILE", "CURVES_FILE", "STATUS_FILE"):
        assert getattr(run_index, name) == getattr(run_folder, name)


# -- the decision boundary ----------------------------------------------------------------


def test_the_grid_covers_the_points_with_a_margin():
    points = np.array([[0.0, -1.0], [2.0, 1.0], [np.nan, 5.0]])
    grid = BoundaryGrid.around(points, size=8, margin=0.1)
    assert (grid.x_min, grid.x_max) == pytest.approx((-0.2, 2.2))
    assert (grid.y_min, grid.y_max) == pytest.approx((-1.2, 1.2))
    xy = grid.points()
    assert xy.shape == (64, 2) and xy.dtype == np.float32
    assert xy[0].tolist() == pytest.approx([grid.x_min, grid.y_min])  # row 0 is the bottom
    assert xy[7].tolist() == pytest.approx([grid.x_max, grid.y_min])
    assert xy[-1].tolist() == pytest.approx([grid.x_max, grid.y_max])


def test_probabilities_become_one_byte_per_class_and_point():
    p = np.array([[1.0, 0.0], [0.25, 0.75], [0.5, 0.5], [0.0, 1.0]])
    grid = probabilities_to_bytes(p, 2)
    assert grid.shape == (2, 2, 2) and grid.dtype == np.uint8
    assert grid[0].tolist() == [[255, 64], [128, 0]]
    assert BoundaryFrame(3, grid).as_float()[1, 0, 1] == pytest.approx(0.75, abs=1 / 255)


def test_only_two_feature_classification_gets_a_map():
    from types import SimpleNamespace as N

    spec2, spec3 = N(shape=(2,)), N(shape=(3,))
    assert shows_boundary(N(input_spec=spec2, task="classification", classes=3))
    assert not shows_boundary(N(input_spec=spec2, task="regression", classes=None))
    assert not shows_boundary(N(input_spec=spec3, task="classification", classes=2))


def test_the_probe_maps_the_model_without_touching_its_training():
    torch = pytest.importorskip("torch")
    from explorer.train.records import RunStarted

    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Dropout(0.5),
                                torch.nn.Linear(8, 3))
    model.train()
    x = torch.randn(16, 2)
    model(x).sum().backward()
    grads = [p.grad.clone() for p in model.parameters()]
    rng_state = torch.get_rng_state()
    grid = BoundaryGrid(-1, 1, -1, 1, size=16)
    channel = BoundaryChannel(grid, interval=0.0)
    probe = channel.probe
    try:
        probe.on_begin(RunStarted(None, 5, {}))
        probe.on_after_backward(1, model)
        assert model.training  # back in training mode
        assert all(torch.equal(g, p.grad) for g, p in zip(grads, model.parameters(),
                                                          strict=True))
        assert torch.equal(rng_state, torch.get_rng_state())  # no random numbers drawn
        probe.on_end(None)
        frame = None
        for _ in range(200):
            frame = channel.poll() or frame
            if frame is not None:
                break
        assert frame is not None and frame.step == 1
        assert frame.probabilities.shape == (3, 16, 16)
        total = frame.as_float().sum(axis=0)
        np.testing.assert_allclose(total, 1.0, atol=3 / 255)
    finally:
        channel.close()
