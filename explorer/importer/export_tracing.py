"""Tracing with torch.export where torch.fx cannot, into the graph torch.fx would give.

torch.fx traces with stand-in values (proxies), so code that asks a proxy what it
is (einops checks its input's type) or iterates over one stops it. torch.export
runs the code on fake tensors instead and gets through, but records lower-level
ATen operations: ``nn.Conv2d`` becomes ``aten.conv2d`` with its weight as an
extra input, ``torch.relu`` becomes ``aten.relu.default``. This module rewrites
that graph into the module-level form ``tracing.trace`` gives, so the mapper and
everything after it work unchanged:

- the operations of one call of a torch.nn layer, or of a submodule in ``keep``,
  become one ``call_module`` node, called with the tensors it was given and picked
  apart by ``operator.getitem`` where it returns several. Which tensors those are is
  found by value: each layer's real inputs and outputs on the example (recorded by
  hooks) are compared with the exported graph's values on the same example;
- a parameter read outside such a call becomes a ``get_attr`` of its state_dict name;
- an ATen operation becomes the call fx would record (``aten.add.Tensor`` ->
  ``operator.add``, ``aten.view`` -> ``torch.reshape``); one without such a call
  stays as it is, and the mapper names it as the operation it has no node kind for.

Nodes keep their stack trace (cut after the model's own code, so a line inside
einops is never named) and their module path, so errors name the user's line and
the part around a node (``export_meta``). Parts kept whole are not traced into
(``export_parts``), and where export stops inside a part, the failure names it, so
it can be kept whole. The ATen-to-fx table is ``export_ops``; the values compared
are gathered by ``export_values``. Shapes are the example's
(export's shapes are fixed): node kinds do not depend on the batch, and the import
is checked on another batch size.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import logging
import operator
from collections.abc import Iterator
from typing import Any

import torch
import torch.fx as fx
import torch.nn as nn
from torch.export.graph_signature import OutputKind
from torch.fx.experimental.symbolic_shapes import GuardOnDataDependentSymNode

from .concrete_tracing import call_options
from .export_meta import NodeMeta
from .export_ops import aten, functional, repeated, translate, unpermuted, unstacked
from .export_parts import failing_part, opaque
from .export_values import Call, close, path_to, recorded_calls, values_of
from .tracing import KeepingTracer, TraceFailure, user_line


class ExportFailure(TraceFailure):
    """torch.export could not trace the module either; ``line`` is the user's line."""

    tracer = "torch.export"


def trace_with_export(module: nn.Module, keep: set[str], example: torch.Tensor) -> fx.GraphModule:
    """The module traced by torch.export, as ``trace`` would give it; ExportFailure where
    export cannot trace it either (naming the user's line)."""
    options = call_options(module)
    tracer = KeepingTracer(keep)
    leaves = {name for name, m in module.named_modules()
              if name and tracer.is_leaf_module(m, name)}
    try:
        recorded = recorded_calls(module, leaves, example, options)
    except Exception as error:
        raise ExportFailure("", _plain(error), user_line(error.__traceback__)) from None
    with opaque(module, keep, recorded):
        try:  # export logs warnings and prints graphs as it gives up
            with _quiet():
                program = torch.export.export(module, (example,), kwargs=options, strict=False)
        except Exception as error:
            raise ExportFailure(failing_part(module, error.__traceback__), _plain(error),
                                user_line(error.__traceback__)) from None
        try:
            return _Rewriter(module, leaves, example, program, recorded).graph_module()
        except ExportFailure:
            raise
        except Exception as error:  # a graph this module does not know how to read
            raise ExportFailure("", RuntimeError(
                f"its exported graph could not be read ({type(error).__name__}: {error})"),
                "") from None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    before = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        logging.disable(before)


def _plain(error: Exception) -> Exception:
    """Export's reason in a line; where the code decides on a tensor's values, that."""
    if isinstance(error, GuardOnDataDependentSymNode) or "data-dependent" in str(error):
        return RuntimeError("the code decides what to do from a tensor's values")
    return RuntimeError(f"{type(error).__name__}: {' '.join(str(error).split())[:200]}")


class _Rewriter:
    """One exported program, rewritten node by node into a fresh fx graph."""

    def __init__(self, module: nn.Module, leaves: set[str], example: torch.Tensor,
                 program: torch.export.ExportedProgram, recorded: dict[str, list[Call]]
                 ) -> None:
        self.module, self.program = module, program
        self.graph = fx.Graph()
        self.root: dict[str, Any] = {}  # what the graph's targets name
        self.env: dict[fx.Node, fx.Node] = {}  # exported node -> new node
        self.state: dict[fx.Node, str] = {}  # lifted parameter, buffer or constant -> name
        self.meta = NodeMeta(module)
        self.leaves = leaves  # torch layers and parts kept whole: one call_module each
        self.group: dict[fx.Node, str] = {}  # node inside a leaf call -> that call's key
        self.members: dict[str, list[fx.Node]] = {}
        self.order: dict[str, tuple[str, int]] = {}  # call -> (layer, how many calls before)
        self.calls: dict[str, fx.Node] = {}
        self.picked: dict[tuple[str, tuple[Any, ...]], fx.Node] = {}
        self.position = {node: i for i, node in enumerate(program.graph.nodes)}
        self.values = values_of(program, example)
        self.recorded = recorded

    def graph_module(self) -> fx.GraphModule:
        self._find_groups()
        signature = self.program.graph_signature
        names = {**signature.inputs_to_parameters, **signature.inputs_to_buffers,
                 **signature.inputs_to_lifted_tensor_constants}
        first_input = True
        for node in self.program.graph.nodes:
            if node.op == "placeholder":
                if node.name in names:
                    self.state[node] = names[node.name]
                elif first_input and isinstance(self.values.get(node), torch.Tensor):
                    self.env[node] = self.meta.copy(self.graph.placeholder(
                        _input_name(self.module)), node)
                    first_input = False
            elif node.op == "output":
                outputs = [spec.arg.name for spec in signature.output_specs
                           if spec.kind == OutputKind.USER_OUTPUT]
                found = next(n for n in node.args[0] if getattr(n, "name", None) == outputs[0])
                self.graph.output(self._use(found))
            elif node in self.group:
                if self.group[node] not in self.calls:
                    self._call(self.group[node])
            elif node.target in (aten.alias.default, aten.detach.default):
                self.env[node] = self._use(node.args[0])  # the same tensor: nothing to record
            elif (stacked := unstacked(node)) is not None:
                self.env[node] = self._use(stacked)
            elif (token := repeated(node, self.values, set(self.state))) is not None:
                made = self.graph.call_method("expand", (self._use(token[0]), *token[1]))
                self.env[node] = self.meta.copy(made, node)
            else:
                self._translate(node)
        self._drop_unused()
        return fx.GraphModule(self.root, self.graph, type(self.module).__name__)

    def _drop_unused(self) -> None:
        """Operations nothing uses any more: the permutes and stacks folded away above."""
        for made in reversed(list(self.graph.nodes)):
            if made.op in ("call_function", "call_method") and not made.users:
                self.graph.erase_node(made)

    def _translate(self, node: fx.Node) -> None:
        """An operation outside the leaf calls, as fx records it (without the permute
        einops puts before it, where ``unpermuted`` says how)."""
        steps: list[tuple[Any, tuple[Any, ...]]] = [(functional(node, self.position), ())]
        folded = unpermuted(node)
        if folded is not None:
            x, steps = folded
            made = self._use(x)
        for target, rest in steps:
            if folded is None:
                args, kwargs = fx.node.map_arg((node.args, node.kwargs), self._use)
            else:
                args, kwargs = (made, *rest), {}
            op, target, args, kwargs = translate(target, args, kwargs)
            made = self.meta.copy(self.graph.create_node(op, target, args, kwargs), node)
        self.env[node] = made

    # -- leaf calls -----------------------------------------------------------------

    def _find_groups(self) -> None:
        """Each node inside a leaf call (the outermost), by call; the calls in order."""
        for node in self.program.graph.nodes:
            stack = node.meta.get("nn_module_stack") or {}
            key = next((k for k, (q, _) in stack.items() if q in self.leaves), None)
            if node.op == "call_function" and key is not None:
                self.group[node] = key
                if key not in self.members:
                    qualname = str(stack[key][0])
                    before = sum(q == qualname for q, _ in self.order.values())
                    self.order[key] = (qualname, before)
                self.members.setdefault(key, []).append(node)

    def _recorded(self, key: str) -> Call:
        qualname, before = self.order[key]
        calls = self.recorded.get(qualname, [])
        if before >= len(calls):
            raise ExportFailure("", RuntimeError(f"self.{qualname} is called differently when "
                                                 "run than when exported"), "")
        return calls[before]

    def _call(self, key: str) -> None:
        """The call_module node for the leaf call ``key``, with the tensors it was given."""
        members, qualname = self.members[key], self.order[key][0]
        args, kwargs, _ = self._recorded(key)
        outside: list[fx.Node] = []
        for member in members:
            fx.node.map_arg((member.args, member.kwargs),
                            lambda n: outside.append(n) if n not in members else None)
        candidates = [n for n in outside if n not in self.state] + [
            n for n in outside if n in self.state] + list(reversed(self.env))
        given = torch.utils._pytree.tree_map(
            lambda v: self._use(self._find(v, candidates, qualname))
            if isinstance(v, torch.Tensor) else v, (args, kwargs))
        node = self.graph.call_module(qualname, *given)
        self.root[qualname] = self.module.get_submodule(qualname)
        node.meta["stack_trace"] = self.meta.trimmed(members[0].meta.get("stack_trace"))
        stack = members[0].meta["nn_module_stack"]
        keys = list(stack)[:list(stack).index(key) + 1]  # up to the layer itself, as in fx
        node.meta["nn_module_stack"] = self.meta.typed({k: stack[k] for k in keys})
        self.calls[key] = node

    def _find(self, value: torch.Tensor, candidates: list[fx.Node], qualname: str) -> fx.Node:
        for node in candidates:
            if close(self.values.get(node), value):
                return node
        raise ExportFailure("", RuntimeError(f"cannot tell which tensor self.{qualname} "
                                             "was given"), "")

    def _output(self, node: fx.Node) -> fx.Node:
        """A node made inside a leaf call, used after it: the call's output (or one of its
        outputs, picked by getitem), found by value."""
        key = self.group[node]
        path = path_to(self.values.get(node), self._recorded(key)[2])
        if path is None:
            raise ExportFailure("", RuntimeError(f"a value made inside self.{self.order[key][0]}"
                                                 " is used outside it"), "")
        picked = self.calls[key]
        for depth in range(1, len(path) + 1):
            if (key, path[:depth]) not in self.picked:
                made = self.graph.call_function(operator.getitem, (picked, path[depth - 1]))
                made.meta["stack_trace"] = picked.meta.get("stack_trace")
                made.meta["nn_module_stack"] = dict(list(
                    self.calls[key].meta["nn_module_stack"].items())[:-1])
                self.picked[(key, path[:depth])] = made
            picked = self.picked[(key, path[:depth])]
        return picked

    # -- one argument ---------------------------------------------------------------

    def _use(self, node: fx.Node) -> fx.Node:
        if node in self.env:
            return self.env[node]
        if node in self.group:
            return self._output(node)
        if node in self.state:
            name = self.state[node]
            self.root[name] = self._state_value(name)
            self.env[node] = self.meta.copy(self.graph.get_attr(name), node)
            return self.env[node]
        raise ExportFailure("", RuntimeError(f"{node.name} is used before it is made"), "")

    def _state_value(self, name: str) -> Any:
        """The module's own parameter or buffer (shared weights stay the same object)."""
        value: Any = self.module
        try:
            for part in name.split("."):
                value = getattr(value, part)
            return value
        except AttributeError:
            return self.program.constants.get(name, self.program.state_dict.get(name))



def _input_name(module: nn.Module) -> str:
    try:
        return next(iter(inspect.signature(module.forward).parameters), "x")
    except (TypeError, ValueError):
        return "x"


__all__ = ["trace_with_export"]
