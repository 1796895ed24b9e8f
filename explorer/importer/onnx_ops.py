"""One small converter per family of ONNX operations: layers with weights, activations, pools.

Each converter reads an ``OnnxNode`` (its input values and attributes) and
returns its output values, adding our layers to the ``Builder`` on the way.
It raises ``Unsupported`` with a plain reason when the node uses something
our node kinds cannot express (an uneven padding, a dilated kernel...), so
the import can name every such node at once. Arithmetic, reshaping and the
decompositions torch writes for GELU and LayerNorm live in ``onnx_patterns``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.graph import AUTO, get_kind
from explorer.graph.kinds import all_kinds

from .onnx_values import Builder, Const, Tensor, Unsupported, Value, const_in, tensor_in


@dataclass
class OnnxNode:
    """One ONNX node as a converter sees it.

    ``sole[i]`` says this node is the only reader of input i (and that input is
    not a graph output), so a weight may be folded into the layer making it.
    ``ends_graph`` says the node's output is the model's output.
    """

    op: str
    name: str
    inputs: list[Value | None]
    attrs: dict[str, Any]
    sole: list[bool]
    ends_graph: bool = False

    def input(self, i: int) -> Value | None:
        return self.inputs[i] if i < len(self.inputs) else None

    def attr(self, name: str, default: Any = None) -> Any:
        return self.attrs.get(name, default)


Converter = Callable[[OnnxNode, Builder], list[Value]]


def kind_named(*names: str) -> str | None:
    """The first of ``names`` that is a node kind here (kinds are added over time)."""
    known = {kind.name for kind in all_kinds()}
    return next((name for name in names if name in known), None)


def has_param(kind: str, name: str) -> bool:
    return any(p.name == name for p in get_kind(kind).params)


# -- layers with weights ------------------------------------------------------------


def _gemm(node: OnnxNode, b: Builder) -> list[Value]:
    x = tensor_in(node.input(0))
    w = const_in(node.input(1), "weight")
    if node.attr("transA", 0):
        raise Unsupported("it transposes its input (transA=1); a Linear layer reads it as it is")
    weight = w.array if node.attr("transB", 0) else w.array.T
    weight = weight * np.float32(node.attr("alpha", 1.0))
    weights = {"weight": (weight, w.name)}
    bias = node.input(2)
    if bias is not None:
        c = const_in(bias, "bias")
        vector = np.broadcast_to(c.array * np.float32(node.attr("beta", 1.0)),
                                 (weight.shape[0],))
        weights["bias"] = (vector, c.name)
    params = {"out_features": weight.shape[0], "bias": bias is not None}
    return [b.add("Linear", params, [x], node.name, weights)]


def _matmul(node: OnnxNode, b: Builder) -> list[Value]:
    """x·W with a fixed W is a Linear without bias; an Add right after may give it one."""
    x = tensor_in(node.input(0))
    w = const_in(node.input(1), "second input")
    if w.array.ndim != 2:
        raise Unsupported(f"it multiplies by a {w.array.ndim}-D tensor; a Linear layer needs 2-D")
    weights = {"weight": (w.array.T, w.name)}
    return [b.add("Linear", {"out_features": w.array.shape[1], "bias": False}, [x], node.name,
                  weights, open={"bias"})]


def _square(values: Sequence[int], what: str) -> int:
    values = list(values)
    if len(values) != 2 or values[0] != values[1]:
        raise Unsupported(f"its {what} is {tuple(values)}; only square 2-D {what}s are supported")
    return int(values[0])


def _padding(node: OnnxNode, kernel: int, stride: int) -> int:
    """The same padding on every side, read from ``pads`` or ``auto_pad``."""
    auto_pad = node.attr("auto_pad", b"NOTSET")
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else auto_pad
    if auto_pad == "VALID":
        return 0
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        if stride != 1 or kernel % 2 == 0:
            raise Unsupported(f"auto_pad={auto_pad} with stride {stride} and kernel {kernel} "
                              "pads unevenly; give explicit pads")
        return kernel // 2
    pads = list(node.attr("pads", [0, 0, 0, 0]))
    if len(set(pads)) > 1:
        raise Unsupported(f"its padding {tuple(pads)} differs between sides; only the same "
                          "padding on every side is supported")
    return int(pads[0])


def _no_dilation(node: OnnxNode) -> None:
    if any(d != 1 for d in node.attr("dilations", [1, 1])):
        raise Unsupported(f"its kernel is dilated {tuple(node.attr('dilations'))}; "
                          "dilated kernels are not supported")


def _conv(node: OnnxNode, b: Builder) -> list[Value]:
    x = tensor_in(node.input(0))
    w = const_in(node.input(1), "weight")
    if w.array.ndim != 4:
        raise Unsupported(f"it is a {w.array.ndim - 2}-D convolution; only 2-D (images) are "
                          "supported")
    kernel = _square(node.attr("kernel_shape", w.array.shape[2:]), "kernel")
    stride = _square(node.attr("strides", [1, 1]), "stride")
    _no_dilation(node)
    padding = _padding(node, kernel, stride)
    weights, bias = _weight_and_bias(node, w)
    params = {"out_channels": w.array.shape[0], "kernel_size": kernel, "stride": stride,
              "padding": AUTO if padding == kernel // 2 else padding,
              "groups": int(node.attr("group", 1)), "bias": bias is not None}
    return [b.add("Conv2d", params, [x], node.name, weights)]


def _weight_and_bias(node: OnnxNode, w: Const) -> tuple[dict, object]:
    """A convolution's weights by parameter name (with their initializer names), and its
    optional bias input (input 2)."""
    weights = {"weight": (w.array, w.name)}
    bias = node.input(2)
    if bias is not None:
        c = const_in(bias, "bias")
        weights["bias"] = (c.array, c.name)
    return weights, bias


def _conv_transpose(node: OnnxNode, b: Builder) -> list[Value]:
    x = tensor_in(node.input(0))
    w = const_in(node.input(1), "weight")
    if w.array.ndim != 4:
        raise Unsupported("only 2-D transposed convolutions (images) are supported")
    kernel = _square(node.attr("kernel_shape", w.array.shape[2:]), "kernel")
    stride = _square(node.attr("strides", [1, 1]), "stride")
    _no_dilation(node)
    if node.attr("group", 1) != 1:
        raise Unsupported("it is grouped; ConvTranspose2d here has one group")
    if any(node.attr("output_padding", [0, 0])) or node.attr("output_shape") is not None:
        raise Unsupported("it sets output_padding or output_shape, which ConvTranspose2d "
                          "here does not have")
    if node.attr("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET", b"VALID", "VALID"):
        raise Unsupported("it uses auto_pad; give explicit pads")
    padding = _padding(node, kernel, stride)
    weights, bias = _weight_and_bias(node, w)
    params = {"out_channels": w.array.shape[1], "kernel_size": kernel, "stride": stride,
              "padding": padding, "bias": bias is not None}
    return [b.add("ConvTranspose2d", params, [x], node.name, weights)]


def _round(value: float) -> float:
    """A float32 attribute as the decimal it was written as (1e-05, not 9.99999974e-06)."""
    return float(f"{value:.6g}")


def _batch_norm(node: OnnxNode, b: Builder) -> list[Value]:
    x = tensor_in(node.input(0))
    if node.attr("training_mode", 0):
        raise Unsupported("it is in training mode; export the model in eval mode")
    names = ("weight", "bias", "running_mean", "running_var")
    consts = [const_in(node.input(i + 1), name) for i, name in enumerate(names)]
    weights = {name: (c.array, c.name) for name, c in zip(names, consts, strict=True)}
    weights["num_batches_tracked"] = (np.array(0, dtype=np.int64), "")
    # ONNX keeps the share of the old statistics; torch the share of the new batch.
    params = {"eps": _round(node.attr("epsilon", 1e-5)),
              "momentum": _round(1.0 - node.attr("momentum", 0.9))}
    return [b.add("BatchNorm", params, [x], node.name, weights)]


def _layer_norm(node: OnnxNode, b: Builder) -> list[Value]:
    x = tensor_in(node.input(0))
    if node.attr("axis", -1) not in (-1, x.spec.rank):
        raise Unsupported("it normalises over more than the last axis; LayerNorm here "
                          "normalises each position's features")
    scale = const_in(node.input(1), "scale")
    width = x.spec.shape[-1]
    bias = node.input(2)
    shift = const_in(bias, "bias") if bias is not None else Const(np.zeros(width, np.float32))
    weights = {"weight": (np.broadcast_to(scale.array, (width,)), scale.name),
               "bias": (np.broadcast_to(shift.array, (width,)), shift.name)}
    params = {"eps": _round(node.attr("epsilon", 1e-5))}
    return [b.add("LayerNorm", params, [x], node.name, weights)]


def _embedding(node: OnnxNode, b: Builder) -> list[Value]:
    """Gather rows of a fixed table by token ids: an Embedding."""
    table = const_in(node.input(0), "table")
    ids = tensor_in(node.input(1), "indices")
    if table.array.ndim != 2 or node.attr("axis", 0) != 0 or ids.spec.dtype != "long":
        raise Unsupported("only gathering rows of a 2-D table by token ids (an Embedding) "
                          "is supported")
    rows, width = table.array.shape
    b.widen_vocab(ids, rows)
    params = {"num_embeddings": rows, "embedding_dim": width}
    return [b.add("Embedding", params, [ids], node.name, {"weight": (table.array, table.name)})]


# -- activations, dropout, the final softmax ----------------------------------------


def _activation(kind: str, **params: str) -> Converter:
    """A converter to ``kind``, with parameters read from the named attributes."""
    def convert(node: OnnxNode, b: Builder) -> list[Value]:
        values = {param: _round(node.attrs[attr]) for param, attr in params.items()
                  if attr in node.attrs}
        return [b.add(kind, values, [tensor_in(node.input(0))], node.name)]

    return convert


def _gelu(node: OnnxNode, b: Builder) -> list[Value]:
    approximate = node.attr("approximate", b"none")
    approximate = approximate.decode() if isinstance(approximate, bytes) else approximate
    params: dict[str, Any] = {}
    if approximate != "none":
        if not has_param("GELU", "approximate"):
            raise Unsupported("it uses the tanh approximation, which GELU here does not offer")
        params["approximate"] = approximate
    return [b.add("GELU", params, [tensor_in(node.input(0))], node.name)]


def _optional_scalar(node: OnnxNode, index: int, attr: str) -> float | None:
    value = node.input(index)
    if value is None:
        return node.attrs.get(attr)
    number = const_in(value, attr).scalar()
    if number is None:
        raise Unsupported(f"its {attr} must be a single number")
    return number


def _clip(node: OnnxNode, b: Builder) -> list[Value]:
    low, high = _optional_scalar(node, 1, "min"), _optional_scalar(node, 2, "max")
    x = tensor_in(node.input(0))
    if low == 0 and (high is None or np.isinf(high)):
        return [b.add("ReLU", {}, [x], node.name)]
    if low == 0 and high == 6:
        relu6 = kind_named("ReLU6")
        if relu6 is None:
            raise Unsupported("it clips to [0, 6] (ReLU6), which has no node kind here")
        return [b.add(relu6, {}, [x], node.name)]
    raise Unsupported(f"it clips to [{low}, {high}]; only [0, ∞) (ReLU) and [0, 6] (ReLU6) "
                      "are supported")


def _hardswish(node: OnnxNode, b: Builder) -> list[Value]:
    kind = kind_named("Hardswish", "HardSwish")
    if kind is None:
        raise Unsupported("HardSwish has no node kind here")
    return [b.add(kind, {}, [tensor_in(node.input(0))], node.name)]


def _dropout(node: OnnxNode, b: Builder) -> list[Value]:
    """A Dropout node keeps the network trainable as it was; it is off at evaluation."""
    ratio = _optional_scalar(node, 1, "ratio")
    p = min(0.5 if ratio is None else float(ratio), 0.95)
    return [b.add("Dropout", {"p": _round(p)}, [tensor_in(node.input(0))], node.name)]


def _softmax(node: OnnxNode, b: Builder) -> list[Value]:
    """A final softmax over the class scores is left to the head, which applies it itself."""
    x = tensor_in(node.input(0))
    head = "segmentation" if x.spec.layout == "image" else "classification"
    classes = 1 if head == "segmentation" else x.spec.rank
    over_classes = node.attr("axis", -1) % (x.spec.rank + 1) == classes
    if not (node.ends_graph and over_classes and b.head in ("auto", head)):
        raise Unsupported(f"only a Softmax over the class scores at the very end, before a "
                          f"{head} head, is supported (the head applies it itself)")
    b.head = head
    b.notes.append(f"The final {node.op} ({node.name}) was left out: the {head} head "
                   "applies softmax in its loss, so the network now outputs raw scores.")
    return [x]


def _identity(node: OnnxNode, b: Builder) -> list[Value]:
    value = node.input(0)
    if value is None:
        raise Unsupported("it has no input")
    return [value]


# -- pooling ------------------------------------------------------------------------


def _pool(kind: str) -> Converter:
    def convert(node: OnnxNode, b: Builder) -> list[Value]:
        x = tensor_in(node.input(0))
        kernel = _square(node.attr("kernel_shape", []), "kernel")
        stride = _square(node.attr("strides", [1, 1]), "stride")
        _no_dilation(node)
        if node.attr("ceil_mode", 0):
            raise Unsupported("it rounds the output size up (ceil_mode); pools here round down")
        padding = _padding(node, kernel, stride)
        params: dict[str, Any] = {"kernel_size": kernel,
                                  "stride": AUTO if stride == kernel else stride}
        if padding:
            if not has_param(kind, "padding"):
                raise Unsupported(f"it pads by {padding}; {kind} here has no padding")
            if kind == "AvgPool2d" and not node.attr("count_include_pad", 0):
                raise Unsupported("it leaves the padding out of each average "
                                  "(count_include_pad=0); AvgPool2d here counts it as zeros")
            params["padding"] = padding
        return [b.add(kind, params, [x], node.name)]

    return convert


def _global_pool(kind: str) -> Converter:
    """ONNX keeps (C, 1, 1); our global pool gives (C,), and the Flatten after it is dropped."""
    def convert(node: OnnxNode, b: Builder) -> list[Value]:
        out = b.add(kind, {}, [tensor_in(node.input(0))], node.name)
        return [Tensor(out.layer, out.spec, pooled=True)]

    return convert


LAYER_CONVERTERS: dict[str, Converter] = {
    "Gemm": _gemm,
    "MatMul": _matmul,
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "BatchNormalization": _batch_norm,
    "LayerNormalization": _layer_norm,
    "Gather": _embedding,
    "Relu": _activation("ReLU"),
    "Gelu": _gelu,
    "Sigmoid": _activation("Sigmoid"),
    "Tanh": _activation("Tanh"),
    "LeakyRelu": _activation("LeakyReLU", negative_slope="alpha"),
    "Clip": _clip,
    "HardSwish": _hardswish,
    "Dropout": _dropout,
    "Softmax": _softmax,
    "LogSoftmax": _softmax,
    "Identity": _identity,
    "MaxPool": _pool("MaxPool2d"),
    "AveragePool": _pool("AvgPool2d"),
    "GlobalAveragePool": _global_pool("GlobalAvgPool"),
    "GlobalMaxPool": _global_pool("GlobalMaxPool"),
}
