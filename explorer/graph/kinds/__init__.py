"""The node library: every kind of node, with its parameters, shape rule and meaning.

Importing this package registers all kinds; ``get_kind(name)`` looks one up.
"""

from . import (  # noqa: F401  (importing a kind's module registers its kinds)
    blocks,
    bottleneck,
    elementwise,
    io,
    layers,
    merges,
    opaque,
    pooling,
    residual,
    tokens,
)
from .base import CATEGORIES, Context, NodeKind, all_kinds, describe_spec, get_kind
from .expansion import BLOCK_INPUT, Expansion, SubNode, run_expansion
from .io import INPUT_KINDS, OUTPUT_KINDS
from .residual import gate_bias_for_depth

__all__ = [
    "BLOCK_INPUT",
    "CATEGORIES",
    "INPUT_KINDS",
    "OUTPUT_KINDS",
    "Context",
    "Expansion",
    "NodeKind",
    "SubNode",
    "all_kinds",
    "describe_spec",
    "gate_bias_for_depth",
    "get_kind",
    "run_expansion",
]
