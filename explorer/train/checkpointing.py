"""Gradient checkpointing: blocks recompute their insides during backward instead of storing them.

With the ``checkpointing`` setting on, every block (residual, highway,
dense, transformer, ...) keeps only its input for the backward pass and
runs its forward again there, trading compute for memory (Chen et al.
2016). The results are the same, random dropout masks included; only
BatchNorm's running averages see each batch twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from torch import nn
from torch.utils.checkpoint import checkpoint

from explorer.graph import ArchitectureGraph, get_kind


def checkpoint_blocks(model: nn.Module, graph: ArchitectureGraph,
                      node_names: Mapping[str, str]) -> list[str]:
    """Make each block's forward recompute in backward; returns the block node ids."""
    done = []
    for node in graph.nodes():
        if not get_kind(node.kind).is_block or node.id not in node_names:
            continue
        try:
            module = model.get_submodule(node_names[node.id])
        except AttributeError:
            continue
        module.forward = _recomputed(module.forward)
        done.append(node.id)
    return done


def _recomputed(forward: Callable[..., Any]) -> Callable[..., Any]:
    def forward_with_checkpoint(*args: Any, **kwargs: Any) -> Any:
        return checkpoint(forward, *args, use_reentrant=False, **kwargs)
    return forward_with_checkpoint
