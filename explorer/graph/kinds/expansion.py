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
from typing import Any, TypedDict, TypeGuard

from ..errors import ParamError, ShapeError
from ..specs import TensorSpec
from .base import Context, CountRule, NodeKind, ShapeRule, get_kind

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

    def add(self, suffix: str, kind: str, *inputs: str, module: str | None = "",
            **params: Any) -> str:
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
    specs: Mapping[str, TensorSpec]  # every sub-node's output, and BLOCK_INPUT
    output: str = ""  # the sub-node whose output is the block's

    def inner(self) -> dict[str, TensorSpec]:
        """The tensors the block computes on the way to its output (what training keeps)."""
        return {name: spec for name, spec in self.specs.items()
                if name not in (BLOCK_INPUT, self.output)}


def run_expansion(expansion: Expansion, x: TensorSpec, ctx: Context) -> ExpansionResult:
    """Infer every sub-node's shape and sum their parameters. Raises ShapeError."""
    specs: dict[str, TensorSpec] = {BLOCK_INPUT: x}
    total = 0
    for node in expansion.nodes:
        kind = get_kind(node.kind)
        params = _inner_params(kind, node)
        sub = Context(params, tuple(specs[s] for s in node.inputs), ctx.depth)
        specs[node.suffix] = kind.infer(sub)
        total += kind.count(sub)
    return ExpansionResult(specs[expansion.output], total, specs, expansion.output)


def _inner_params(kind: NodeKind, node: SubNode) -> dict[str, Any]:
    """The sub-node's parameters, checked; a value past a limit is the block's shape problem.

    A block sizes its inside from its input (an MLP ``mlp_ratio`` times wider than
    the features), so a legal block on a wide input can ask a primitive for more
    than it allows. That is a fact about the graph, reported on the block, not a
    refused edit.
    """
    try:
        return kind.validate(node.params)
    except ParamError as error:
        raise ShapeError(_limit_message(kind, node) or f"inside, {error.message}",
                         "Give the block a narrower input or a smaller expansion ratio.") from None


def _limit_message(kind: NodeKind, node: SubNode) -> str:
    """'its inner Linear 'fc1' would have out_features = 1,048,592; the limit is 1,048,576.'"""
    for param in kind.params:
        value = node.params.get(param.name)
        if _is_number(value) and param.max is not None and value > param.max:
            return (f"its inner {kind.title} '{node.suffix}' would have {param.name} = "
                    f"{value:,}; the limit is {_whole(param.max)}.")
    return ""


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _whole(limit: float) -> str:
    return f"{int(limit):,}" if float(limit).is_integer() else f"{limit:,}"


class BlockRules(TypedDict):
    """A block kind's rules, all made from its expansion: ``NodeKind(..., **rules)``."""

    infer: ShapeRule
    count: CountRule
    expand: Callable[[Context], Expansion]
    inside: Callable[[Context], ExpansionResult]


def from_expansion(expand: Callable[[Context], Expansion],
                   check: Callable[[Context], object]) -> BlockRules:
    """A block kind's shape rule, parameter count and expansion, all from one ``expand``.

    ``check`` refuses inputs the block cannot take, with the block's own words,
    before the expansion's primitives would complain in theirs.
    """

    def inside(ctx: Context) -> ExpansionResult:
        check(ctx)
        return run_expansion(expand(ctx), ctx.x, ctx)

    def infer(ctx: Context) -> TensorSpec:
        return inside(ctx).spec

    def count(ctx: Context) -> int:
        return run_expansion(expand(ctx), ctx.x, ctx).count

    return {"infer": infer, "count": count, "expand": expand, "inside": inside}


ACTIVATION_KINDS = {
    "relu": "ReLU",
    "gelu": "GELU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "silu": "SiLU",
    "leakyrelu": "LeakyReLU",
    "relu6": "ReLU6",
    "hardswish": "Hardswish",
}
