"""An imported module kept whole: a part of someone else's network that has no kind of its own.

When a PyTorch network is imported, every layer the editor knows becomes
its own node; a custom submodule whose inside cannot be drawn (it calls
functions no kind expresses, or torch.fx cannot trace it) stays one node.
The node remembers which class it is, the arguments it was made with, and
the shapes seen when it was traced, so the graph stays checkable: its shape
rule answers with the traced output shape and refuses any other input.
"""

from __future__ import annotations

import json
import keyword

from ..errors import ShapeError
from ..params import Param
from ..specs import TensorSpec, format_shape
from .base import LAYERS, Context, NodeKind, register

NOT_RECORDED = ""  # init_args when the constructor's arguments could not be recorded


def parse_shape(text: str) -> tuple[int, ...]:
    """``"64x8x8"`` -> ``(64, 8, 8)``; ValueError for anything else."""
    parts = text.replace("×", "x").split("x")
    dims = tuple(int(p) for p in parts)
    if not dims or any(d < 1 for d in dims):
        raise ValueError(f"{text!r} is not a shape such as 64x8x8")
    return dims


def shape_text(shape: tuple[int, ...]) -> str:
    """``(64, 8, 8)`` -> ``"64x8x8"``: how the node's parameters hold a shape."""
    return "x".join(str(d) for d in shape)


def is_class_path(text: str) -> bool:
    """Whether ``text`` is a dotted path of Python names (``package.module.Class``)."""
    parts = text.split(".")
    return len(parts) >= 2 and all(p.isidentifier() and not keyword.iskeyword(p) for p in parts)


def init_arguments(text: str) -> dict | None:
    """The recorded constructor arguments, or None when they were not recorded.

    ValueError unless they are a JSON object whose keys are Python names and
    whose numbers are finite: they are printed as a call in exported code.
    """
    if text == NOT_RECORDED:
        return None
    value = json.loads(text, parse_constant=_refuse)
    if not isinstance(value, dict):
        raise ValueError("the constructor arguments must be a JSON object")
    bad = [k for k in value if not k.isidentifier() or keyword.iskeyword(k)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not an argument name")
    return value


def _refuse(name: str) -> None:
    raise ValueError(f"{name} is not a number an argument may hold")


def _shapes(ctx: Context) -> tuple[tuple[int, ...], tuple[int, ...]]:
    if not is_class_path(ctx["class_path"]):
        raise ShapeError(f"This imported module's class {ctx['class_path']!r} is not a class "
                         "path such as package.module.Class.",
                         "Imported-module nodes are made by File > Import; import the "
                         "network again rather than adding one by hand.")
    try:
        init_arguments(ctx["init_args"])
    except ValueError as error:
        raise ShapeError(f"This imported module's constructor arguments are unusable "
                         f"({error}).", "Import the network again.") from None
    try:
        return parse_shape(ctx["input_shape"]), parse_shape(ctx["output_shape"])
    except ValueError as error:
        raise ShapeError(f"This imported module's recorded shapes are unreadable ({error}).",
                         "Import the network again.") from None


def _infer(ctx: Context) -> TensorSpec:
    traced_in, traced_out = _shapes(ctx)
    name = ctx["class_path"].rsplit(".", 1)[-1]
    if ctx.x.shape != traced_in:
        raise ShapeError(
            f"{name} was imported for input {format_shape(traced_in)}, but receives "
            f"{format_shape(ctx.x.shape)}; an imported module only knows the shapes it was "
            "traced with.",
            f"Feed it {format_shape(traced_in)}, or import the network again with that input.")
    return TensorSpec(traced_out)


def _count(ctx: Context) -> int:
    return int(ctx["parameters"])


OPAQUE = NodeKind(
    name="Module",
    title="Imported module",
    category=LAYERS,
    id_prefix="module",
    description="A part of an imported network kept whole: its own class, with its weights. "
                "It runs as the original does but cannot be opened or resized here.",
    formula="y = Module(x)",
    params=(
        Param("class_path", str, "", "The class it is made from, e.g. mypackage.blocks.SEBlock"),
        Param("source_file", str, "", "The Python file defining the class, when it is not "
              "an installed package"),
        Param("init_args", str, NOT_RECORDED, "The constructor's arguments as a JSON object "
              "(empty when they could not be recorded)"),
        Param("input_shape", str, "", "The input shape it was traced with, e.g. 64x8x8"),
        Param("output_shape", str, "", "The output shape it gave when traced"),
        Param("parameters", int, 0, "Learned numbers it holds", min=0),
    ),
    infer=_infer,
    count=_count,
)

register(OPAQUE)
