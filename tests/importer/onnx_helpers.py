"""Shared by the ONNX import tests: export a torch module, compare with onnxruntime."""

import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from explorer.compiler import build_model


def export(module: nn.Module, example: torch.Tensor, path: Path, opset: int) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), (example,), str(path), dynamo=False,
                          opset_version=opset, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    return path


def largest_difference(imported, path: Path, x: torch.Tensor, then=lambda y: y) -> float:
    """|onnxruntime - our network| on ``x``, our network loaded with the imported weights."""
    network = build_model(imported.project.graph)
    network.load_state_dict(imported.state_dict)  # strict: every key, every shape
    network.eval()
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (expected,) = session.run(None, {"input": x.numpy()})
    with torch.no_grad():
        got = then(network(x)).numpy()
    assert got.shape == expected.shape
    return float(np.abs(got - expected).max())


def kinds(imported) -> list[str]:
    graph = imported.project.graph
    return [graph.kind_of(n) for n in graph.topological_order()]


def randomise_statistics(module: nn.Module) -> nn.Module:
    """Running statistics away from 0 and 1, so a wrong mapping of them shows."""
    torch.manual_seed(1)
    for norm in module.modules():
        if isinstance(norm, (nn.BatchNorm1d, nn.BatchNorm2d)):
            norm.running_mean.uniform_(-1, 1)
            norm.running_var.uniform_(0.5, 2)
            norm.weight.data.uniform_(0.5, 2)
            norm.bias.data.uniform_(-1, 1)
    return module
