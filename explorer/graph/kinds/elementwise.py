"""Activations, normalisation and dropout: they keep the shape of what flows through them."""

from __future__ import annotations

from ..errors import ShapeError
from ..params import Param
from ..specs import TensorSpec
from .base import (
    ACTIVATIONS,
    NORMALISATION,
    Context,
    NodeKind,
    ShapeRule,
    need_layout,
    register,
)


def _float_passthrough(title: str) -> ShapeRule:
    def rule(ctx: Context) -> TensorSpec:
        if ctx.x.dtype != "float":
            raise ShapeError(
                f"{title} works on numbers, but receives token ids.", "Add an Embedding first."
            )
        return ctx.x

    return rule


def _activation(name: str, description: str, formula: str, *params: Param) -> NodeKind:
    return NodeKind(
        name=name,
        title=name,
        category=ACTIVATIONS,
        id_prefix=name.lower(),
        description=description,
        formula=formula,
        params=params,
        infer=_float_passthrough(name),
    )


RELU = _activation(
    "ReLU",
    "Passes positive values, zeroes negative ones; gradients pass unshrunk.",
    "y = max(0, x)",
)
GELU = _activation(
    "GELU",
    "A smooth ReLU used in transformers: weighs x by how likely it is positive.",
    "y = x·Φ(x)",
    Param("approximate", str, "none", "Exact Φ (none), or GPT-2's tanh approximation of it",
          choices=("none", "tanh")),
)
TANH = _activation(
    "Tanh",
    "Squashes values into (−1, 1); its slope is at most 1, so deep stacks shrink gradients.",
    "y = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ)",
)
SIGMOID = _activation(
    "Sigmoid",
    "Squashes values into (0, 1); its slope is at most ¼, so gradients fade in deep stacks.",
    "σ(x) = 1/(1 + e⁻ˣ)",
)
SILU = _activation(
    "SiLU", "x times its sigmoid (also called Swish); smooth, used in EfficientNet.", "y = x·σ(x)"
)
RELU6 = _activation(
    "ReLU6",
    "ReLU capped at 6, so values stay in a range low-precision mobile arithmetic holds; "
    "used in MobileNetV2.",
    "y = min(max(0, x), 6)",
)
HARDSWISH = _activation(
    "Hardswish",
    "A cheap SiLU: x times a clipped straight line instead of a sigmoid; used in MobileNetV3.",
    "y = x·min(max(x + 3, 0), 6)/6",
)
LEAKY_RELU = _activation(
    "LeakyReLU",
    "Like ReLU, but negative values keep a small slope, so no unit goes silent.",
    "y = max(α·x, x)",
    Param("negative_slope", float, 0.01, "Slope α for negative inputs", min=0, max=1),
)


def _batch_norm(ctx: Context) -> TensorSpec:
    return need_layout(
        ctx,
        "BatchNorm",
        "features",
        "image",
        hint="For sequences use LayerNorm, which normalises each token on its own.",
    )


def _layer_norm(ctx: Context) -> TensorSpec:
    return need_layout(
        ctx,
        "LayerNorm",
        "features",
        "sequence",
        hint="For images use GroupNorm (1 group normalises each image as a whole).",
    )


def _group_norm(ctx: Context) -> TensorSpec:
    x = need_layout(ctx, "GroupNorm", "image", hint="For vectors use LayerNorm or BatchNorm.")
    c, groups = x.shape[0], ctx["groups"]
    if c % groups:
        options = [g for g in (1, 2, 4, 8, 16, 32) if c % g == 0]
        raise ShapeError(
            f"GroupNorm splits {c} channels into {groups} groups, but {c} is not divisible "
            f"by {groups}.",
            f"Pick groups from {', '.join(map(str, options))}.",
        )
    return x


def _affine_count(ctx: Context) -> int:
    return 2 * ctx.x.shape[0] if ctx.x.layout == "image" else 2 * ctx.x.shape[-1]


BATCH_NORM = NodeKind(
    name="BatchNorm",
    title="BatchNorm",
    category=NORMALISATION,
    id_prefix="bn",
    description="Rescales each channel to zero mean and unit variance over the batch, then "
    "learns a scale and shift.",
    formula="y = γ·(x − μ_batch)/√(σ²_batch + ε) + β",
    params=(
        Param("momentum", float, 0.1, "How fast the running statistics follow", min=0, max=1),
        Param("eps", float, 1e-5, "Added to the variance to avoid dividing by 0", min=0, max=1),
    ),
    infer=_batch_norm,
    count=_affine_count,
    paper="Ioffe & Szegedy 2015",
)

LAYER_NORM = NodeKind(
    name="LayerNorm",
    title="LayerNorm",
    category=NORMALISATION,
    id_prefix="ln",
    description="Rescales each example's features to zero mean and unit variance, then learns "
    "a scale and shift.",
    formula="y = γ·(x − mean(x))/√(var(x) + ε) + β",
    params=(Param("eps", float, 1e-5, "Added to the variance", min=0, max=1),),
    infer=_layer_norm,
    count=lambda ctx: 2 * ctx.x.shape[-1],
    paper="Ba, Kiros & Hinton 2016",
)

GROUP_NORM = NodeKind(
    name="GroupNorm",
    title="GroupNorm",
    category=NORMALISATION,
    id_prefix="gn",
    description="Normalises groups of channels within each image; works at any batch size.",
    formula="y = γ·(x − μ_group)/√(σ²_group + ε) + β",
    params=(
        Param("groups", int, 8, "Channel groups normalised together", min=1, max=4096),
        Param("eps", float, 1e-5, "Added to the variance", min=0, max=1),
    ),
    infer=_group_norm,
    count=_affine_count,
    paper="Wu & He 2018",
)

DROPOUT = NodeKind(
    name="Dropout",
    title="Dropout",
    category=NORMALISATION,
    id_prefix="dropout",
    description="While training, zeroes random values so no unit can rely on another; off "
    "at evaluation.",
    formula="y = m ⊙ x/(1 − p),  m ~ Bernoulli(1 − p)",
    params=(Param("p", float, 0.1, "Probability of zeroing each value", min=0, max=0.95),),
    infer=_float_passthrough("Dropout"),
    paper="Srivastava et al. 2014",
)

STOCHASTIC_DEPTH = NodeKind(
    name="StochasticDepth",
    title="Stochastic depth",
    category=NORMALISATION,
    id_prefix="drop_path",
    description="While training, drops the whole branch for a random share p of the examples; "
    "put it on a residual branch before the add. Off at evaluation.",
    formula="y = m·x/(1 − p),  one m ~ Bernoulli(1 − p) per example",
    params=(
        Param("p", float, 0.1, "Probability of dropping an example's branch", min=0, max=1),
    ),
    infer=_float_passthrough("Stochastic depth"),
    paper="Huang et al. 2016",
)

register(RELU, GELU, TANH, SIGMOID, SILU, RELU6, HARDSWISH, LEAKY_RELU, BATCH_NORM, LAYER_NORM,
         GROUP_NORM, DROPOUT, STOCHASTIC_DEPTH)
