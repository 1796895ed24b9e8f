"""The exported training script (alone and under torchrun), ONNX, and `main.py export`."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from explorer.cli import main
from explorer.compiler import build_model
from explorer.export import ExportError, export_onnx, export_training, training_script
from explorer.export import onnx_export as onnx_module
from explorer.graph import recipes
from explorer.graph.project import save

BIN = Path(sys.executable).parent


@pytest.mark.slow
def test_train_script_runs_alone_and_under_torchrun_with_identical_weights(tmp_path):
    """Two processes on one machine (tests/export/test_train_script.py runs two "nodes")."""
    project = recipes.residual_mlp(blocks=2, width=16, steps=12, log_every=4, batch_size=32)
    written = export_training(project, tmp_path)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    alone = subprocess.run([sys.executable, "train.py", "--steps", "8"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=240, env=env)
    assert alone.returncode == 0, alone.stderr
    assert "step      8  loss" in alone.stdout
    weights = load_file(str(tmp_path / "checkpoints" / "final.safetensors"))
    assert set(weights) == set(build_model(project.graph).state_dict())

    spread = subprocess.run(
        [str(BIN / "torchrun"), "--nproc_per_node", "2", "train.py", "--steps", "6",
         "--out", "ddp"], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert spread.returncode == 0, spread.stderr[-3000:]
    figures = re.findall(r"process (\d): checksum, val loss, val accuracy (\[.*\])",
                         spread.stdout)
    assert [f[0] for f in figures] == ["0", "1"] and figures[0][1] == figures[1][1]
    assert spread.stdout.count("step      6  loss") == 1  # only the first process logs
    assert (tmp_path / "ddp" / "final.safetensors").exists()
    assert written.data.exists()


def test_train_script_carries_the_project_settings(tmp_path):
    project = recipes.resnet_cifar(n=1, schedule="cosine", warmup_steps=5, steps=40)
    text = training_script(project)
    assert "'optimizer': 'sgd'" in text or '"optimizer": "sgd"' in text
    assert '"schedule": "cosine"' in text and '"warmup_steps": 5' in text
    namespace = {}
    exec(compile(text.split("def main")[0].replace("from model import", "#"), "t", "exec"),
         namespace)
    settings = namespace["SETTINGS"]
    optimizer = namespace["make_optimizer"]([torch.nn.Parameter(torch.zeros(1))], settings)
    scheduler = namespace["make_scheduler"](optimizer, settings)
    rates = []
    for _ in range(40):
        rates.append(optimizer.param_groups[0]["lr"] / settings["lr"])
        optimizer.step()
        scheduler.step()
    assert rates[0] == pytest.approx(0.2) and rates[4] == pytest.approx(1.0)
    assert rates[-1] == pytest.approx(0.0, abs=1e-9)  # cosine reaches zero at the last step


def test_training_export_refuses_a_network_that_does_not_fit_its_data(tmp_path):
    project = recipes.mlp(features=3)
    with pytest.raises(ExportError, match="does not fit its dataset"):
        export_training(project, tmp_path)


@pytest.mark.parametrize("name", sorted(recipes.RECIPES))
def test_onnx_matches_onnxruntime(tmp_path, name):
    report = export_onnx(recipes.RECIPES[name](), tmp_path / "model.onnx")
    assert report.max_difference < 1e-4
    assert report.path.stat().st_size > 1000


def test_onnx_names_the_node_it_cannot_express(tmp_path, monkeypatch):
    class NotExpressible(torch.nn.Module):
        def forward(self, x):
            return torch.linalg.svd(x.reshape(x.shape[0], 1, -1))[1].reshape(x.shape[0], -1)

    real_build = onnx_module.build_model

    def build_with_unexpressible_layer(graph):
        model = real_build(graph)
        model.relu_2 = NotExpressible()
        return model

    monkeypatch.setattr(onnx_module, "build_model", build_with_unexpressible_layer)
    with pytest.raises(ExportError) as err:
        export_onnx(recipes.mlp(depth=3, width=1), tmp_path / "m.onnx")
    assert err.value.node_id == "relu_2"
    assert "ONNX cannot express" in str(err.value)


def test_export_command(tmp_path, capsys):
    path = tmp_path / "net.archx.json"
    save(recipes.mlp(depth=1), path)
    assert main(["export", str(path), "-o", str(tmp_path / "model.py"), "--with-train"]) == 0
    assert {p.name for p in tmp_path.iterdir()} >= {"model.py", "train.py", "data.safetensors"}
    assert main(["export", str(path), "--format", "onnx", "-o", str(tmp_path / "m.onnx")]) == 0
    assert "onnxruntime matches torch" in capsys.readouterr().out
    assert main(["export", str(tmp_path / "missing.archx.json"), "-o", "x.py"]) == 2
    assert main(["export", str(path), "-o", str(tmp_path / "m.py"), "--weights",
                 str(tmp_path / "nope.safetensors")]) == 2  # an argument that cannot be used
    assert "no weights file" in capsys.readouterr().err
