"""Weights a folded block takes from the original, and the check that the block computes
what the original part computed.

Most weights are copied under a new name. Some are made from several of the
original's: separate query, key and value projections become the one
``in_proj_weight`` of ``nn.MultiheadAttention`` (stacked), and Hugging Face's
``Conv1D`` stores a projection transposed. ``Taken`` says which, so the same
recipe fills the block checked here and the imported network later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn as nn

from explorer.graph.weight_recipes import Recipe, RecipeError

TOLERANCE = 1e-5  # largest difference allowed, relative to the output's size (at least 1)


@dataclass(frozen=True)
class Taken:
    """A weight made from the original's ``keys``: each transposed if ``transpose``, then
    stacked along the first axis (one key: copied), then shaped as the block wants it."""

    keys: tuple[str, ...]
    transpose: bool = False

    @property
    def copied(self) -> bool:
        return len(self.keys) == 1 and not self.transpose

    @property
    def recipe(self) -> str | None:
        """How ``project.weight_map`` writes it (``t(key)``, ``cat(a, b, c)`` or the key);
        None for a key no recipe can hold (a ModuleDict entry named with a comma, say)."""
        try:
            return str(Recipe.of(self.keys, self.transpose))
        except RecipeError:
            return None

    def prefixed(self, prefix: str) -> Taken:
        return Taken(tuple(f"{prefix}{key}" for key in self.keys), self.transpose)



@dataclass
class Found:
    """What a recogniser found: a block kind with its parameters, and each of the block's
    weights from the part's."""

    kind: str
    params: dict[str, Any]
    weights: dict[str, Taken]


# A recogniser: (part, its input, its output, its state_dict) -> what it is, or None.
Recogniser = Callable[[nn.Module, torch.Tensor, torch.Tensor, Mapping[str, torch.Tensor]],
                      Found | None]

def take(state: Mapping[str, torch.Tensor], taken: Taken, shape: torch.Size) -> torch.Tensor:
    """The weight ``taken`` describes, read from ``state`` and shaped as ``shape``.

    Only axes of size 1 may differ (a 1×1 convolution standing for a Linear, a
    position table kept as 1 × tokens × dim); anything else raises ValueError.
    """
    parts = [state[key].detach() for key in taken.keys]
    if taken.transpose:
        parts = [part.t() for part in parts]
    value = parts[0] if len(parts) == 1 else torch.cat(parts, dim=0)
    if value.shape != shape:
        if [d for d in value.shape if d != 1] != [d for d in shape if d != 1]:
            raise ValueError(f"{'+'.join(taken.keys)} has shape {tuple(value.shape)}, "
                             f"not {tuple(shape)}")
        value = value.reshape(shape)
    return value.clone().contiguous()


def block_state(block: nn.Module, original: Mapping[str, torch.Tensor],
                weights: Mapping[str, Taken]) -> dict[str, torch.Tensor] | None:
    """``block``'s state_dict filled from ``original`` by ``weights`` (None if it does not fit)."""
    wanted = block.state_dict()
    if set(wanted) != set(weights):
        return None
    try:
        return {key: take(original, weights[key], value.shape) for key, value in wanted.items()}
    except (KeyError, ValueError):
        return None


def computes_the_same(block: nn.Module, original: Mapping[str, torch.Tensor],
                      weights: Mapping[str, Taken], x: torch.Tensor, y: torch.Tensor) -> bool:
    """Whether ``block``, given the original's weights, turns ``x`` into ``y`` (to TOLERANCE)."""
    return difference(block, original, weights, x, y) <= TOLERANCE


def difference(block: nn.Module, original: Mapping[str, torch.Tensor],
               weights: Mapping[str, Taken], x: torch.Tensor, y: torch.Tensor) -> float:
    """How far ``block``'s output is from ``y``, relative to ``y``'s size (at least 1);
    infinite where the weights do not fit or the block refuses ``x``."""
    state = block_state(block, original, weights)
    if state is None:
        return float("inf")
    block.load_state_dict(state)
    block.eval()
    try:
        with torch.no_grad():
            out = block(x)
    except (RuntimeError, ValueError):
        return float("inf")
    if not isinstance(out, torch.Tensor) or out.shape != y.shape:
        return float("inf")
    if y.numel() == 0:
        return 0.0
    return float((out - y).abs().max()) / max(1.0, float(y.abs().max()))
