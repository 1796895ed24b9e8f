"""Stochastic depth and the ResNet bottleneck, as plain nn.Modules.

They follow the rules of ``blocks.py`` (which imports them, so every block
class is found there): exported code copies each class word for word, so
this file imports nothing but torch, and each class stands on its own.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class StochasticDepth(nn.Module):
    """Drops a residual branch for whole examples while training (Huang et al. 2016).

    Each example's branch is kept with probability 1 − p and then divided by
    1 − p, so its expected value is unchanged; at evaluation x passes as it
    is. This is torchvision.ops.stochastic_depth in "row" mode, written out.
    """

    def __init__(self, p=0.1):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        # One draw per example, broadcast over its channels and pixels.
        noise = torch.empty((x.shape[0],) + (1,) * (x.dim() - 1), dtype=x.dtype,
                            device=x.device).bernoulli_(survival)
        if survival > 0.0:
            noise.div_(survival)
        return x * noise

    def extra_repr(self):
        return f"p={self.p}"


class Bottleneck(nn.Module):
    """A ResNet bottleneck block, as torchvision's ResNet (v1.5) writes it.

    y = relu(x' + bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))))
    conv1 narrows to out_channels // expansion with a 1×1, conv2 is the 3×3
    and carries the stride (v1.5; the paper strided conv1), conv3 widens
    back with a 1×1. x' is x, or downsample(x) (a strided 1×1 conv and a
    BatchNorm) when asked for. The attribute names are torchvision's, so
    its Bottleneck weights load unchanged. ``zero_init`` starts bn3's scale
    at zero, so the block starts as relu(x) (Goyal et al. 2017).
    """

    def __init__(self, in_channels, out_channels, expansion=4, stride=1, groups=1,
                 projection=False, zero_init=False, drop_path=0.0):
        super().__init__()
        width = out_channels // expansion
        self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, groups=groups,
                               bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.downsample = None
        if projection:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        self.stochastic_depth = StochasticDepth(drop_path) if drop_path > 0 else None
        if zero_init:
            nn.init.zeros_(self.bn3.weight)

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.stochastic_depth is not None:
            out = self.stochastic_depth(out)
        return F.relu(out + identity)
