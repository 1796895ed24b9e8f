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


def _img16(*steps, head="RegressionOutput"):
    return chain(IMAGE, step("Conv2d", out_channels=16), *steps, head=head)


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
    "positional longer table": lambda: _seq(step("PositionalEmbedding", max_length=9)),
    # vision transformer and GPT-2 ends
    "patch embedding": lambda: chain(IMAGE, step("PatchEmbedding", patch_size=4, dim=6)),
    "patch embedding 1x1": lambda: chain(IMAGE, step("PatchEmbedding", patch_size=1, dim=3)),
    "class token": lambda: _seq(step("ClassToken")),
    "select class token": lambda: _seq(step("SelectToken")),
    "select last token": lambda: _seq(step("SelectToken", index=-1),
                                      step("Linear", out_features=3),
                                      head="ClassificationOutput"),
    "tied output layer": lambda: _seq(step("LayerNorm"), step("TiedLinear", embedding="embed_1"),
                                      head="ClassificationOutput"),
    "gelu tanh": lambda: chain(FEATURES, step("GELU", approximate="tanh")),
    # activations, norms, dropout
    **{f"activation {kind}": (lambda kind=kind: chain(FEATURES, step(kind)))
       for kind in ("ReLU", "GELU", "Tanh", "Sigmoid", "SiLU", "ReLU6", "Hardswish")},
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
    "maxpool padded": lambda: chain(IMAGE, step("MaxPool2d", kernel_size=3, stride=2, padding=1)),
    "avgpool padded": lambda: chain(IMAGE, step("AvgPool2d", kernel_size=3, stride=1, padding=1)),
    "adaptive avg pool": lambda: _img8(step("AdaptiveAvgPool2d")),
    "adaptive avg pool 3": lambda: _img8(step("AdaptiveAvgPool2d", output_size=3)),
    "stochastic depth": lambda: _img8(step("StochasticDepth", p=0.5)),
    "global avg image": lambda: chain(IMAGE, step("GlobalAvgPool")),
    "global avg sequence": lambda: _seq(step("GlobalAvgPool")),
    "global max image": lambda: chain(IMAGE, step("GlobalMaxPool")),
    "global max sequence": lambda: _seq(step("GlobalMaxPool")),
    "flatten image": lambda: chain(IMAGE, step("Flatten")),
    "flatten sequence": lambda: _seq(step("Flatten")),
    "flatten vector": lambda: chain(FEATURES, step("Flatten")),
    "imported module": lambda: chain(FEATURES, step(
        "Module", class_path="torch.nn.PReLU", init_args='{"init": 0.1, "num_parameters": 6}',
        input_shape="6", output_shape="6", parameters=6)),
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
    "res conv drop path": _res_conv(drop_path=0.3),
    "res conv pre drop path stride 2": _res_conv(order="pre", drop_path=0.5, stride=2,
                                                 out_channels=16, activation="relu6"),
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
    "transformer gpt-2": lambda: _seq(step("TransformerBlock", heads=2, causal=True,
                                           activation="gelu_tanh")),
    "transformer vit": lambda: _seq(step("TransformerBlock", heads=4, eps=1e-6, mlp_ratio=2)),
    "transformer drop path": lambda: _seq(step("TransformerBlock", heads=2, drop_path=0.3)),
    "transformer post drop path": lambda: _seq(step("TransformerBlock", heads=2, norm="post",
                                                    drop_path=0.5, eps=1e-3)),
    "mbconv": lambda: _img8(step("MBConv")),
    "mbconv stride 2": lambda: _img8(step("MBConv", stride=2, out_channels=12)),
    "mbconv no se": lambda: _img8(step("MBConv", se_ratio=0.0)),
    "mbconv no expansion": lambda: _img8(step("MBConv", expand_ratio=1, kernel_size=5)),
    "mbconv wider out": lambda: _img8(step("MBConv", out_channels=10, se_ratio=0.5)),
    "mbconv mobilenetv2": lambda: _img8(step("MBConv", expand_ratio=6, se_ratio=0.0,
                                             activation="relu6")),
    "mbconv hardswish": lambda: _img8(step("MBConv", activation="hardswish", kernel_size=5)),
    "mbconv relu drop path": lambda: _img8(step("MBConv", activation="relu", drop_path=0.4)),
    "mbconv efficientnet drop path": lambda: _img8(step("MBConv", expand_ratio=6, kernel_size=5,
                                                        drop_path=0.2)),
    "mbconv drop path stride 2": lambda: _img8(step("MBConv", drop_path=0.2, stride=2)),
    "bottleneck": lambda: _img16(step("Bottleneck")),
    "bottleneck stride 2": lambda: _img16(step("Bottleneck", out_channels=32, stride=2)),
    "bottleneck resnext": lambda: _img16(step("Bottleneck", expansion=2, groups=4)),
    "bottleneck zero-init drop path": lambda: _img16(step(
        "Bottleneck", shortcut="projection", zero_init=True, drop_path=0.3)),
}


def params(cases: dict[str, Callable[[], ArchitectureGraph]]):
    return [pytest.param(factory, id=name) for name, factory in cases.items()]


def block_id(graph: ArchitectureGraph) -> str:
    """The one block node in a case's graph."""
    (found,) = [n.id for n in graph.nodes() if get_kind(n.kind).is_block]
    return found
