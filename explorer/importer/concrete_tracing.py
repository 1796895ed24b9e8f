"""Tracing with the example's values alongside, for code that asks about its input's shape.

Plain torch.fx cannot answer ``if x.shape[1] != self.size`` or ``if x.dtype !=
torch.float32``: the input is symbolic. Networks such as Hugging Face's check
their input's shape and dtype this way, and build masks from the lengths.
``ConcreteTracer`` runs the example through as it traces, so each node also
has its value; a condition on what the example's shape, dtype or device says
(or on plain numbers made from those) is decided by the example, and the
graph is the one for inputs of that shape, which is what an import is for.
A condition on the values in a tensor is still refused, as plain tracing
refuses it, so data-dependent control flow is never baked in silently.

The values are worked out with torch's own functions: while fx traces it
replaces ``nn.Module.__call__`` and ``__getattr__``, and
``_maybe_revert_all_patches`` (private to torch.fx, stable in the pinned
torch) puts them back for the moment a value is computed.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
import torch.fx as fx
import torch.nn as nn
from torch.fx._symbolic_trace import _maybe_revert_all_patches
from torch.fx.proxy import TraceError

from .tracing import KeepingTracer, TraceFailure, user_line

# What a tensor says about itself without its values: shape, dtype, device, rank.
_METADATA_ATTRIBUTES = {"shape", "dtype", "device", "ndim", "is_cuda", "requires_grad"}
_METADATA_METHODS = {"size", "dim", "is_floating_point", "is_complex", "numel", "get_device"}


class ConcreteTracer(KeepingTracer):
    """A ``KeepingTracer`` that knows every node's value on ``example``."""

    def __init__(self, keep: set[str], example: torch.Tensor) -> None:
        super().__init__(keep)
        self.example = example
        self.values: dict[fx.Node, Any] = {}
        self.metadata: set[fx.Node] = set()  # nodes whose value says nothing of tensor values

    def create_proxy(self, kind: str, target: Any, args: tuple[Any, ...],
                     kwargs: dict[str, Any], *more: Any, **named: Any) -> fx.Proxy:
        proxy = super().create_proxy(kind, target, args, kwargs, *more, **named)
        self.value(proxy.node)
        return proxy

    def value(self, node: fx.Node) -> Any:
        """The node's value on the example, worked out once (with torch's own functions)."""
        if node not in self.values:
            with _maybe_revert_all_patches(), torch.no_grad():
                self.values[node] = self._evaluate(node)
            if self._is_metadata(node):
                self.metadata.add(node)
        return self.values[node]

    def _evaluate(self, node: fx.Node) -> Any:
        args, kwargs = fx.node.map_arg((node.args, node.kwargs), self.value)
        if node.op == "placeholder":
            first = not any(n.op == "placeholder" for n in self.values if n is not node)
            return self.example if first else (args[0] if args else None)
        if node.op == "get_attr":
            value: Any = self.root
            for part in str(node.target).split("."):
                value = getattr(value, part)
            return value
        if node.op == "call_function":
            return node.target(*args, **kwargs)  # type: ignore[operator]
        if node.op == "call_method":
            return getattr(args[0], str(node.target))(*args[1:], **kwargs)
        if node.op == "call_module":
            return self.root.get_submodule(str(node.target))(*args, **kwargs)
        return None

    def _is_metadata(self, node: fx.Node) -> bool:
        if isinstance(self.values[node], torch.Tensor):
            return False
        if node.op == "call_function" and node.target is getattr:
            return node.args[1] in _METADATA_ATTRIBUTES or node.args[0] in self.metadata
        if node.op == "call_method" and node.target in _METADATA_METHODS:
            return True
        inputs: list[fx.Node] = []
        fx.node.map_arg((node.args, node.kwargs), inputs.append)
        return node.op in ("call_function", "call_method") and all(
            n in self.metadata for n in inputs)

    def proxy(self, node: fx.Node) -> fx.Proxy:
        return _ConcreteProxy(node, self)

    def to_bool(self, obj: fx.Proxy) -> bool:
        if obj.node in self.metadata:
            return bool(self.values[obj.node])
        return super().to_bool(obj)

    def iter(self, obj: fx.Proxy) -> Any:
        if obj.node in self.metadata:
            return iter([obj[i] for i in range(len(self.values[obj.node]))])  # type: ignore[index]
        return super().iter(obj)


class _ConcreteProxy(fx.Proxy):
    """A proxy whose ``len()`` is its value's: a shape's length or a tensor's first size."""

    def __len__(self) -> int:
        tracer = self.tracer
        assert isinstance(tracer, ConcreteTracer)
        return len(tracer.value(self.node))


class _Adapter(nn.Module):
    """Calls the network with the one input and returns its first output (a model output
    object's first field, such as Hugging Face's ``logits``), so the root has a plain
    ``forward(x)`` fx can trace."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, x: Any) -> Any:
        return first_output(self.network(x, **call_options(self.network)))


def call_options(network: nn.Module) -> dict[str, Any]:
    """``use_cache=False`` where the network offers a cache of past keys and values: the
    import is of one call, and a cache is state kept between calls."""
    try:
        names = inspect.signature(network.forward).parameters
    except (TypeError, ValueError):
        return {}
    return {"use_cache": False} if "use_cache" in names else {}


def first_output(out: Any) -> Any:
    """A tensor as it is; the first item of a tuple, list or model output object."""
    if isinstance(out, (tuple, list)) or hasattr(out, "to_tuple"):
        return out[0] if len(out) else out
    return out


PREFIX = "network."


def trace_with_values(module: nn.Module, keep: set[str], example: torch.Tensor,
                      failure: TraceFailure) -> fx.GraphModule:
    """The module traced with the example's values at hand.

    Where that fails too, ``TraceFailure``: on a condition on tensor values (the line
    that truly stops tracing) or inside a submodule (which can then be kept whole), its
    own; otherwise plain tracing's ``failure``. The graph's names are the module's own:
    the adapter's prefix is taken off every layer, parameter and recorded module path."""
    tracer = ConcreteTracer({PREFIX + name for name in keep}, example)
    try:
        graph = tracer.trace(_Adapter(module))
    except Exception as error:
        part = (tracer.failed_in or "").removeprefix(PREFIX).removeprefix("network")
        if part or isinstance(error, TraceError):
            raise TraceFailure(part, error, user_line(error.__traceback__)) from None
        raise failure from None
    for node in graph.nodes:
        if node.op in ("call_module", "get_attr"):
            node.target = str(node.target).removeprefix(PREFIX)
        stack = node.meta.get("nn_module_stack")
        if stack:
            node.meta["nn_module_stack"] = {
                key: (qualname.removeprefix(PREFIX).removeprefix("network"), cls)
                for key, (qualname, cls) in stack.items()}
    return fx.GraphModule(module, graph, type(module).__name__)
