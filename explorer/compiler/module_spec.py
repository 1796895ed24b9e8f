"""ModuleSpec: one description of a submodule that both builds it and prints it.

The compiled network instantiates a spec; the exporter prints the same spec
as ``self.conv_1 = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)``.
Because both come from one record, the exported file cannot drift from what
the app trained.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch.nn as nn

from . import blocks

# Every constructor a spec may name, by the name exported code uses for it.
TORCH_CLASSES = (
    nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.Upsample, nn.Embedding,
    nn.ReLU, nn.GELU, nn.Tanh, nn.Sigmoid, nn.SiLU, nn.LeakyReLU, nn.ReLU6, nn.Hardswish,
    nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm, nn.Dropout,
    nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d,
)
BLOCK_CLASSES = (
    blocks.ResidualMLP, blocks.ResidualConv, blocks.Highway, blocks.DenseLayer,
    blocks.DenseBlock, blocks.Transition, blocks.SelfAttention, blocks.TransformerBlock,
    blocks.SqueezeExcite, blocks.MBConv, blocks.PositionalEmbedding,
    blocks.StochasticDepth, blocks.Bottleneck, blocks.PatchEmbedding, blocks.ClassToken,
)
CONSTRUCTORS: dict[str, type[nn.Module]] = {
    **{f"nn.{cls.__name__}": cls for cls in TORCH_CLASSES},
    **{cls.__name__: cls for cls in BLOCK_CLASSES},
}

# Block classes that other block classes use inside: exported code defines these first.
BLOCK_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "DenseBlock": ("DenseLayer",),
    "TransformerBlock": ("SelfAttention", "StochasticDepth"),
    "MBConv": ("SqueezeExcite", "StochasticDepth"),
    "ResidualConv": ("StochasticDepth",),
    "Bottleneck": ("StochasticDepth",),
}

# Initialisers an ``init`` step may call (all from torch.nn.init).
INIT_FUNCTIONS = frozenset({"constant_", "zeros_", "ones_", "normal_"})


@dataclass(frozen=True)
class ModuleSpec:
    """A constructor call with literal arguments, plus steps run right after it.

    ``init`` holds steps such as ``("constant_", "bias", -3.0)``: call
    ``nn.init.constant_`` on the module's ``bias`` with ``-3.0``.
    """

    ctor: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    init: tuple[tuple[Any, ...], ...] = ()

    def __post_init__(self) -> None:
        if self.ctor not in CONSTRUCTORS:
            raise ValueError(f"unknown module constructor {self.ctor!r}")
        for step in self.init:
            if step[0] not in INIT_FUNCTIONS:
                raise ValueError(f"unknown initialiser {step[0]!r}")

    @property
    def is_block(self) -> bool:
        return not self.ctor.startswith("nn.")

    def instantiate(self) -> nn.Module:
        module = CONSTRUCTORS[self.ctor](*self.args, **self.kwargs)
        for function, target, *values in self.init:
            getattr(nn.init, function)(module.get_parameter(target), *values)
        return module

    def source(self) -> str:
        """The constructor call as Python text: ``nn.Linear(64, 10, bias=True)``."""
        parts = [literal(a) for a in self.args]
        parts += [f"{key}={literal(value)}" for key, value in self.kwargs.items()]
        return f"{self.ctor}({', '.join(parts)})"

    def init_source(self, attribute: str) -> tuple[str, ...]:
        """The init steps as statements on ``attribute`` (e.g. ``self.linear_1``)."""
        return tuple(
            f"nn.init.{function}({attribute}.{target}"
            + "".join(f", {literal(v)}" for v in values) + ")"
            for function, target, *values in self.init
        )


def literal(value: Any) -> str:
    """A Python literal for a plain value; strings in double quotes where that is simple."""
    if isinstance(value, str) and value.isprintable() and not set(value) & {'"', "\\"}:
        return f'"{value}"'
    if isinstance(value, (bool, int, float, str, type(None))):
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    raise TypeError(f"{value!r} is not a plain literal")


def blocks_needed(ctors: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The block classes exported code must define for these constructors, helpers first."""
    needed: list[str] = []
    for ctor in ctors:
        if ctor.startswith("nn.") or ctor in needed:
            continue
        for helper in BLOCK_DEPENDENCIES.get(ctor, ()):
            if helper not in needed:
                needed.append(helper)
        needed.append(ctor)
    return tuple(needed)
