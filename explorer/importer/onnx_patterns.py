"""Arithmetic, reshaping, and the decompositions torch writes for operations ONNX lacks.

torch.onnx writes GELU as ``x · (1 + erf(x / √2)) · 0.5``, LayerNorm (before
opset 17) as mean, subtract, square, mean, add ε, square root, divide, scale,
shift, and SiLU as ``x · sigmoid(x)``. Each step here returns a ``Partial``
that remembers where it started, and the last step adds the one layer the
whole pattern computes. A step that does not continue a pattern is refused
with the reason, so nothing is silently computed differently.

``Flatten(x)`` written as ``x.view(x.size(0), -1)`` becomes ``Shape ->
Gather -> Unsqueeze -> Concat -> Reshape``; ``Dims`` follow those numbers
with the batch left unknown, so the Reshape can see it flattens.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from onnx import numpy_helper

from .onnx_ops import LAYER_CONVERTERS, Converter, OnnxNode, _embedding, kind_named
from .onnx_values import (
    Builder,
    Const,
    Dims,
    Partial,
    Tensor,
    Unsupported,
    Value,
    const_in,
    tensor_in,
)

_SQRT2 = math.sqrt(2.0)


def _is(value: Value | None, stage: str, source: Tensor | None = None) -> bool:
    return (isinstance(value, Partial) and value.stage == stage
            and (source is None or value.source == source))


def _number(value: Value | None) -> float | None:
    return value.scalar() if isinstance(value, Const) else None


def _fold(node: OnnxNode, b: Builder, weight: str) -> list[Value] | None:
    """``layer_output (+|×) fixed vector`` folded into the layer, when nothing else reads it."""
    x, c = node.input(0), node.input(1)
    if isinstance(x, Const):
        x, c = c, x
    if not (isinstance(x, Tensor) and isinstance(c, Const) and node.sole[node.inputs.index(x)]):
        return None
    layer = b.layers[x.layer]
    width = x.spec.shape[-1]
    if weight not in layer.open or c.array.size not in (1, width):
        return None
    b.set_weight(x, weight, np.broadcast_to(c.array.reshape(-1), (width,)).copy(), c.name)
    layer.open.discard(weight)
    if weight == "bias":
        layer.open.discard("weight")  # (y + b)·w is no longer y·w + b
        if "bias" in layer.params:  # a Linear made from a MatMul now has its bias
            layer.params["bias"] = True
    return [x]


def _both_layer_outputs(a: Value | None, c: Value | None) -> None:
    """Refuse, saying which, an input that is not a layer's output (a fixed tensor, a shape...)."""
    tensor_in(a, "first input")
    tensor_in(c, "second input")


def _refuse_operands(a: Value | None, c: Value | None, verb: str) -> Unsupported:
    """Why ``a (verb) c`` has no node kind: a fixed operand, or one that is no layer output."""
    for value in (a, c):
        if isinstance(value, Const):
            name = f" ({value.name})" if value.name else ""
            return Unsupported(f"it {verb} a fixed tensor{name}; no node kind holds one (only a "
                               "Linear's bias or a LayerNorm's scale and shift fold in)")
    _both_layer_outputs(a, c)
    return Unsupported(f"it {verb} values no node kind can combine")


def _add(node: OnnxNode, b: Builder) -> list[Value]:
    a, c = node.input(0), node.input(1)
    if isinstance(a, Tensor) and isinstance(c, Tensor):
        return [b.add("Add", {"inputs": 2}, [tensor_in(a), tensor_in(c)], node.name)]
    for p, n in ((a, c), (c, a)):
        if _is(p, "variance") and _number(n) is not None:
            assert isinstance(p, Partial)
            return [Partial("variance + ε", p.source, float(_number(n) or 0.0))]
        if _is(p, "erf") and _number(n) == 1.0:
            assert isinstance(p, Partial)
            return [Partial("1 + erf", p.source)]
    folded = _fold(node, b, "bias")
    if folded is None:
        raise _refuse_operands(a, c, "adds")
    return folded


def _sub(node: OnnxNode, b: Builder) -> list[Value]:
    a, c = node.input(0), node.input(1)
    if isinstance(a, Tensor) and _is(c, "mean", a):
        return [Partial("centred", a)]
    return [b.add("Subtract", {}, [tensor_in(a, "first input"), tensor_in(c, "second input")],
                  node.name)]


def _mul(node: OnnxNode, b: Builder) -> list[Value]:
    a, c = node.input(0), node.input(1)
    for x, other in ((a, c), (c, a)):
        if isinstance(x, Tensor) and _is(other, "hard sigmoid", x):
            kind = kind_named("Hardswish", "HardSwish")
            if kind is not None:
                return [b.add(kind, {}, [x], node.name)]
        if isinstance(x, Tensor) and _is(other, "1 + erf", x):
            return [Partial("x·(1 + erf)", x)]
        if _is(x, "x·(1 + erf)") and _number(other) == 0.5:
            assert isinstance(x, Partial)
            return [b.add("GELU", {}, [x.source], node.name)]
        if (isinstance(x, Tensor) and isinstance(other, Tensor)
                and b.layers[other.layer].kind == "Sigmoid"
                and b.layers[other.layer].inputs == [x.layer]):
            return [b.add("SiLU", {}, [x], node.name)]
    if isinstance(a, Tensor) and isinstance(c, Tensor):
        # A (C, 1, 1) gate scales each channel: Multiply takes it as a vector of C.
        inputs = [Tensor(t.layer, t.spec) if t.pooled and other.spec.layout == "image"
                  else tensor_in(t) for t, other in ((a, c), (c, a))]
        return [b.add("Multiply", {"inputs": 2}, inputs, node.name)]
    folded = _fold(node, b, "weight")
    if folded is None:
        raise _refuse_operands(a, c, "multiplies by")
    return folded


def _div(node: OnnxNode, b: Builder) -> list[Value]:
    a, c = node.input(0), node.input(1)
    if isinstance(a, Tensor) and abs((_number(c) or 0.0) - _SQRT2) < 1e-4:
        return [Partial("x / √2", a)]
    if isinstance(a, Partial) and a.stage == "centred" and _is(c, "√(variance + ε)", a.source):
        assert isinstance(c, Partial)
        width = a.source.spec.shape[-1]
        ones, zeros = np.ones(width, np.float32), np.zeros(width, np.float32)
        eps = float(f"{c.number:.6g}")
        return [b.add("LayerNorm", {"eps": eps}, [a.source], node.name,
                      {"weight": (ones, ""), "bias": (zeros, "")}, open={"weight", "bias"})]
    _both_layer_outputs(a, c)
    raise Unsupported("it divides one tensor by another; no node kind does this")


def _hard_sigmoid(node: OnnxNode, b: Builder) -> list[Value]:
    """min(max(x/6 + 1/2, 0), 1): on its own nothing here, times x a Hardswish (opset 13)."""
    if abs(node.attr("alpha", 0.2) - 1 / 6) > 1e-6 or abs(node.attr("beta", 0.5) - 0.5) > 1e-6:
        raise Unsupported("only HardSigmoid(x)·x with alpha 1/6 (a Hardswish) is supported")
    return [Partial("hard sigmoid", tensor_in(node.input(0)))]


def _step(before: str, after: str, check: str = "") -> Converter:
    """A converter for one middle step of a pattern (Erf, Sqrt, Pow 2)."""
    def convert(node: OnnxNode, b: Builder) -> list[Value]:
        value = node.input(0)
        if not _is(value, before) or (check == "square" and _number(node.input(1)) != 2.0):
            raise Unsupported(f"only as part of a decomposed {_PATTERN[before]} is it supported")
        assert isinstance(value, Partial)
        return [Partial(after, value.source, value.number)]

    return convert


_PATTERN = {"x / √2": "GELU", "variance + ε": "LayerNorm", "centred": "LayerNorm"}


def _axes(node: OnnxNode, rank: int) -> set[int]:
    """The axes a reduction or squeeze names (an attribute before opset 18, an input after)."""
    axes = node.attr("axes")
    if axes is None and node.input(1) is not None:
        axes = const_in(node.input(1), "axes").array.reshape(-1).tolist()
    return {a % rank for a in (axes if axes is not None else range(rank))}


def _reduce(kind: str) -> Converter:
    def convert(node: OnnxNode, b: Builder) -> list[Value]:
        x = node.input(0)
        keep = bool(node.attr("keepdims", 1))
        if kind == "GlobalAvgPool" and _is(x, "square"):
            assert isinstance(x, Partial)
            if keep and _axes(node, x.source.spec.rank + 1) == {x.source.spec.rank}:
                return [Partial("variance", x.source)]
        x = tensor_in(x)
        rank = x.spec.rank + 1
        axes = _axes(node, rank)
        if kind == "GlobalAvgPool" and keep and axes == {rank - 1} and x.spec.layout != "image":
            return [Partial("mean", x)]
        if x.spec.layout == "image" and axes == {2, 3}:
            out = b.add(kind, {}, [x], node.name)
            return [Tensor(out.layer, out.spec, pooled=keep)]
        if x.spec.layout == "sequence" and axes == {1} and not keep:
            return [b.add(kind, {}, [x], node.name)]
        raise Unsupported(f"it reduces over axes {sorted(axes)}; only over an image's pixels or "
                          "a sequence's tokens (a global pool) is supported")

    return convert


def _concat(node: OnnxNode, b: Builder) -> list[Value]:
    if any(isinstance(v, Dims) for v in node.inputs):
        numbers: list[int | None] = []
        for v in node.inputs:
            numbers += list(v.values) if isinstance(v, Dims) else const_in(v, "part").array.reshape(
                -1).astype(int).tolist()
        return [Dims(tuple(numbers))]
    inputs = [tensor_in(v) for v in node.inputs]
    rank = inputs[0].spec.rank + 1
    axis = node.attr("axis", 1) % rank
    wanted = 1 if inputs[0].spec.layout == "image" else rank - 1
    if axis != wanted:
        raise Unsupported(f"it joins along axis {axis}; Concat here joins an image's channels "
                          "or the last (feature) axis")
    return [b.add("Concat", {"inputs": len(inputs)}, inputs, node.name)]


def _shape(node: OnnxNode, b: Builder) -> list[Value]:
    x = node.input(0)
    if not isinstance(x, Tensor):
        raise Unsupported("it reads the shape of something that is not a layer's output")
    full: tuple[int | None, ...] = (None, *x.spec.shape, *((1, 1) if x.pooled else ()))
    return [Dims(full[node.attr("start", 0):node.attr("end", len(full))])]


def _gather(node: OnnxNode, b: Builder) -> list[Value]:
    dims = node.input(0)
    if not isinstance(dims, Dims):
        return _embedding(node, b)
    index = const_in(node.input(1), "index").array
    picked = tuple(dims.values[int(i)] for i in index.reshape(-1))
    return [Dims(picked, scalar=index.ndim == 0)]


def _unsqueeze(node: OnnxNode, b: Builder) -> list[Value]:
    dims = node.input(0)
    if isinstance(dims, Dims) and dims.scalar:
        return [Dims(dims.values)]
    # A vector turned into a (C, 1, 1) per-channel gate, in one step or two.
    if isinstance(dims, Tensor) and dims.spec.layout == "features" and not dims.pooled:
        if _axes(node, 4) == {2, 3}:
            return [Tensor(dims.layer, dims.spec, pooled=True)]
        if _axes(node, 3) == {2}:
            return [Partial("C×1", dims)]
    if _is(dims, "C×1") and _axes(node, 4) == {3}:
        assert isinstance(dims, Partial)
        return [Tensor(dims.source.layer, dims.source.spec, pooled=True)]
    raise Unsupported("it adds an axis to a tensor; only turning a vector into a (C, 1, 1) "
                      "per-channel gate is supported")


def _squeeze(node: OnnxNode, b: Builder) -> list[Value]:
    x = node.input(0)
    if isinstance(x, Tensor) and x.pooled and _axes(node, 4) <= {2, 3}:
        return [Tensor(x.layer, x.spec)]
    raise Unsupported("only removing the 1×1 left by a global pool is supported")


def _flatten_tensor(x: Tensor, b: Builder, origin: str) -> Tensor:
    if x.pooled or x.spec.rank == 1:
        return Tensor(x.layer, x.spec)
    return b.add("Flatten", {}, [x], origin)


def _flatten(node: OnnxNode, b: Builder) -> list[Value]:
    x = node.input(0)
    if node.attr("axis", 1) != 1 or not isinstance(x, Tensor):
        raise Unsupported("only flattening everything after the batch (axis 1) is supported")
    return [_flatten_tensor(x, b, node.name)]


def _reshape(node: OnnxNode, b: Builder) -> list[Value]:
    x, target = node.input(0), node.input(1)
    if not isinstance(x, Tensor):
        tensor_in(x)
    assert isinstance(x, Tensor)
    dims = target.values if isinstance(target, Dims) else tuple(
        const_in(target, "shape").array.reshape(-1).astype(int).tolist())
    per_example = (*x.spec.shape, *((1, 1) if x.pooled else ()))
    size = math.prod(x.spec.shape)
    rest = [per_example[i] if d == 0 and i < len(per_example) else d
            for i, d in enumerate(dims[1:])]
    if dims and dims[0] in (None, 0, 1) and None not in rest:
        if -1 in rest and rest.count(-1) == 1:
            known = math.prod(d for d in rest if d is not None and d != -1)
            rest[rest.index(-1)] = size // known if known and size % known == 0 else -2
        if tuple(rest) == (size,):
            return [_flatten_tensor(x, b, node.name)]
        if tuple(rest) == per_example:
            return [x]
    if tuple(dims) in ((-1, size),):
        return [_flatten_tensor(x, b, node.name)]
    shown = tuple("batch" if d is None else d for d in dims)
    raise Unsupported(f"it reshapes to {shown}; only flattening to (batch, -1) is supported")


def _constant(node: OnnxNode, b: Builder) -> list[Value]:
    attrs: dict[str, Any] = node.attrs
    if "value" in attrs:
        return [Const(numpy_helper.to_array(attrs["value"]), node.name)]
    for key in ("value_float", "value_floats", "value_int", "value_ints"):
        if key in attrs:
            kind = np.float32 if "float" in key else np.int64
            return [Const(np.asarray(attrs[key], dtype=kind), node.name)]
    raise Unsupported("it holds a kind of constant that is not supported (sparse or text)")


def _cast(node: OnnxNode, b: Builder) -> list[Value]:
    value = node.input(0)
    if isinstance(value, Dims):
        return [value]
    raise Unsupported("it changes the element type; no node kind does this")


CONVERTERS: dict[str, Converter] = {
    **LAYER_CONVERTERS,
    "Add": _add,
    "Sub": _sub,
    "Mul": _mul,
    "Div": _div,
    "Erf": _step("x / √2", "erf"),
    "Sqrt": _step("variance + ε", "√(variance + ε)"),
    "Pow": _step("centred", "square", check="square"),
    "ReduceMean": _reduce("GlobalAvgPool"),
    "ReduceMax": _reduce("GlobalMaxPool"),
    "HardSigmoid": _hard_sigmoid,
    "Concat": _concat,
    "Shape": _shape,
    "Gather": _gather,
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Constant": _constant,
    "Cast": _cast,
}
