"""Small graph builders and input makers shared by the build tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from explorer.graph import ArchitectureGraph, TensorSpec

Step = tuple[str, dict[str, Any]]

FEATURES = ("VectorInput", {"features": 6})
IMAGE = ("ImageInput", {"channels": 3, "height": 8, "width": 8})
TOKENS = ("TokenInput", {"length": 5, "vocab": 7})
EMBED: Step = ("Embedding", {"num_embeddings": 7, "embedding_dim": 8})


def step(kind: str, **params: Any) -> Step:
    return kind, params


def _append(graph: ArchitectureGraph, last: str, steps: Sequence[Step]) -> str:
    for kind, params in steps:
        node = graph.add_node(kind, params)
        graph.connect(last, node, graph.input_ports(node)[0])
        last = node
    return last


def chain(source: Step, *steps: Step, head: str = "RegressionOutput") -> ArchitectureGraph:
    """Input -> steps in turn -> an output head."""
    graph = ArchitectureGraph()
    last = _append(graph, graph.add_node(*source), steps)
    if head:
        _append(graph, last, [(head, {})])
    return graph


def merge(source: Step, kind: str, params: dict[str, Any], branches: Sequence[Sequence[Step]],
          after: Sequence[Step] = (), head: str = "RegressionOutput") -> ArchitectureGraph:
    """Input -> several branches -> one merge node (ports in branch order) -> after -> head."""
    graph = ArchitectureGraph()
    first = graph.add_node(*source)
    merged = graph.add_node(kind, params)
    for port, branch in zip(graph.input_ports(merged), branches, strict=True):
        graph.connect(_append(graph, first, branch), merged, port)
    _append(graph, merged, [*after, (head, {})])
    return graph


def example_input(spec: TensorSpec, batch: int = 3, seed: int = 0) -> torch.Tensor:
    """A batch of random inputs for a network's input spec (token ids below vocab)."""
    generator = torch.Generator().manual_seed(seed)
    if spec.dtype == "long":
        return torch.randint(0, spec.vocab or 2, (batch, *spec.shape), generator=generator)
    return torch.randn(batch, *spec.shape, generator=generator)


def example_target(output_kind: str, output: torch.Tensor, seed: int = 1) -> torch.Tensor:
    """A target that fits the output head's loss."""
    generator = torch.Generator().manual_seed(seed)
    if output_kind == "ClassificationOutput":
        return torch.randint(0, output.shape[-1], output.shape[:-1], generator=generator)
    if output_kind == "SegmentationOutput":
        shape = (output.shape[0], *output.shape[2:])
        return torch.randint(0, output.shape[1], shape, generator=generator)
    return torch.randn(output.shape, generator=generator)


def randomise(module: torch.nn.Module, seed: int = 0) -> None:
    """Give every parameter and norm statistic a random value, so no test passes by zeros."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in [*module.named_parameters(), *module.named_buffers()]:
            if tensor.dtype != torch.float32:
                continue
            values = torch.randn(tensor.shape, generator=generator)
            if name.endswith("running_var"):
                values = values.abs() + 0.5
            elif name.endswith("weight") and tensor.dim() == 1:  # norm scales near 1
                values = 1 + 0.3 * values
            else:
                values = 0.3 * values
            tensor.copy_(values)
