"""Standard networks as graphs: the examples, the depth sweeps and the benchmarks use these.

Each recipe returns a Project laid out left to right, so what a recipe makes
looks like what a person would wire by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .layout import layered_positions
from .model import ArchitectureGraph, Edge
from .project import Project
from .settings import TrainingSettings


class _Chain:
    """Append nodes one after another: ``chain.add("Linear", out_features=64)``."""

    def __init__(self, graph: ArchitectureGraph, first: str) -> None:
        self.graph, self.last = graph, first

    def add(self, kind: str, **params: Any) -> str:
        node = self.graph.add_node(kind, params)
        self.graph.connect(self.last, node, self.graph.input_ports(node)[0])
        self.last = node
        return node


def _finish(graph: ArchitectureGraph, name: str, description: str,
            **training: Any) -> Project:
    for node_id, (x, y) in layered_positions(graph).items():
        graph.move(node_id, x, y)
    return Project(graph, TrainingSettings.from_dict(training), name, description)


def mlp(
    depth: int = 3,
    width: int = 64,
    *,
    features: int = 2,
    classes: int = 2,
    activation: str = "ReLU",
    norm: str = "none",
    dataset: str = "spirals",
    **training: Any,
) -> Project:
    """A plain MLP: ``depth`` hidden Linear (+ BatchNorm) + activation layers, a classifier."""
    g = ArchitectureGraph()
    chain = _Chain(g, g.add_node("VectorInput", {"features": features}))
    for _ in range(depth):
        chain.add("Linear", out_features=width, bias=norm == "none")
        if norm == "batch":
            chain.add("BatchNorm")
        chain.add(activation)
    chain.add("Linear", out_features=classes)
    chain.add("ClassificationOutput")
    return _finish(g, f"Plain MLP, {depth} hidden layers", f"{depth} Linear+{activation} "
                   f"layers of width {width}, no skip connections.", dataset=dataset, **training)


def residual_mlp(
    blocks: int = 3,
    width: int = 64,
    *,
    features: int = 2,
    classes: int = 2,
    activation: str = "relu",
    norm: str = "none",
    order: str = "post",
    zero_init: bool = False,
    dataset: str = "spirals",
    **training: Any,
) -> Project:
    """Linear stem to ``width``, ``blocks`` residual MLP blocks, a Linear classifier.

    ``order="pre"`` with ``norm="batch"`` is He et al.'s pre-activation block (2016b), the
    one that keeps training as blocks are added; ``zero_init`` starts every block as the
    identity.
    """
    g = ArchitectureGraph()
    chain = _Chain(g, g.add_node("VectorInput", {"features": features}))
    chain.add("Linear", out_features=width)
    chain.add({"relu": "ReLU", "tanh": "Tanh", "gelu": "GELU", "sigmoid": "Sigmoid"}
              .get(activation, "ReLU"))
    for _ in range(blocks):
        chain.add("ResidualMLP", activation=activation, norm=norm, order=order,
                  zero_init=zero_init)
    chain.add("Linear", out_features=classes)
    chain.add("ClassificationOutput")
    return _finish(g, f"Residual MLP, {blocks} blocks", f"{blocks} residual blocks of width "
                   f"{width}: each adds its input back to its output.", dataset=dataset,
                   **training)


def highway_mlp(
    blocks: int = 10,
    width: int = 50,
    *,
    features: int = 2,
    classes: int = 2,
    activation: str = "relu",
    gate_bias: float | str = "auto",
    dataset: str = "spirals",
    **training: Any,
) -> Project:
    """As in Srivastava et al.: one plain layer to ``width``, then highway layers."""
    g = ArchitectureGraph()
    chain = _Chain(g, g.add_node("VectorInput", {"features": features}))
    chain.add("Linear", out_features=width)
    chain.add({"relu": "ReLU", "tanh": "Tanh"}.get(activation, "ReLU"))
    for _ in range(blocks):
        chain.add("Highway", activation=activation, gate_bias=gate_bias)
    chain.add("Linear", out_features=classes)
    chain.add("ClassificationOutput")
    return _finish(g, f"Highway MLP, {blocks} highway layers", f"{blocks} highway layers of "
                   f"width {width}; gates start mostly carrying the input.", dataset=dataset,
                   **training)


def resnet_cifar(
    n: int = 1,
    *,
    widths: Sequence[int] = (16, 32, 64),
    channels: int = 3,
    size: int = 32,
    classes: int = 10,
    plain: bool = False,
    dataset: str = "shapes",
    **training: Any,
) -> Project:
    """The CIFAR ResNet of He et al.: 6n+2 layers in three stages (or its plain twin)."""
    g = ArchitectureGraph()
    chain = _Chain(g, g.add_node("ImageInput", {"channels": channels, "height": size,
                                                "width": size}))
    chain.add("Conv2d", out_channels=widths[0], bias=False)
    chain.add("BatchNorm")
    chain.add("ReLU")
    for stage, width in enumerate(widths):
        for i in range(n):
            stride = 2 if stage > 0 and i == 0 else 1
            if plain:
                chain.add("Conv2d", out_channels=width, stride=stride, bias=False)
                chain.add("BatchNorm")
                chain.add("ReLU")
                chain.add("Conv2d", out_channels=width, bias=False)
                chain.add("BatchNorm")
                chain.add("ReLU")
            else:
                chain.add("ResidualConv", out_channels=width, stride=stride)
    chain.add("GlobalAvgPool")
    chain.add("Linear", out_features=classes)
    chain.add("ClassificationOutput")
    kind = "Plain" if plain else "Residual"
    return _finish(g, f"{kind} CIFAR-style net, {6 * n + 2} layers", f"3×3 stem, three stages "
                   f"of {2 * n} convolutions ({'/'.join(map(str, widths))} filters), global "
                   "average pool, classifier.", dataset=dataset,
                   **{"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4,
                      **training})


def densenet(
    blocks: int = 3,
    layers: int = 4,
    growth_rate: int = 12,
    *,
    channels: int = 3,
    size: int = 32,
    classes: int = 10,
    bottleneck: bool = False,
    dataset: str = "shapes",
    **training: Any,
) -> Project:
    """A small DenseNet: stem, dense blocks joined by transitions, pool, classifier."""
    g = ArchitectureGraph()
    chain = _Chain(g, g.add_node("ImageInput", {"channels": channels, "height": size,
                                                "width": size}))
    chain.add("Conv2d", out_channels=2 * growth_rate, bias=False)
    for b in range(blocks):
        chain.add("DenseBlock", layers=layers, growth_rate=growth_rate, bottleneck=bottleneck)
        if b < blocks - 1:
            chain.add("Transition")
    chain.add("BatchNorm")
    chain.add("ReLU")
    chain.add("GlobalAvgPool")
    chain.add("Linear", out_features=classes)
    chain.add("ClassificationOutput")
    return _finish(g, f"DenseNet, {blocks} dense blocks", f"Each dense block's {layers} layers "
                   f"each add {growth_rate} channels to everything before them.",
                   dataset=dataset, **training)


def transformer_classifier(
    depth: int = 2,
    dim: int = 64,
    *,
    length: int = 16,
    vocab: int = 16,
    heads: int = 4,
    classes: int = 2,
    norm: str = "pre",
    per_token: bool = False,
    causal: bool = False,
    dataset: str = "parity",
    **training: Any,
) -> Project:
    """Token embedding + positions, ``depth`` transformer blocks, then a head.

    ``per_token=True`` predicts one class per token (copy, reverse, sort tasks);
    otherwise the tokens are averaged and the sequence gets one class.
    """
    g = ArchitectureGraph()
    chain = _Chain(g, g.add_node("TokenInput", {"length": length, "vocab": vocab}))
    chain.add("Embedding", num_embeddings=vocab, embedding_dim=dim)
    chain.add("PositionalEmbedding")
    for _ in range(depth):
        chain.add("TransformerBlock", heads=heads, norm=norm, causal=causal)
    chain.add("LayerNorm")
    if not per_token:
        chain.add("GlobalAvgPool")
    chain.add("Linear", out_features=vocab if per_token else classes)
    chain.add("ClassificationOutput")
    return _finish(g, f"{'Pre' if norm == 'pre' else 'Post'}-LN transformer, {depth} blocks",
                   f"{depth} transformer blocks of width {dim} with {heads} heads.",
                   dataset=dataset, **{"optimizer": "adamw", "lr": 1e-3, **training})


def unet(
    depth: int = 2,
    width: int = 16,
    *,
    channels: int = 1,
    size: int = 32,
    classes: int = 3,
    dataset: str = "shape_masks",
    **training: Any,
) -> Project:
    """A small U-Net: downsampling path, upsampling path, skips joined by Concat."""
    g = ArchitectureGraph()
    chain = _Chain(g, g.add_node("ImageInput", {"channels": channels, "height": size,
                                                "width": size}))
    skips = []
    for level in range(depth):
        chain.add("Conv2d", out_channels=width << level)
        chain.add("ReLU")
        skips.append(chain.last)
        chain.add("MaxPool2d")
    chain.add("Conv2d", out_channels=width << depth)
    chain.add("ReLU")
    for level in reversed(range(depth)):
        chain.add("ConvTranspose2d", out_channels=width << level)
        up = chain.last
        cat = g.add_node("Concat")
        g.connect(skips[level], cat, "in1")
        g.connect(up, cat, "in2")
        chain.last = cat
        chain.add("Conv2d", out_channels=width << level)
        chain.add("ReLU")
    chain.add("Conv2d", out_channels=classes, kernel_size=1)
    chain.add("SegmentationOutput")
    return _finish(g, f"U-Net, depth {depth}", "Encoder and decoder joined by concatenated "
                   "skip connections: per-pixel classes.", dataset=dataset, **training)


def mbconv_net(
    *,
    widths: Sequence[int] = (16, 24, 40),
    channels: int = 3,
    size: int = 32,
    classes: int = 10,
    dataset: str = "shapes",
    **training: Any,
) -> Project:
    """An EfficientNet-style stack: stem, one MBConv per width (stride 2 after the first)."""
    g = ArchitectureGraph()
    chain = _Chain(g, g.add_node("ImageInput", {"channels": channels, "height": size,
                                                "width": size}))
    chain.add("Conv2d", out_channels=widths[0], stride=2, bias=False)
    chain.add("BatchNorm")
    chain.add("SiLU")
    for i, width in enumerate(widths):
        chain.add("MBConv", out_channels=width, stride=1 if i == 0 else 2)
        chain.add("MBConv", out_channels=width)
    chain.add("GlobalAvgPool")
    chain.add("Linear", out_features=classes)
    chain.add("ClassificationOutput")
    return _finish(g, "MBConv net", "Inverted residual blocks with squeeze-and-excitation, "
                   "as in MobileNetV2 and EfficientNet.", dataset=dataset, **training)


def residual_chain(nodes: int, width: int = 8) -> ArchitectureGraph:
    """A big plain graph for scale tests and benchmarks: about ``nodes`` nodes in units of
    Linear → ReLU → Add (each Add also fed the unit's input), a regression head; not laid
    out (callers time or skip the layout themselves)."""
    graph = ArchitectureGraph()
    last = graph.add_node("VectorInput", {"features": width}, node_id="input")
    edges = []
    for unit in range(1, (nodes - 2) // 3 + 1):
        linear = graph.add_node("Linear", {"out_features": width}, node_id=f"linear_{unit}")
        relu = graph.add_node("ReLU", node_id=f"relu_{unit}")
        merge = graph.add_node("Add", node_id=f"add_{unit}")
        edges += [Edge(last, linear, "in"), Edge(linear, relu, "in"),
                  Edge(last, merge, "in1"), Edge(relu, merge, "in2")]
        last = merge
    edges.append(Edge(last, graph.add_node("RegressionOutput", node_id="head"), "in"))
    graph.connect_many(edges)
    return graph


RECIPES = {
    "mlp": mlp,
    "residual_mlp": residual_mlp,
    "highway_mlp": highway_mlp,
    "resnet_cifar": resnet_cifar,
    "densenet": densenet,
    "transformer_classifier": transformer_classifier,
    "unet": unet,
    "mbconv_net": mbconv_net,
}
