"""The exported train.py as an engineer runs it: from any folder, with every flag documented,
global batches, validation across processes, exact resume, and torchrun over two "nodes".

The runs are tiny (a 2x8 MLP on 96 spiral points, batches of 16): each takes 2-4 s on a busy
2-core machine, most of it importing torch.
"""

import argparse
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from explorer.export import export_training
from explorer.graph import recipes

BIN = Path(sys.executable).parent
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
# Single-process and two-process losses on the same global batch differ only by float32
# rounding of the two half-batch means (8e-8 relative, measured): far below this tolerance.
SAME_BATCH_TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    project = recipes.mlp(2, 8, dataset_options={"points_per_class": 60}, batch_size=16,
                          steps=120, log_every=1, lr=0.01, schedule="cosine", warmup_steps=5)
    out = tmp_path_factory.mktemp("exported")
    export_training(project, out)
    return out


def train(folder: Path, *args: str, cwd: Path | None = None, env: dict | None = None,
          check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, str(folder / "train.py"), *args],
                            cwd=cwd or folder, capture_output=True, text=True, timeout=240,
                            env=env or ENV)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def metrics(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


class Parsed(Exception):
    """Carries the parser train.py built, stopped before it reads the command line."""


def test_help_documents_every_flag(folder, monkeypatch):
    spec = importlib.util.spec_from_file_location("exported_train", folder / "train.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(folder))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("model", None)

    def stop(parser, *args, **kwargs):
        raise Parsed(parser)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", stop)
    with pytest.raises(Parsed) as caught:
        module.parse_args(1)
    parser = caught.value.args[0]
    flags = {flag for action in parser._actions for flag in action.option_strings}
    assert {"--data", "--out", "--steps", "--batch-size", "--log-every", "--val-every",
            "--checkpoint-every", "--resume", "--amp"} <= flags
    undocumented = [a.option_strings for a in parser._actions if not a.help]
    assert undocumented == []
    assert "over all processes" in parser.format_help()


def test_a_batch_that_does_not_split_over_the_processes_is_refused(folder):
    result = train(folder, "--batch-size", "16", env={**ENV, "WORLD_SIZE": "3"}, check=False)
    assert result.returncode == 2
    assert "--batch-size 16 does not split evenly over 3 processes" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(torch.cuda.is_available(), reason="the refusal is for machines without CUDA")
def test_mixed_precision_without_cuda_is_refused(folder):
    result = train(folder, "--amp", "bf16", check=False)
    assert result.returncode == 2 and "--amp needs a CUDA GPU" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_from_another_folder_finds_its_data_and_scores_the_validation_data(folder,
                                                                              tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    train(folder, "--steps", "12", "--val-every", "5", cwd=elsewhere)
    assert list(elsewhere.iterdir()) == []  # data read from, results written beside train.py
    out = folder / "checkpoints"
    records = metrics(out)
    validated = [r for r in records if "val_loss" in r]
    assert [r["step"] for r in validated] == [5, 10, 12]  # every 5 steps and at the end
    sys.path.insert(0, str(folder))
    try:
        from model import Network
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("model", None)
    network = Network().eval()
    network.load_state_dict(load_file(str(out / "final.safetensors")))
    data = load_file(str(folder / "data.safetensors"))
    with torch.no_grad():
        logits = network(data["x_val"])
    loss = torch.nn.functional.cross_entropy(logits, data["y_val"]).item()
    accuracy = (logits.argmax(1) == data["y_val"]).double().mean().item()
    assert validated[-1]["val_loss"] == pytest.approx(loss, rel=1e-6)
    assert validated[-1]["val_accuracy"] == pytest.approx(accuracy, abs=1e-12)


def test_a_run_resumed_from_step_60_ends_exactly_like_one_never_stopped(folder, tmp_path):
    """What a run killed after its step-60 checkpoint leaves is all it takes to finish it."""
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    train(folder, "--steps", "120", "--checkpoint-every", "60", "--out", str(whole))
    assert {p.name for p in whole.iterdir()} >= {"step60.pt", "step120.pt", "final.safetensors"}
    assert not [p for p in whole.iterdir() if "tmp" in p.name]  # no temporary file left over
    train(folder, "--resume", str(whole / "step60.pt"), "--steps", "120", "--out", str(resumed))
    a = load_file(str(whole / "final.safetensors"))
    b = load_file(str(resumed / "final.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    end_a = torch.load(whole / "step120.pt", weights_only=True)
    end_b = torch.load(resumed / "step120.pt", weights_only=True)
    moments = [(s["exp_avg"], t["exp_avg"]) for s, t in zip(
        end_a["optimizer"]["state"].values(), end_b["optimizer"]["state"].values(), strict=True)]
    assert all(torch.equal(s, t) for s, t in moments)
    assert end_a["scheduler"] == end_b["scheduler"]
    assert {"torch", "python", "numpy"} <= set(end_a["random"])  # every generator's state
    # the 20th epoch of 6 batches, complete
    assert (end_a["epoch"], end_a["position"]) == (end_b["epoch"], end_b["position"]) == (19, 6)
    losses_a = [r["loss"] for r in metrics(whole) if r["step"] > 60 and "loss" in r]
    losses_b = [r["loss"] for r in metrics(resumed) if "loss" in r]
    assert losses_a == losses_b and len(losses_b) == 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_nodes_of_one_process_match_each_other_and_a_single_process(folder, tmp_path):
    single, spread = tmp_path / "single", tmp_path / "spread"
    train(folder, "--steps", "6", "--val-every", "3", "--out", str(single))
    port = free_port()
    command = [str(BIN / "torchrun"), "--nnodes", "2", "--nproc_per_node", "1",
               "--rdzv_backend", "c10d", "--rdzv_endpoint", f"localhost:{port}",
               str(folder / "train.py"), "--steps", "6", "--val-every", "3", "--out", str(spread)]
    nodes = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=ENV) for _ in range(2)]
    outputs = [node.communicate(timeout=300) for node in nodes]
    for node, (_, err) in zip(nodes, outputs, strict=True):
        assert node.returncode == 0, err[-3000:]
    printed = "".join(out for out, _ in outputs)
    per_process = re.findall(r"process (\d): checksum, val loss, val accuracy (\[.*\])",
                             printed)
    assert sorted(p[0] for p in per_process) == ["0", "1"]
    assert len({p[1] for p in per_process}) == 1, printed  # the same on every process
    assert printed.count("step      6  loss") == 1  # only the first process logs

    first_single, first_spread = metrics(single)[0], metrics(spread)[0]
    assert first_single["step"] == first_spread["step"] == 1
    assert first_spread["loss"] == pytest.approx(first_single["loss"], rel=SAME_BATCH_TOLERANCE)
    assert first_spread["accuracy"] == first_single["accuracy"]
    val_single = [r for r in metrics(single) if "val_loss" in r]
    val_spread = [r for r in metrics(spread) if "val_loss" in r]
    assert [r["step"] for r in val_spread] == [r["step"] for r in val_single] == [3, 6]
    for a, b in zip(val_single, val_spread, strict=True):  # weights apart by rounding only
        assert b["val_loss"] == pytest.approx(a["val_loss"], rel=1e-4)
