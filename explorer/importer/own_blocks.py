"""The program's own block classes, met again in a network: each becomes its block node.

Exported code (``main.py export``) copies the block classes of
``explorer.compiler.blocks`` word for word, and prints each block node as a
call such as ``ResidualConv(16, 32, kernel_size=3, stride=2, ...)``. When
such a file is imported, an instance of one of those classes is kept whole
while tracing and read back as its kind: the arguments it was made with
(recorded while the file's ``Network()`` ran, see ``loading.py``) are turned
back into the kind's parameters, undoing the kind's ``ModuleSpec`` rule in
``explorer.compiler.modules``. A class counts as the program's own when its
name and its code (docstrings aside) are those of the class in
``explorer.compiler.blocks``; a look-alike with other code is traced as usual.

Parameters the printed call shows resolved are given back as the editor
keeps them (``settle_auto``): a Conv2d padding of kernel // 2, a pooling
stride equal to the window, a shortcut that is a projection exactly when the
shapes differ, and a highway gate bias equal to the one chosen for the network's depth come back as
"auto"; a positional table as long as the input, and a ResidualMLP as wide as
its input, come back as 0 ("the same"). An explicit value equal to that
choice cannot be told apart in the code, so it comes back as "auto" (or 0)
too: the same network, printed the same. Other values the code shows only
as what they make: a ratio (MBConv se_ratio, Transition compression) comes
back as the simplest one giving the same channels (the kind's default
first); a conv block's width as the number; an MBConv's drop_path without a
residual path, and a bias_init without a bias, are not printed at all (they
act on nothing) and come back as 0.0 and "auto".
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from functools import cache
from typing import Any

import torch.nn as nn

from explorer.compiler import blocks as block_classes
from explorer.compiler.modules import FUNCTIONAL_ACTIVATIONS
from explorer.graph import AUTO, GraphError, TensorSpec, get_kind
from explorer.graph.kinds import Context
from explorer.graph.kinds.residual import gate_bias_for_depth, highway_depth

Args = dict[str, Any]
Inverse = Callable[[Args, TensorSpec, TensorSpec], dict[str, Any]]

_KIND_ACTIVATIONS = {functional: kind for kind, functional in FUNCTIONAL_ACTIVATIONS.items()}


def _shortcut(projection: bool, x: TensorSpec, out: TensorSpec) -> str:
    """"auto" when the printed projection is what auto picks (only where shapes differ)."""
    if bool(projection) == (tuple(x.shape) != tuple(out.shape)):
        return "auto"
    return "projection" if projection else "identity"


def _fraction(kind: str, name: str, wanted: int, made: Callable[[float], int],
              whole: int) -> float:
    """The simplest fraction (the kind's default first) that gives ``wanted`` channels back."""
    default = next(p.default for p in get_kind(kind).params if p.name == name)
    candidates = [default, *(round(wanted / whole, digits) for digits in range(1, 7)),
                  wanted / whole]
    return next((float(c) for c in candidates if c > 0 and made(c) == wanted),
                wanted / whole)


def _residual_mlp(a: Args, x: TensorSpec, out: TensorSpec) -> dict[str, Any]:
    """Widths equal to the input's (the output) come back as 0, the kind's "the same"."""
    width = a["out_features"]
    return {"out_features": 0 if width == x.shape[-1] else width,
            "hidden": 0 if a["hidden"] == width else a["hidden"],
            "activation": _KIND_ACTIVATIONS[a["activation"]], "norm": a["norm"],
            "order": a["order"], "shortcut": _shortcut(a["projection"], x, out),
            "zero_init": a["zero_init"]}


def _residual_conv(a: Args, x: TensorSpec, out: TensorSpec) -> dict[str, Any]:
    return {"out_channels": a["out_channels"], "kernel_size": a["kernel_size"],
            "stride": a["stride"], "activation": _KIND_ACTIVATIONS[a["activation"]],
            "norm": a["norm"], "order": a["order"],
            "shortcut": _shortcut(a["projection"], x, out), "zero_init": a["zero_init"],
            "drop_path": a["drop_path"]}


def _bottleneck(a: Args, x: TensorSpec, out: TensorSpec) -> dict[str, Any]:
    return {"out_channels": a["out_channels"], "expansion": a["expansion"],
            "stride": a["stride"], "groups": a["groups"],
            "shortcut": _shortcut(a["projection"], x, out), "zero_init": a["zero_init"],
            "drop_path": a["drop_path"]}


def _highway(a: Args, x: TensorSpec, out: TensorSpec) -> dict[str, Any]:
    return {"activation": _KIND_ACTIVATIONS[a["activation"]], "gate_bias": a["gate_bias"]}


def _transition(a: Args, x: TensorSpec, out: TensorSpec) -> dict[str, Any]:
    c = a["in_channels"]
    return {"compression": _fraction("Transition", "compression", a["out_channels"],
                                     lambda r: max(1, int(c * r)), c)}


def _mbconv(a: Args, x: TensorSpec, out: TensorSpec) -> dict[str, Any]:
    c, squeezed = a["in_channels"], a["se_channels"]
    ratio = 0.0 if squeezed == 0 else _fraction("MBConv", "se_ratio", squeezed,
                                                lambda r: max(1, int(c * r)), c)
    return {"out_channels": a["out_channels"], "expand_ratio": a["expand_ratio"],
            "kernel_size": a["kernel_size"], "stride": a["stride"], "se_ratio": ratio,
            "activation": _KIND_ACTIVATIONS[a["activation"]], "drop_path": a["drop_path"]}


def _transformer(a: Args, x: TensorSpec, out: TensorSpec) -> dict[str, Any]:
    names = ("heads", "mlp_ratio", "dropout", "norm", "causal", "activation", "eps",
             "drop_path")
    return {name: a[name] for name in names}


def _positional(a: Args, x: TensorSpec, out: TensorSpec) -> dict[str, Any]:
    return {"max_length": 0 if a["length"] == x.shape[0] else a["length"]}


def _same_names(*names: str) -> Inverse:
    return lambda a, x, out: {name: a[name] for name in names}


INVERSES: dict[str, Inverse] = {
    "ResidualMLP": _residual_mlp,
    "ResidualConv": _residual_conv,
    "Bottleneck": _bottleneck,
    "Highway": _highway,
    "DenseBlock": _same_names("layers", "growth_rate", "bottleneck"),
    "Transition": _transition,
    "SelfAttention": _same_names("heads", "dropout", "causal"),
    "TransformerBlock": _transformer,
    "MBConv": _mbconv,
    "PositionalEmbedding": _positional,
    "PatchEmbedding": _same_names("patch_size", "dim"),
    "ClassToken": lambda a, x, out: {},
    "StochasticDepth": _same_names("p"),
}


def own_block(module: nn.Module) -> str | None:
    """The kind an instance of the program's own block class stands for, or None."""
    cls = type(module)
    ours = getattr(block_classes, cls.__name__, None)
    if cls.__name__ not in INVERSES or not isinstance(ours, type):
        return None
    if cls is ours:
        return cls.__name__
    code = _code_of(cls)
    return cls.__name__ if code is not None and code == _code_of(ours) else None


def block_layer(module: nn.Module, arguments: Args | None, x: TensorSpec,
                out: TensorSpec) -> tuple[str, dict[str, Any]] | None:
    """The kind and parameters of an own block made with ``arguments`` (None: unknown)."""
    kind = own_block(module)
    if kind is None or arguments is None:
        return None
    try:
        bound = inspect.signature(type(module).__init__).bind(module, **arguments)
    except TypeError:
        return None
    bound.apply_defaults()
    values = dict(list(bound.arguments.items())[1:])
    try:
        return kind, INVERSES[kind](values, x, out)
    except KeyError:  # an activation no kind has, say
        return None


def _code_of(cls: type) -> str | None:
    """The class's code as a syntax tree dump, without docstrings (formatting aside)."""
    try:
        return _tree_without_docstrings(inspect.getsource(cls))
    except (OSError, TypeError):
        return None


@cache
def _tree_without_docstrings(source: str) -> str | None:
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.body and isinstance(
                node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant) \
                and isinstance(node.body[0].value.value, str):
            node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree)


# -- "auto" back where the code shows the value it picked ---------------------------


def settle_auto(kind: str, params: dict[str, Any], inputs: tuple[TensorSpec, ...],
                depth: dict[str, int]) -> dict[str, Any]:
    """``params`` with each value that "auto" would pick set back to "auto" (see above)."""
    settled = dict(params)
    if kind == "Conv2d" and settled["padding"] == settled["kernel_size"] // 2:
        settled["padding"] = AUTO
    elif kind in ("MaxPool2d", "AvgPool2d") and settled["stride"] == settled["kernel_size"]:
        settled["stride"] = AUTO
    elif kind == "Highway" and settled["gate_bias"] != AUTO and float(settled["gate_bias"]) \
            == gate_bias_for_depth(highway_depth(depth.get("Highway", 1))):
        settled["gate_bias"] = AUTO
    if settled == params:
        return params
    try:  # only when the kind agrees: same shape, nothing refused
        node_kind = get_kind(kind)
        before = node_kind.infer(Context(node_kind.validate(params), inputs, depth))
        after = node_kind.infer(Context(node_kind.validate(settled), inputs, depth))
    except GraphError:
        return params
    return settled if before == after else params
