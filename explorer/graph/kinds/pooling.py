"""Pooling and reshaping: shrink images, summarise them, or flatten them into vectors."""

from __future__ import annotations

from ..errors import ShapeError
from ..params import AUTO, Param
from ..specs import TensorSpec
from .base import (
    MAX_KERNEL,
    MAX_SPATIAL,
    POOLING,
    Context,
    NodeKind,
    ShapeRule,
    check_spatial,
    conv_out,
    need_layout,
    register,
)


def pool_stride(ctx: Context) -> int:
    return ctx["kernel_size"] if ctx["stride"] == AUTO else ctx["stride"]


def _pool(title: str) -> ShapeRule:
    def rule(ctx: Context) -> TensorSpec:
        c, h, w = need_layout(ctx, title, "image", hint="Pooling windows slide over images.").shape
        k, s, pad = ctx["kernel_size"], pool_stride(ctx), ctx["padding"]
        if pad > k // 2:
            # torch refuses this: a window could then lie wholly in the padding.
            raise ShapeError(
                f"{title} pads by {pad}, but a {k}×{k} window allows at most {k // 2} "
                f"(half the window).",
                f"Set padding to {k // 2} or less, or use a larger window.",
            )
        oh, ow = conv_out(h, k, s, pad), conv_out(w, k, s, pad)
        check_spatial(title, oh, ow, f"A {k}×{k} window does not fit a {h}×{w} image.")
        return TensorSpec((c, oh, ow))

    return rule


_POOL_PARAMS = (
    Param("kernel_size", int, 2, "Window height and width", min=1, max=MAX_KERNEL),
    Param(
        "stride", int, AUTO, "Step between windows (auto: the window size)", min=1, max=16,
        auto=True,
    ),
    Param(
        "padding", int, 0, "Border added on each side first (max pooling never picks it; "
        "average pooling counts it as zeros), at most half the window", min=0,
        max=MAX_KERNEL // 2,
    ),
)

MAX_POOL = NodeKind(
    name="MaxPool2d",
    title="MaxPool2d",
    category=POOLING,
    id_prefix="maxpool",
    description="Keeps the largest value in each window: halves the size at the default 2×2.",
    formula="y[c, i, j] = max over the window of x[c, ·, ·]",
    params=_POOL_PARAMS,
    infer=_pool("MaxPool2d"),
)

AVG_POOL = NodeKind(
    name="AvgPool2d",
    title="AvgPool2d",
    category=POOLING,
    id_prefix="avgpool",
    description="Averages each window: a smooth way to shrink an image.",
    formula="y[c, i, j] = mean over the window of x[c, ·, ·]",
    params=_POOL_PARAMS,
    infer=_pool("AvgPool2d"),
)


def _adaptive_avg_pool(ctx: Context) -> TensorSpec:
    c = need_layout(ctx, "AdaptiveAvgPool2d", "image",
                    hint="It averages regions of an image; vectors need no pooling.").shape[0]
    size = ctx["output_size"]
    return TensorSpec((c, size, size))


ADAPTIVE_AVG_POOL = NodeKind(
    name="AdaptiveAvgPool2d",
    title="AdaptiveAvgPool2d",
    category=POOLING,
    id_prefix="adaptive_pool",
    description="Averages the image down to a fixed size whatever size comes in: 1×1 gives "
    "one value per channel, as ResNet's head does.",
    formula="y[c, i, j] = mean of x[c] over the (i, j)-th of s×s near-equal regions",
    params=(
        Param("output_size", int, 1, "Height and width s of the output", min=1,
              max=MAX_SPATIAL),
    ),
    infer=_adaptive_avg_pool,
)


def _global_pool(title: str) -> ShapeRule:
    def rule(ctx: Context) -> TensorSpec:
        x = need_layout(
            ctx,
            title,
            "image",
            "sequence",
            hint="It summarises an image (over pixels) or a sequence (over tokens).",
        )
        return TensorSpec((x.shape[0],) if x.layout == "image" else (x.shape[1],))

    return rule


GLOBAL_AVG_POOL = NodeKind(
    name="GlobalAvgPool",
    title="Global average pool",
    category=POOLING,
    id_prefix="gap",
    description="Averages each channel over the whole image (or each feature over all tokens).",
    formula="y[c] = mean_{i,j} x[c, i, j]",
    params=(),
    infer=_global_pool("Global average pool"),
)

GLOBAL_MAX_POOL = NodeKind(
    name="GlobalMaxPool",
    title="Global max pool",
    category=POOLING,
    id_prefix="gmp",
    description="Keeps each channel's largest value over the image (or over all tokens).",
    formula="y[c] = max_{i,j} x[c, i, j]",
    params=(),
    infer=_global_pool("Global max pool"),
)


def _flatten(ctx: Context) -> TensorSpec:
    x = need_layout(ctx, "Flatten", "features", "sequence", "image")
    return TensorSpec((x.numel,))


FLATTEN = NodeKind(
    name="Flatten",
    title="Flatten",
    category=POOLING,
    id_prefix="flatten",
    description="Lays all values of an example out in one long vector, for Linear layers.",
    formula="y = vec(x)",
    params=(),
    infer=_flatten,
)

register(MAX_POOL, AVG_POOL, ADAPTIVE_AVG_POOL, GLOBAL_AVG_POOL, GLOBAL_MAX_POOL, FLATTEN)
