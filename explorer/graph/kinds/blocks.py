"""Dense, transformer and MBConv blocks, and DenseNet's transition layer."""

from __future__ import annotations

from ..errors import ShapeError
from ..params import Param
from .base import BLOCKS, Context, NodeKind, need_layout, register
from .expansion import ACTIVATION_KINDS, BLOCK_INPUT, Expansion, ExpansionBuilder, from_expansion
from .residual import DROP_PATH, drop_branch

# --- Dense block and transition ---------------------------------------------


def _dense_expand(ctx: Context) -> Expansion:
    k, b = ctx["growth_rate"], ExpansionBuilder()
    features = BLOCK_INPUT
    for i in range(1, ctx["layers"] + 1):
        p, m = f"l{i}_", f"layers.{i - 1}."
        h = b.add(p + "norm1", "BatchNorm", features, module=m + "norm1")
        h = b.add(p + "act1", "ReLU", h, module=None)
        if ctx["bottleneck"]:
            h = b.add(p + "conv1", "Conv2d", h, out_channels=4 * k, kernel_size=1, padding=0,
                      bias=False, module=m + "conv1")
            h = b.add(p + "norm2", "BatchNorm", h, module=m + "norm2")
            h = b.add(p + "act2", "ReLU", h, module=None)
        h = b.add(p + "conv", "Conv2d", h, out_channels=k, kernel_size=3, padding=1, bias=False,
                  module=m + "conv")
        features = b.add(p + "cat", "Concat", features, h, module=None)
    return b.done(features)


def _dense_check(ctx: Context) -> None:
    need_layout(ctx, "A dense block", "image", hint="Dense blocks work on images.")


DENSE = NodeKind(
    name="DenseBlock",
    title="Dense block",
    category=BLOCKS,
    id_prefix="dense",
    description="Each layer sees the concatenation of all earlier feature maps and adds "
    "growth_rate new channels: features are reused, not summed.",
    formula="x_ℓ = H_ℓ([x₀, x₁, …, x_{ℓ−1}]),  channels out = C + layers·k",
    params=(
        Param("layers", int, 4, "Layers in the block", min=1, max=64),
        Param("growth_rate", int, 12, "Channels each layer adds (k)", min=1, max=1024),
        Param("bottleneck", bool, False, "Put a 1×1 convolution to 4k channels before each "
              "3×3 (DenseNet-B)"),
    ),
    **from_expansion(_dense_expand, _dense_check),
    paper="Huang et al. 2017",
)


def transition_channels(ctx: Context) -> int:
    return max(1, int(ctx.x.shape[0] * ctx["compression"]))


def _transition_expand(ctx: Context) -> Expansion:
    b = ExpansionBuilder()
    h = b.add("norm", "BatchNorm", BLOCK_INPUT)
    h = b.add("act", "ReLU", h, module=None)
    h = b.add("conv", "Conv2d", h, out_channels=transition_channels(ctx), kernel_size=1,
              padding=0, bias=False)
    return b.done(b.add("pool", "AvgPool2d", h, kernel_size=2, module=None))


def _transition_check(ctx: Context) -> None:
    _, h, w = need_layout(ctx, "A transition layer", "image").shape
    if h < 2 or w < 2:
        raise ShapeError(f"A transition halves the image, but it is only {h}×{w}.",
                         "Use fewer transitions or a larger input.")


TRANSITION = NodeKind(
    name="Transition",
    title="Transition layer",
    category=BLOCKS,
    id_prefix="trans",
    description="Between dense blocks: a 1×1 convolution thins the channels, then 2×2 average "
    "pooling halves the image.",
    formula="y = AvgPool₂(Conv₁ₓ₁(ReLU(BN(x)))),  channels out = ⌊θ·C⌋",
    params=(Param("compression", float, 0.5, "Fraction θ of channels kept", min=0.05, max=1),),
    **from_expansion(_transition_expand, _transition_check),
    paper="Huang et al. 2017",
)


# --- Transformer block ------------------------------------------------------


# GELU's ``approximate`` for each choice of the block's activation.
TRANSFORMER_GELU = {"gelu": "none", "gelu_tanh": "tanh"}


def _transformer_expand(ctx: Context) -> Expansion:
    d, b = ctx.x.shape[1], ExpansionBuilder()
    attn = {"heads": ctx["heads"], "dropout": ctx["dropout"], "causal": ctx["causal"]}
    # Options at their defaults add nothing, so older blocks expand exactly as before.
    gelu = {} if ctx["activation"] == "gelu" else {
        "approximate": TRANSFORMER_GELU[ctx["activation"]]}
    eps = {} if ctx["eps"] == 1e-5 else {"eps": ctx["eps"]}

    def norm(suffix: str, src: str) -> str:
        return b.add(suffix, "LayerNorm", src, **eps)

    def dropped(suffix: str, branch: str) -> str:
        if ctx["drop_path"] == 0:
            return branch
        return b.add(suffix, "StochasticDepth", branch, p=ctx["drop_path"], module=None)

    def feed_forward(src: str) -> str:
        h = b.add("fc1", "Linear", src, out_features=d * ctx["mlp_ratio"])
        h = b.add("act", "GELU", h, module=None, **gelu)
        return dropped("drop_path2", b.add("fc2", "Linear", h, out_features=d))

    if ctx["norm"] == "pre":
        a = b.add("attn", "SelfAttention", norm("ln1", BLOCK_INPUT), **attn)
        y = b.add("add1", "Add", BLOCK_INPUT, dropped("drop_path1", a), module=None)
        f = feed_forward(norm("ln2", y))
        return b.done(b.add("add2", "Add", y, f, module=None))
    a = dropped("drop_path1", b.add("attn", "SelfAttention", BLOCK_INPUT, **attn))
    y = norm("ln1", b.add("add1", "Add", BLOCK_INPUT, a, module=None))
    f = feed_forward(y)
    return b.done(norm("ln2", b.add("add2", "Add", y, f, module=None)))


def _transformer_check(ctx: Context) -> None:
    need_layout(ctx, "A transformer block", "sequence",
                hint="Feed it a sequence: Token input → Embedding → Positional embedding.")


TRANSFORMER = NodeKind(
    name="TransformerBlock",
    title="Transformer block",
    category=BLOCKS,
    id_prefix="tf",
    description="Self-attention then a two-layer MLP, each wrapped in a residual connection. "
    "Pre-LN normalises before each part and trains stably without warm-up.",
    formula="pre-LN: y = x + Attn(LN(x)), z = y + FFN(LN(y));  "
    "post-LN: y = LN(x + Attn(x)), z = LN(y + FFN(y))",
    params=(
        Param("heads", int, 4, "Attention heads", min=1, max=256),
        Param("mlp_ratio", int, 4, "Hidden width of the MLP, as a multiple of the features",
              min=1, max=16),
        Param("dropout", float, 0.0, "Dropout on the attention weights", min=0, max=0.95),
        Param("norm", str, "pre", "Where LayerNorm goes: before each part (pre) or after each "
              "residual add (post)", choices=("pre", "post")),
        Param("causal", bool, False, "Let each token attend only to earlier tokens"),
        Param("activation", str, "gelu", "The MLP's activation: exact GELU, or GPT-2's tanh "
              "approximation of it", choices=tuple(TRANSFORMER_GELU)),
        Param("eps", float, 1e-5, "LayerNorm's ε, added to the variance (ViT uses 1e-6)",
              min=0, max=1),
        Param("drop_path", float, 0.0, "Stochastic depth: probability of skipping each "
              "residual branch for an example while training", min=0, max=0.95),
    ),
    **from_expansion(_transformer_expand, _transformer_check),
    paper="Vaswani et al. 2017; Xiong et al. 2020",
)


# --- MBConv -----------------------------------------------------------------


def mbconv_se_activation(activation: str) -> str:
    """The squeeze-excite's inner activation: SiLU in EfficientNet, else ReLU.

    torchvision's EfficientNet gives its squeeze-excite the block's SiLU, while
    MobileNetV3 (hardswish blocks) keeps the squeeze-excite default, ReLU. The gate
    stays a sigmoid here (MobileNetV3 uses a hard sigmoid), and MobileNetV2 has none.
    """
    return "silu" if activation == "silu" else "relu"


def _mbconv_expand(ctx: Context) -> Expansion:
    c = ctx.x.shape[0]
    out, k, s = ctx["out_channels"] or c, ctx["kernel_size"], ctx["stride"]
    wide, b = c * ctx["expand_ratio"], ExpansionBuilder()
    act = ACTIVATION_KINDS[ctx["activation"]]
    h = BLOCK_INPUT
    if wide != c:
        h = b.add("expand", "Conv2d", h, out_channels=wide, kernel_size=1, padding=0, bias=False)
        h = b.add("expand_act", act, b.add("expand_norm", "BatchNorm", h), module=None)
    h = b.add("dw", "Conv2d", h, out_channels=wide, kernel_size=k, stride=s, padding=k // 2,
              groups=wide, bias=False)
    h = b.add("dw_act", act, b.add("dw_norm", "BatchNorm", h), module=None)
    if ctx["se_ratio"] > 0:
        squeezed = max(1, int(c * ctx["se_ratio"]))
        se_act = ACTIVATION_KINDS[mbconv_se_activation(ctx["activation"])]
        g = b.add("se_pool", "GlobalAvgPool", h, module=None)
        g = b.add("se_reduce", "Linear", g, out_features=squeezed, module="se.reduce")
        g = b.add("se_act", se_act, g, module=None)
        g = b.add("se_expand", "Linear", g, out_features=wide, module="se.expand")
        g = b.add("se_gate", "Sigmoid", g, module=None)
        h = b.add("se_scale", "Multiply", h, g, module=None)
    h = b.add("project", "Conv2d", h, out_channels=out, kernel_size=1, padding=0, bias=False)
    h = b.add("project_norm", "BatchNorm", h)
    if s == 1 and out == c:
        h = b.add("add", "Add", BLOCK_INPUT, drop_branch(b, ctx, h), module=None)
    return b.done(h)


def _mbconv_check(ctx: Context) -> None:
    need_layout(ctx, "An MBConv block", "image", hint="MBConv works on images.")


MBCONV = NodeKind(
    name="MBConv",
    title="MBConv block",
    category=BLOCKS,
    id_prefix="mbconv",
    description="Widen with a 1×1 convolution, filter each channel on its own (depthwise), "
    "re-weight channels (squeeze-excite), narrow again; residual when shapes match.",
    formula="y = x + BN(Conv₁ₓ₁(SE(DWConv(Expand(x)))))  (the add only when shapes match; "
    "stochastic depth drops the branch before it)",
    params=(
        Param("out_channels", int, 0, "Output channels", min=0, max=65536,
              special={0: "same as input"}),
        Param("expand_ratio", int, 4, "How many times wider the middle is", min=1, max=8),
        Param("kernel_size", int, 3, "Depthwise filter size", min=1, max=11),
        Param("stride", int, 1, "Stride of the depthwise convolution", min=1, max=2),
        Param("se_ratio", float, 0.25, "Squeeze-excite width as a fraction of the input "
              "channels (0 turns it off)", min=0, max=1),
        Param("activation", str, "silu", "Nonlinearity after the expand and depthwise "
              "convolutions: silu (EfficientNet), relu6 (MobileNetV2), hardswish (MobileNetV3); "
              "the squeeze-excite uses SiLU with silu, else ReLU",
              choices=("silu", "relu6", "hardswish", "relu")),
        DROP_PATH,
    ),
    **from_expansion(_mbconv_expand, _mbconv_check),
    paper="Sandler et al. 2018; Tan & Le 2019",
)

register(DENSE, TRANSITION, TRANSFORMER, MBCONV)
