"""What a transformer writes around its blocks as plain tensor code, as node kinds.

- ``conv(x).flatten(2).transpose(1, 2)``, a convolution whose kernel is its
  stride, read row by row: a ``PatchEmbedding`` (ViT's ``conv_proj``).
- ``torch.cat([token.expand(B, -1, -1), x], 1)`` with a learned 1 × 1 × d
  token: a ``ClassToken``.
- ``x + table`` with a learned tokens × d table, ``x + table[:n]`` with the
  first rows of a longer one, or ``x + wpe(arange(n))`` (checked on its
  value): a ``PositionalEmbedding`` (GPT-2's ``wpe``).
- ``x @ embedding.weight.T``, or a Linear without bias whose weight is an
  Embedding's table (Hugging Face's tied ``lm_head``): a ``TiedLinear``.
- A part ``recognise_blocks`` found: its block node (given, besides its
  input, only constants such as a causal mask, or flags).

A tensor the network holds as a parameter and uses directly (``self.token``,
``self.wpe.weight[:n]``), or makes from parameters and numbers alone (positions,
a mask from the length), has no node of its own: it is a *constant*, read by
the pattern that uses it. A constant used any other way stops the mapping,
naming the line.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING

import torch
import torch.fx as fx
import torch.nn as nn

from explorer.graph.kinds.base import Referred

if TYPE_CHECKING:
    from .mapping import GraphMapper


def _full_shape(node: fx.Node) -> tuple[int, ...] | None:
    shape = getattr(node.meta.get("tensor_meta"), "shape", None)
    return None if shape is None else tuple(int(d) for d in shape)


# Tensors made from another's shape, dtype and device only, never from its values.
_SHAPE_ONLY = {"new_ones", "new_zeros", "new_full", "new_empty", torch.ones_like,
               torch.zeros_like, torch.full_like, torch.empty_like}


def is_constant(node: fx.Node, constants: set[fx.Node]) -> bool:
    """A parameter read directly, or a tensor computed from such parameters and from numbers
    alone (positions made by ``torch.arange(n)``, a mask made from the length): the same
    for every input of the imported shape."""
    if node.op == "get_attr":
        return _full_shape(node) is not None
    if node.op not in ("call_function", "call_method", "call_module") \
            or _full_shape(node) is None:
        return False
    if node.target in _SHAPE_ONLY:
        return True  # reads only its input's shape, dtype and device
    tensors = _tensor_inputs(node)
    if node.op == "call_module" and not tensors:
        return False
    return all(n in constants for n in tensors)


def _tensor_inputs(node: fx.Node) -> list[fx.Node]:
    found: list[fx.Node] = []
    fx.node.map_arg((node.args, node.kwargs), found.append)
    return [n for n in found if _full_shape(n) is not None or n.op == "placeholder"]


def map_pattern(mapper: GraphMapper, node: fx.Node) -> bool:
    """Map ``node`` (and the nodes it swallows) if it starts one of the patterns above."""
    if node.op == "call_module":
        target = str(node.target)
        if target in mapper.recognised:
            return _recognised(mapper, node)
        module = mapper.traced.get_submodule(target)
        if isinstance(module, nn.Linear):
            return _tied_linear(mapper, node, module)
        return isinstance(module, nn.Conv2d) and _patches(mapper, node, module)
    if node.target is torch.cat:
        return _class_token(mapper, node)
    if node.target in (operator.add, torch.add, "add"):
        return _positions(mapper, node)
    if node.target in (operator.matmul, torch.matmul, "matmul"):
        return _tied(mapper, node)
    return False


def _recognised(mapper: GraphMapper, node: fx.Node) -> bool:
    """A recognised part, called on one tensor; anything else it is given (a causal mask
    or positions made from the length, a flag) must be the same for every input."""
    found = mapper.recognised[str(node.target)]
    x = node.args[0] if node.args else None
    others = [n for n in _tensor_inputs(node) if n is not x]
    if not isinstance(x, fx.Node) or x not in mapper.ids \
            or any(n not in mapper.constants for n in others):
        return False
    mapper._add(node, found.kind, found.params, [x], module=found.name)
    layer = mapper.layers[-1]
    layer.sources, layer.derived = dict(found.sources), dict(found.derived)
    return True


def _only_user(node: fx.Node) -> fx.Node | None:
    return next(iter(node.users)) if len(node.users) == 1 else None


def _dims(node: fx.Node, *names: str) -> tuple[object, ...]:
    """``node``'s arguments after the tensor, positional or named (in ``names`` order)."""
    given = list(node.args[1:])
    for name in names[len(given):]:
        given.append(node.kwargs.get(name))
    return tuple(given)


def _patches(mapper: GraphMapper, node: fx.Node, conv: nn.Conv2d) -> bool:
    flat = _only_user(node)
    if flat is None or flat.target not in ("flatten", torch.flatten) \
            or _dims(flat, "start_dim", "end_dim") not in ((2, None), (2, -1)):
        return False
    turn = _only_user(flat)
    if turn is None or turn.target not in ("transpose", torch.transpose) \
            or {d % 3 for d in _dims(turn, "dim0", "dim1") if isinstance(d, int)} != {1, 2}:
        return False
    k, s = conv.kernel_size, conv.stride
    if (k[0] != k[1] or s != k or conv.padding not in ((0, 0), "valid") or conv.groups != 1
            or conv.dilation != (1, 1) or conv.bias is None):
        return False
    mapper._add(turn, "PatchEmbedding", {"patch_size": k[0], "dim": conv.out_channels},
                mapper._tensor_args(node), module=str(node.target))
    mapper.ids[node] = mapper.ids[flat] = mapper.ids[turn]
    return True


def _parameter(node: fx.Node, *through: str) -> fx.Node | None:
    """The get_attr a constant reads, passing only ``through`` these methods."""
    while node.op == "call_method" and node.target in through and node.args:
        node = node.args[0]  # type: ignore[assignment]
    return node if isinstance(node, fx.Node) and node.op == "get_attr" else None


def _class_token(mapper: GraphMapper, node: fx.Node) -> bool:
    parts = node.args[0] if node.args else node.kwargs.get("tensors")
    dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
    if not isinstance(parts, (list, tuple)) or len(parts) != 2 or dim not in (1, -2):
        return False
    token, x = parts
    if not (isinstance(token, fx.Node) and isinstance(x, fx.Node) and token in mapper.constants
            and x in mapper.ids):
        return False
    table = _parameter(token, "expand")
    shape = _full_shape(table) if table is not None else None
    spec = mapper.specs[mapper.ids[x]]
    if table is None or shape not in ((1, 1, spec.shape[-1]), (1, spec.shape[-1])) \
            or spec.layout != "sequence":
        return False
    mapper._add(node, "ClassToken", {}, [x], name=_plain_name(mapper, str(table.target)))
    mapper.layers[-1].sources = {"token": str(table.target)}
    return True


def _positions(mapper: GraphMapper, node: fx.Node) -> bool:
    if len(node.args) != 2 or node.kwargs:
        return False
    a, b = node.args
    x, table = (a, b) if b in mapper.constants else (b, a)
    if not (isinstance(x, fx.Node) and isinstance(table, fx.Node) and x in mapper.ids
            and table in mapper.constants):
        return False
    spec = mapper.specs[mapper.ids[x]]
    if spec.layout != "sequence" or _full_shape(table) not in ((*spec.shape,), (1, *spec.shape)):
        return False
    found = _position_table(mapper, table, spec.shape[0])
    if found is None:
        return False
    rows, key = found
    mapper._add(node, "PositionalEmbedding", {"max_length": rows}, [x],
                name=_plain_name(mapper, key))
    mapper.layers[-1].sources = {"weight": key}
    return True


def _position_table(mapper: GraphMapper, table: fx.Node, n: int) -> tuple[int, str] | None:
    """(rows, weight's name) when ``table`` is a parameter's first ``n`` rows: the parameter
    itself (0 rows: as many as the tokens), ``P[:n]``, or an Embedding looking up positions
    0 … n−1 (``wpe(arange(n))``, checked on its value)."""
    if table.op == "get_attr":
        return 0, str(table.target)
    source = table.args[0] if table.args else None
    if not isinstance(source, fx.Node):
        return None
    if table.op == "call_function" and table.target is operator.getitem:
        index = table.args[1]
        if (isinstance(index, slice) and index.start in (None, 0) and index.step in (None, 1)
                and source.op == "get_attr" and len(_full_shape(source) or ()) == 2):
            return (_full_shape(source) or (0,))[0], str(source.target)
        return None
    lookup = table  # the lookup, through moves and reshapes that keep its values
    while lookup.op == "call_method" and lookup.target in ("unsqueeze", "to", "contiguous") \
            and isinstance(lookup.args[0], fx.Node):
        lookup = lookup.args[0]
    if lookup.op != "call_module":
        return None
    embedding = mapper.traced.get_submodule(str(lookup.target))
    value = constant_value(mapper, table)
    if (not isinstance(embedding, nn.Embedding) or value is None or value.numel() !=
            n * embedding.embedding_dim or not torch.equal(value.reshape(n, -1),
                                                            embedding.weight[:n])):
        return None
    return embedding.num_embeddings, f"{lookup.target}.weight"


def constant_value(mapper: GraphMapper, node: fx.Node) -> torch.Tensor | None:
    """A constant's value, from one run of the traced network on the example."""
    if mapper.constant_values is None:
        wanted, found = set(mapper.constants), {}

        class Recorder(fx.Interpreter):
            def run_node(self, n: fx.Node) -> object:
                value = super().run_node(n)
                if n in wanted:
                    found[n] = value
                return value

        with torch.no_grad():
            Recorder(mapper.traced).run(mapper.example)
        mapper.constant_values = found
    value = mapper.constant_values.get(node)
    return value if isinstance(value, torch.Tensor) else None


def _plain_name(mapper: GraphMapper, key: str) -> str:
    """The node's id: the parameter's name (``class_token``), or the layer's that holds it
    (``transformer.wpe`` for ``transformer.wpe.weight``); the fx name in exported code."""
    if mapper.source is not None:
        return ""
    owner, _, attribute = key.rpartition(".")
    return owner if owner and attribute == "weight" else key


def _weight_of(module: nn.Module) -> object:
    return getattr(module, "weight", None)


def _tied_linear(mapper: GraphMapper, node: fx.Node, linear: nn.Linear) -> bool:
    """A Linear without bias whose weight is an Embedding's own table (Hugging Face ties
    ``lm_head.weight`` to ``wte.weight``): a TiedLinear, the table held once."""
    x = node.args[0] if len(node.args) == 1 and not node.kwargs else None
    if getattr(linear, "bias", None) is not None or not isinstance(x, fx.Node) \
            or x not in mapper.ids:
        return False
    table = linear.weight
    shared = next((la for la in mapper.layers if la.kind == "Embedding" and la.module and
                   _weight_of(mapper.traced.get_submodule(la.module)) is table), None)
    if shared is None:
        return False
    referred = Referred(shared.node_id, shared.kind, shared.params, upstream=True)
    mapper._add(node, "TiedLinear", {"embedding": shared.node_id}, [x], referred=referred,
                name=str(node.target))
    return True


def _tied(mapper: GraphMapper, node: fx.Node) -> bool:
    """``x @ E.weight.T`` (or ``.t()``) with E an Embedding already in the graph."""
    if len(node.args) != 2 or node.kwargs:
        return False
    x, turned = node.args
    if not (isinstance(x, fx.Node) and isinstance(turned, fx.Node) and x in mapper.ids):
        return False
    transposed = (turned.op == "call_function" and turned.target is getattr
                  and turned.args[1] == "T") or (turned.op == "call_method"
                                                  and turned.target == "t")
    table = turned.args[0]
    return transposed and isinstance(table, fx.Node) and mapper.tie(node, x, table)
