"""Values that tell, for torch.export's graph, which tensors each layer was called with.

The exported graph has no call of a layer, only the operations inside it; the
tensors it was given are those of the graph's values (run on the example) that
equal what the layer really received when the module ran on the same example
(recorded by forward hooks), and likewise for what it returned.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.fx as fx
import torch.nn as nn
from torch.export.graph_signature import InputKind

Call = tuple[tuple[Any, ...], dict[str, Any], Any]  # one call's args, kwargs and output


def values_of(program: torch.export.ExportedProgram, example: torch.Tensor) -> dict[fx.Node, Any]:
    """Every node's value in the exported graph, run on the example."""
    inputs: list[Any] = []
    for spec in program.graph_signature.input_specs:
        if spec.kind in (InputKind.PARAMETER, InputKind.BUFFER) and spec.target in \
                program.state_dict:
            inputs.append(program.state_dict[spec.target])
        elif spec.kind == InputKind.USER_INPUT:
            inputs.append(example if not any(v is example for v in inputs) else None)
        else:
            inputs.append(program.constants.get(spec.target or ""))
    seen: dict[fx.Node, Any] = {}

    class Recorder(fx.Interpreter):
        def run_node(self, n: fx.Node) -> Any:
            seen[n] = super().run_node(n)
            return seen[n]

    with torch.no_grad():
        Recorder(program.graph_module).run(*inputs)
    return seen


def recorded_calls(module: nn.Module, leaves: set[str], example: torch.Tensor,
                   options: dict[str, Any]) -> dict[str, list[Call]]:
    """Each leaf's calls on the example, in order: what it was given and what it returned."""
    calls: dict[str, list[Call]] = {name: [] for name in leaves}
    handles = []
    for name in leaves:
        def hook(m: nn.Module, args: Any, kwargs: Any, out: Any, name: str = name) -> None:
            calls[name].append((tuple(args), dict(kwargs), out))
        handles.append(module.get_submodule(name).register_forward_hook(hook, with_kwargs=True))
    try:
        with torch.no_grad():
            module(example, **options)
    finally:
        for handle in handles:
            handle.remove()
    return calls


def close(a: Any, b: torch.Tensor) -> bool:
    if not isinstance(a, torch.Tensor) or a.shape != b.shape or a.dtype != b.dtype:
        return False
    if not a.is_floating_point():
        return torch.equal(a, b)
    return torch.allclose(a, b, rtol=1e-4, atol=1e-5)


def path_to(value: Any, out: Any) -> tuple[Any, ...] | None:
    """Where ``value`` is in a module's output: () for the output itself, (1,) for its
    second item, and so on; None where it is not there."""
    if isinstance(out, torch.Tensor):
        return () if close(value, out) else None
    items: list[tuple[Any, Any]] = list(out.items()) if isinstance(out, dict) else (
        list(enumerate(out)) if isinstance(out, (tuple, list)) else [])
    for index, item in items:
        found = path_to(value, item)
        if found is not None:
            return (index, *found)
    return None
