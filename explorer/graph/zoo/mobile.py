"""MobileNetV2 (Sandler et al. 2018) and EfficientNet-B0 (Tan & Le 2019) for 224×224 ImageNet
images, as torchvision builds them, with the papers' width and depth multipliers.

Both are stacks of MBConv blocks. What torchvision calls ``features.N`` (a
block, or a stage of blocks in EfficientNet) is the node ``features_N`` (or
``features_N_i``); its stem and head convolutions are ``features_0_0``,
``features_0_1`` ... as in torchvision's Conv-BN-activation sequences.
"""

from __future__ import annotations

import math

from ..model import Node
from ..project_model import Project
from .build import Chain, dotted, finish, image_chain

# (expansion t, channels c, repeats n, first stride s): MobileNetV2's Table 2.
MOBILENET_V2 = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1))

# (expand ratio, kernel, first stride, channels, layers): EfficientNet-B0's Table 1, stages 2-8.
EFFICIENTNET_B0 = ((1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
                   (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1))


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round channels to a multiple of ``divisor`` (as the papers' code does): to the
    nearest, never below ``divisor``, and never more than 10% below ``value``."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def round_repeats(repeats: int, depth_multiplier: float) -> int:
    """EfficientNet's depth scaling: ceil(repeats · multiplier)."""
    return math.ceil(repeats * depth_multiplier)


def _conv_bn_act(chain: Chain, prefix: str, channels: int, kernel: int, stride: int,
                 activation: str) -> None:
    """torchvision's Conv2dNormActivation: ``prefix_0`` conv, ``prefix_1`` BN, ``prefix_2``."""
    chain.add(f"{prefix}_0", "Conv2d", out_channels=channels, kernel_size=kernel,
              stride=stride, padding=kernel // 2, bias=False)
    chain.add(f"{prefix}_1", "BatchNorm")
    chain.add(f"{prefix}_2", activation)


def _mbconv_names(node: Node, container: str, se: bool) -> dict[str, str]:
    """The MBConv kind's parts -> torchvision's numbered parts of ``container``.

    torchvision numbers the parts in order, and the widening 1×1 conv is
    missing when the expansion is 1, so every later number depends on it.
    """
    parts = ["expand", "dw"] if node.params["expand_ratio"] != 1 else ["dw"]
    names = {}
    for i, part in enumerate(parts):
        names[part], names[f"{part}_norm"] = f"{container}.{i}.0", f"{container}.{i}.1"
    n = len(parts)
    if se:
        names["se.reduce"], names["se.expand"] = f"{container}.{n}.fc1", f"{container}.{n}.fc2"
        names["project"], names["project_norm"] = (f"{container}.{n + 1}.0",
                                                   f"{container}.{n + 1}.1")
    else:  # MobileNetV2 ends in a bare conv and a bare BN
        names["project"], names["project_norm"] = f"{container}.{n}", f"{container}.{n + 1}"
    return names


def mobilenet_original_key(node_id: str, node: Node, inner: str) -> str:
    """``features_2`` + ``dw_norm.weight`` -> ``features.2.conv.1.1.weight``."""
    names = _mbconv_names(node, "conv", se=False) if node.kind == "MBConv" else None
    return dotted(node_id, inner, names)


def efficientnet_original_key(node_id: str, node: Node, inner: str) -> str:
    """``features_2_0`` + ``se.reduce.weight`` -> ``features.2.0.block.2.fc1.weight``."""
    names = _mbconv_names(node, "block", se=True) if node.kind == "MBConv" else None
    return dotted(node_id, inner, names)


def _classifier(chain: Chain, dropout: float) -> None:
    chain.add("avgpool", "GlobalAvgPool")
    chain.add("classifier_0", "Dropout", p=dropout)
    chain.add("classifier_1", "Linear", out_features=1000)


def mobilenet_v2(width_multiplier: float = 1.0) -> Project:
    chain = image_chain()
    _conv_bn_act(chain, "features_0", make_divisible(32 * width_multiplier), 3, 2, "ReLU6")
    index = 1
    for t, c, n, s in MOBILENET_V2:
        for i in range(n):
            chain.add(f"features_{index}", "MBConv", out_channels=make_divisible(
                c * width_multiplier), expand_ratio=t, kernel_size=3, stride=s if i == 0 else 1,
                se_ratio=0.0, activation="relu6")
            index += 1
    _conv_bn_act(chain, f"features_{index}", make_divisible(1280 * max(1.0, width_multiplier)),
                 1, 1, "ReLU6")
    _classifier(chain, 0.2)
    width = "" if width_multiplier == 1 else f" ×{width_multiplier:g}"
    return finish(
        chain, f"MobileNetV2{width}",
        "Sandler et al. 2018, as torchvision builds it: 17 inverted residual blocks (1×1 "
        "widen, 3×3 depthwise, linear 1×1 narrow, ReLU6), a 1×1 convolution to 1280 "
        "channels, average pool, 1000 classes. Weights load from and save to torchvision's "
        "layout.",
        mobilenet_original_key)


def efficientnet(width_multiplier: float = 1.0, depth_multiplier: float = 1.0,
                 dropout: float = 0.2, drop_path: float = 0.2, name: str = "EfficientNet-B0"
                 ) -> Project:
    """EfficientNet scaled by width and depth (B0 is 1.0 and 1.0): channels rounded to 8,
    repeats rounded up; stochastic depth grows from 0 to ``drop_path`` block by block."""
    chain = image_chain()
    _conv_bn_act(chain, "features_0", make_divisible(32 * width_multiplier), 3, 2, "SiLU")
    stages = [(t, k, s, make_divisible(c * width_multiplier), round_repeats(n, depth_multiplier))
              for t, k, s, c, n in EFFICIENTNET_B0]
    total, done = sum(n for *_, n in stages), 0
    for stage, (t, k, s, c, n) in enumerate(stages, start=1):
        for i in range(n):
            chain.add(f"features_{stage}_{i}", "MBConv", out_channels=c, expand_ratio=t,
                      kernel_size=k, stride=s if i == 0 else 1, se_ratio=0.25,
                      activation="silu", drop_path=round(drop_path * done / total, 6))
            done += 1
    _conv_bn_act(chain, f"features_{len(stages) + 1}", 4 * stages[-1][3], 1, 1, "SiLU")
    _classifier(chain, dropout)
    return finish(
        chain, name,
        "Tan & Le 2019, as torchvision builds it: 16 MBConv blocks with squeeze-and-"
        "excitation and SiLU in seven stages, a 1×1 convolution to 1280 channels, average "
        "pool, 1000 classes. Weights load from and save to torchvision's layout.",
        efficientnet_original_key)


def efficientnet_b0() -> Project:
    return efficientnet()
