"""Layers with learned weights: linear maps, convolutions, embeddings, attention."""

from __future__ import annotations

from ..errors import ShapeError
from ..params import AUTO, Param
from ..specs import TensorSpec, format_shape
from .base import (
    LAYERS,
    MAX_KERNEL,
    MAX_SPATIAL,
    MAX_WIDTH,
    Context,
    NodeKind,
    check_spatial,
    conv_out,
    need_layout,
    register,
)


def _linear(ctx: Context) -> TensorSpec:
    x = need_layout(
        ctx,
        "Linear",
        "features",
        "sequence",
        hint="Add Flatten or global pooling before it to turn an image into a vector.",
    )
    return TensorSpec((*x.shape[:-1], ctx["out_features"]))


def _linear_count(ctx: Context) -> int:
    fan_in = ctx.x.shape[-1]
    return fan_in * ctx["out_features"] + (ctx["out_features"] if ctx["bias"] else 0)


LINEAR = NodeKind(
    name="Linear",
    title="Linear",
    category=LAYERS,
    id_prefix="linear",
    description="Each output is a weighted sum of all inputs plus a bias: a fully connected layer.",
    formula="y = W·x + b",
    params=(
        Param("out_features", int, 64, "Number of outputs", min=1, max=MAX_WIDTH),
        Param("bias", bool, True, "Learn an additive bias b"),
        Param(
            "bias_init",
            float,
            AUTO,
            "Starting value of every bias (auto: PyTorch's default random start)",
            min=-100,
            max=100,
            auto=True,
        ),
    ),
    infer=_linear,
    count=_linear_count,
)


def conv_padding(ctx: Context) -> int:
    """"auto" padding keeps the size at stride 1 ("same" padding for odd kernels)."""
    return ctx["kernel_size"] // 2 if ctx["padding"] == AUTO else ctx["padding"]


def _conv_channels(ctx: Context, title: str) -> tuple[int, int, int]:
    x = need_layout(
        ctx, title, "image", hint="Convolutions slide over images; use Linear for vectors."
    )
    c, h, w = x.shape
    groups, out = ctx["groups"], ctx["out_channels"]
    if c % groups or out % groups:
        raise ShapeError(
            f"{title} with {groups} groups needs input and output channels divisible by "
            f"{groups}, but has {c} in and {out} out.",
            f"Pick groups that divide both (groups = {c} with out_channels = {c} is a "
            "depthwise convolution).",
        )
    return c, h, w


def _conv(ctx: Context) -> TensorSpec:
    _, h, w = _conv_channels(ctx, "Conv2d")
    k, s, p = ctx["kernel_size"], ctx["stride"], conv_padding(ctx)
    oh, ow = conv_out(h, k, s, p), conv_out(w, k, s, p)
    check_spatial(
        "Conv2d", oh, ow, f"A {k}×{k} kernel does not fit a {h}×{w} image; pad or shrink it."
    )
    return TensorSpec((ctx["out_channels"], oh, ow))


def _conv_count(ctx: Context) -> int:
    c, k, out = ctx.x.shape[0], ctx["kernel_size"], ctx["out_channels"]
    return out * (c // ctx["groups"]) * k * k + (out if ctx["bias"] else 0)


_KERNEL = Param("kernel_size", int, 3, "Height and width of the filter", min=1, max=MAX_KERNEL)

CONV2D = NodeKind(
    name="Conv2d",
    title="Conv2d",
    category=LAYERS,
    id_prefix="conv",
    description="Slides small learned filters over the image; each output channel is one filter.",
    formula="y[o] = b[o] + Σᵢ W[o, i] ⋆ x[i]",
    params=(
        Param("out_channels", int, 16, "Number of filters (output channels)", min=1, max=65536),
        _KERNEL,
        Param("stride", int, 1, "Step between filter positions (2 halves the size)", min=1, max=16),
        Param(
            "padding",
            int,
            AUTO,
            "Zeros added around the border (auto: keep the size at stride 1)",
            min=0,
            max=MAX_KERNEL,
            auto=True,
        ),
        Param("groups", int, 1, "Split channels into independent groups", min=1, max=65536),
        Param("bias", bool, True, "Learn one bias per output channel"),
    ),
    infer=_conv,
    count=_conv_count,
)


def _conv_transpose(ctx: Context) -> TensorSpec:
    x = need_layout(ctx, "ConvTranspose2d", "image", hint="It upsamples images only.")
    _, h, w = x.shape
    k, s, p = ctx["kernel_size"], ctx["stride"], ctx["padding"]
    oh, ow = (h - 1) * s - 2 * p + k, (w - 1) * s - 2 * p + k
    check_spatial("ConvTranspose2d", oh, ow, "Lower the padding.")
    return TensorSpec((ctx["out_channels"], oh, ow))


def _conv_transpose_count(ctx: Context) -> int:
    c, k, out = ctx.x.shape[0], ctx["kernel_size"], ctx["out_channels"]
    return c * out * k * k + (out if ctx["bias"] else 0)


CONV_TRANSPOSE = NodeKind(
    name="ConvTranspose2d",
    title="ConvTranspose2d",
    category=LAYERS,
    id_prefix="upconv",
    description="A learned upsampling: each input pixel paints a filter-sized patch of output.",
    formula="H_out = (H − 1)·stride − 2·padding + kernel",
    params=(
        Param("out_channels", int, 16, "Number of output channels", min=1, max=65536),
        Param("kernel_size", int, 2, "Height and width of the filter", min=1, max=MAX_KERNEL),
        Param("stride", int, 2, "Upsampling factor", min=1, max=16),
        Param("padding", int, 0, "Rows and columns cropped from each border", min=0, max=16),
        Param("bias", bool, True, "Learn one bias per output channel"),
    ),
    infer=_conv_transpose,
    count=_conv_transpose_count,
)


def _upsample(ctx: Context) -> TensorSpec:
    c, h, w = need_layout(ctx, "Upsample", "image", hint="It enlarges images only.").shape
    f = ctx["scale_factor"]
    if h * f > MAX_SPATIAL or w * f > MAX_SPATIAL:
        raise ShapeError(f"Upsample would make a {h * f}×{w * f} image.", "Lower scale_factor.")
    return TensorSpec((c, h * f, w * f))


UPSAMPLE = NodeKind(
    name="Upsample",
    title="Upsample",
    category=LAYERS,
    id_prefix="upsample",
    description="Enlarges the image by repeating (nearest) or blending (bilinear) pixels.",
    formula="y[c, i, j] = x[c, ⌊i/s⌋, ⌊j/s⌋]  (nearest)",
    params=(
        Param("scale_factor", int, 2, "How many times larger", min=1, max=16),
        Param("mode", str, "nearest", "How new pixels are filled", choices=("nearest", "bilinear")),
    ),
    infer=_upsample,
)


def _embedding(ctx: Context) -> TensorSpec:
    x = ctx.x
    if x.dtype != "long":
        raise ShapeError(
            f"Embedding looks up token ids, but receives numbers ({format_shape(x.shape)}).",
            "Feed it from a Token input; use Linear to map numbers to features.",
        )
    if x.vocab is not None and x.vocab > ctx["num_embeddings"]:
        raise ShapeError(
            f"The tokens take {x.vocab} distinct ids, but Embedding has only "
            f"{ctx['num_embeddings']} rows.",
            f"Set num_embeddings to {x.vocab}.",
        )
    return TensorSpec((*x.shape, ctx["embedding_dim"]))


EMBEDDING = NodeKind(
    name="Embedding",
    title="Embedding",
    category=LAYERS,
    id_prefix="embed",
    description="Looks up a learned vector for every token id: a table with one row per id.",
    formula="y[t] = E[x[t]]",
    params=(
        Param("num_embeddings", int, 16, "Rows in the table (the vocabulary)", min=1,
              max=MAX_WIDTH),
        Param("embedding_dim", int, 64, "Length of each vector", min=1, max=MAX_WIDTH),
    ),
    infer=_embedding,
    count=lambda ctx: ctx["num_embeddings"] * ctx["embedding_dim"],
)


def positional_rows(ctx: Context) -> int:
    """Rows of the table: max_length, or (0) as many as the sequence has tokens."""
    return ctx["max_length"] or ctx.x.shape[0]


def _positional(ctx: Context) -> TensorSpec:
    x = need_layout(ctx, "Positional embedding", "sequence", hint="Put it after an Embedding.")
    if x.shape[0] > positional_rows(ctx):
        raise ShapeError(
            f"The positional table has {ctx['max_length']} positions, but the sequence has "
            f"{x.shape[0]} tokens.",
            f"Raise max_length to at least {x.shape[0]} (0 makes it fit the sequence).")
    return x


POSITIONAL = NodeKind(
    name="PositionalEmbedding",
    title="Positional embedding",
    category=LAYERS,
    id_prefix="pos",
    description="Adds a learned vector per position, so attention can tell token order apart.",
    formula="y[t] = x[t] + P[t]",
    params=(
        Param("max_length", int, 0, "Positions in the table; shorter sequences use the "
              "first rows (GPT-2 has 1024)", min=0, max=65536,
              special={0: "as many as the sequence has tokens"}),
    ),
    infer=_positional,
    count=lambda ctx: positional_rows(ctx) * ctx.x.shape[1],
)


def _attention(ctx: Context) -> TensorSpec:
    x = need_layout(
        ctx,
        "Self-attention",
        "sequence",
        hint="Attention mixes the tokens of a sequence; embed tokens first.",
    )
    d, heads = x.shape[1], ctx["heads"]
    if d % heads:
        divisors = [h for h in range(1, min(d, 64) + 1) if d % h == 0]
        raise ShapeError(
            f"Self-attention splits {d} features into {heads} heads, but {d} is not "
            f"divisible by {heads}.",
            f"Pick heads from {', '.join(map(str, divisors[-6:]))}.",
        )
    return x


def attention_count(d: int, bias: bool = True) -> int:
    return 4 * d * d + (4 * d if bias else 0)


ATTENTION = NodeKind(
    name="SelfAttention",
    title="Multi-head self-attention",
    category=LAYERS,
    id_prefix="attn",
    description="Every token gathers information from every other token, weighted by similarity.",
    formula="y = softmax(Q·Kᵀ/√d)·V per head; Q, K, V = x·W_q, x·W_k, x·W_v",
    params=(
        Param("heads", int, 4, "Attention heads (features are split between them)", min=1, max=256),
        Param("dropout", float, 0.0, "Dropout on the attention weights", min=0, max=0.95),
        Param("causal", bool, False, "Let each token see only earlier tokens"),
    ),
    infer=_attention,
    count=lambda ctx: attention_count(ctx.x.shape[1]),
    paper="Vaswani et al. 2017",
)

register(LINEAR, CONV2D, CONV_TRANSPOSE, UPSAMPLE, EMBEDDING, POSITIONAL, ATTENTION)
