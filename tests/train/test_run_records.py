"""Run folders: what a run writes, and that load_run reads it back faithfully."""

import csv
import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from explorer.compiler import build_model
from explorer.graph import project as project_file
from explorer.train import RunRecordError, StepRecord, load_run, train
from explorer.train.run_folder import new_run_dir

from .train_helpers import PoisonWeights, tiny_mlp


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    ended = train(tiny_mlp(steps=30, log_every=10, seed=7), out=out)
    assert ended.ok, ended.reason
    return ended


def test_a_run_folder_holds_every_record(finished):
    folder = Path(finished.run_dir)
    names = {p.name for p in folder.iterdir()}
    assert names == {"project.archx.json", "config.json", "metrics.jsonl", "metrics.csv",
                     "model.safetensors", "status.json"}
    config = json.loads((folder / "config.json").read_text())
    assert config["seed"] == 7 and config["total_steps"] == 30 and config["device"] == "cpu"
    assert {"python", "torch", "numpy"} <= set(config["versions"])
    assert config["model"]["parameters"] > 0
    lines = (folder / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [10, 20, 30]
    assert "linear_1" in json.loads(lines[0])["nodes"]
    with open(folder / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in rows] == [10, 20, 30]
    assert float(rows[-1]["train_loss"]) == pytest.approx(finished.last.train_loss)
    status = json.loads((folder / "status.json").read_text())
    assert status["status"] == "done" and status["steps"] == 30


def test_weights_are_safetensors_keyed_like_the_state_dict(finished):
    weights = load_file(str(Path(finished.run_dir) / "model.safetensors"))
    model = build_model(tiny_mlp().graph)
    assert set(weights) == set(model.state_dict())
    model.load_state_dict(weights)


def test_load_run_reads_back_the_same_run(finished):
    run = load_run(finished.run_dir)
    assert run.state == "done"
    assert [r.step for r in run.records] == [10, 20, 30]
    assert run.records[-1] == finished.last
    steps, losses = run.curve("train_loss")
    assert list(steps) == [10, 20, 30] and losses[-1] == pytest.approx(finished.last.train_loss)
    steps, norms = run.node_curve("linear_2", "grad_norm")
    assert len(norms) == 3 and (norms > 0).all()
    assert project_file.dumps(run.project) == project_file.dumps(
        project_file.loads(project_file.dumps(run.project)))
    assert run.project.training.seed == 7
    assert isinstance(run.weights()["linear_1.weight"], torch.Tensor)


def test_a_half_written_last_line_is_skipped(finished, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(finished.run_dir, copy)
    with open(copy / "metrics.jsonl", "a") as f:
        f.write('{"step": 40, "train_lo')
    run = load_run(copy)
    assert [r.step for r in run.records] == [10, 20, 30] and run.skipped_lines == 1


def test_a_failed_run_says_why_and_keeps_no_weights(tmp_path):
    ended = train(tiny_mlp(), out=tmp_path, callbacks=[PoisonWeights("linear_1", step=3)])
    run = load_run(ended.run_dir)
    assert run.state == "failed" and "'linear_1'" in run.reason
    assert run.status["node_id"] == "linear_1"
    assert not run.has_weights
    with pytest.raises(RunRecordError, match="no saved weights"):
        run.weights()


def test_missing_or_broken_run_folders_are_refused_clearly(tmp_path, finished):
    with pytest.raises(RunRecordError, match="not a run folder"):
        load_run(tmp_path / "nowhere")
    broken = tmp_path / "broken"
    shutil.copytree(finished.run_dir, broken)
    (broken / "config.json").write_text("{not json")
    with pytest.raises(RunRecordError, match=r"config\.json"):
        load_run(broken)
    (broken / "project.archx.json").unlink()
    with pytest.raises(RunRecordError, match="graph snapshot"):
        load_run(broken)


def test_runs_never_share_a_folder(tmp_path):
    folders = {new_run_dir(tmp_path, "same name") for _ in range(3)}
    assert len(folders) == 3 and all(f.is_dir() for f in folders)


def test_a_disk_that_fills_up_fails_the_run_with_a_clear_reason(tmp_path, monkeypatch):
    def full(self):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(StepRecord, "to_json", full)
    ended = train(tiny_mlp(steps=200, log_every=1), out=tmp_path)
    assert ended.status == "failed"
    assert "No space left on device" in ended.reason
    assert load_run(ended.run_dir).state == "failed"


# -- a run killed early, and files written whole -------------------------------------------


def test_a_run_killed_before_it_began_reads_as_failed(tmp_path):
    from explorer.train.run_index import list_runs

    folder = new_run_dir(tmp_path, "killed at once")  # the child died building the network
    run = load_run(folder)
    assert run.state == "failed" and "before its first step" in run.reason
    assert run.records == [] and not run.has_weights
    (summary,) = list_runs(tmp_path)
    assert summary.path == folder and summary.status == "failed"
    assert "before its first step" in summary.reason


def test_a_reason_written_by_the_editor_is_kept(tmp_path):
    from explorer.train.records import RunEnded
    from explorer.train.run_folder import write_status

    folder = new_run_dir(tmp_path, "crashed")
    write_status(folder, RunEnded("failed", "The run's process was killed (signal 9).", 0))
    assert load_run(folder).reason == "The run's process was killed (signal 9)."


def test_the_curves_header_is_on_disk_before_the_first_step(tmp_path):
    from explorer.train.run_folder import RunWriter

    folder = new_run_dir(tmp_path, "early")
    header = "step,epoch,lr,elapsed,train_loss,train_accuracy,val_loss,val_accuracy,grad_norm"
    assert (folder / "metrics.csv").read_text().splitlines() == [header]
    writer = RunWriter(folder)
    writer.begin(project_file.dumps(tiny_mlp()), {"seed": 1})
    try:  # a kill now, before any record, leaves a readable table and snapshot
        assert (folder / "metrics.csv").read_text().splitlines() == [header]
        assert load_run(folder).project.training.seed == tiny_mlp().training.seed
    finally:
        writer.flush()


def test_weights_that_fail_half_way_leave_no_half_file(tmp_path, monkeypatch):
    from explorer.train import run_folder

    def half_then_full_disk(tensors, filename, metadata=None):
        Path(filename).write_bytes(b"\x00" * 100)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(run_folder, "save_file", half_then_full_disk)
    with pytest.raises(OSError):
        run_folder.save_weights(build_model(tiny_mlp().graph), tmp_path / "model.safetensors")
    assert list(tmp_path.iterdir()) == []
