"""Parts kept whole stay one opaque call while torch.export traces the rest.

torch.fx keeps a part whole by not tracing into it (a leaf); torch.export has no
leaves and traces everything, so a part it cannot trace (data-dependent control
flow inside) would stop the whole network. While exporting, ``opaque`` gives
each such part a ``forward`` that is one custom operation: export records the
call and never looks inside. The operation's real implementation is the part's
own ``forward``; for export's fake tensors it gives an empty tensor of the shape
the part returned for inputs of those shapes, recorded on the example.
``failing_part`` names the part where export stopped, so it can be kept whole.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

import torch
import torch.nn as nn

from .export_values import Call
from .tracing import from_torch

_FORWARDS: dict[int, Callable[..., torch.Tensor]] = {}  # part -> its own forward
_SHAPES: dict[int, dict[tuple[Any, ...], tuple[torch.Size, torch.dtype]]] = {}


@torch.library.custom_op("explorer::kept_part", mutates_args=())
def kept_part(inputs: list[torch.Tensor], part: int) -> torch.Tensor:
    """A part kept whole, called on its inputs."""
    return _FORWARDS[part](*inputs).clone()


@kept_part.register_fake
def _kept_part_shape(inputs: list[torch.Tensor], part: int) -> torch.Tensor:
    shape, dtype = _SHAPES[part][tuple(tuple(t.shape) for t in inputs)]
    return inputs[0].new_empty(shape, dtype=dtype)


@contextlib.contextmanager
def opaque(module: nn.Module, parts: set[str], recorded: dict[str, list[Call]]) -> Iterator[None]:
    """Within: each of ``parts`` called on tensors alone and returning one tensor (as
    on the example) is one ``kept_part`` call. Others are traced into as before."""
    stubbed: list[nn.Module] = []
    try:
        for name in sorted(parts):
            calls = recorded.get(name, [])
            if not calls or not all(_plain_call(call) for call in calls):
                continue
            part = module.get_submodule(name)
            key = id(part)
            _FORWARDS[key] = type(part).forward.__get__(part)
            _SHAPES[key] = {tuple(tuple(a.shape) for a in args): (out.shape, out.dtype)
                            for args, _, out in calls}
            part.forward = lambda *xs, key=key: kept_part(list(xs), key)
            stubbed.append(part)
        yield
    finally:
        for part in stubbed:
            del part.forward
            _FORWARDS.pop(id(part), None)
            _SHAPES.pop(id(part), None)


def _plain_call(call: Call) -> bool:
    args, kwargs, out = call
    return (bool(args) and not kwargs and isinstance(out, torch.Tensor)
            and all(isinstance(a, torch.Tensor) for a in args))


def failing_part(module: nn.Module, tb: TracebackType | None) -> str:
    """The innermost of the module's own parts (not torch layers) running where export
    stopped; "" for the top module."""
    names = {id(m): name for name, m in module.named_modules() if name}
    found = ""
    for frame, _ in traceback.walk_tb(tb):
        owner = frame.f_locals.get("self")
        if id(owner) in names and isinstance(owner, nn.Module) \
                and not from_torch(type(owner)):
            found = names[id(owner)]
    return found
