"""Dense blocks, transitions, MBConv (with or without squeeze-excite) and highway layers,
recognised by their layers and kept only when the block computes what the part did.

Each recogniser lists the part's layers that hold weights, in the order they
were made, and reads the block's settings off their sizes (growth rate,
expansion, kernel, stride, squeeze width). What the sizes cannot say (the
activation, which Linear is the gate) is tried, and ``computes_the_same``
decides. BatchNorm layers must use torch's defaults (eps 1e-5, momentum 0.1),
as the blocks' do: a different ε changes the output too little for the check
to be sure of.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn as nn

from explorer.compiler import blocks
from explorer.compiler.modules import FUNCTIONAL_ACTIVATIONS
from explorer.graph import TensorSpec
from explorer.graph.kinds import Context
from explorer.graph.kinds.blocks import transition_channels

from .block_weights import Found, Taken, computes_the_same
from .own_blocks import _fraction

Leaf = tuple[str, nn.Module]  # "block.0.0." and the layer


def weight_layers(part: nn.Module) -> list[Leaf] | None:
    """The layers holding weights, in order; None if one is not a Conv2d, BatchNorm2d or Linear
    (or is a BatchNorm2d with other than torch's default settings)."""
    found: list[Leaf] = []
    for name, m in part.named_modules():
        if not list(m.parameters(recurse=False)):
            continue
        if isinstance(m, nn.BatchNorm2d):
            if not (m.affine and m.track_running_stats and m.eps == 1e-5 and m.momentum == 0.1):
                return None
        elif not isinstance(m, (nn.Conv2d, nn.Linear)):
            return None
        found.append((f"{name}." if name else "", m))
    return found


def _conv(leaf: Leaf, kernel: int | None = None, bias: bool = False) -> nn.Conv2d | None:
    m = leaf[1]
    if (not isinstance(m, nn.Conv2d) or (m.bias is not None) != bias or m.dilation != (1, 1)
            or m.kernel_size[0] != m.kernel_size[1] or m.stride[0] != m.stride[1]
            or m.padding_mode != "zeros"
            or (kernel is not None and m.kernel_size[0] != kernel)):
        return None
    return m


def _out_channels(leaf: Leaf) -> int:
    """A Conv2d's or Linear's outputs (its weight's first axis)."""
    weight = leaf[1].weight
    assert isinstance(weight, torch.Tensor)
    return int(weight.shape[0])


def _weights(pairs: list[tuple[str, Leaf]], state: Mapping[str, torch.Tensor]
             ) -> dict[str, Taken]:
    """Block key -> original key, for every entry of each named layer's state_dict."""
    taken = {}
    for new, (old, _) in pairs:
        for key in state:
            if key.startswith(old) and "." not in key[len(old):]:
                taken[f"{new}.{key[len(old):]}"] = Taken((key,))
    return taken


def dense_block(part: nn.Module, x: torch.Tensor, y: torch.Tensor,
                state: Mapping[str, torch.Tensor]) -> Found | None:
    """Layers of BN, 1×1 conv to 4k, BN, 3×3 conv to k (DenseNet-BC), or BN, 3×3 conv to k."""
    leaves = weight_layers(part)
    if x.dim() != 4 or not leaves or not isinstance(leaves[-1][1], nn.Conv2d):
        return None
    k = leaves[-1][1].out_channels
    bottleneck = len(leaves) % 4 == 0 and _conv(leaves[1], 1) is not None
    size = 4 if bottleneck else 2
    count = len(leaves) // size
    names = ("norm1", "conv1", "norm2", "conv") if bottleneck else ("norm1", "conv")
    if count < 1 or count * size != len(leaves) or y.shape[1] != x.shape[1] + count * k:
        return None
    pairs = [(f"layers.{i}.{names[j]}", leaves[i * size + j]) for i in range(count)
             for j in range(size)]
    block = blocks.DenseBlock(x.shape[1], count, k, bottleneck)
    weights = _weights(pairs, state)
    if not computes_the_same(block, state, weights, x, y):
        return None
    return Found("DenseBlock", {"layers": count, "growth_rate": k, "bottleneck": bottleneck},
                 weights)


def transition(part: nn.Module, x: torch.Tensor, y: torch.Tensor,
               state: Mapping[str, torch.Tensor]) -> Found | None:
    """BN, ReLU, a 1×1 conv to fewer channels, 2×2 average pooling."""
    leaves = weight_layers(part)
    if x.dim() != 4 or not leaves or len(leaves) != 2 or _conv(leaves[1], 1) is None:
        return None
    c, out = x.shape[1], _out_channels(leaves[1])
    compression = _fraction("Transition", "compression", out,
                            lambda r: transition_channels_of(c, r), c)
    block = blocks.Transition(c, out)
    weights = _weights([("norm", leaves[0]), ("conv", leaves[1])], state)
    if out > c or transition_channels_of(c, compression) != out \
            or not computes_the_same(block, state, weights, x, y):
        return None
    return Found("Transition", {"compression": compression}, weights)


def transition_channels_of(c: int, compression: float) -> int:
    """What the Transition kind makes of ``compression`` for ``c`` channels."""
    return transition_channels(Context({"compression": compression}, (TensorSpec((c, 2, 2)),)))


def mbconv(part: nn.Module, x: torch.Tensor, y: torch.Tensor,
           state: Mapping[str, torch.Tensor]) -> Found | None:
    """[1×1 expand, BN,] depthwise k×k, BN, [squeeze-excite: two 1×1s with bias,] 1×1, BN."""
    leaves = weight_layers(part)
    if x.dim() != 4 or not leaves or len(leaves) not in (4, 6, 8):
        return None
    c = x.shape[1]
    # Six layers are either expand + depthwise + project or depthwise + squeeze-excite +
    # project: with the expansion, the fourth is the depthwise's BatchNorm.
    widen = len(leaves) == 8 or (len(leaves) == 6 and isinstance(leaves[3][1], nn.BatchNorm2d))
    names = ["expand", "expand_norm"] if widen else []
    names += ["dw", "dw_norm"]
    se = len(leaves) - len(names) == 4
    names += ["se.reduce", "se.expand"] if se else []
    names += ["project", "project_norm"]
    if len(names) != len(leaves):
        return None
    layers = dict(zip(names, leaves, strict=True))
    dw = _conv(layers["dw"])
    if dw is None or dw.groups != dw.in_channels or dw.padding[0] != dw.kernel_size[0] // 2:
        return None
    wide, k, stride = dw.in_channels, dw.kernel_size[0], dw.stride[0]
    squeezed = _out_channels(layers["se.reduce"]) if se else 0
    out = _out_channels(layers["project"])
    if wide % c or wide // c > 8 or stride > 2 or k > 11 or (not widen and wide != c):
        return None
    weights = _weights(list(layers.items()), state)
    params = {"out_channels": out, "expand_ratio": wide // c, "kernel_size": k,
              "stride": stride, "se_ratio": 0.0}
    if se:
        params["se_ratio"] = _fraction("MBConv", "se_ratio", squeezed,
                                       lambda r: max(1, int(c * r)), c)
    for activation in ("silu", "relu6", "hardswish", "relu"):
        block = blocks.MBConv(c, out, wide // c, k, stride, squeezed,
                              FUNCTIONAL_ACTIVATIONS[activation])
        if computes_the_same(block, state, weights, x, y):
            return Found("MBConv", {**params, "activation": activation}, weights)
    return None


def highway(part: nn.Module, x: torch.Tensor, y: torch.Tensor,
            state: Mapping[str, torch.Tensor]) -> Found | None:
    """Two d → d Linears with biases: H (through an activation) and the gate T (a sigmoid)."""
    leaves = weight_layers(part)
    d = x.shape[-1]
    if (y.shape != x.shape or not leaves or len(leaves) != 2
            or not all(isinstance(m, nn.Linear) and m.bias is not None
                       and (m.in_features, m.out_features) == (d, d) for _, m in leaves)):
        return None
    for h, t in (leaves, leaves[::-1]):
        weights = _weights([("h", h), ("t", t)], state)
        for activation in ("relu", "tanh", "sigmoid", "gelu", "silu", "leakyrelu"):
            block = blocks.Highway(d, FUNCTIONAL_ACTIVATIONS[activation])
            if computes_the_same(block, state, weights, x, y):
                return Found("Highway", {"activation": activation}, weights)
    return None
