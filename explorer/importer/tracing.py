"""Tracing a module with torch.fx, keeping known layers and untraceable parts whole.

torch.fx records what ``forward`` does as a graph of calls. Layers the
editor has kinds for (everything in ``torch.nn``) are kept as single calls;
so is every submodule in ``keep`` (the parts the import decided to leave
opaque). When tracing a submodule fails (data-dependent control flow,
say), ``TraceFailure`` names that submodule, so the caller can keep it whole
and trace again; when the top module itself fails, it says which line of
the user's code stopped the trace.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

import torch
import torch.fx as fx
import torch.nn as nn
from torch.fx.passes.shape_prop import ShapeProp

from .errors import ImportFailure

_TORCH_DIR = os.path.dirname(torch.__file__)
_OUR_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def from_torch(cls: type) -> bool:
    """Whether a class is torch's own (``torch.nn.Conv2d``), not the user's or a library's."""
    return cls.__module__.startswith("torch.")


class TraceFailure(Exception):
    """Tracing failed inside ``part`` (a qualified submodule name; "" for the top module)."""

    tracer = "torch.fx"  # which tracer failed, as messages name it

    def __init__(self, part: str, error: BaseException, line: str) -> None:
        super().__init__(f"{part or 'the module'}: {error}")
        self.part, self.error, self.line = part, error, line


class KeepingTracer(fx.Tracer):
    """An fx tracer that treats ``torch.nn`` layers and the ``keep`` submodules as leaves."""

    def __init__(self, keep: set[str]) -> None:
        super().__init__()
        self.keep = keep
        self.record_stack_traces = True
        self.failed_in: str | None = None

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        return module_qualified_name in self.keep or super().is_leaf_module(
            m, module_qualified_name)

    def call_module(self, m: nn.Module, forward: Callable[..., Any], args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> Any:
        try:
            return super().call_module(m, forward, args, kwargs)
        except Exception:
            if self.failed_in is None:  # the innermost submodule raising is recorded first
                self.failed_in = self.path_of_module(m)
            raise


def trace(module: nn.Module, keep: set[str]) -> fx.GraphModule:
    """The module as an fx GraphModule; TraceFailure naming where tracing stopped."""
    tracer = KeepingTracer(keep)
    try:
        graph = tracer.trace(module, concrete_args=_optional_arguments(module))
    except Exception as error:
        part = tracer.failed_in or ""
        raise TraceFailure(part, error, user_line(error.__traceback__)) from None
    return fx.GraphModule(tracer.root, graph, type(module).__name__)


def _optional_arguments(module: nn.Module) -> dict[str, Any] | None:
    """``forward``'s arguments after the input, fixed at their defaults (``mask=None``).

    ImportFailure when one has no default: the graph has a single input.
    """
    try:
        parameters = list(inspect.signature(module.forward).parameters.values())[1:]
    except (TypeError, ValueError):
        return None
    optional: dict[str, Any] = {}
    for p in parameters:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.default is p.empty:
            raise ImportFailure(
                f"{type(module).__name__}.forward takes more than one input ({p.name!r} too); "
                "an imported network takes one.",
                "Wrap it in a module whose forward takes one tensor and supplies the rest.")
        optional[p.name] = p.default
    return optional or None


def propagate_shapes(traced: fx.GraphModule, example: torch.Tensor) -> None:
    """Run the example through, recording each node's output (``node.meta['tensor_meta']``).

    A module that refuses the example raises ImportFailure with its own message.
    """
    try:  # ShapeProp prints the traceback of a failing node itself; the user gets one line
        with torch.no_grad(), contextlib.redirect_stderr(io.StringIO()):
            ShapeProp(traced).propagate(example)
    except Exception as error:
        cause = error.__cause__ or error  # ShapeProp wraps the error with the node's name
        message = " ".join(str(cause).split())
        raise ImportFailure(
            f"the network refuses an input of shape {tuple(example.shape[1:])}: "
            f"{type(cause).__name__}: {message[:300]}",
            "Give --input the shape the network expects (without the batch).") from None


def user_line(tb: TracebackType | None) -> str:
    """``file:line: code`` of the last frame outside torch and this program, or ""."""
    frames = [f for f in traceback.extract_tb(tb)
              if not f.filename.startswith((_TORCH_DIR, _OUR_DIR))]
    if not frames:
        return ""
    frame = frames[-1]
    return f"{frame.filename}:{frame.lineno}: {(frame.line or '').strip()}"


def stack_line(node: fx.Node) -> str:
    """The line of user code that made an fx node, from its recorded stack trace."""
    lines = (node.stack_trace or "").strip().splitlines()
    for i in range(len(lines) - 1, -1, -1):
        text = lines[i].strip()
        if text.startswith("File ") and not any(d in text for d in (_TORCH_DIR, _OUR_DIR)):
            where = text[len("File "):].replace('", line ', ":").split(",")[0].strip('"')
            code = lines[i + 1].strip() if i + 1 < len(lines) else ""
            return f"{where}: {code}"
    return ""
