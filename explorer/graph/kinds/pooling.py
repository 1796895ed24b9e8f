"""Pooling and reshaping: shrink images, summarise them, or flatten them into vectors."""

from __future__ import annotations

from ..params import AUTO, Param
from ..specs import TensorSpec
from .base import (
    MAX_KERNEL,
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
        k, s = ctx["kernel_size"], pool_stride(ctx)
        oh, ow = conv_out(h, k, s, 0), conv_out(w, k, s, 0)
        check_spatial(title, oh, ow, f"A {k}×{k} window does not fit a {h}×{w} image.")
        return TensorSpec((c, oh, ow))

    return rule


_POOL_PARAMS = (
    Param("kernel_size", int, 2, "Window height and width", min=1, max=MAX_KERNEL),
    Param(
        "stride", int, AUTO, "Step between windows (auto: the window size)", min=1, max=16,
        auto=True,
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

register(MAX_POOL, AVG_POOL, GLOBAL_AVG_POOL, GLOBAL_MAX_POOL, FLATTEN)
