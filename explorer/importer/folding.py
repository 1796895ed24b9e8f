"""Recognising ResNet blocks among imported layers and folding each into one block node.

A torchvision-style BasicBlock arrives as conv-bn-relu-conv-bn, an Add with
the input (or with a 1×1 conv-bn "downsample" of it) and a ReLU; a
Bottleneck has three convolutions. When every setting is one the block kind
reproduces exactly (padding, bias, default BatchNorm settings, an integer
expansion), the layers become one ``ResidualConv`` or ``Bottleneck`` node
with the same weights; anything else stays as primitives, which compute the
same thing. A fold is only kept when the block's shape rule agrees with the
shape torch computed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import torch.nn as nn

from explorer.graph import GraphError, TensorSpec, get_kind
from explorer.graph.kinds import Context

from .mapping import Layer

BN_DEFAULTS = {"eps": 1e-5, "momentum": 0.1}  # what the blocks' BatchNorm2d layers use
BASIC_CHAIN = ("BatchNorm", "Conv2d", "ReLU", "BatchNorm", "Conv2d")  # from the add back
BOTTLENECK_CHAIN = ("BatchNorm", "Conv2d", "ReLU", "BatchNorm", "Conv2d", "ReLU", "BatchNorm",
                    "Conv2d")


class _Index:
    """The layers by id, and how many layers read each one."""

    def __init__(self, layers: list[Layer], output: str) -> None:
        self.by_id = {layer.node_id: layer for layer in layers}
        self.uses = Counter(i for layer in layers for i in layer.inputs)
        self.uses[output] += 1

    def chain(self, start: str, kinds: tuple[str, ...]) -> list[Layer] | None:
        """Layers of ``kinds`` walking back from ``start``, each read only by the next."""
        found, current = [], start
        for kind in kinds:
            layer = self.by_id.get(current)
            if layer is None or layer.kind != kind or self.uses[current] != 1:
                return None
            found.append(layer)
            current = layer.inputs[0]
        return found[::-1]


def fold_blocks(layers: list[Layer], output: str, specs: dict[str, TensorSpec],
                module: nn.Module, notes: list[str]) -> tuple[list[Layer], str]:
    """Fold every recognised block; return the new layers and the (maybe renamed) output."""
    folded: list[str] = []
    for add in [layer for layer in layers if layer.kind == "Add" and len(layer.inputs) == 2]:
        index = _Index(layers, output)
        found = _match(add, index, specs, module, {la.node_id for la in layers})
        if found is None:
            continue
        block, replaced = found
        last = replaced[-1].node_id
        gone = {layer.node_id for layer in replaced}
        layers = [block if layer.node_id == last else layer for layer in layers
                  if layer.node_id not in gone or layer.node_id == last]
        for layer in layers:
            layer.inputs = [block.node_id if i == last else i for i in layer.inputs]
        output = block.node_id if output == last else output
        specs[block.node_id] = block.spec
        folded.append(f"{block.node_id} ({block.kind})")
    if len(folded) == 1:
        notes.append(f"Recognised a ResNet block and folded it into one node: {folded[0]}.")
    elif folded:
        notes.append(f"Recognised {len(folded)} ResNet blocks and folded each into one node: "
                     f"{', '.join(folded[:6])}"
                     + (f" and {len(folded) - 6} more." if len(folded) > 6 else "."))
    return layers, output


def _match(add: Layer, index: _Index, specs: dict[str, TensorSpec], module: nn.Module,
           taken: set[str]) -> tuple[Layer, list[Layer]] | None:
    relu = [la for la in index.by_id.values() if add.node_id in la.inputs]
    if len(relu) != 1 or relu[0].kind != "ReLU" or index.uses[add.node_id] != 1:
        return None
    for main, skip in (add.inputs, add.inputs[::-1]):
        for chain, build in ((BOTTLENECK_CHAIN, _bottleneck), (BASIC_CHAIN, _basic)):
            inner = index.chain(main, chain)
            if inner is None:
                continue
            source = inner[0].inputs[0]
            downsample = None if skip == source else index.chain(skip, ("BatchNorm", "Conv2d"))
            if downsample is not None and downsample[0].inputs[0] != source:
                continue
            if skip != source and downsample is None:
                continue
            made = build(inner, downsample)
            if made is None:
                continue
            kind, params, parts = made
            block = _block(kind, params, parts, source, relu[0], specs, module, taken)
            if block is not None:
                return block, [*inner, *(downsample or []), add, relu[0]]
    return None


def _conv(layer: Layer, kernel: int, padding: int, stride: int | None = None,
          groups: int | None = 1) -> bool:
    p = layer.params
    return (p["kernel_size"] == kernel and p["padding"] == padding and not p["bias"]
            and (stride is None or p["stride"] == stride)
            and (groups is None or p["groups"] == groups))


def _bn(*layers: Layer) -> bool:
    return all(layer.params[k] == v for layer in layers for k, v in BN_DEFAULTS.items())


def _shortcut(downsample: list[Layer] | None, stride: int) -> str | None:
    """"identity", "projection" (a 1×1 strided conv and default BatchNorm) or None."""
    if downsample is None:
        return "identity"
    conv, bn = downsample
    return "projection" if _conv(conv, 1, 0, stride) and _bn(bn) else None


def _basic(inner: list[Layer], downsample: list[Layer] | None) -> Any:
    conv1, bn1, _, conv2, bn2 = inner
    k, stride = conv1.params["kernel_size"], conv1.params["stride"]
    shortcut = _shortcut(downsample, stride)
    if (k % 2 == 0 or not _conv(conv1, k, k // 2) or not _conv(conv2, k, k // 2, 1)
            or not _bn(bn1, bn2) or shortcut is None):
        return None
    params = {"out_channels": conv2.params["out_channels"], "kernel_size": k, "stride": stride,
              "activation": "relu", "norm": "batch", "order": "post", "shortcut": shortcut}
    parts = {"conv1": conv1, "norm1": bn1, "conv2": conv2, "norm2": bn2}
    if downsample:
        parts.update(proj=downsample[0], proj_norm=downsample[1])
    return "ResidualConv", params, parts


def _bottleneck(inner: list[Layer], downsample: list[Layer] | None) -> Any:
    conv1, bn1, _, conv2, bn2, _, conv3, bn3 = inner
    stride, groups = conv2.params["stride"], conv2.params["groups"]
    width, out = conv1.params["out_channels"], conv3.params["out_channels"]
    shortcut = _shortcut(downsample, stride)
    if (not _conv(conv1, 1, 0, 1) or not _conv(conv2, 3, 1, None, None)
            or not _conv(conv3, 1, 0, 1) or not _bn(bn1, bn2, bn3) or shortcut is None
            or out % width or out // width < 1):
        return None
    params = {"out_channels": out, "expansion": out // width, "stride": stride,
              "groups": groups, "shortcut": shortcut}
    parts = {"conv1": conv1, "bn1": bn1, "conv2": conv2, "bn2": bn2, "conv3": conv3,
             "bn3": bn3}
    if downsample:
        parts.update({"downsample.0": downsample[0], "downsample.1": downsample[1]})
    return "Bottleneck", params, parts


def _block(kind: str, params: dict[str, Any], parts: dict[str, Layer], source: str,
           last: Layer, specs: dict[str, TensorSpec], module: nn.Module,
           taken: set[str]) -> Layer | None:
    """The block layer, if its kind computes the shape torch did."""
    node_kind = get_kind(kind)
    try:
        values = node_kind.validate(params)
        spec = node_kind.infer(Context(values, (specs[source],)))
    except GraphError:
        return None
    if spec.shape != last.spec.shape:
        return None
    sources = {f"{name}.{key}": f"{layer.module}.{key}" for name, layer in parts.items()
               for key in module.get_submodule(layer.module).state_dict()}
    first = parts["conv1"].module
    base = first.rpartition(".")[0] or "block"
    node_id, n = base, 1
    while node_id in taken:
        n += 1
        node_id = f"{base}#{n}"
    taken.add(node_id)
    return Layer(node_id, kind, values, [source], spec, module=base if base != "block" else "",
                 sources=sources)
