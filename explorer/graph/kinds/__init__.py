"""The node library: every kind of node, with its parameters, shape rule and meaning.

Importing this package registers all kinds; ``get_kind(name)`` looks one up.
"""

from . import blocks, elementwise, io, layers, merges, pooling, residual  # noqa: F401  (register)
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
