"""Merges: where paths join. Add makes residuals, Concat makes dense connections."""

from __future__ import annotations

from ..errors import ShapeError
from ..params import Param
from ..specs import TensorSpec, format_shape
from .base import MERGES, Context, NodeKind, ShapeRule, register

_INPUTS = Param("inputs", int, 2, "Number of input ports", min=2, max=16)


def _float_inputs(ctx: Context, title: str) -> tuple[TensorSpec, ...]:
    for spec in ctx.inputs:
        if spec.dtype != "float":
            raise ShapeError(f"{title} works on numbers, but receives token ids.",
                             "Embed the tokens first.")
    return ctx.inputs


def projection_hint(a: TensorSpec, b: TensorSpec) -> str:
    """How to make two mismatched tensors addable, in the words a textbook would use."""
    if a.layout == b.layout == "image":
        small, big = (a, b) if a.shape[1] >= b.shape[1] else (b, a)
        stride = small.shape[1] // big.shape[1] if big.shape[1] else 1
        how = f"1×1 conv to {big.shape[0]} channels" + (f", stride {stride}" if stride > 1 else "")
        return (
            f"Use a projection shortcut ({how}) on the {format_shape(small.shape)} input, "
            "or a Residual block, which adds one itself."
        )
    if a.rank == b.rank == 1:
        small, big = sorted((a, b), key=lambda s: s.shape[0])
        return (
            f"Put a Linear layer ({small.shape[0]} → {big.shape[0]}) on the narrower input, "
            "or use a Residual block, which adds one itself."
        )
    return "Make both inputs the same shape, or use Concat, which joins different widths."


def _same_shapes(title: str, verb: str) -> ShapeRule:
    def rule(ctx: Context) -> TensorSpec:
        inputs = _float_inputs(ctx, title)
        first = inputs[0]
        for other in inputs[1:]:
            if other.shape != first.shape:
                shapes = " vs ".join(format_shape(s.shape) for s in inputs)
                raise ShapeError(
                    f"{title} needs equal shapes to {verb}: {shapes}.",
                    projection_hint(first, other),
                )
        return first

    return rule


def _multiply(ctx: Context) -> TensorSpec:
    inputs = _float_inputs(ctx, "Multiply")
    images = [s for s in inputs if s.layout == "image"]
    vectors = [s for s in inputs if s.layout == "features"]
    if len(inputs) == 2 and len(images) == 1 and len(vectors) == 1:
        image, gate = images[0], vectors[0]
        if gate.shape[0] == image.shape[0]:
            return image  # one scale per channel, as in squeeze-and-excitation
        raise ShapeError(
            f"Multiply scales each of {image.shape[0]} channels by a vector, but the vector "
            f"has {gate.shape[0]} values.",
            f"Give the vector {image.shape[0]} values (one per channel).",
        )
    return _same_shapes("Multiply", "multiply")(ctx)


def _concat(ctx: Context) -> TensorSpec:
    inputs = _float_inputs(ctx, "Concat")
    first = inputs[0]
    for other in inputs[1:]:
        images_differ = first.rank == 3 and other.shape[1:] != first.shape[1:]
        if other.rank != first.rank or images_differ:
            shapes = " and ".join(format_shape(s.shape) for s in inputs)
            raise ShapeError(
                f"Concat joins along channels, so everything else must match: {shapes}.",
                "Pool or upsample one input so the image sizes agree."
                if first.rank == 3
                else "Both inputs must be of the same kind (vectors, sequences or images).",
            )
        if first.rank == 2 and other.shape[0] != first.shape[0]:
            raise ShapeError(
                f"Concat joins sequences feature-wise, so their lengths must match: "
                f"{format_shape(first.shape)} and {format_shape(other.shape)}.",
                "Use sequences of the same length.",
            )
    if first.rank == 3:
        return TensorSpec((sum(s.shape[0] for s in inputs), *first.shape[1:]))
    return TensorSpec((*first.shape[:-1], sum(s.shape[-1] for s in inputs)))


ADD = NodeKind(
    name="Add",
    title="Add",
    category=MERGES,
    id_prefix="add",
    description="Sums its inputs element by element: the join of a residual (skip) connection.",
    formula="y = a + b",
    params=(_INPUTS,),
    infer=_same_shapes("Add", "add"),
    n_inputs="inputs",
)

SUBTRACT = NodeKind(
    name="Subtract",
    title="Subtract",
    category=MERGES,
    id_prefix="sub",
    description="Takes the second input from the first, element by element.",
    formula="y = a − b",
    params=(),
    infer=_same_shapes("Subtract", "subtract"),
    n_inputs=2,
)

MULTIPLY = NodeKind(
    name="Multiply",
    title="Multiply",
    category=MERGES,
    id_prefix="mul",
    description="Multiplies element by element; a vector of C values scales each of C channels "
    "(a gate).",
    formula="y = a ⊙ b",
    params=(_INPUTS,),
    infer=_multiply,
    n_inputs="inputs",
)

CONCAT = NodeKind(
    name="Concat",
    title="Concat",
    category=MERGES,
    id_prefix="concat",
    description="Stacks its inputs along channels (or features), in port order: the join of a "
    "dense connection.",
    formula="y = [a, b]",
    params=(_INPUTS,),
    infer=_concat,
    n_inputs="inputs",
)

register(ADD, SUBTRACT, MULTIPLY, CONCAT)
