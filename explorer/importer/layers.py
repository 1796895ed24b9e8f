"""torch.nn layers as node kinds: which layer becomes which kind, with which parameters.

Each rule reads a layer's attributes and returns the kind and parameters
that compile back to the same torch class with the same weight names, or
None when the layer uses an option no kind has (a dilated convolution, a
non-square kernel...); such a layer is then kept whole as an imported module.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import torch.nn as nn

from explorer.graph import AUTO, get_kind

from .loading import is_plain

Mapped = tuple[str, dict[str, Any]] | None


def _square(value: Any) -> int | None:
    """An int, or a pair of equal ints, as one int; None for anything else."""
    if isinstance(value, int):
        return value
    if isinstance(value, (tuple, list)) and len(value) == 2 and value[0] == value[1]:
        return int(value[0])
    return None


def _linear(m: nn.Linear) -> Mapped:
    return "Linear", {"out_features": m.out_features, "bias": m.bias is not None}


def _conv(m: nn.Conv2d) -> Mapped:
    kernel, stride = _square(m.kernel_size), _square(m.stride)
    padding = 0 if m.padding == "valid" else _square(m.padding)
    if (kernel is None or stride is None or padding is None or _square(m.dilation) != 1
            or m.padding_mode != "zeros"):
        return None
    return "Conv2d", {"out_channels": m.out_channels, "kernel_size": kernel, "stride": stride,
                      "padding": padding, "groups": m.groups, "bias": m.bias is not None}


def _conv_transpose(m: nn.ConvTranspose2d) -> Mapped:
    kernel, stride, padding = _square(m.kernel_size), _square(m.stride), _square(m.padding)
    if (kernel is None or stride is None or padding is None or _square(m.dilation) != 1
            or m.groups != 1 or _square(m.output_padding) != 0):
        return None
    return "ConvTranspose2d", {"out_channels": m.out_channels, "kernel_size": kernel,
                               "stride": stride, "padding": padding,
                               "bias": m.bias is not None}


def _batch_norm(m: nn.BatchNorm1d | nn.BatchNorm2d) -> Mapped:
    if not (m.affine and m.track_running_stats) or m.momentum is None:
        return None
    return "BatchNorm", {"momentum": m.momentum, "eps": m.eps}


def _layer_norm(m: nn.LayerNorm) -> Mapped:
    if len(m.normalized_shape) != 1 or not m.elementwise_affine or m.bias is None:
        return None
    return "LayerNorm", {"eps": m.eps}


def _group_norm(m: nn.GroupNorm) -> Mapped:
    return ("GroupNorm", {"groups": m.num_groups, "eps": m.eps}) if m.affine else None


def pool_settings(kind: str, kernel_size: Any, stride: Any = None, padding: Any = 0,
                  dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False,
                  count_include_pad: bool = True, divisor_override: Any = None) -> Mapped:
    """A MaxPool2d or AvgPool2d node for these settings (torch's names), if a node has them."""
    kernel = _square(kernel_size)
    stride = kernel if stride is None or stride == [] else _square(stride)
    padding = _square(padding)
    if (kernel is None or stride is None or padding is None or ceil_mode or return_indices
            or _square(dilation) != 1 or not count_include_pad or divisor_override):
        return None
    # A window wider than the largest stride a node holds as a number, stepping by
    # itself: "auto" says just that.
    largest = next(p.max for p in get_kind(kind).params if p.name == "stride")
    if stride == kernel and largest is not None and stride > largest:
        stride = AUTO
    return kind, {"kernel_size": kernel, "stride": stride, "padding": padding}


def _pool(kind: str) -> Callable[[Any], Mapped]:
    def rule(m: nn.MaxPool2d | nn.AvgPool2d) -> Mapped:
        if isinstance(m, nn.MaxPool2d):
            return pool_settings(kind, m.kernel_size, m.stride, m.padding, m.dilation,
                                 m.ceil_mode, m.return_indices)
        return pool_settings(kind, m.kernel_size, m.stride, m.padding, 1, m.ceil_mode,
                             count_include_pad=m.count_include_pad,
                             divisor_override=m.divisor_override)

    return rule


def _adaptive_avg_pool(m: nn.AdaptiveAvgPool2d) -> Mapped:
    size = _square(m.output_size)
    return ("AdaptiveAvgPool2d", {"output_size": size}) if size is not None else None


def _flatten(m: nn.Flatten) -> Mapped:
    return ("Flatten", {}) if (m.start_dim, m.end_dim) == (1, -1) else None


def _embedding(m: nn.Embedding) -> Mapped:
    if m.padding_idx is not None or m.max_norm is not None or m.sparse:
        return None
    return "Embedding", {"num_embeddings": m.num_embeddings, "embedding_dim": m.embedding_dim}


def _upsample(m: nn.Upsample) -> Mapped:
    factor = m.scale_factor
    if (m.size is not None or m.mode not in ("nearest", "bilinear")
            or not isinstance(factor, (int, float)) or factor != int(factor)
            or (m.mode == "bilinear" and m.align_corners)):
        return None
    return "Upsample", {"scale_factor": int(factor), "mode": m.mode}


def _plain(kind: str) -> Callable[[nn.Module], Mapped]:
    return lambda m: (kind, {})


LAYER_RULES: dict[type, Callable[[Any], Mapped]] = {
    nn.Linear: _linear,
    nn.Conv2d: _conv,
    nn.ConvTranspose2d: _conv_transpose,
    nn.BatchNorm1d: _batch_norm,
    nn.BatchNorm2d: _batch_norm,
    nn.LayerNorm: _layer_norm,
    nn.GroupNorm: _group_norm,
    nn.MaxPool2d: _pool("MaxPool2d"),
    nn.AvgPool2d: _pool("AvgPool2d"),
    nn.AdaptiveAvgPool2d: _adaptive_avg_pool,
    nn.Flatten: _flatten,
    nn.Embedding: _embedding,
    nn.Upsample: _upsample,
    nn.Dropout: lambda m: ("Dropout", {"p": m.p}),
    nn.ReLU: _plain("ReLU"),
    nn.GELU: lambda m: ("GELU", {"approximate": m.approximate}),
    nn.Tanh: _plain("Tanh"),
    nn.Sigmoid: _plain("Sigmoid"),
    nn.SiLU: _plain("SiLU"),
    nn.ReLU6: _plain("ReLU6"),
    nn.Hardswish: _plain("Hardswish"),
    nn.LeakyReLU: lambda m: ("LeakyReLU", {"negative_slope": m.negative_slope}),
}

# Layers that pass their input through unchanged (in evaluation, as imports are checked).
PASS_THROUGH = (nn.Identity,)


def layer_kind(module: nn.Module) -> Mapped:
    """The kind and parameters for a torch layer (exact class only), or None."""
    rule = LAYER_RULES.get(type(module))
    return rule(module) if rule is not None else None


def arguments_from_attributes(module: nn.Module) -> dict[str, Any] | None:
    """A torch layer's constructor arguments, read back from the attributes of the same names.

    Works for the layers of ``torch.nn`` (they keep each argument as an attribute);
    None when one is missing or not plain data.
    """
    try:
        signature = inspect.signature(type(module).__init__)
    except (TypeError, ValueError):
        return None
    values: dict[str, Any] = {}
    for name, parameter in list(signature.parameters.items())[1:]:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if name in ("device", "dtype"):
            continue
        if name == "bias" and isinstance(getattr(module, "bias", None), (nn.Parameter, type(None))):
            values[name] = module.bias is not None
            continue
        if not hasattr(module, name):
            if parameter.default is parameter.empty:
                return None
            continue
        value = getattr(module, name)
        value = list(value) if isinstance(value, tuple) else value
        values[name] = value
    return values if is_plain(values) else None
