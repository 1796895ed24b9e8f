"""Lesions (Veit, Wilber & Belongie 2016): switch a block off after training and see what breaks.

A residual block with its branch removed still passes its input along the
skip connection; a highway layer with its gate forced to carry (T = 0) is the
identity; a plain layer removed leaves nothing but a gap that only closes
when its input and output shapes agree. ``lesioned(model, ids)`` swaps the
chosen submodules for what is left of them, for as long as the ``with``
block lasts, so the trained model itself is never changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import torch
from torch import nn

from explorer.graph import ArchitectureGraph, CheckResult

from . import blocks
from .compile import CompiledNetwork

# Kinds whose removal keeps the shape: blocks with a skip, and shape-keeping layers.
SKIP_BLOCKS = {"ResidualMLP", "ResidualConv", "Highway", "TransformerBlock", "MBConv",
               "Bottleneck"}
PLAIN_LAYERS = {"Linear", "Conv2d"}


class SkipOnly(nn.Module):
    """What a block computes with its branch taken out: only the path that skips it."""

    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        self.block = block

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        block = self.block
        if isinstance(block, (blocks.ResidualMLP, blocks.ResidualConv)):
            skip = x if block.proj is None else block.proj(x)
            if isinstance(block, blocks.ResidualConv) and block.proj_norm is not None:
                skip = block.proj_norm(skip)
            return block.act(skip) if block.order == "post" else skip
        if isinstance(block, blocks.Bottleneck):
            return torch.relu(x if block.downsample is None else block.downsample(x))
        if isinstance(block, blocks.TransformerBlock) and block.norm == "post":
            return block.ln2(block.ln1(x))  # both residual branches give 0
        return x  # highway with T = 0, pre-LN transformer, MBConv with its residual


def lesion_kind(kind: str) -> str:
    """"block" for a block whose skip path remains when it is switched off; "layer" for a
    plain layer, which leaves only a gap (it closes because its shapes agree, not by design)."""
    return "block" if kind in SKIP_BLOCKS else "layer"


def lesion_candidates(graph: ArchitectureGraph, result: CheckResult) -> list[str]:
    """Nodes that can be switched off without breaking the shapes, in network order."""
    candidates = []
    for node_id in result.order:
        kind = result.kinds.get(node_id) or graph.node(node_id).kind
        report = result.reports[node_id]
        same_shape = report.inputs and report.spec == report.inputs[0]
        if kind == "MBConv" and not same_shape:
            continue  # a down-sampling MBConv has no residual to fall back on
        if kind in SKIP_BLOCKS or (kind in PLAIN_LAYERS and same_shape):
            candidates.append(node_id)
    return candidates


@contextmanager
def lesioned(model: CompiledNetwork, node_ids: Iterable[str]) -> Iterator[CompiledNetwork]:
    """Temporarily switch off the given nodes of ``model`` (restored on leaving)."""
    saved: dict[str, nn.Module] = {}
    try:
        for node_id in node_ids:
            name = model.node_names[node_id]
            module = getattr(model, name)
            saved[name] = module
            replacement = nn.Identity() if isinstance(module, (nn.Linear, nn.Conv2d)) else (
                SkipOnly(module))
            setattr(model, name, replacement)
        yield model
    finally:
        for name, module in saved.items():
            setattr(model, name, module)
