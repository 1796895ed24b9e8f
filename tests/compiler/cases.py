"""Representative small networks: every node kind, and each block in several configurations.

Each case is a graph from an input through the node under test to an
output head; the tests build it and check it against what the checker says.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from explorer.graph import ArchitectureGraph, get_kind

from .helpers import EMBED, FEATURES, IMAGE, TOKENS, chain, merge, step

SEQUENCE = (TOKENS, EMBED)
CONV8 = step("Conv2d", out_channels=8)


def _seq(*steps, head="RegressionOutput"):
    return chain(TOKENS, EMBED, *steps, head=head)


def _img8(*steps, head="RegressionOutput"):
    return chain(IMAGE, CONV8, *steps, head=head)


LAYER_CASES: dict[str, Callable[[], ArchitectureGraph]] = {
    # inputs and output heads
    "features input": lambda: chain(FEATURES, step("Linear", out_features=3)),
    "image input": lambda: chain(IMAGE, step("Conv2d", out_channels=2)),
    "token input": lambda: _seq(),
    "classification": lambda: chain(FEATURES, step("Linear", out_features=4),
                                    head="ClassificationOutput"),
    "classification per token": lambda: _seq(step("Linear", out_features=7),
                                             head="ClassificationOutput"),
    "regression of an image": lambda: chain(IMAGE, head="RegressionOutput"),
    "segmentation": lambda: chain(IMAGE, step("Conv2d", out_channels=3, kernel_size=1),
                                  head="SegmentationOutput"),
    # layers
    "linear": lambda: chain(FEATURES, step("Linear", out_features=5)),
    "linear no bias": lambda: chain(FEATURES, step("Linear", out_features=5, bias=False)),
    "linear bias init": lambda: chain(FEATURES, step("Linear", out_features=5, bias_init=-3.0)),
    "linear on sequence": lambda: _seq(step("Linear", out_features=4)),
    "conv": lambda: chain(IMAGE, step("Conv2d", out_channels=4)),
    "conv stride groups": lambda: chain(IMAGE, step("Conv2d", out_channels=6, stride=2,
                                                    padding=0, groups=3, bias=False)),
    "conv 5x5": lambda: chain(IMAGE, step("Conv2d", out_channels=4, kernel_size=5)),
    "conv transpose": lambda: chain(IMAGE, step("ConvTranspose2d", out_channels=4)),
    "conv transpose 3x3": lambda: chain(IMAGE, step("ConvTranspose2d", out_channels=4,
                                                    kernel_size=3, stride=1, padding=1,
                                                    bias=False)),
    "upsample": lambda: chain(IMAGE, step("Upsample")),
    "upsample bilinear": lambda: chain(IMAGE, step("Upsample", scale_factor=3,
                                                   mode="bilinear")),
    "embedding": lambda: _seq(),
    "positional": lambda: _seq(step("PositionalEmbedding")),
    "attention": lambda: _seq(step("SelfAttention", heads=2)),
    "attention causal": lambda: _seq(step("SelfAttention", heads=4, causal=True, dropout=0.1)),
    # activations, norms, dropout
    **{f"activation {kind}": (lambda kind=kind: chain(FEATURES, step(kind)))
       for kind in ("ReLU", "GELU", "Tanh", "Sigmoid", "SiLU")},
    "leaky relu": lambda: chain(FEATURES, step("LeakyReLU", negative_slope=0.2)),
    "batchnorm vector": lambda: chain(FEATURES, step("BatchNorm", momentum=0.2)),
    "batchnorm image": lambda: chain(IMAGE, step("BatchNorm", eps=1e-3)),
    "layernorm vector": lambda: chain(FEATURES, step("LayerNorm")),
    "layernorm sequence": lambda: _seq(step("LayerNorm", eps=1e-6)),
    "groupnorm": lambda: _img8(step("GroupNorm", groups=4)),
    "dropout": lambda: chain(FEATURES, step("Dropout", p=0.5)),
    # pooling and reshaping
    "maxpool": lambda: chain(IMAGE, step("MaxPool2d")),
    "maxpool 3 stride 1": lambda: chain(IMAGE, step("MaxPool2d", kernel_size=3, stride=1)),
    "avgpool": lambda: chain(IMAGE, step("AvgPool2d", kernel_size=2, stride=2)),
    "global avg image": lambda: chain(IMAGE, step("GlobalAvgPool")),
    "global avg sequence": lambda: _seq(step("GlobalAvgPool")),
    "global max image": lambda: chain(IMAGE, step("GlobalMaxPool")),
    "global max sequence": lambda: _seq(step("GlobalMaxPool")),
    "flatten image": lambda: chain(IMAGE, step("Flatten")),
    "flatten sequence": lambda: _seq(step("Flatten")),
    "flatten vector": lambda: chain(FEATURES, step("Flatten")),
    # merges
    "add": lambda: merge(FEATURES, "Add", {}, [[step("Linear", out_features=4)],
                                               [step("Linear", out_features=4)]]),
    "add three": lambda: merge(FEATURES, "Add", {"inputs": 3},
                               [[], [step("Tanh")], [step("Linear", out_features=6)]]),
    "subtract": lambda: merge(FEATURES, "Subtract", {}, [[step("Linear", out_features=4)],
                                                         [step("Linear", out_features=4)]]),
    "multiply": lambda: merge(FEATURES, "Multiply", {}, [[], [step("Sigmoid")]]),
    "multiply channel gate": lambda: merge(
        IMAGE, "Multiply", {}, [[CONV8], [step("GlobalAvgPool"), step("Linear", out_features=8)]]),
    "multiply gate first": lambda: merge(
        IMAGE, "Multiply", {}, [[step("GlobalAvgPool"), step("Linear", out_features=8)], [CONV8]]),
    "concat images": lambda: merge(IMAGE, "Concat", {}, [[CONV8], [step("Conv2d",
                                                                    out_channels=5)]]),
    "concat vectors": lambda: merge(FEATURES, "Concat", {"inputs": 3},
                                    [[], [step("Linear", out_features=3)], [step("ReLU")]]),
    "concat sequences": lambda: merge(TOKENS, "Concat", {}, [
        [EMBED], [step("Embedding", num_embeddings=7, embedding_dim=3)]]),
}


def _res_mlp(**params):
    return lambda: chain(FEATURES, step("ResidualMLP", **params))


def _res_conv(**params):
    return lambda: _img8(step("ResidualConv", **params))


BLOCK_CASES: dict[str, Callable[[], ArchitectureGraph]] = {
    "res mlp": _res_mlp(),
    "res mlp wider": _res_mlp(out_features=10, hidden=12),
    "res mlp forced projection": _res_mlp(shortcut="projection"),
    "res mlp batch": _res_mlp(norm="batch"),
    "res mlp layer": _res_mlp(norm="layer", hidden=9),
    "res mlp pre": _res_mlp(order="pre"),
    "res mlp pre batch wider": _res_mlp(order="pre", norm="batch", out_features=4, hidden=7),
    "res mlp pre layer": _res_mlp(order="pre", norm="layer"),
    "res mlp zero init": _res_mlp(zero_init=True),
    "res mlp zero init batch": _res_mlp(zero_init=True, norm="batch"),
    "res mlp zero init pre": _res_mlp(zero_init=True, order="pre", norm="layer"),
    "res mlp gelu": _res_mlp(activation="gelu"),
    "res mlp tanh": _res_mlp(activation="tanh"),
    "res mlp leaky": _res_mlp(activation="leakyrelu", norm="layer"),
    "res mlp on sequence": lambda: _seq(step("ResidualMLP", norm="layer", out_features=6)),
    "res conv": _res_conv(),
    "res conv stride 2": _res_conv(out_channels=16, stride=2),
    "res conv forced projection": _res_conv(shortcut="projection"),
    "res conv group": _res_conv(norm="group", out_channels=12),
    "res conv none": _res_conv(norm="none", activation="silu"),
    "res conv pre": _res_conv(order="pre"),
    "res conv pre stride 2": _res_conv(order="pre", stride=2, out_channels=4),
    "res conv pre group": _res_conv(order="pre", norm="group"),
    "res conv pre none": _res_conv(order="pre", norm="none"),
    "res conv zero init": _res_conv(zero_init=True),
    "res conv zero init none": _res_conv(zero_init=True, norm="none"),
    "res conv zero init pre": _res_conv(zero_init=True, order="pre"),
    "res conv 5x5 sigmoid": _res_conv(kernel_size=5, activation="sigmoid"),
    "highway": lambda: chain(FEATURES, step("Highway")),
    "highway fixed bias tanh": lambda: chain(FEATURES, step("Highway", gate_bias=-2.0,
                                                            activation="tanh")),
    "highway on sequence": lambda: _seq(step("Highway", gate_bias=1.5)),
    "dense": lambda: chain(IMAGE, step("DenseBlock", layers=3, growth_rate=4)),
    "dense bottleneck": lambda: chain(IMAGE, step("DenseBlock", layers=2, growth_rate=3,
                                                  bottleneck=True)),
    "dense one layer": lambda: chain(IMAGE, step("DenseBlock", layers=1, growth_rate=5)),
    "transition": lambda: _img8(step("Transition")),
    "transition keep all": lambda: _img8(step("Transition", compression=1.0)),
    "transformer pre": lambda: _seq(step("TransformerBlock", heads=2)),
    "transformer post": lambda: _seq(step("TransformerBlock", heads=4, norm="post",
                                          mlp_ratio=2)),
    "transformer causal": lambda: _seq(step("TransformerBlock", heads=1, causal=True)),
    "mbconv": lambda: _img8(step("MBConv")),
    "mbconv stride 2": lambda: _img8(step("MBConv", stride=2, out_channels=12)),
    "mbconv no se": lambda: _img8(step("MBConv", se_ratio=0.0)),
    "mbconv no expansion": lambda: _img8(step("MBConv", expand_ratio=1, kernel_size=5)),
    "mbconv wider out": lambda: _img8(step("MBConv", out_channels=10, se_ratio=0.5)),
}


def params(cases: dict[str, Callable[[], ArchitectureGraph]]):
    return [pytest.param(factory, id=name) for name, factory in cases.items()]


def block_id(graph: ArchitectureGraph) -> str:
    """The one block node in a case's graph."""
    (found,) = [n.id for n in graph.nodes() if get_kind(n.kind).is_block]
    return found
