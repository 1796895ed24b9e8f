"""Residual and highway blocks: paths that let the signal skip the layers in between."""

from __future__ import annotations

import math

from ..errors import ShapeError
from ..params import AUTO, Param
from ..specs import format_shape
from .base import BLOCKS, MAX_WIDTH, Context, NodeKind, need_layout, register
from .expansion import (
    ACTIVATION_KINDS,
    BLOCK_INPUT,
    Expansion,
    ExpansionBuilder,
    from_expansion,
    run_expansion,
)

_ACTIVATION = Param(
    "activation", str, "relu", "Nonlinearity inside the block", choices=tuple(ACTIVATION_KINDS)
)
_ORDER = Param(
    "order",
    str,
    "post",
    "post: add, then activate (He et al. 2016a); pre: normalise and activate before each "
    "layer, nothing after the add (He et al. 2016b)",
    choices=("post", "pre"),
)
SHORTCUT = Param(
    "shortcut",
    str,
    "auto",
    "identity: add the input as it is; projection: pass it through a learned 1×1 map first; "
    "auto: projection only when shapes differ",
    choices=("auto", "identity", "projection"),
)
_ZERO_INIT = Param(
    "zero_init",
    bool,
    False,
    "Start the branch's last layer at zero, so the block starts as the identity",
)
DROP_PATH = Param(
    "drop_path",
    float,
    0.0,
    "stochastic depth: probability of skipping the branch during training (Huang et al. 2016)",
    min=0,
    max=0.95,
)


def drop_branch(b: ExpansionBuilder, ctx: Context, branch: str) -> str:
    """The branch through a StochasticDepth node when drop_path > 0 (else unchanged).

    Only then: a block without it expands exactly as it did before the option existed.
    """
    if ctx["drop_path"] == 0:
        return branch
    return b.add("drop_path", "StochasticDepth", branch, p=ctx["drop_path"], module=None)


def wants_projection(ctx: Context, out_shape: tuple[int, ...]) -> bool:
    """Resolve the shortcut: identity when shapes agree (or forced), else projection."""
    same = tuple(ctx.x.shape) == tuple(out_shape)
    if ctx["shortcut"] == "identity" and not same:
        raise ShapeError(
            f"An identity shortcut adds the input unchanged, but the input is "
            f"{format_shape(ctx.x.shape)} and the branch gives {format_shape(out_shape)}.",
            "Set shortcut to projection (or auto), or keep the output size equal to the input.",
        )
    return ctx["shortcut"] == "projection" or not same


def _norm(b: ExpansionBuilder, suffix: str, norm: str, src: str, channels: int) -> str:
    if norm == "none":
        return src
    if norm == "batch":
        return b.add(suffix, "BatchNorm", src)
    if norm == "layer":
        return b.add(suffix, "LayerNorm", src)
    return b.add(suffix, "GroupNorm", src, groups=norm_groups(channels))


def norm_groups(channels: int) -> int:
    """GroupNorm's group count for a block: 8 where it divides the channels."""
    return math.gcd(channels, 8)


def _act(b: ExpansionBuilder, suffix: str, ctx: Context, src: str) -> str:
    return b.add(suffix, ACTIVATION_KINDS[ctx["activation"]], src, module=None)


# --- Residual MLP ------------------------------------------------------------


def mlp_widths(ctx: Context) -> tuple[int, int]:
    out = ctx["out_features"] or ctx.x.shape[-1]
    return out, ctx["hidden"] or out


def _residual_mlp_expand(ctx: Context) -> Expansion:
    out, hidden = mlp_widths(ctx)
    norm, b = ctx["norm"], ExpansionBuilder()
    biased = norm == "none"
    if ctx["order"] == "post":
        h = b.add("fc1", "Linear", BLOCK_INPUT, out_features=hidden, bias=biased)
        h = _act(b, "act1", ctx, _norm(b, "norm1", norm, h, hidden))
        h = b.add("fc2", "Linear", h, out_features=out, bias=biased)
        h = _norm(b, "norm2", norm, h, out)
    else:
        h = _act(b, "act1", ctx, _norm(b, "norm1", norm, BLOCK_INPUT, ctx.x.shape[-1]))
        h = b.add("fc1", "Linear", h, out_features=hidden, bias=biased)
        h = _act(b, "act2", ctx, _norm(b, "norm2", norm, h, hidden))
        h = b.add("fc2", "Linear", h, out_features=out)
    skip = BLOCK_INPUT
    if wants_projection(ctx, (*ctx.x.shape[:-1], out)):
        skip = b.add("proj", "Linear", BLOCK_INPUT, out_features=out, bias=False)
    y = b.add("add", "Add", h, skip, module=None)
    if ctx["order"] == "post":
        y = _act(b, "act_out", ctx, y)
    return b.done(y)


def _residual_mlp_check(ctx: Context) -> None:
    need_layout(
        ctx,
        "A residual MLP block",
        "features",
        "sequence",
        hint="Use the convolutional residual block for images.",
    )


RESIDUAL_MLP = NodeKind(
    name="ResidualMLP",
    title="Residual block (MLP)",
    category=BLOCKS,
    id_prefix="res",
    description="Two Linear layers whose result is added to the block's input, so the signal "
    "and its gradient can skip them.",
    formula="post: y = σ(x + F(x)),  pre: y = x + F(x),  F = two Linear layers",
    params=(
        Param("out_features", int, 0, "Output width", min=0, max=MAX_WIDTH,
              special={0: "same as input"}),
        Param("hidden", int, 0, "Width inside the branch", min=0, max=MAX_WIDTH,
              special={0: "same as output"}),
        _ACTIVATION,
        Param("norm", str, "none", "Normalisation inside the branch",
              choices=("none", "batch", "layer")),
        _ORDER,
        SHORTCUT,
        _ZERO_INIT,
    ),
    **from_expansion(_residual_mlp_expand, _residual_mlp_check),
    paper="He et al. 2016",
)


# --- Residual conv -----------------------------------------------------------


def _residual_conv_expand(ctx: Context) -> Expansion:
    c = ctx.x.shape[0]
    out, k, s = ctx["out_channels"] or c, ctx["kernel_size"], ctx["stride"]
    norm, b = ctx["norm"], ExpansionBuilder()
    conv = {"kernel_size": k, "padding": k // 2, "bias": norm == "none"}
    if ctx["order"] == "post":
        h = b.add("conv1", "Conv2d", BLOCK_INPUT, out_channels=out, stride=s, **conv)
        h = _act(b, "act1", ctx, _norm(b, "norm1", norm, h, out))
        h = b.add("conv2", "Conv2d", h, out_channels=out, **conv)
        h = _norm(b, "norm2", norm, h, out)
    else:
        h = _act(b, "act1", ctx, _norm(b, "norm1", norm, BLOCK_INPUT, c))
        h = b.add("conv1", "Conv2d", h, out_channels=out, stride=s, **conv)
        h = _act(b, "act2", ctx, _norm(b, "norm2", norm, h, out))
        h = b.add("conv2", "Conv2d", h, out_channels=out, kernel_size=k, padding=k // 2)
    h = drop_branch(b, ctx, h)
    skip = BLOCK_INPUT
    if wants_projection(ctx, run_expansion(b.done(h), ctx.x, ctx).spec.shape):
        skip = b.add("proj", "Conv2d", BLOCK_INPUT, out_channels=out, kernel_size=1, stride=s,
                     padding=0, bias=False)
        if ctx["order"] == "post":
            skip = _norm(b, "proj_norm", norm, skip, out)
    y = b.add("add", "Add", h, skip, module=None)
    if ctx["order"] == "post":
        y = _act(b, "act_out", ctx, y)
    return b.done(y)


def _residual_conv_check(ctx: Context) -> None:
    need_layout(
        ctx, "A residual conv block", "image", hint="Use the MLP residual block for vectors."
    )


RESIDUAL_CONV = NodeKind(
    name="ResidualConv",
    title="Residual block (conv)",
    category=BLOCKS,
    id_prefix="res",
    description="Two 3×3 convolutions whose result is added to the block's input (a ResNet "
    "basic block); a 1×1 projection joins them when the shape changes.",
    formula="post: y = σ(x + F(x)),  pre: y = x + F(x),  F = two convolutions",
    params=(
        Param("out_channels", int, 0, "Output channels", min=0, max=65536,
              special={0: "same as input"}),
        Param("kernel_size", int, 3, "Filter size of both convolutions", min=1, max=15),
        Param("stride", int, 1, "Stride of the first convolution (2 halves the size)",
              min=1, max=4),
        _ACTIVATION,
        Param("norm", str, "batch", "Normalisation after each convolution",
              choices=("batch", "group", "none")),
        _ORDER,
        SHORTCUT,
        _ZERO_INIT,
        DROP_PATH,
    ),
    **from_expansion(_residual_conv_expand, _residual_conv_check),
    paper="He et al. 2016",
)


# --- Highway -----------------------------------------------------------------


def gate_bias_for_depth(depth: int) -> float:
    """The transform-gate bias a highway stack of this depth starts from.

    Deeper stacks need the gates to start more closed (mostly carrying the
    input): Srivastava et al. used −1 to −3 for depths 10-30, and a 50-deep
    stack on spirals trained at −3 to −5 but not at −2. This grows from
    −1.8 at depth 10 to −5 at depth 50 and stays there.
    """
    depth = max(1, min(depth, 50))
    return round(-(1 + 4 * depth / 50), 1)


def highway_depth(highway_layers: int) -> int:
    """The depth of a highway network with this many highway layers: one more, for the plain
    layer in front that sets the width (a highway layer keeps its input's width), as in
    Srivastava et al. and the depth sweeps, where "depth 50" is 1 plain + 49 highway layers."""
    return highway_layers + 1


def _highway_resolve(ctx: Context) -> dict:
    if ctx["gate_bias"] != AUTO:
        return {}
    layers = ctx.depth.get("Highway", 1)
    return {"gate_bias": gate_bias_for_depth(highway_depth(layers))}


def _highway_expand(ctx: Context) -> Expansion:
    bias = _highway_resolve(ctx).get("gate_bias", ctx["gate_bias"])
    d, b = ctx.x.shape[-1], ExpansionBuilder()
    h = _act(b, "h_act", ctx, b.add("h", "Linear", BLOCK_INPUT, out_features=d))
    t = b.add("t", "Linear", BLOCK_INPUT, out_features=d, bias_init=bias)
    t = b.add("gate", "Sigmoid", t, module=None)
    diff = b.add("diff", "Subtract", h, BLOCK_INPUT, module=None)
    gated = b.add("gated", "Multiply", t, diff, module=None)
    return b.done(b.add("out", "Add", BLOCK_INPUT, gated, module=None))


def _highway_check(ctx: Context) -> None:
    need_layout(ctx, "A highway block", "features", "sequence",
                hint="Flatten or pool images first.")


HIGHWAY = NodeKind(
    name="Highway",
    title="Highway block",
    category=BLOCKS,
    id_prefix="highway",
    description="A learned gate T decides, per unit, how much of the new value H(x) to take and "
    "how much of the input x to carry through unchanged.",
    formula="y = H(x)·T(x) + x·(1 − T(x)),  T(x) = σ(W_T·x + b_T)",
    params=(
        _ACTIVATION,
        Param("gate_bias", float, AUTO, "Starting bias b_T of the transform gate; negative "
              "values start the block carrying its input", min=-20, max=20, auto=True),
    ),
    **from_expansion(_highway_expand, _highway_check),
    resolve=_highway_resolve,
    paper="Srivastava, Greff & Schmidhuber 2015",
)

register(RESIDUAL_MLP, RESIDUAL_CONV, HIGHWAY)
