"""The kinds real CNNs need: padded pooling, adaptive pooling, mobile activations, stochastic
depth, the ResNet bottleneck, and the options older files do not mention."""

import json

import pytest

from explorer.graph import Project, TensorSpec, check_graph, get_kind
from explorer.graph.errors import ShapeError
from explorer.graph.kinds import Context
from explorer.graph.project import dumps, loads

from .helpers import chain

IMAGE = {"channels": 64, "height": 112, "width": 112}


def infer(kind_name, shape, **params):
    kind = get_kind(kind_name)
    ctx = Context(kind.validate(params), (TensorSpec(shape),))
    return kind.infer(ctx).shape, kind.count(ctx)


def test_resnet_stem_pool_halves_112_to_56():
    """torchvision's ResNet stem: nn.MaxPool2d(kernel_size=3, stride=2, padding=1)."""
    assert infer("MaxPool2d", (64, 112, 112), kernel_size=3, stride=2, padding=1) == (
        (64, 56, 56), 0)
    assert infer("AvgPool2d", (8, 7, 7), kernel_size=3, stride=1, padding=1) == ((8, 7, 7), 0)


@pytest.mark.parametrize("kind", ["MaxPool2d", "AvgPool2d"])
def test_padding_past_half_the_window_is_refused_in_plain_words(kind):
    with pytest.raises(ShapeError) as err:
        infer(kind, (8, 16, 16), kernel_size=3, padding=2)
    assert err.value.message == (
        f"{kind} pads by 2, but a 3×3 window allows at most 1 (half the window).")
    assert err.value.hint == "Set padding to 1 or less, or use a larger window."


def test_the_checker_paints_the_padding_error_on_the_pool():
    graph, ids = chain(("MaxPool2d", {"kernel_size": 2, "padding": 2}),
                       input_kind="ImageInput", input_params=IMAGE)
    result = check_graph(graph)
    (issue,) = [i for i in result.errors if i.node_id == ids[1]]
    assert "pads by 2" in issue.message and "at most 1" in issue.message
    assert result.reports[ids[1]].spec is None


def test_adaptive_average_pool_gives_a_fixed_size():
    assert infer("AdaptiveAvgPool2d", (2048, 7, 7)) == ((2048, 1, 1), 0)
    assert infer("AdaptiveAvgPool2d", (16, 9, 13), output_size=3) == ((16, 3, 3), 0)
    with pytest.raises(ShapeError, match="needs an image"):
        infer("AdaptiveAvgPool2d", (16,))


@pytest.mark.parametrize("kind", ["ReLU6", "Hardswish", "StochasticDepth"])
def test_shape_keeping_kinds_keep_the_shape(kind):
    assert infer(kind, (8, 5, 5)) == ((8, 5, 5), 0)
    assert infer(kind, (10,)) == ((10,), 0)


@pytest.mark.parametrize(
    ("shape", "params", "out", "count"),
    [
        # torchvision resnet50: layer1[1] and layer1[0] (with its downsample)
        ((256, 56, 56), {}, (256, 56, 56), 70_400),
        ((64, 56, 56), {"out_channels": 256}, (256, 56, 56), 75_008),
        # layer2[0]: stride 2 on the 3×3
        ((256, 56, 56), {"out_channels": 512, "stride": 2}, (512, 28, 28), 379_392),
        # resnext50_32x4d layer1[0]: width 128 in 32 groups
        ((64, 56, 56), {"out_channels": 256, "expansion": 2, "groups": 32}, (256, 56, 56),
         63_488),
    ],
)
def test_bottleneck_shapes_and_counts_match_torchvision(shape, params, out, count):
    assert infer("Bottleneck", shape, **params) == (out, count)


def test_bottleneck_expands_with_torchvisions_names():
    kind = get_kind("Bottleneck")
    ctx = Context(kind.validate({"out_channels": 256, "drop_path": 0.1}),
                  (TensorSpec((64, 56, 56)),))
    nodes = {sub.suffix: sub for sub in kind.expand_block(ctx).nodes}
    modules = [sub.module for sub in nodes.values() if sub.module]
    assert modules == ["conv1", "bn1", "conv2", "bn2", "conv3", "bn3", "downsample.0",
                       "downsample.1"]
    assert nodes["add"].inputs == ("drop_path", "downsample_1")
    assert nodes["drop_path"].params == {"p": 0.1}
    assert nodes["conv2"].params["stride"] == 1 and nodes["conv2"].params["kernel_size"] == 3


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"out_channels": 3}, ["= 0 channels", "at least 4 output channels"]),
        ({"out_channels": 256, "groups": 3}, ["64 channels into 3 groups", "divide 64"]),
        ({"out_channels": 128, "shortcut": "identity"}, ["identity shortcut", "projection"]),
    ],
)
def test_bottleneck_explains_what_it_cannot_build(params, words):
    with pytest.raises(ShapeError) as err:
        infer("Bottleneck", (64, 8, 8), **params)
    text = f"{err.value.message} {err.value.hint}"
    for word in words:
        assert word in text


@pytest.mark.parametrize("kind", ["ResidualConv", "MBConv", "Bottleneck"])
def test_drop_path_adds_a_node_only_when_it_drops(kind):
    block = get_kind(kind)

    def suffixes(**params):
        ctx = Context(block.validate(params), (TensorSpec((16, 8, 8)),))
        return [sub.suffix for sub in block.expand_block(ctx).nodes]

    without = suffixes()
    assert "drop_path" not in without
    assert suffixes(drop_path=0.2) == [*without[:without.index("add")], "drop_path",
                                       *without[without.index("add"):]]


def test_mbconv_activation_follows_torchvision():
    block = get_kind("MBConv")

    def kinds(**params):
        ctx = Context(block.validate(params), (TensorSpec((16, 8, 8)),))
        return {sub.suffix: sub.kind for sub in block.expand_block(ctx).nodes}

    assert kinds()["dw_act"] == "SiLU" and kinds()["se_act"] == "SiLU"  # EfficientNet
    hard = kinds(activation="hardswish")
    assert hard["expand_act"] == hard["dw_act"] == "Hardswish" and hard["se_act"] == "ReLU"
    v2 = kinds(activation="relu6", expand_ratio=6, se_ratio=0.0)  # MobileNetV2
    assert v2["expand_act"] == v2["dw_act"] == "ReLU6" and "se_act" not in v2
    assert "drop_path" not in kinds(drop_path=0.2, stride=2)  # no add, nothing to drop


def test_files_written_before_the_new_options_load_with_the_defaults():
    graph, ids = chain(("MaxPool2d", {"kernel_size": 3}), ("ResidualConv", {}), ("MBConv", {}),
                       input_kind="ImageInput", input_params=IMAGE)
    data = json.loads(dumps(Project(graph)))
    new_keys = {"padding", "drop_path", "activation"}
    for node in data["nodes"]:
        if node["kind"] == "ResidualConv":
            del node["params"]["drop_path"]  # its activation is an older option
        else:
            node["params"] = {k: v for k, v in node["params"].items() if k not in new_keys}
    loaded = loads(json.dumps(data)).graph
    assert loaded.node(ids[1]).params["padding"] == 0
    assert loaded.node(ids[2]).params["drop_path"] == 0.0
    assert loaded.node(ids[3]).params["activation"] == "silu"
    assert loaded.node(ids[3]).params["drop_path"] == 0.0
    result = check_graph(loaded)
    assert result.reports[ids[3]].spec == TensorSpec((64, 37, 37))
    assert not [issue for issue in result.errors if issue.node_id in ids]
