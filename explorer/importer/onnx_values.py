"""What flows between ONNX nodes while a model is read, and the layers it becomes.

An ONNX tensor becomes one of four values: a ``Tensor`` (the output of a
layer of ours, with its per-example shape), a ``Const`` (an initializer or a
Constant node), ``Dims`` (a shape computed at run time, such as
``Shape -> Gather -> Concat`` before a Reshape, with the batch left unknown),
or a ``Partial`` (mid-way through a known decomposition, such as the five
operations torch writes for GELU). Converters turn values into values and add
``Layer``s to a ``Builder``; the graph is made from the layers at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.graph import GraphError, ShapeError, TensorSpec, get_kind
from explorer.graph.kinds import Context


class Unsupported(Exception):
    """One ONNX node this program cannot express; the reason is said in plain words."""


@dataclass
class Layer:
    """A node of ours in the making: its kind, parameters, inputs and weights.

    ``weights`` maps the compiled module's parameter name (``weight``,
    ``running_mean``...) to the array and the ONNX initializer it came from.
    ``open`` names weights a following ONNX node may still fill in: a MatMul
    becomes a Linear whose bias is the Add after it.
    """

    kind: str
    params: dict[str, Any]
    inputs: list[str]
    origin: str
    weights: dict[str, tuple[np.ndarray, str]] = field(default_factory=dict)
    open: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Tensor:
    """A layer's output. ``pooled``: ONNX sees (C, 1, 1) where our global pool gives (C,)."""

    layer: str
    spec: TensorSpec
    pooled: bool = False


@dataclass(frozen=True, eq=False)
class Const:
    array: np.ndarray
    name: str = ""

    def scalar(self) -> float | None:
        """The single number it holds, or None if it holds several."""
        return float(self.array.reshape(-1)[0]) if self.array.size == 1 else None


@dataclass(frozen=True)
class Dims:
    """Whole numbers computed from a shape; None stands for the batch size."""

    values: tuple[int | None, ...]
    scalar: bool = False


@dataclass(frozen=True)
class Partial:
    """A step of a decomposed operation (``stage``) on ``source``, with a number it carries."""

    stage: str
    source: Tensor
    number: float = 0.0


Value = Tensor | Const | Dims | Partial


class Builder:
    """Collects layers in order; each is validated and shape-checked by its kind as it comes."""

    def __init__(self) -> None:
        self.layers: dict[str, Layer] = {}
        self.notes: list[str] = []
        self.head = "auto"  # the head asked for; a final Softmax settles "auto"

    def add(self, kind: str, params: dict[str, Any], inputs: Sequence[Tensor], origin: str,
            weights: dict[str, tuple[np.ndarray, str]] | None = None,
            open: set[str] | None = None) -> Tensor:
        """Add a layer and return its output; Unsupported if the kind refuses the parameters."""
        spec = self.infer(kind, params, [t.spec for t in inputs])
        key = f"layer{len(self.layers)}"
        self.layers[key] = Layer(kind, get_kind(kind).validate(params), [t.layer for t in inputs],
                                 origin, dict(weights or {}), set(open or ()))
        return Tensor(key, spec)

    @staticmethod
    def infer(kind: str, params: dict[str, Any], specs: Sequence[TensorSpec]) -> TensorSpec:
        node_kind = get_kind(kind)
        try:
            values = node_kind.validate(params)
            return node_kind.infer(Context(values, tuple(specs)))
        except (GraphError, ShapeError) as error:  # a refused parameter, or shape
            hint = f" {error.hint}" if error.hint else ""
            raise Unsupported(f"as a {kind} node: {error.message}{hint}") from None

    def widen_vocab(self, ids: Tensor, rows: int) -> None:
        """A token input fed to an Embedding of ``rows`` rows takes ids below ``rows``."""
        layer = self.layers[ids.layer]
        if layer.kind == "TokenInput":
            layer.params["vocab"] = max(2, rows)

    def set_weight(self, tensor: Tensor, name: str, array: np.ndarray, source: str) -> None:
        self.layers[tensor.layer].weights[name] = (array, source)


def tensor_in(value: Value | None, what: str = "input") -> Tensor:
    """The value as a layer output, or Unsupported saying what it is instead."""
    if isinstance(value, Tensor):
        if value.pooled:
            raise Unsupported(f"its {what} is a global pool's (C, 1, 1) output used as an image; "
                              "only Flatten, Reshape or Squeeze may follow GlobalAveragePool")
        return value
    if isinstance(value, Const):
        raise Unsupported(f"its {what} is a fixed tensor{_named(value)}; no node kind holds one")
    if isinstance(value, Partial):
        raise Unsupported(f"its {what} is part of a decomposed operation ({value.stage}) "
                          "that does not continue as expected")
    raise Unsupported(f"its {what} is missing or a computed shape")


def const_in(value: Value | None, what: str) -> Const:
    if isinstance(value, Const):
        return value
    raise Unsupported(f"its {what} must be a fixed tensor (an initializer), but is computed")


def _named(value: Const) -> str:
    return f" ({value.name})" if value.name else ""
