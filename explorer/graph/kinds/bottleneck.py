"""The ResNet bottleneck block: 1×1 in, 3×3 across, 1×1 out, plus the skip path.

Sub-node suffixes and module paths follow torchvision's ResNet (v1.5) names
(conv1, bn1, conv2, bn2, conv3, bn3, downsample.0, downsample.1), so a block's
weights carry torchvision's state_dict keys and load from its checkpoints as
they are.
"""

from __future__ import annotations

from ..errors import ShapeError
from ..params import Param
from .base import BLOCKS, Context, NodeKind, need_layout, register
from .expansion import BLOCK_INPUT, Expansion, ExpansionBuilder, from_expansion, run_expansion
from .residual import DROP_PATH, SHORTCUT, drop_branch, wants_projection


def bottleneck_width(ctx: Context) -> int:
    """Channels of the middle (3×3) convolution: out_channels // expansion."""
    return (ctx["out_channels"] or ctx.x.shape[0]) // ctx["expansion"]


def _bottleneck_expand(ctx: Context) -> Expansion:
    out, width, s = ctx["out_channels"] or ctx.x.shape[0], bottleneck_width(ctx), ctx["stride"]
    b = ExpansionBuilder()
    h = b.add("conv1", "Conv2d", BLOCK_INPUT, out_channels=width, kernel_size=1, padding=0,
              bias=False)
    h = b.add("relu1", "ReLU", b.add("bn1", "BatchNorm", h), module=None)
    h = b.add("conv2", "Conv2d", h, out_channels=width, kernel_size=3, stride=s, padding=1,
              groups=ctx["groups"], bias=False)
    h = b.add("relu2", "ReLU", b.add("bn2", "BatchNorm", h), module=None)
    h = b.add("conv3", "Conv2d", h, out_channels=out, kernel_size=1, padding=0, bias=False)
    h = drop_branch(b, ctx, b.add("bn3", "BatchNorm", h))
    skip = BLOCK_INPUT
    if wants_projection(ctx, run_expansion(b.done(h), ctx.x, ctx).spec.shape):
        skip = b.add("downsample_0", "Conv2d", BLOCK_INPUT, out_channels=out, kernel_size=1,
                     stride=s, padding=0, bias=False, module="downsample.0")
        skip = b.add("downsample_1", "BatchNorm", skip, module="downsample.1")
    y = b.add("add", "Add", h, skip, module=None)
    return b.done(b.add("relu3", "ReLU", y, module=None))


def _bottleneck_check(ctx: Context) -> None:
    need_layout(ctx, "A bottleneck block", "image",
                hint="Use the MLP residual block for vectors.")
    out, width, groups = ctx["out_channels"] or ctx.x.shape[0], bottleneck_width(ctx), ctx["groups"]
    if width < 1:
        raise ShapeError(
            f"A bottleneck's middle is out_channels // expansion = {out} // "
            f"{ctx['expansion']} = 0 channels.",
            f"Use at least {ctx['expansion']} output channels, or a smaller expansion.",
        )
    if width % groups:
        raise ShapeError(
            f"The 3×3 convolution splits its {width} channels into {groups} groups, but "
            f"{width} is not divisible by {groups}.",
            f"Pick groups that divide {width}, or change out_channels or expansion.",
        )


BOTTLENECK = NodeKind(
    name="Bottleneck",
    title="Bottleneck block",
    category=BLOCKS,
    id_prefix="bottleneck",
    description="A 1×1 convolution narrows the channels, a 3×3 works on the narrow middle, a "
    "1×1 widens again; the input is added back (ResNet-50 and deeper).",
    formula="h = ReLU(BN(Conv₁ₓ₁ x)),  h = ReLU(BN(Conv₃ₓ₃ h)),  y = ReLU(x' + BN(Conv₁ₓ₁ h))",
    params=(
        Param("out_channels", int, 0, "Output channels", min=0, max=65536,
              special={0: "same as input"}),
        Param("expansion", int, 4, "How many times narrower the middle is than the output",
              min=1, max=64),
        Param("stride", int, 1, "Stride of the 3×3 convolution (2 halves the size; the "
              "ResNet v1.5 placement)", min=1, max=2),
        Param("groups", int, 1, "Groups of the 3×3 convolution (32 for ResNeXt)", min=1,
              max=1024),
        SHORTCUT,
        Param("zero_init", bool, False, "Start the last BatchNorm's scale at zero, so the "
              "block starts as ReLU(x) (torchvision's zero_init_residual)"),
        DROP_PATH,
    ),
    **from_expansion(_bottleneck_expand, _bottleneck_check),
    paper="He et al. 2016; Goyal et al. 2017",
)

register(BOTTLENECK)
