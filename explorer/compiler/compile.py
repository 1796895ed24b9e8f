"""build_model: a checked graph becomes a torch module that runs like hand-written code.

The generated ``forward`` is compiled from source into a class made for
this one network, so a call is straight-line Python calling submodules by
attribute (``self.conv_1(x)``), with no interpreter loop over nodes. The
source is registered with ``linecache`` under a recognisable file name, so
a traceback from inside the network shows the generated line and the node
it belongs to.
"""

from __future__ import annotations

import itertools
import linecache
import weakref
from collections.abc import Callable, Mapping

import torch
import torch.nn as nn
import torch.nn.functional as F

from explorer.graph import ArchitectureGraph, CheckResult, TensorSpec, check_graph

from .codegen import NetworkCode, generate
from .errors import BuildError
from .module_spec import ModuleSpec

_build_numbers = itertools.count(1)


class CompiledNetwork(nn.Module):
    """The network a graph describes, with one submodule per node that has weights.

    Submodules are attributes named by ``naming.python_names``, so
    ``state_dict()`` keys read ``conv_1.weight`` and match exported code.
    ``forward(x)`` returns what feeds the output head; ``forward_all(x)``
    returns every node's output by node id (for activation statistics, or to
    find the first node that produced a NaN).

    ``node_names`` maps each node the forward computes (the input included)
    to its Python name; nodes with weights have a submodule of that name,
    the others (Add, Concat, Flatten, ...) are expressions in forward.
    These attribute names are reserved in ``naming``, so no submodule can
    take them.
    """

    def __init__(self, code: NetworkCode, modules: Mapping[str, nn.Module],
                 result: CheckResult) -> None:
        super().__init__()
        for node_id, module in modules.items():
            self.add_module(code.names[node_id], module)
        self.node_names: dict[str, str] = {n: code.names[n] for n in code.values}
        self.input_spec: TensorSpec = result.known_spec(code.input_id)
        self.output_spec: TensorSpec = result.reports[code.output_id].known_inputs[0]
        self.output_kind: str = code.output_kind
        self.source: str = code.forward_source()

    def forward_all(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        raise NotImplementedError  # replaced by the generated function in each build

    def extra_repr(self) -> str:
        return f"input {self.input_spec}, output {self.output_spec} ({self.output_kind})"


def build_model(graph: ArchitectureGraph, result: CheckResult | None = None) -> CompiledNetwork:
    """Build the torch module a graph describes; BuildError if the checker finds errors."""
    if result is None or set(result.order) != set(graph.node_ids()):
        result = check_graph(graph)
    code = generate(graph, result)
    modules = {node_id: _instantiate(node_id, graph.node(node_id).kind, spec)
               for node_id, spec in code.modules.items()}
    forward, forward_all = _compile_functions(code)
    network_class = type("Network", (CompiledNetwork,), {
        "forward": forward, "forward_all": forward_all, "__module__": __name__,
        "__doc__": CompiledNetwork.__doc__,
    })
    filename = forward.__code__.co_filename
    weakref.finalize(network_class, linecache.cache.pop, filename, None)
    return network_class(code, modules, result)


def _instantiate(node_id: str, kind: str, spec: ModuleSpec) -> nn.Module:
    try:
        return spec.instantiate()
    except (RuntimeError, ValueError, TypeError, MemoryError) as error:
        raise BuildError(
            f"{node_id}: torch could not create this {kind} ({spec.source()}): {error}",
            node_id=node_id, hint="Check its parameters and the size of what flows into it.",
        ) from None


def _compile_functions(code: NetworkCode) -> tuple[Callable, Callable]:
    text = code.forward_source() + "\n\n" + code.forward_all_source()
    filename = f"<generated network {next(_build_numbers)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    namespace: dict = {"torch": torch, "nn": nn, "F": F}
    exec(compile(text, filename, "exec"), namespace)
    return namespace["forward"], namespace["forward_all"]
