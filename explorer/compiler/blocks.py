"""The block modules: each one a plain nn.Module, written the way one would by hand.

Exported code copies these classes word for word (``inspect.getsource``),
so this file imports nothing but torch, math and its sibling
``resnet_blocks`` (whose classes it re-exports, so every block class is
found here), and every class stands on its own. Each block computes exactly what its expansion in
``explorer/graph/kinds`` computes, operation for operation, and its
submodules carry the names that the expansion's ``module`` paths give, so
weights move between a block and its expanded view unchanged.

Constructor arguments are plain numbers, booleans and strings; activations
are named by their torch.nn.functional name ("relu", "gelu", "leaky_relu"...).
Parts a configuration leaves out (a norm, a projection) are None and
skipped in forward, as torchvision does, rather than nn.Identity modules:
every module call costs a few microseconds, which is what separates a
generic block from a network written out by hand.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .resnet_blocks import Bottleneck, StochasticDepth  # noqa: F401  (found here too)
from .token_blocks import ClassToken, PatchEmbedding  # noqa: F401  (found here too)


class ResidualMLP(nn.Module):
    """Two Linear layers whose result is added to the input (He et al. 2016).

    post-activation: y = act(x + norm2(fc2(act(norm1(fc1(x))))))
    pre-activation:  y = x + fc2(act(norm2(fc1(act(norm1(x))))))
    ``proj`` (a Linear without bias) maps x to the output width when asked to.
    """

    def __init__(self, in_features, out_features, hidden, activation="relu", norm="none",
                 order="post", projection=False, zero_init=False):
        super().__init__()
        self.order = order
        self.act = getattr(F, activation)  # "relu" -> F.relu, "leaky_relu" -> F.leaky_relu ...
        biased = norm == "none"  # a norm right after the layer makes its bias redundant
        if order == "post":
            self.fc1 = nn.Linear(in_features, hidden, bias=biased)
            self.norm1 = self.make_norm(norm, hidden)
            self.fc2 = nn.Linear(hidden, out_features, bias=biased)
            self.norm2 = self.make_norm(norm, out_features)
        else:
            self.norm1 = self.make_norm(norm, in_features)
            self.fc1 = nn.Linear(in_features, hidden, bias=biased)
            self.norm2 = self.make_norm(norm, hidden)
            self.fc2 = nn.Linear(hidden, out_features)
        self.proj = nn.Linear(in_features, out_features, bias=False) if projection else None
        if zero_init:  # the branch starts at zero, so the block starts as the identity
            if order == "post" and norm != "none":
                nn.init.zeros_(self.norm2.weight)
            else:
                for p in self.fc2.parameters():  # weight and bias
                    nn.init.zeros_(p)

    @staticmethod
    def make_norm(norm, features):
        """BatchNorm1d or LayerNorm; None for no norm (forward skips it)."""
        if norm == "batch":
            return nn.BatchNorm1d(features)
        if norm == "layer":
            return nn.LayerNorm(features)
        return None

    def forward(self, x):
        skip = x if self.proj is None else self.proj(x)
        if self.order == "post":
            h = self.fc1(x)
            if self.norm1 is not None:
                h = self.norm1(h)
            h = self.fc2(self.act(h))
            if self.norm2 is not None:
                h = self.norm2(h)
            return self.act(h + skip)
        h = x if self.norm1 is None else self.norm1(x)
        h = self.fc1(self.act(h))
        if self.norm2 is not None:
            h = self.norm2(h)
        return self.fc2(self.act(h)) + skip

    def extra_repr(self):
        return f"activation={self.act.__name__}, order={self.order}"


class ResidualConv(nn.Module):
    """A ResNet basic block: two convolutions whose result is added to the input.

    post-activation: y = act(x' + norm2(conv2(act(norm1(conv1(x))))))
    pre-activation:  y = x' + conv2(act(norm2(conv1(act(norm1(x))))))
    where x' is x itself, or a 1×1 projection (followed by a norm, post only)
    when the channels or the size change. With ``drop_path`` > 0 the branch
    goes through stochastic depth right before the add.
    """

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, activation="relu",
                 norm="batch", order="post", projection=False, zero_init=False, drop_path=0.0):
        super().__init__()
        self.order = order
        self.act = getattr(F, activation)  # "relu" -> F.relu, "leaky_relu" -> F.leaky_relu ...
        k, biased = kernel_size, norm == "none"
        if order == "post":
            self.conv1 = nn.Conv2d(in_channels, out_channels, k, stride=stride, padding=k // 2,
                                   bias=biased)
            self.norm1 = self.make_norm(norm, out_channels)
            self.conv2 = nn.Conv2d(out_channels, out_channels, k, padding=k // 2, bias=biased)
            self.norm2 = self.make_norm(norm, out_channels)
        else:
            self.norm1 = self.make_norm(norm, in_channels)
            self.conv1 = nn.Conv2d(in_channels, out_channels, k, stride=stride, padding=k // 2,
                                   bias=biased)
            self.norm2 = self.make_norm(norm, out_channels)
            self.conv2 = nn.Conv2d(out_channels, out_channels, k, padding=k // 2)
        self.proj = None
        self.proj_norm = None
        if projection:
            self.proj = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
            if order == "post":
                self.proj_norm = self.make_norm(norm, out_channels)
        self.stochastic_depth = StochasticDepth(drop_path) if drop_path > 0 else None
        if zero_init:  # the branch starts at zero, so the block starts as the identity
            if order == "post" and norm != "none":
                nn.init.zeros_(self.norm2.weight)
            else:
                for p in self.conv2.parameters():  # weight and bias
                    nn.init.zeros_(p)

    @staticmethod
    def make_norm(norm, channels):
        """BatchNorm2d, or GroupNorm with 8 groups where they divide the channels; None for
        no norm (forward skips it)."""
        if norm == "batch":
            return nn.BatchNorm2d(channels)
        if norm == "group":
            return nn.GroupNorm(math.gcd(channels, 8), channels)
        return None

    def forward(self, x):
        skip = x
        if self.proj is not None:
            skip = self.proj(x)
            if self.proj_norm is not None:
                skip = self.proj_norm(skip)
        if self.order == "post":
            h = self.conv1(x)
            if self.norm1 is not None:
                h = self.norm1(h)
            h = self.conv2(self.act(h))
            if self.norm2 is not None:
                h = self.norm2(h)
            if self.stochastic_depth is not None:
                h = self.stochastic_depth(h)
            return self.act(h + skip)
        h = x if self.norm1 is None else self.norm1(x)
        h = self.conv1(self.act(h))
        if self.norm2 is not None:
            h = self.norm2(h)
        h = self.conv2(self.act(h))
        if self.stochastic_depth is not None:
            h = self.stochastic_depth(h)
        return h + skip

    def extra_repr(self):
        return f"activation={self.act.__name__}, order={self.order}"


class Highway(nn.Module):
    """A highway layer (Srivastava et al. 2015): a learned gate mixes new and old.

    y = H(x)·T(x) + x·(1 − T(x)), written as x + T·(H − x);
    H = act(W_H·x + b_H), T = sigmoid(W_T·x + b_T). The gate bias starts at
    ``gate_bias``: negative values start the layer mostly carrying x through.
    """

    def __init__(self, features, activation="relu", gate_bias=-1.0):
        super().__init__()
        self.act = getattr(F, activation)  # "relu" -> F.relu, "leaky_relu" -> F.leaky_relu ...
        self.h = nn.Linear(features, features)
        self.t = nn.Linear(features, features)
        nn.init.constant_(self.t.bias, gate_bias)

    def forward(self, x):
        h = self.act(self.h(x))
        t = torch.sigmoid(self.t(x))
        return x + t * (h - x)

    def extra_repr(self):
        return f"activation={self.act.__name__}"


class DenseLayer(nn.Module):
    """One layer of a dense block: BN, ReLU, (1×1 conv to 4k, BN, ReLU,) 3×3 conv to k."""

    def __init__(self, in_channels, growth_rate, bottleneck=False):
        super().__init__()
        self.bottleneck = bottleneck
        self.norm1 = nn.BatchNorm2d(in_channels)
        width = in_channels
        if bottleneck:
            width = 4 * growth_rate
            self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
            self.norm2 = nn.BatchNorm2d(width)
        self.conv = nn.Conv2d(width, growth_rate, 3, padding=1, bias=False)

    def forward(self, x):
        h = F.relu(self.norm1(x))
        if self.bottleneck:
            h = F.relu(self.norm2(self.conv1(h)))
        return self.conv(h)


class DenseBlock(nn.Module):
    """A DenseNet block (Huang et al. 2017): every layer sees all the maps before it.

    Each layer's k new channels are concatenated onto the running features,
    so the block outputs in_channels + layers·k channels.
    """

    def __init__(self, in_channels, layers, growth_rate, bottleneck=False):
        super().__init__()
        self.layers = nn.ModuleList(
            DenseLayer(in_channels + i * growth_rate, growth_rate, bottleneck)
            for i in range(layers)
        )

    def forward(self, x):
        features = x
        for layer in self.layers:
            features = torch.cat([features, layer(features)], dim=1)
        return features


class Transition(nn.Module):
    """Between dense blocks: BN, ReLU, a 1×1 conv to fewer channels, 2×2 average pool."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.norm = nn.BatchNorm2d(in_channels)
        self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x):
        return F.avg_pool2d(self.conv(F.relu(self.norm(x))), 2)


class SelfAttention(nn.Module):
    """Multi-head self-attention over a sequence (batch × tokens × features).

    With ``causal=True`` each token attends only to itself and earlier tokens.
    """

    def __init__(self, dim, heads, dropout=0.0, causal=False):
        super().__init__()
        self.causal = causal
        self.mha = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)

    def forward(self, x):
        mask = None
        if self.causal:
            n = x.shape[1]
            mask = torch.ones(n, n, dtype=torch.bool, device=x.device).triu(1)
        out, _ = self.mha(x, x, x, need_weights=False, attn_mask=mask, is_causal=self.causal)
        return out


class TransformerBlock(nn.Module):
    """Self-attention then a two-layer MLP, each inside a residual connection.

    pre-LN:  y = x + attn(ln1(x)),   z = y + fc2(gelu(fc1(ln2(y))))
    post-LN: y = ln1(x + attn(x)),   z = ln2(y + fc2(gelu(fc1(y))))
    ``activation="gelu_tanh"`` is GPT-2's tanh approximation of GELU; with
    ``drop_path`` > 0 each branch is dropped for whole examples while training.
    """

    def __init__(self, dim, heads, mlp_ratio=4, dropout=0.0, norm="pre", causal=False,
                 activation="gelu", eps=1e-5, drop_path=0.0):
        super().__init__()
        self.norm = norm
        self.approximate = "tanh" if activation == "gelu_tanh" else "none"
        self.ln1 = nn.LayerNorm(dim, eps=eps)
        self.attn = SelfAttention(dim, heads, dropout, causal)
        self.ln2 = nn.LayerNorm(dim, eps=eps)
        self.fc1 = nn.Linear(dim, dim * mlp_ratio)
        self.fc2 = nn.Linear(dim * mlp_ratio, dim)
        self.drop_path = StochasticDepth(drop_path) if drop_path > 0 else None

    def branch(self, h):
        return h if self.drop_path is None else self.drop_path(h)

    def feed_forward(self, x):
        return self.branch(self.fc2(F.gelu(self.fc1(x), approximate=self.approximate)))

    def forward(self, x):
        if self.norm == "pre":
            y = x + self.branch(self.attn(self.ln1(x)))
            return y + self.feed_forward(self.ln2(y))
        y = self.ln1(x + self.branch(self.attn(x)))
        return self.ln2(y + self.feed_forward(y))


class SqueezeExcite(nn.Module):
    """Re-weights channels: average each one, pass through a small MLP, scale by a sigmoid."""

    def __init__(self, channels, squeezed, activation="silu"):
        super().__init__()
        self.act = getattr(F, activation)  # SiLU in EfficientNet, ReLU in MobileNetV3
        self.reduce = nn.Linear(channels, squeezed)
        self.expand = nn.Linear(squeezed, channels)

    def forward(self, x):
        g = self.expand(self.act(self.reduce(x.mean(dim=(2, 3)))))
        return x * torch.sigmoid(g)[:, :, None, None]


class MBConv(nn.Module):
    """An inverted residual block (MobileNetV2, EfficientNet).

    1×1 conv widens the channels (when expand_ratio > 1), a depthwise conv
    filters each channel alone, squeeze-excite re-weights channels (when
    se_channels > 0), a 1×1 conv narrows again; the input is added back
    when stride is 1 and the channels stay the same (the branch through
    stochastic depth first, when drop_path > 0). ``activation`` follows the
    expand and depthwise convs: "silu" (EfficientNet), "relu6" (MobileNetV2),
    "hardswish" (MobileNetV3); the squeeze-excite uses SiLU with "silu", else
    ReLU, as torchvision's EfficientNet and MobileNetV3 do.
    """

    def __init__(self, in_channels, out_channels, expand_ratio=4, kernel_size=3, stride=1,
                 se_channels=0, activation="silu", drop_path=0.0):
        super().__init__()
        self.act = getattr(F, activation)  # "silu" -> F.silu, "relu6" -> F.relu6 ...
        wide = in_channels * expand_ratio
        self.widen = wide != in_channels
        self.residual = stride == 1 and out_channels == in_channels
        if self.widen:
            self.expand = nn.Conv2d(in_channels, wide, 1, bias=False)
            self.expand_norm = nn.BatchNorm2d(wide)
        self.dw = nn.Conv2d(wide, wide, kernel_size, stride=stride, padding=kernel_size // 2,
                            groups=wide, bias=False)
        self.dw_norm = nn.BatchNorm2d(wide)
        self.se = None
        if se_channels > 0:
            se_activation = "silu" if activation == "silu" else "relu"
            self.se = SqueezeExcite(wide, se_channels, se_activation)
        self.project = nn.Conv2d(wide, out_channels, 1, bias=False)
        self.project_norm = nn.BatchNorm2d(out_channels)
        self.stochastic_depth = None
        if self.residual and drop_path > 0:
            self.stochastic_depth = StochasticDepth(drop_path)

    def forward(self, x):
        h = x
        if self.widen:
            h = self.act(self.expand_norm(self.expand(h)))
        h = self.act(self.dw_norm(self.dw(h)))
        if self.se is not None:
            h = self.se(h)
        h = self.project_norm(self.project(h))
        if not self.residual:
            return h
        if self.stochastic_depth is not None:
            h = self.stochastic_depth(h)
        return x + h

    def extra_repr(self):
        return f"activation={self.act.__name__}"


class PositionalEmbedding(nn.Module):
    """Adds a learned vector to each position: y[t] = x[t] + P[t] (P starts small).

    The table has ``length`` rows; a shorter sequence uses the first ones (GPT-2
    has 1024 positions and is often fed fewer tokens).
    """

    def __init__(self, length, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(length, dim))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x):
        return x + self.weight[: x.shape[1]]
