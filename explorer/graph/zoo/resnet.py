"""ResNet-18, -34 and -50 for 224×224 ImageNet images (He et al. 2016), as torchvision builds
them: a bottleneck block strides in its 3×3 convolution ("ResNet v1.5")."""

from __future__ import annotations

from ..model import Node
from ..project_model import Project
from ..stages import MakeStage
from .build import Chain, dotted, finish, image_chain

# A basic block's own names -> torchvision's BasicBlock names (the Bottleneck kind already
# uses torchvision's: conv1, bn1, ..., downsample.0, downsample.1).
BASIC_BLOCK_NAMES = {"norm1": "bn1", "norm2": "bn2", "proj": "downsample.0",
                     "proj_norm": "downsample.1"}

PLANES = (64, 128, 256, 512)


def original_key(node_id: str, node: Node, inner: str) -> str:
    """Where torchvision's ResNet keeps a weight: ``layer1_0`` + ``norm1.weight`` ->
    ``layer1.0.bn1.weight``; the stem and ``fc`` keep their names."""
    return dotted(node_id, inner, BASIC_BLOCK_NAMES if node.kind == "ResidualConv" else None)


def _stem(chain: Chain) -> None:
    chain.add("conv1", "Conv2d", out_channels=64, kernel_size=7, stride=2, padding=3,
              bias=False)
    chain.add("bn1", "BatchNorm")
    chain.add("relu", "ReLU")
    chain.add("maxpool", "MaxPool2d", kernel_size=3, stride=2, padding=1)


def _resnet(depths: tuple[int, int, int, int], bottleneck: bool) -> Project:
    chain = image_chain()
    _stem(chain)
    stages: dict[str, list[str]] = {}  # torchvision's layer1..layer4, each drawn as one box
    for stage, (planes, blocks) in enumerate(zip(PLANES, depths, strict=True), start=1):
        stages[f"layer{stage}"] = [f"layer{stage}_{i}" for i in range(blocks)]
        for i in range(blocks):
            stride = 2 if stage > 1 and i == 0 else 1
            node_id = f"layer{stage}_{i}"
            if bottleneck:
                chain.add(node_id, "Bottleneck", out_channels=4 * planes, stride=stride)
            else:
                chain.add(node_id, "ResidualConv", out_channels=planes, stride=stride)
    chain.add("avgpool", "GlobalAvgPool")
    chain.add("fc", "Linear", out_features=1000)
    layers = 2 + sum(depths) * (3 if bottleneck else 2)
    block = "bottleneck blocks (1×1, 3×3, 1×1)" if bottleneck else "basic blocks (two 3×3)"
    for name, members in stages.items():
        MakeStage(name, members, collapsed=True).apply(chain.graph)
    return finish(
        chain, f"ResNet-{layers}",
        f"He et al. 2016, as torchvision builds it: a 7×7 stem, four stages of "
        f"{'/'.join(map(str, depths))} {block} with 64–512 planes, average pool, 1000 "
        "classes. Weights load from and save to torchvision's layout.",
        original_key)


def resnet18() -> Project:
    return _resnet((2, 2, 2, 2), bottleneck=False)


def resnet34() -> Project:
    return _resnet((3, 4, 6, 3), bottleneck=False)


def resnet50() -> Project:
    return _resnet((3, 4, 6, 3), bottleneck=True)
