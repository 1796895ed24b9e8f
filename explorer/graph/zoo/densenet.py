"""DenseNet-121 for 224×224 ImageNet images (Huang et al. 2017), as torchvision builds it:
DenseNet-BC with growth rate 32, blocks of 6, 12, 24 and 16 layers, transitions that halve
the channels."""

from __future__ import annotations

from ..model import Node
from ..project_model import Project
from ..stages import MakeStage
from .build import dotted, finish, image_chain


def original_key(node_id: str, node: Node, inner: str) -> str:
    """``features_denseblock1`` + ``layers.0.conv.weight`` ->
    ``features.denseblock1.denselayer1.conv2.weight``; other layers keep their names."""
    if node.kind == "DenseBlock":
        _, index, rest = inner.split(".", 2)  # "layers", "0", "conv.weight"
        layer, tensor = rest.split(".")
        inner = f"denselayer{int(index) + 1}.{'conv2' if layer == 'conv' else layer}.{tensor}"
    return dotted(node_id, inner)


def densenet121(growth_rate: int = 32, layers: tuple[int, ...] = (6, 12, 24, 16)) -> Project:
    chain = image_chain()
    chain.add("features_conv0", "Conv2d", out_channels=2 * growth_rate, kernel_size=7,
              stride=2, padding=3, bias=False)
    chain.add("features_norm0", "BatchNorm")
    chain.add("features_relu0", "ReLU")
    chain.add("features_pool0", "MaxPool2d", kernel_size=3, stride=2, padding=1)
    for i, n in enumerate(layers, start=1):
        chain.add(f"features_denseblock{i}", "DenseBlock", layers=n, growth_rate=growth_rate,
                  bottleneck=True)
        if i < len(layers):
            chain.add(f"features_transition{i}", "Transition", compression=0.5)
    for i in range(1, len(layers) + 1):  # each dense block with its transition, as one box
        members = [f"features_denseblock{i}"]
        if i < len(layers):
            members.append(f"features_transition{i}")
        MakeStage(f"denseblock{i}", members, collapsed=True).apply(chain.graph)
    chain.add("features_norm5", "BatchNorm")
    chain.add("relu", "ReLU")
    chain.add("avgpool", "GlobalAvgPool")
    chain.add("classifier", "Linear", out_features=1000)
    depth = 1 + 2 * sum(layers) + len(layers) - 1 + 1
    return finish(
        chain, f"DenseNet-{depth}",
        f"Huang et al. 2017, as torchvision builds it: four dense blocks of "
        f"{'/'.join(map(str, layers))} bottleneck layers, each adding {growth_rate} channels, "
        "joined by transitions that halve the channels and the image. Weights load from and "
        "save to torchvision's layout.",
        original_key)
