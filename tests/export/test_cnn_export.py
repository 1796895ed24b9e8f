"""The CNN kinds export to standalone code that computes what the app computes.

A small network uses every one of them (a ResNet stem with a padded max pool,
bottlenecks, MobileNetV2 and EfficientNet MBConvs, hardswish, adaptive
pooling). Without stochastic depth it is compared in training mode by the
shared runner; with it (random while training) it is compared in eval mode.
"""

import subprocess
import sys

import torch
from safetensors.torch import load_file

from explorer.export import network_source
from explorer.graph import ArchitectureGraph, Project

from .test_python_code import RUNNER, expected, prepare, run_exported

EVAL_RUNNER = f"""
import importlib.util, sys
sys.path.insert(0, {str(RUNNER.parent)!r})
import runner  # refuses any import of explorer from here on
spec = importlib.util.spec_from_file_location("model", "model.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
model = module.Network()
model.load_state_dict(module.load_tensors("weights.safetensors"))
model.eval()
out = model(module.load_tensors("inputs.safetensors")["x"])
from safetensors.torch import save_file
save_file({{"out": out.detach()}}, "results.safetensors")
"""


def small_cnn(drop_path: float) -> Project:
    graph = ArchitectureGraph()
    last = graph.add_node("ImageInput", {"channels": 3, "height": 16, "width": 16})
    steps = [
        ("Conv2d", {"out_channels": 16, "kernel_size": 3, "stride": 2, "bias": False}),
        ("BatchNorm", {}), ("ReLU", {}),
        ("MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1}),
        ("Bottleneck", {"out_channels": 32, "drop_path": drop_path}),
        ("Bottleneck", {"stride": 2, "groups": 2, "zero_init": True, "drop_path": drop_path}),
        ("MBConv", {"expand_ratio": 6, "se_ratio": 0.0, "activation": "relu6"}),
        ("MBConv", {"kernel_size": 5, "drop_path": drop_path}),
        ("MBConv", {"activation": "hardswish", "out_channels": 24}),
        ("ResidualConv", {"activation": "relu6", "drop_path": drop_path}),
        ("AvgPool2d", {"kernel_size": 3, "stride": 1, "padding": 1}),
        ("Hardswish", {}),
        *([("StochasticDepth", {"p": drop_path})] if drop_path else []),
        ("AdaptiveAvgPool2d", {"output_size": 1}), ("Flatten", {}),
        ("Linear", {"out_features": 5}), ("ClassificationOutput", {}),
    ]
    for kind, params in steps:
        node = graph.add_node(kind, params)
        graph.connect(last, node)
        last = node
    return Project(graph, name="Small CNN")


def test_cnn_kinds_export_and_train_the_same(tmp_path):
    folder = tmp_path / "cnn"
    model, x, projection = prepare(small_cnn(drop_path=0.0), folder)
    run_exported(folder)
    want, got = expected(model, x, projection), load_file(str(folder / "results.safetensors"))
    assert set(got) == set(want)
    for key in want:
        assert (got[key] - want[key]).abs().max().item() < 1e-5, key


def test_stochastic_depth_exports_and_evaluates_the_same(tmp_path):
    project = small_cnn(drop_path=0.2)
    text = network_source(project).text
    assert "class StochasticDepth(nn.Module):" in text
    assert "drop_path=0.2" in text and "self.drop_path_1 = StochasticDepth(0.2)" in text
    folder = tmp_path / "cnn_drop"
    model, x, _ = prepare(project, folder)
    result = subprocess.run([sys.executable, "-c", EVAL_RUNNER], cwd=folder,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    # prepare ran the model in training mode, which moved its running statistics
    model.load_state_dict(load_file(str(folder / "weights.safetensors")))
    with torch.no_grad():
        want = model.eval()(x)
    got = load_file(str(folder / "results.safetensors"))["out"]
    assert (got - want).abs().max().item() < 1e-5
