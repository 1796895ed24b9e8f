"""What a node rewritten from torch.export's graph keeps of the exported node.

The mapper names the user's line from a node's stack trace (``stack_line``) and
the part around it from its module path (``_enclosing_part``). Export records
both, but its stack trace goes on into library code the model calls (einops'
own lines), and its module path names classes as text. ``NodeMeta`` cuts the
trace after the last frame in the model's own files and puts the classes back.
"""

from __future__ import annotations

import contextlib
import inspect
import re
from typing import Any

import torch.fx as fx
import torch.nn as nn

from .tracing import from_torch

_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line \d+')


class NodeMeta:
    """Stack traces and module paths for the rewritten nodes of one module's graph."""

    def __init__(self, module: nn.Module) -> None:
        self.module = module
        self.user_files: set[str] = set()  # the files the model's own classes are written in
        for m in module.modules():
            if not from_torch(type(m)):
                with contextlib.suppress(TypeError):
                    self.user_files.add(inspect.getsourcefile(type(m)) or "")

    def copy(self, made: fx.Node, node: fx.Node) -> fx.Node:
        """``made`` with ``node``'s stack trace and module path; ``made`` again."""
        made.meta["stack_trace"] = self.trimmed(node.meta.get("stack_trace"))
        if node.meta.get("nn_module_stack"):
            made.meta["nn_module_stack"] = self.typed(node.meta["nn_module_stack"])
        return made

    def typed(self, stack: dict[str, tuple[str, Any]]) -> dict[str, tuple[str, Any]]:
        """The module path with each module's class, as fx records it."""
        typed = {}
        for key, (qualname, cls) in stack.items():
            try:
                typed[key] = (qualname, type(self.module.get_submodule(qualname)))
            except AttributeError:
                typed[key] = (qualname, cls)
        return typed

    def trimmed(self, trace: str | None) -> str | None:
        """The stack trace cut after the last frame in the model's own files."""
        if not trace:
            return trace
        lines = trace.splitlines()
        own = [i for i, line in enumerate(lines)
               if (found := _FRAME.match(line)) and found["file"] in self.user_files]
        return "\n".join(lines[:own[-1] + 2]) if own else trace
