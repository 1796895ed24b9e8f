"""What the import tests ask of an imported network: its kinds, and how far its outputs are
from the original's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn as nn

from explorer.compiler import build_model
from explorer.graph import TensorSpec
from explorer.importer.torch_import import example_input


def kinds(imported) -> list[str]:
    """The imported graph's node kinds, in the order the nodes were added."""
    return [node.kind for node in imported.project.graph.nodes()]


def largest_difference(imported, original: nn.Module, spec: TensorSpec, *, seed: int = 7,
                       output: Callable[[Any], torch.Tensor] = lambda out: out) -> float:
    """The largest difference between the compiled graph's outputs and ``original``'s (its
    ``output``: ``.logits`` of a Hugging Face model) on a batch of 3 random inputs."""
    model = build_model(imported.project.graph).eval()
    model.load_state_dict(imported.state_dict)
    x = example_input(spec, seed=seed, batch=3)
    with torch.no_grad():
        want, got = output(original.eval()(x)), model(x)
    assert want.shape == got.shape and want.abs().max() > 0.01  # a real output, not zeros
    return float((want - got).abs().max())
