"""ATen operations as the torch calls torch.fx records for them.

torch.export records ``x + y`` as ``aten.add.Tensor`` and ``x[:, 0]`` as
``aten.select.int``; the mapper reads what fx records (``operator.add``,
``operator.getitem`` with an index). ``translate`` turns one into the other, in
exactly the forms ``mapping.py`` and ``token_patterns.py`` accept. An operation
missing here is kept as it is, and the mapper names it as having no node kind.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import torch
import torch.fx as fx
import torch.nn.functional as F

aten = torch.ops.aten

Node = tuple[str, Any, tuple[Any, ...], dict[str, Any]]  # op, target, args, kwargs
_END = 2 ** 62  # a slice's end this large means "to the end"


def _function(target: Any, count: int | None = None) -> Callable[..., Node]:
    """The same arguments (the first ``count``, if given) to a torch function."""
    def rule(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Node:
        return "call_function", target, args if count is None else args[:count], kwargs
    return rule


def _method(name: str) -> Callable[..., Node]:
    def rule(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Node:
        return "call_method", name, args, kwargs
    return rule


def _merge(target: Any) -> Callable[..., Node | None]:
    def rule(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Node | None:
        return None if kwargs.get("alpha", 1) != 1 else ("call_function", target, args, {})
    return rule


def _index(index: Any) -> Any:
    return index[0] if len(index) == 1 else index


def _select(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Node | None:
    x, dim, i = args
    if dim < 0:
        return None
    return "call_function", operator.getitem, (x, _index((slice(None),) * dim + (i,))), {}


def _slice(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Node | None:
    x, dim, start, end, step = (*args, None, None, None, None)[:5]
    dim = dim or 0
    if dim < 0:
        return None
    piece = slice(None if start in (None, 0) else start, None if end is None or end >= _END
                  else end, None if step in (None, 1) else step)
    return "call_function", operator.getitem, (x, _index((slice(None),) * dim + (piece,))), {}


def _gelu(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Node:
    approximate = kwargs.get("approximate", "none")
    return "call_function", F.gelu, args[:1], {} if approximate == "none" else {
        "approximate": approximate}


def _hardtanh(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Node | None:
    return ("call_function", F.relu6, args[:1], {}) if tuple(args[1:]) == (0.0, 6.0) else None


def _named(target: Any, names: tuple[str, ...]) -> Callable[..., Node]:
    """A functional call with the settings after the input named (what
    ``normalized_arguments`` gives the mapper for an fx node)."""
    def rule(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Node:
        settings = dict(zip(names, args[1:], strict=False)) | kwargs
        return "call_function", target, args[:1], settings
    return rule


def _adaptive_avg_pool(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Node:
    size = list(args[1])
    single = size[0] if len(size) == 2 and size[0] == size[1] else tuple(size)
    return "call_function", F.adaptive_avg_pool2d, (args[0], single), {}


def _amax(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Node:
    keep = args[2] if len(args) > 2 else kwargs.get("keepdim", False)
    return "call_method", "amax", tuple(args[:2]), {"keepdim": True} if keep else {}


def _expand(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Node:
    return "call_method", "expand", (args[0], *args[1]), {}


def _transposed(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Node:
    return "call_function", getattr, (args[0], "T"), {}


def _dropout(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Node:
    p = args[1] if len(args) > 1 else 0.5
    train = args[2] if len(args) > 2 else False
    return "call_function", F.dropout, args[:1], {"p": p, "training": train}


_RULES: dict[str, Callable[..., Node | None]] = {
    "relu": _function(torch.relu, 1), "sigmoid": _function(torch.sigmoid, 1),
    "tanh": _function(torch.tanh, 1), "silu": _function(F.silu, 1),
    "hardswish": _function(F.hardswish, 1), "hardtanh": _hardtanh, "gelu": _gelu,
    "leaky_relu": _function(F.leaky_relu),
    "add": _merge(operator.add), "mul": _merge(operator.mul), "sub": _merge(operator.sub),
    "matmul": _function(operator.matmul), "linear": _function(F.linear),
    "cat": _function(torch.cat), "flatten": _function(torch.flatten),
    "view": _function(torch.reshape), "reshape": _function(torch.reshape),
    "_unsafe_view": _function(torch.reshape), "transpose": _function(torch.transpose),
    "mean": _function(torch.mean), "amax": _amax,
    "select": _select, "slice": _slice, "expand": _expand, "unsqueeze": _method("unsqueeze"),
    "t": _method("t"), "numpy_T": _transposed,
    "contiguous": _method("contiguous"), "alias": _method("contiguous"),
    "detach": _method("contiguous"), "clone": _method("clone"),
    "adaptive_avg_pool2d": _adaptive_avg_pool,
    "max_pool2d": _named(F.max_pool2d, ("kernel_size", "stride", "padding", "dilation",
                                        "ceil_mode")),
    "avg_pool2d": _named(F.avg_pool2d, ("kernel_size", "stride", "padding", "ceil_mode",
                                        "count_include_pad", "divisor_override")),
    "dropout": _dropout,
}


# Overloads that take a tensor where the fx call does (not aten.view.dtype, say).
_OVERLOADS = {"default", "Tensor", "Scalar", "int", "using_ints", "dim"}


def translate(target: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Node:
    """The fx call for an ATen operation; the operation as it is where there is none."""
    if isinstance(target, torch._ops.OpOverload) and target.namespace == "aten" \
            and target._overloadname in _OVERLOADS:
        rule = _RULES.get(target.overloadpacket.__name__)
        made = rule(tuple(args), dict(kwargs)) if rule is not None else None
        if made is not None:
            return made
    return "call_function", target, tuple(args), dict(kwargs)


def unpermuted(node: fx.Node) -> tuple[fx.Node, list[tuple[Any, tuple[Any, ...]]]] | None:
    """einops moves axes to the end before it merges or reduces them, which no node kind
    reads: ``rearrange(x, 'b c h w -> b (h w) c')`` is ``x.permute(0, 2, 3, 1).reshape(b,
    h * w, c)``, ``reduce(x, 'b n d -> b d', 'mean')`` is ``x.permute(0, 2, 1).mean(2)``.
    For these two, the permuted tensor and the steps without the permute (as ATen
    operations after it): ``x.flatten(2).transpose(1, 2)`` (a patch embedding reads
    this), ``x.mean(1)``."""
    args: Any = node.args
    source = args[0] if args else None
    if not (isinstance(source, fx.Node) and source.target is aten.permute.default):
        return None
    permuted: Any = source.args
    x, order = permuted
    if not isinstance(x, fx.Node) or not isinstance(order, (list, tuple)):
        return None
    shape = getattr(x.meta.get("val"), "shape", None)
    if shape is None:
        return None
    order = [d % len(shape) for d in order]
    if node.target is aten.mean.dim and not node.kwargs and len(args) == 2:
        dims = [d % len(shape) for d in args[1]]
        kept = [axis for i, axis in enumerate(order) if i not in dims]
        if kept == sorted(kept):
            return x, [(aten.mean.dim, (sorted(order[d] for d in dims),))]
    if node.target in (aten.reshape.default, aten.view.default) and len(shape) == 4 \
            and order == [0, 2, 3, 1]:
        b, c, h, w = (int(d) for d in shape)
        if [int(d) for d in args[1]] == [b, h * w, c]:
            return x, [(aten.flatten.using_ints, (2,)), (aten.transpose.int, (1, 2))]
    return None


def unstacked(node: fx.Node) -> fx.Node | None:
    """One of the tensors ``torch.stack`` joined, picked back out (``outs[0]``, or each
    ``o`` of ``for o in outs[1:]``, which export records as an unbind): that tensor."""
    args: Any = node.args
    if node.target is aten.select.int and len(args) == 3:
        base, dim, index = args
    elif node.target is operator.getitem and isinstance(args[0], fx.Node) \
            and args[0].target is aten.unbind.int:
        unbound: Any = args[0].args
        base, dim, index = unbound[0], unbound[1] if len(unbound) > 1 else 0, args[1]
    else:
        return None
    if isinstance(base, fx.Node) and base.target is aten.slice.Tensor:
        sliced: Any = (*base.args, None, None, None)
        if sliced[1] != dim or sliced[4] not in (None, 1):
            return None
        base, index = sliced[0], index + (sliced[2] or 0)
    if not (isinstance(base, fx.Node) and base.target is aten.stack.default and index >= 0):
        return None
    stacked: Any = base.args
    parts = stacked[0]
    same_dim = (stacked[1] if len(stacked) > 1 else 0) == dim
    return parts[index] if same_dim and index < len(parts) else None


_MOVES = {aten.reshape.default, aten.view.default, aten.unsqueeze.default, aten.expand.default}


def repeated(node: fx.Node, values: dict[fx.Node, Any], state: set[fx.Node]
             ) -> tuple[fx.Node, list[int]] | None:
    """einops' ``repeat(token, '1 1 d -> b 1 d', b=b)`` is a reshape, an unsqueeze, an
    expand and a reshape again of a parameter; where the result is (checked on its value)
    ``token.expand(b, 1, d)``, what a class token reads: the parameter and that shape."""
    source: Any = node
    while isinstance(source, fx.Node) and source.target in _MOVES:
        source = source.args[0]
    if source is node or source not in state:
        return None
    value, token = values.get(node), values.get(source)
    if not (isinstance(value, torch.Tensor) and isinstance(token, torch.Tensor)
            and value.dim() == token.dim()):
        return None
    shape = list(value.shape)
    if any(t not in (1, s) for t, s in zip(token.shape, shape, strict=True)) \
            or not torch.equal(token.expand(shape), value):
        return None
    return source, shape


def functional(node: fx.Node, position: dict[fx.Node, int]) -> Any:
    """``x += y`` is recorded as ``aten.add_``: as ``aten.add`` (what fx records) where
    nothing reads ``x`` afterwards, so no one sees the change; otherwise as it is."""
    target = node.target
    if not (isinstance(target, torch._ops.OpOverload)
            and target.overloadpacket.__name__.endswith("_")):
        return target
    x = node.args[0] if node.args else None
    if not isinstance(x, fx.Node) or any(position[user] > position[node] for user in x.users):
        return target
    plain = getattr(aten, target.overloadpacket.__name__[:-1], None)
    return getattr(plain, target._overloadname, target) if plain is not None else target
