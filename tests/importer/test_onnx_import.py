"""ONNX files become editable graphs whose compiled networks compute what onnxruntime computes."""

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")

from explorer.compiler import build_model  # noqa: E402
from explorer.graph import check_graph  # noqa: E402
from explorer.graph.project import load  # noqa: E402
from explorer.importer.errors import ImportFailure  # noqa: E402
from explorer.importer.onnx_import import import_onnx  # noqa: E402
from explorer.importer.onnx_ops import has_param, kind_named  # noqa: E402

from .onnx_helpers import export, kinds, largest_difference, randomise_statistics  # noqa: E402

EXAMPLES = Path(__file__).parents[2] / "assets" / "examples"
OPSETS = (13, 17)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.bn = nn.Linear(6, 16), nn.BatchNorm1d(16, eps=1e-3, momentum=0.2)
        self.fc2, self.fc3, self.out = nn.Linear(16, 16), nn.Linear(16, 12), nn.Linear(12, 3)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        x = self.bn(torch.tanh(self.fc1(x)))
        x = F.leaky_relu(self.fc2(self.drop(x)), 0.2)
        x = torch.sigmoid(self.fc3(x))
        return self.out(F.gelu(x) + x)


class CNN(nn.Module):
    """BatchNorm, pooling, a residual add and a concat, then a LayerNorm'd linear head."""

    def __init__(self):
        super().__init__()
        self.stem, self.bn = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.body = nn.Conv2d(8, 8, 3, padding=1)
        self.side = nn.Conv2d(8, 4, 1, bias=False)
        self.fc, self.norm = nn.Linear(12, 10), nn.LayerNorm(10)

    def forward(self, x):
        x = F.max_pool2d(self.bn(F.relu(self.stem(x))), 2)
        x = F.relu(self.body(x)) + x
        x = torch.cat([x, F.silu(self.side(x))], dim=1)
        x = F.avg_pool2d(x, 3, stride=1)
        x = F.adaptive_avg_pool2d(x, 1).view(x.size(0), -1)
        return self.norm(self.fc(x))


class Depthwise(nn.Module):
    def __init__(self):
        super().__init__()
        self.depthwise = nn.Conv2d(6, 6, 3, stride=2, padding=1, groups=6)
        self.pointwise = nn.Conv2d(6, 4, 1)
        self.up = nn.ConvTranspose2d(4, 5, 2, stride=2)
        self.head = nn.Conv2d(5, 3, 1)

    def forward(self, x):
        return self.head(F.relu(self.up(F.relu(self.pointwise(self.depthwise(x))))))


class Flattening(nn.Module):
    def __init__(self, how):
        super().__init__()
        self.conv, self.fc, self.how = nn.Conv2d(2, 3, 3, stride=2), nn.Linear(27, 4), how

    def forward(self, x):
        x = F.relu(self.conv(x))
        x = x.reshape(x.shape[0], -1) if self.how == "reshape" else torch.flatten(x, 1)
        return self.fc(x)


class Tokens(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed, self.mix, self.out = nn.Embedding(11, 8), nn.Linear(8, 8), nn.Linear(8, 2)

    def forward(self, ids):
        return self.out(F.relu(self.mix(self.embed(ids))).mean(dim=1))


@pytest.mark.parametrize("opset", (*OPSETS, 20))  # 13 and 17 spell GELU out; 20 has Gelu
def test_an_mlp_matches_onnxruntime(tmp_path, opset):
    torch.manual_seed(0)
    path = export(randomise_statistics(MLP()), torch.randn(2, 6), tmp_path / "mlp.onnx", opset)
    imported = import_onnx(path)
    assert kinds(imported) == ["VectorInput", "Linear", "Tanh", "BatchNorm", "Linear",
                               "LeakyReLU", "Linear", "Sigmoid", "GELU", "Add", "Linear",
                               "ClassificationOutput"]
    graph = imported.project.graph
    norm = next(n for n in graph.nodes() if n.kind == "BatchNorm")
    assert norm.params == {"eps": 1e-3, "momentum": 0.2}
    assert next(n for n in graph.nodes() if n.kind == "LeakyReLU").params["negative_slope"] == 0.2
    assert largest_difference(imported, path, torch.randn(5, 6)) <= 1e-5


@pytest.mark.parametrize("opset", OPSETS)
def test_a_cnn_with_batchnorm_pooling_residual_and_concat_matches(tmp_path, opset):
    torch.manual_seed(0)
    model = randomise_statistics(CNN())
    path = export(model, torch.randn(2, 3, 12, 12), tmp_path / "cnn.onnx", opset)
    imported = import_onnx(path)
    assert kinds(imported) == ["ImageInput", "Conv2d", "ReLU", "BatchNorm", "MaxPool2d",
                               "Conv2d", "ReLU", "Add", "Conv2d", "SiLU", "Concat", "AvgPool2d",
                               "GlobalAvgPool", "Linear", "LayerNorm", "ClassificationOutput"]
    graph = imported.project.graph
    pools = [n.params for n in graph.nodes() if n.kind == "AvgPool2d"]
    assert pools[0]["kernel_size"] == 3 and pools[0]["stride"] == 1
    assert largest_difference(imported, path, torch.randn(4, 3, 12, 12)) <= 1e-5
    # The weights load into a freshly built network and train from there.
    network = build_model(graph)
    network.load_state_dict(imported.state_dict)
    network.train()
    network(torch.randn(2, 3, 12, 12)).sum().backward()
    assert network.state_dict().keys() == imported.state_dict.keys()


@pytest.mark.parametrize("opset", OPSETS)
def test_depthwise_and_transposed_convolutions_keep_their_settings(tmp_path, opset):
    torch.manual_seed(0)
    path = export(Depthwise(), torch.randn(1, 6, 8, 8), tmp_path / "dw.onnx", opset)
    imported = import_onnx(path)
    assert kinds(imported)[-1] == "SegmentationOutput"
    graph = imported.project.graph
    convs = {n.label: n.params for n in graph.nodes() if n.kind in ("Conv2d", "ConvTranspose2d")}
    assert convs["/depthwise/Conv"] == {"out_channels": 6, "kernel_size": 3, "stride": 2,
                                        "padding": "auto", "groups": 6, "bias": True}
    assert convs["/up/ConvTranspose"] == {"out_channels": 5, "kernel_size": 2, "stride": 2,
                                          "padding": 0, "bias": True}
    assert largest_difference(imported, path, torch.randn(3, 6, 8, 8)) <= 1e-5


class Mobile(nn.Module):
    """A padded max pool (ResNet's stem), ReLU6 (Clip) and Hardswish (HardSigmoid·x at 13)."""

    def __init__(self):
        super().__init__()
        self.conv, self.fc = nn.Conv2d(3, 8, 3), nn.Linear(8, 4)

    def forward(self, x):
        x = F.hardswish(F.relu6(F.max_pool2d(self.conv(x), 3, stride=2, padding=1)))
        return self.fc(F.avg_pool2d(x, 3, stride=1, padding=1).mean((2, 3)))


@pytest.mark.parametrize("opset", OPSETS)
def test_padded_pools_relu6_and_hardswish(tmp_path, opset):
    if kind_named("ReLU6") is None or not has_param("MaxPool2d", "padding"):
        pytest.skip("needs the ReLU6 kind and pooling with padding")
    path = export(Mobile(), torch.randn(1, 3, 12, 12), tmp_path / "mobile.onnx", opset)
    imported = import_onnx(path)
    assert kinds(imported) == ["ImageInput", "Conv2d", "MaxPool2d", "ReLU6", "Hardswish",
                               "AvgPool2d", "GlobalAvgPool", "Linear", "ClassificationOutput"]
    pools = [n.params for n in imported.project.graph.nodes() if n.kind.endswith("Pool2d")]
    assert pools == [{"kernel_size": 3, "stride": 2, "padding": 1},
                     {"kernel_size": 3, "stride": 1, "padding": 1}]
    assert largest_difference(imported, path, torch.randn(3, 3, 12, 12)) <= 1e-5


@pytest.mark.parametrize(("kernel", "stride", "padding", "groups"),
                         [(1, 1, 0, 1), (3, 2, 0, 2), (5, 1, 2, 1), (5, 2, 1, 4), (3, 3, 1, 1)])
def test_convolution_settings_carry_over(tmp_path, kernel, stride, padding, groups):
    torch.manual_seed(kernel + stride)
    conv = nn.Conv2d(4, 8, kernel, stride=stride, padding=padding, groups=groups)
    path = export(nn.Sequential(conv, nn.Tanh()), torch.randn(1, 4, 11, 11), tmp_path / "c.onnx",
                  17)
    imported = import_onnx(path)
    params = imported.project.graph.node("conv_1").params
    assert params == {"out_channels": 8, "kernel_size": kernel, "stride": stride,
                      "padding": "auto" if padding == kernel // 2 else padding,
                      "groups": groups, "bias": True}
    assert largest_difference(imported, path, torch.randn(2, 4, 11, 11)) <= 1e-5


@pytest.mark.parametrize("how", ["reshape", "flatten"])
def test_an_image_flattened_for_a_linear_layer(tmp_path, how):
    path = export(Flattening(how), torch.randn(2, 2, 7, 7), tmp_path / "f.onnx", 13)
    imported = import_onnx(path)
    assert kinds(imported) == ["ImageInput", "Conv2d", "ReLU", "Flatten", "Linear",
                               "ClassificationOutput"]
    assert imported.project.graph.node("conv_1").params["padding"] == 0
    assert largest_difference(imported, path, torch.randn(3, 2, 7, 7)) <= 1e-5


def test_token_ids_become_a_token_input_and_an_embedding(tmp_path):
    torch.manual_seed(0)
    path = export(Tokens(), torch.randint(0, 11, (2, 7)), tmp_path / "tokens.onnx", 17)
    imported = import_onnx(path)
    assert kinds(imported) == ["TokenInput", "Embedding", "Linear", "ReLU", "GlobalAvgPool",
                               "Linear", "ClassificationOutput"]
    token_input = imported.project.graph.node("input_1")
    assert token_input.params == {"length": 7, "vocab": 11}
    assert largest_difference(imported, path, torch.randint(0, 11, (4, 7))) <= 1e-5


def test_a_final_softmax_is_left_to_the_head_with_a_note(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=-1))
    path = export(model, torch.randn(2, 4), tmp_path / "soft.onnx", 17)
    imported = import_onnx(path)
    assert kinds(imported) == ["VectorInput", "Linear", "ClassificationOutput"]
    assert any("Softmax" in note for note in imported.notes)
    x = torch.randn(3, 4)
    assert largest_difference(imported, path, x, then=lambda y: y.softmax(-1)) <= 1e-5


def test_the_head_follows_the_output_unless_chosen(tmp_path):
    path = export(nn.Linear(4, 1), torch.randn(2, 4), tmp_path / "one.onnx", 17)
    imported = import_onnx(path)
    assert kinds(imported)[-1] == "RegressionOutput"
    assert any("regression head" in note for note in imported.notes)
    with pytest.raises(ImportFailure, match="head='regression'"):
        import_onnx(path, head="classification")
    path = export(nn.Linear(4, 3), torch.randn(2, 4), tmp_path / "three.onnx", 17)
    assert kinds(import_onnx(path))[-1] == "ClassificationOutput"
    assert kinds(import_onnx(path, head="regression"))[-1] == "RegressionOutput"
    with pytest.raises(ImportFailure, match="unknown head 'softmax'"):
        import_onnx(path, head="softmax")


def test_a_softmax_before_a_regression_head_is_refused(tmp_path):
    path = export(nn.Sequential(nn.Linear(4, 3), nn.Softmax(-1)), torch.randn(2, 4),
                  tmp_path / "soft.onnx", 17)
    with pytest.raises(ImportFailure, match="Softmax at node '/1/Softmax'"):
        import_onnx(path, head="regression")


def test_weight_map_names_the_initializers(tmp_path):
    path = export(nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2)),
                  torch.randn(2, 4), tmp_path / "m.onnx", 17)
    imported = import_onnx(path)
    initializers = {t.name for t in onnx.load(str(path)).graph.initializer}
    assert len(imported.state_dict) == 4
    weight_map = getattr(imported.project, "weight_map", None)
    if weight_map is None:
        pytest.skip("Project.weight_map is not there yet")
    assert set(weight_map) == set(imported.state_dict)
    assert set(weight_map.values()) == initializers


# -- our own exporter, then back ----------------------------------------------------


def _example(name: str):
    return load(EXAMPLES / f"{name}.archx.json")


def _head(project) -> str:
    graph = project.graph
    kind = next(graph.kind_of(n) for n in graph.node_ids() if graph.kind_of(n).endswith("Output"))
    return kind.removesuffix("Output").lower()


@pytest.mark.parametrize("name", ["mlp_moons", "plain_mlp_deep", "unet_shape_masks"])
def test_round_trip_gives_back_the_same_kinds_and_parameters(tmp_path, name):
    from explorer.export import export_onnx

    project = _example(name)
    export_onnx(project, tmp_path / "m.onnx")
    imported = import_onnx(tmp_path / "m.onnx", head=_head(project))
    before, after = project.graph, imported.project.graph
    assert [(before.kind_of(n), dict(before.params_of(n))) for n in before.topological_order()] \
        == [(after.kind_of(n), dict(after.params_of(n))) for n in after.topological_order()]
    assert not check_graph(after).errors


@pytest.mark.slow
@pytest.mark.parametrize("name", ["densenet_shapes", "highway_mlp_deep", "mbconv_shapes",
                                  "residual_mlp_spirals", "resnet20_shapes"])
def test_blocks_come_back_as_the_layers_they_compute(tmp_path, name):
    """ONNX holds no blocks: they come back unfolded, computing the same numbers."""
    from explorer.export import export_onnx

    project = _example(name)
    path = export_onnx(project, tmp_path / "m.onnx").path
    imported = import_onnx(path, head=_head(project))
    network = build_model(project.graph)
    x = torch.randn(3, *network.input_spec.shape)
    assert largest_difference(imported, path, x) <= 1e-5
    assert len(imported.project.graph) > len(project.graph)


def test_an_example_it_cannot_express_names_every_operation(tmp_path):
    from explorer.export import export_onnx

    export_onnx(_example("transformer_parity"), tmp_path / "m.onnx")
    with pytest.raises(ImportFailure) as failure:
        import_onnx(tmp_path / "m.onnx")
    assert "Slice at nodes '/pos_1/Slice', '/tf_1/attn/mha/Slice'" in str(failure.value)
    assert "Mod at nodes '/tf_1/attn/mha/Mod', '/tf_2/attn/mha/Mod'" in str(failure.value)
    assert "Transpose at nodes" in str(failure.value)


def test_initializers_listed_as_inputs_are_weights_not_inputs(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "old_style.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(nn.Sequential(nn.Linear(4, 3), nn.ReLU()).eval(), (torch.randn(1, 4),),
                          str(path), dynamo=False, opset_version=13, input_names=["input"],
                          keep_initializers_as_inputs=True)
    imported = import_onnx(path)
    assert kinds(imported) == ["VectorInput", "Linear", "ReLU", "ClassificationOutput"]
    assert largest_difference(imported, path, torch.randn(1, 4)) <= 1e-5


def test_a_hand_written_graph_with_dropout_clip_and_a_scaled_gemm(tmp_path):
    """What torch never writes in eval mode: a Dropout node, Gemm's alpha/beta, Clip to [0, ∞)."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weight = rng.standard_normal((4, 3)).astype(np.float32)  # transB=0: (in, out)
    bias = rng.standard_normal(3).astype(np.float32)
    nodes = [
        helper.make_node("Gemm", ["input", "W", "b"], ["g"], name="gemm", alpha=0.5, beta=2.0),
        helper.make_node("Dropout", ["g", "ratio"], ["d"], name="drop"),
        helper.make_node("Clip", ["d", "zero"], ["output"], name="clip"),
    ]
    graph = helper.make_graph(
        nodes, "hand", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["n", 3])],
        [numpy_helper.from_array(weight, "W"), numpy_helper.from_array(bias, "b"),
         numpy_helper.from_array(np.array(0.25, np.float32), "ratio"),
         numpy_helper.from_array(np.array(0.0, np.float32), "zero")])
    path = tmp_path / "hand.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    imported = import_onnx(path)
    assert kinds(imported) == ["VectorInput", "Linear", "Dropout", "ReLU",
                               "ClassificationOutput"]
    assert imported.project.graph.node("dropout_1").params == {"p": 0.25}
    assert imported.project.weight_map == {"linear_1.weight": "W", "linear_1.bias": "b"}
    assert largest_difference(imported, path, torch.randn(5, 4)) <= 1e-5
