"""A project as an ONNX model with a dynamic batch, checked against onnxruntime as it is written."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch

from explorer.compiler import BuildError, CompiledNetwork, build_model
from explorer.graph import Project, TensorSpec, check_graph

from .errors import ExportError, require_folder, require_onnx_packages, require_weights
from .weights import load_weights

OPSET = 17
TOLERANCE = 1e-4


@dataclass(frozen=True)
class OnnxReport:
    path: Path
    max_difference: float  # largest |onnxruntime - torch| on a random batch
    batch_sizes: tuple[int, ...]  # the batch sizes the check ran with


def export_onnx(project: Project, path: str | os.PathLike, *,
                weights: str | os.PathLike | None = None) -> OnnxReport:
    """Write ``path`` and check it: onnxruntime must agree with torch within 1e-4."""
    path = require_folder(path)
    require_weights(weights)
    require_onnx_packages()
    try:
        model = build_model(project.graph)
    except BuildError as error:
        raise ExportError(f"the network cannot be exported yet: {error}") from None
    if weights is not None:
        load_weights(model, weights)
    model.eval()
    spec = model.input_spec
    example = _random_input(spec, 2, seed=0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model, (example,), str(path), dynamo=False, opset_version=OPSET,
                input_names=["input"], output_names=["output"],
                dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
            )
    except Exception as error:  # the exporter raises many kinds; name the node instead
        if isinstance(error, ImportError):
            require_onnx_packages()  # a package missing is no fault of the network
        node = _first_unexportable_node(project, model)
        raise ExportError(
            f"ONNX cannot express this network: {_first_line(error)}",
            node_id=node, hint="Export it as Python code instead, or replace that node.",
        ) from None
    return OnnxReport(path, _check(model, path, spec), (1, 3))


def _check(model: torch.nn.Module, path: Path, spec: TensorSpec) -> float:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = 0.0
    for batch in (1, 3):
        x = _random_input(spec, batch, seed=batch)
        with torch.no_grad():
            expected = model(x).numpy()
        (got,) = session.run(None, {"input": x.numpy()})
        if got.shape != expected.shape:
            raise ExportError(f"onnxruntime gave shape {got.shape} for a batch of {batch}, "
                              f"torch {expected.shape}.")
        worst = max(worst, float(abs(got - expected).max()))
    if worst > TOLERANCE:
        raise ExportError(f"onnxruntime disagrees with torch by {worst:.2e} (more than "
                          f"{TOLERANCE:g}); the file was written but should not be trusted.")
    return worst


def _random_input(spec: TensorSpec, batch: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    if spec.dtype == "long":
        return torch.randint(0, spec.vocab or 2, (batch, *spec.shape), generator=generator)
    return torch.randn((batch, *spec.shape), generator=generator)


def _first_unexportable_node(project: Project, model: CompiledNetwork) -> str | None:
    """Export each submodule alone to find the first one ONNX cannot express."""
    result = check_graph(project.graph)
    outputs = {}
    with torch.no_grad():
        outputs = model.forward_all(_random_input(model.input_spec, 2, seed=0))
    for node_id in result.order:
        name = model.node_names.get(node_id)
        module = getattr(model, name, None) if name else None
        if not isinstance(module, torch.nn.Module):
            continue
        feeder = project.graph.in_edges(node_id)[0].src
        x = outputs.get(feeder)
        if x is None:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(module, (x,), os.devnull, dynamo=False, opset_version=OPSET)
        except Exception:
            return node_id
    return None


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:300]
