"""A block's inside: the primitive sub-graph it computes.

Every block kind describes itself as an Expansion. The same description
gives the block's output shape and parameter count (so they can never
disagree with what the block computes), the expanded view on the canvas,
and, through ``module`` paths, where each primitive's weights live inside
the block's torch module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..specs import TensorSpec
from .base import Context, get_kind

BLOCK_INPUT = "@in"  # the block's own input, as a source inside its expansion


@dataclass(frozen=True)
class SubNode:
    suffix: str  # the expanded node's id is f"{block_id}_{suffix}"
    kind: str
    params: Mapping[str, Any]
    inputs: tuple[str, ...]  # suffixes (or BLOCK_INPUT), in port order
    module: str | None = None  # attribute path of its weights inside the block module


@dataclass(frozen=True)
class Expansion:
    nodes: tuple[SubNode, ...]  # in an order where inputs come first
    output: str


@dataclass
class ExpansionBuilder:
    """Write an expansion top to bottom: ``b.add("fc1", "Linear", x, out_features=64)``."""

    nodes: list[SubNode] = field(default_factory=list)

    def add(self, suffix: str, kind: str, *inputs: str, module: str | None = "", **params) -> str:
        """Append a sub-node; ``module`` defaults to the suffix (None: it has no weights)."""
        self.nodes.append(
            SubNode(suffix, kind, params, tuple(inputs), suffix if module == "" else module)
        )
        return suffix

    def done(self, output: str) -> Expansion:
        return Expansion(tuple(self.nodes), output)


@dataclass(frozen=True)
class ExpansionResult:
    spec: TensorSpec
    count: int
    specs: Mapping[str, TensorSpec]


def run_expansion(expansion: Expansion, x: TensorSpec, ctx: Context) -> ExpansionResult:
    """Infer every sub-node's shape and sum their parameters. Raises ShapeError."""
    specs: dict[str, TensorSpec] = {BLOCK_INPUT: x}
    total = 0
    for node in expansion.nodes:
        kind = get_kind(node.kind)
        sub = Context(kind.validate(node.params), tuple(specs[s] for s in node.inputs), ctx.depth)
        specs[node.suffix] = kind.infer(sub)
        total += kind.count(sub)
    return ExpansionResult(specs[expansion.output], total, specs)


def from_expansion(expand: Callable[[Context], Expansion],
                   check: Callable[[Context], object]) -> dict[str, Callable]:
    """A block kind's shape rule, parameter count and expansion, all from one ``expand``.

    ``check`` refuses inputs the block cannot take, with the block's own words,
    before the expansion's primitives would complain in theirs.
    """

    def infer(ctx: Context) -> TensorSpec:
        check(ctx)
        return run_expansion(expand(ctx), ctx.x, ctx).spec

    def count(ctx: Context) -> int:
        return run_expansion(expand(ctx), ctx.x, ctx).count

    return {"infer": infer, "count": count, "expand": expand}


ACTIVATION_KINDS = {
    "relu": "ReLU",
    "gelu": "GELU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "silu": "SiLU",
    "leakyrelu": "LeakyReLU",
}
