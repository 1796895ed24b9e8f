"""How a traced node is named to the user: the code it stands for, and where it came from.

Messages about a node (``Unmapped``) name it as the user wrote it (``torch.cat``,
``x.view``, ``self.block``); a node torch.export recorded as an ATen operation is
named as that operation. ``variable_of`` finds, for a file this program exported,
the variable a node's statement set, so the node gets its id back.
"""

from __future__ import annotations

import operator
import re

import torch
import torch.fx as fx
import torch.nn as nn

from .exported_source import ExportedSource


def variable_of(node: fx.Node, source: ExportedSource) -> str:
    """The variable of the exported forward whose statement made ``node`` ("" if none)."""
    for match in _FRAME.finditer(node.stack_trace or ""):
        variable = source.variable_at(match["file"], int(match["line"]))
        if variable:
            return variable
    return ""


_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


def class_path(cls: type) -> str:
    """Where a class is found: ``torch.nn.Conv2d`` rather than ``torch.nn.modules.conv.Conv2d``."""
    if getattr(nn, cls.__name__, None) is cls:
        return f"torch.nn.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def describe(node: fx.Node) -> str:
    """A node as the user wrote it: ``torch.cat``, ``x.view``, ``self.block (SEBlock)``."""
    if node.op == "call_module":
        return f"self.{node.target}"
    if node.op == "call_method":
        return f"the tensor method .{node.target}()"
    if node.op == "get_attr":
        return f"the tensor self.{node.target}"
    target = node.target
    if isinstance(target, torch._ops.OpOverload):
        return f"the operation aten.{target.overloadpacket.__name__} (as torch.export records it)"
    if target is operator.getitem:
        return "indexing (x[...]) or unpacking several results"
    name = getattr(target, "__name__", str(target))
    module = getattr(target, "__module__", "") or ""
    prefix = {"torch.nn.functional": "F.", "_operator": "operator "}.get(module, "torch.")
    return f"{prefix}{name}"

