"""A traced fx graph as node-kind layers, each checked against the shape torch computed.

Every fx node that makes a tensor becomes a ``Layer`` (kind, parameters,
inputs, the submodule holding its weights) or an alias of its input (an
Identity). A node no kind expresses raises ``Unmapped``; the caller then
keeps the custom submodule around it whole and traces again. A layer whose
kind would compute a different shape than torch did is refused the same
way, so the graph never claims to compute something it does not.
"""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx as fx
import torch.nn as nn
import torch.nn.functional as F

from explorer.graph import GraphError, TensorSpec, get_kind
from explorer.graph.kinds import Context
from explorer.graph.kinds.base import Referred
from explorer.graph.kinds.opaque import shape_text

from .block_weights import Taken
from .exported_source import ExportedSource
from .layers import PASS_THROUGH, arguments_from_attributes, layer_kind, pool_settings
from .loading import Loaded
from .node_text import class_path, describe, variable_of
from .own_blocks import block_layer
from .recognise import Recognised
from .token_patterns import is_constant, map_pattern
from .tracing import from_torch


class Unmapped(Exception):
    """The fx node ``node`` has no kind; ``reason`` says why in plain words."""

    def __init__(self, node: fx.Node, reason: str) -> None:
        super().__init__(reason)
        self.node, self.reason = node, reason


@dataclass
class Layer:
    """One node of the graph to be: ``module`` names the submodule whose weights it holds."""

    node_id: str
    kind: str
    params: dict[str, Any]
    inputs: list[str]  # layer ids (or the input's id) feeding it, in port order
    spec: TensorSpec
    module: str = ""
    note: str = ""
    # A folded block's weights: its own key (conv1.weight) -> the original's (layer1.0.conv1.weight)
    sources: dict[str, str] = field(default_factory=dict)
    # A recognised block's weights made from several of the original's (or transposed)
    derived: dict[str, Taken] = field(default_factory=dict)


ACTIVATIONS: dict[Any, str] = {
    F.relu: "ReLU", torch.relu: "ReLU", "relu": "ReLU",
    torch.sigmoid: "Sigmoid", F.sigmoid: "Sigmoid", "sigmoid": "Sigmoid",
    torch.tanh: "Tanh", F.tanh: "Tanh", "tanh": "Tanh",
    F.silu: "SiLU", F.relu6: "ReLU6", F.hardswish: "Hardswish",
}
MERGES: dict[Any, str] = {
    operator.add: "Add", torch.add: "Add", "add": "Add",
    operator.mul: "Multiply", torch.mul: "Multiply", "mul": "Multiply",
    operator.sub: "Subtract", torch.sub: "Subtract", "sub": "Subtract",
}
ADDS = {operator.add, torch.add, "add"}
RESHAPES = {torch.flatten, torch.reshape, "flatten", "view", "reshape"}
MEANS = {torch.mean, "mean"}


def spec_of(node: fx.Node) -> TensorSpec | None:
    """The per-example spec ShapeProp recorded for ``node`` (None: not a tensor)."""
    meta = node.meta.get("tensor_meta")
    if meta is None or not hasattr(meta, "shape") or len(meta.shape) < 1:
        return None
    shape = tuple(int(d) for d in meta.shape[1:])
    return TensorSpec(shape, "long") if meta.dtype in (torch.int64, torch.int32) else \
        TensorSpec(shape)


class GraphMapper:
    """Turns the nodes of one traced graph into layers, in order."""

    def __init__(self, traced: fx.GraphModule, loaded: Loaded, input_id: str,
                 input_spec: TensorSpec, source: ExportedSource | None = None,
                 recognised: dict[str, Recognised] | None = None,
                 example: torch.Tensor | None = None) -> None:
        self.traced, self.loaded = traced, loaded
        self.recognised = recognised or {}  # parts that are one block (``recognise.py``)
        self.constants: set[fx.Node] = set()  # parameters used as tensors (token_patterns)
        self.example = example  # to work out a constant's value, if needed
        self.constant_values: dict[fx.Node, Any] | None = None
        self.source = source  # a file this program exported: node ids come from its names
        self.layers: list[Layer] = []
        self.ids: dict[fx.Node, str] = {}
        self.specs: dict[str, TensorSpec] = {input_id: input_spec}
        self.input_id = input_id
        self.used_ids: set[str] = {input_id}
        self.used_modules: set[str] = set()
        self.output = ""

    def run(self) -> str:
        """Map every node; return (and keep in ``output``) the id of the layer returned."""
        for node in self.traced.graph.nodes:
            if node.op == "placeholder":
                if node.args:  # an option of forward, traced at its default value
                    continue
                if self.ids:
                    raise Unmapped(node, "the network takes more than one input")
                self.ids[node] = self.input_id
            elif node.op == "output":
                result = node.args[0]
                if not isinstance(result, fx.Node) or result not in self.ids:
                    raise Unmapped(node, "the network must return a single tensor")
                self.output = self.ids[result]
                return self.output
            elif spec_of(node) is not None:
                self._map(node)
            elif is_constant(node, self.constants):
                self.constants.add(node)  # a single number made from constants (a 0-d tensor)
        raise Unmapped(next(iter(self.traced.graph.nodes)), "the network returns nothing")

    # -- one node ---------------------------------------------------------------------

    def _map(self, node: fx.Node) -> None:
        if node in self.ids:
            return  # taken in by a pattern already (a patch embedding's flatten and transpose)
        if is_constant(node, self.constants):
            self.constants.add(node)  # read by the pattern that uses it (or refused there)
            return
        if map_pattern(self, node):
            return
        if node.op == "call_module":
            self._module(node, self.traced.get_submodule(str(node.target)))
            return
        key = node.target if node.op in ("call_function", "call_method") else None
        if key is F.linear and self._tied(node):
            return
        tensors = self._tensor_args(node)
        if key in ACTIVATIONS and len(tensors) == 1:
            self._add(node, ACTIVATIONS[key], {}, tensors)
        elif key in (F.gelu, "gelu") and len(tensors) == 1:
            self._add(node, "GELU", {"approximate": node.kwargs.get("approximate", "none")},
                      tensors)
        elif key is F.leaky_relu and len(tensors) == 1:
            slope = node.args[1] if len(node.args) > 1 else node.kwargs.get("negative_slope",
                                                                             0.01)
            self._add(node, "LeakyReLU", {"negative_slope": slope}, tensors)
        elif key in ADDS and len(tensors) == 1 and _adds_zero(node):
            self.ids[node] = self.ids[tensors[0]]  # sum()'s start: 0 + x is x
        elif key in MERGES and len(tensors) == 2 and len(node.args) == 2 and not node.kwargs:
            kind = MERGES[key]
            self._add(node, kind, {} if kind == "Subtract" else {"inputs": 2}, tensors)
        elif key is torch.cat:
            self._concat(node, tensors)
        elif key in RESHAPES and len(tensors) == 1 and _same_shape(
                spec_of(node), self.specs[self.ids[tensors[0]]]):
            self.ids[node] = self.ids[tensors[0]]  # a reshape to the shape it has: nothing
        elif key in RESHAPES and len(tensors) == 1:
            self._add(node, "Flatten", {}, tensors)  # the shape check refuses any other reshape
        elif key in MEANS and len(tensors) == 1:
            self._add(node, "GlobalAvgPool", {}, tensors)
        elif key == "amax" and len(tensors) == 1 and self._pools_all(node, tensors[0]):
            self._add(node, "GlobalMaxPool", {}, tensors)
        elif key is operator.getitem and len(tensors) == 1:
            self._index(node, tensors[0])
        elif key is F.adaptive_avg_pool2d and len(tensors) == 1:
            size = node.args[1] if len(node.args) > 1 else node.kwargs.get("output_size")
            self._add(node, "AdaptiveAvgPool2d", {"output_size": size}, tensors)
        elif key in (F.max_pool2d, F.avg_pool2d, F.dropout) and len(tensors) == 1:
            self._functional_layer(node, key, tensors)
        elif key in ("contiguous", "clone") and len(tensors) == 1:
            self.ids[node] = self.ids[tensors[0]]
        else:
            raise Unmapped(node, f"{describe(node)} has no node kind")

    def _module(self, node: fx.Node, module: nn.Module) -> None:
        tensors = self._tensor_args(node)
        if isinstance(module, PASS_THROUGH) and len(tensors) == 1:
            self.ids[node] = self.ids[tensors[0]]
            return
        single = len(tensors) == 1 and len(node.args) == 1
        traced = spec_of(node)
        own = block_layer(module, self.loaded.arguments_of(module),
                          self.specs[self.ids[tensors[0]]], traced) if single and traced else None
        mapped = own or layer_kind(module)  # the program's own block, or a torch layer
        if mapped is not None and single:
            try:
                self._add(node, *mapped, tensors, module=str(node.target))
                return
            except Unmapped:
                pass  # kept whole below, as its own class
        self._opaque(node, module, tensors)

    def _functional_layer(self, node: fx.Node, key: Any, tensors: list[fx.Node]) -> None:
        """F.max_pool2d, F.avg_pool2d and F.dropout, read by their arguments' names."""
        found = node.normalized_arguments(self.traced, normalize_to_only_use_kwargs=True)
        settings = dict(found.kwargs) if found is not None else {}
        settings.pop("input", None)
        mapped = None
        if key is F.dropout and not settings.get("inplace"):
            mapped = ("Dropout", {"p": settings.get("p", 0.5)})
        elif key is not F.dropout and "kernel_size" in settings:
            mapped = pool_settings("MaxPool2d" if key is F.max_pool2d else "AvgPool2d",
                                   **settings)
        if mapped is None:
            raise Unmapped(node, f"{describe(node)} uses settings no node kind has")
        self._add(node, *mapped, tensors)

    def _opaque(self, node: fx.Node, module: nn.Module, tensors: list[fx.Node]) -> None:
        if len(tensors) != 1 or len(node.args) != 1 or node.kwargs:
            raise Unmapped(node, f"{describe(node)} takes {len(node.args)} inputs, and an "
                                 "imported module node takes one tensor")
        cls = type(module)
        is_torch = from_torch(cls)
        arguments = (arguments_from_attributes(module) if is_torch
                     else self.loaded.arguments_of(module))
        out = spec_of(node)
        assert out is not None
        params = {
            "class_path": class_path(cls),
            "source_file": "" if is_torch else self.loaded.source_file,
            "init_args": "" if arguments is None else json.dumps(arguments, sort_keys=True),
            "input_shape": shape_text(self.specs[self.ids[tensors[0]]].shape),
            "output_shape": shape_text(out.shape),
            "parameters": sum(p.numel() for p in module.parameters()),
        }
        note = "" if arguments is not None else (
            f"{node.target} ({cls.__name__}): its constructor arguments could not be "
            "recorded, so it is made with none when built; check that this works.")
        self._add(node, "Module", params, tensors, module=str(node.target), note=note)

    def _concat(self, node: fx.Node, tensors: list[fx.Node]) -> None:
        parts = node.args[0] if node.args else node.kwargs.get("tensors")
        dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
        first = self.specs[self.ids[tensors[0]]] if tensors else None
        if (first is None or not isinstance(parts, (list, tuple)) or len(parts) != len(tensors)
                or len(tensors) < 2 or not isinstance(dim, int)):
            raise Unmapped(node, f"{describe(node)} joins something other than tensors")
        rank = first.rank + 1  # with the batch
        wanted = 1 if first.layout in ("image", "features") else rank - 1
        if dim % rank != wanted:
            raise Unmapped(node, f"{describe(node)} joins along dimension {dim}; Concat joins "
                                 "along channels (features)")
        self._add(node, "Concat", {"inputs": len(tensors)}, tensors)

    # -- what exported code writes as expressions -------------------------------------

    def _tied(self, node: fx.Node) -> bool:
        """``F.linear(h, self.embed.weight)``: a TiedLinear sharing that Embedding's table."""
        if len(node.args) != 2 or node.kwargs:
            return False
        x, table = node.args
        return isinstance(x, fx.Node) and x in self.ids and isinstance(table, fx.Node) \
            and self.tie(node, x, table)

    def tie(self, node: fx.Node, x: fx.Node, table: fx.Node) -> bool:
        """``node`` as a TiedLinear of ``x`` if ``table`` is an Embedding's weight here."""
        if table.op != "get_attr":
            return False
        owner, _, weight = str(table.target).rpartition(".")
        shared = next((la for la in self.layers if la.module == owner and la.kind == "Embedding"
                       and weight == "weight"), None)
        if shared is None:
            return False
        referred = Referred(shared.node_id, shared.kind, shared.params, upstream=True)
        self._add(node, "TiedLinear", {"embedding": shared.node_id}, [x], referred=referred)
        return True

    def _pools_all(self, node: fx.Node, x: fx.Node) -> bool:
        """``x.amax(dim=(2, 3))`` of an image, ``x.amax(dim=1)`` of a sequence: every position."""
        spec = self.specs[self.ids[x]]
        given = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim")
        listed = list(given) if isinstance(given, (list, tuple)) else [given]
        dims = [d for d in listed if isinstance(d, int)]
        wanted = {2, 3} if spec.layout == "image" else {1}
        return (not node.kwargs.get("keepdim") and len(dims) == len(listed)
                and {d % (spec.rank + 1) for d in dims} == wanted)

    def _index(self, node: fx.Node, x: fx.Node) -> None:
        """``x[:, i]`` keeps one token (SelectToken). ``v[:, :, None, None]`` only lets a vector
        of channels scale an image, which a Multiply node does by itself: it stands for ``v``."""
        index, spec, whole = node.args[1], self.specs[self.ids[x]], slice(None)
        if (isinstance(index, tuple) and len(index) in (2, 3) and index[0] == whole
                and isinstance(index[1], int) and index[2:] in ((), (whole,))
                and spec.layout == "sequence"):
            self._add(node, "SelectToken", {"index": index[1]}, [x])
        elif (isinstance(index, tuple) and all(i in (whole, slice(0, None)) for i in index)
              and _same_shape(spec_of(node), spec)):
            self.ids[node] = self.ids[x]  # x[:, 0:] keeps everything: nothing to do
        elif (index == (whole, whole, None, None) and spec.layout == "features" and node.users
              and all(user.target in (operator.mul, torch.mul) for user in node.users)):
            self.ids[node] = self.ids[x]
        else:
            raise Unmapped(node, f"{describe(node)} has no node kind")

    def _name(self, node: fx.Node, module: str, kind: str) -> str:
        """A new layer's id: its submodule's name, or the fx node's (``add_2``, ``cat``),
        or for an index, which fx calls ``getitem_7``, the kind's prefix (``select``). In a
        file this program exported, the id each name stands for, and for an expression
        the variable set."""
        fallback = node.name
        if node.target is operator.getitem:
            fallback = get_kind(kind).id_prefix
        if self.source is None:
            return module or fallback
        variable = module or variable_of(node, self.source)
        return self.source.node_id(variable) if variable else fallback

    # -- helpers ----------------------------------------------------------------------

    def _tensor_args(self, node: fx.Node) -> list[fx.Node]:
        found: list[fx.Node] = []

        def collect(n: fx.Node) -> fx.Node:
            found.append(n)
            return n

        fx.node.map_arg((node.args, node.kwargs), collect)
        tensors = [n for n in found if spec_of(n) is not None or n.op == "placeholder"]
        for n in tensors:
            if n in self.constants:
                raise Unmapped(node, f"{describe(node)} uses a tensor the network holds "
                                     f"({describe(n)}) in a way no node kind has")
            if n not in self.ids:
                raise Unmapped(node, f"{describe(node)} uses {n.name}, which has no node kind")
        return tensors

    def _add(self, node: fx.Node, kind: str, params: dict[str, Any], tensors: list[fx.Node],
             module: str = "", note: str = "", referred: Referred | None = None,
             name: str = "") -> None:
        inputs = [self.ids[t] for t in tensors]
        traced = spec_of(node)
        assert traced is not None
        node_kind = get_kind(kind)
        try:
            values = node_kind.validate(params)
            spec = node_kind.infer(Context(values, tuple(self.specs[i] for i in inputs),
                                           referred=referred))
        except GraphError as error:
            raise Unmapped(node, f"{describe(node)} as {kind}: {error.message}") from None
        if spec.shape != traced.shape:
            raise Unmapped(node, f"{describe(node)} gives {traced.shape}, not the "
                                 f"{spec.shape} a {kind} node would")
        if module and module in self.used_modules and self._holds_weights(module):
            note = (f"{module} is called more than once; each call is its own node now, and "
                    "their weights are no longer shared.")
        self.used_modules.add(module)
        node_id = self._new_id(name or self._name(node, module, kind))
        self.layers.append(Layer(node_id, kind, values, inputs, spec, module, note))
        self.ids[node], self.specs[node_id] = node_id, spec

    def _holds_weights(self, module: str) -> bool:
        return bool(self.traced.get_submodule(module).state_dict())

    def _new_id(self, base: str) -> str:
        node_id, n = base, 1
        while node_id in self.used_ids:
            n += 1
            node_id = f"{base}#{n}"
        self.used_ids.add(node_id)
        return node_id


def _adds_zero(node: fx.Node) -> bool:
    """``0 + x`` or ``x + 0``: the number is a literal zero (not a flag or a tensor)."""
    numbers = [a for a in node.args if not isinstance(a, fx.Node)]
    return (len(node.args) == 2 and not node.kwargs and len(numbers) == 1
            and type(numbers[0]) in (int, float) and bool(numbers[0] == 0))


def _same_shape(a: TensorSpec | None, b: TensorSpec) -> bool:
    return a is not None and (a.shape, a.dtype) == (b.shape, b.dtype)
