"""The zoo's projects as graphs (no torch): each checks clean and has the published count."""

import re

import pytest

from explorer.graph import ArchitectureGraph, ExpandBlock, GraphError, Project, check_graph
from explorer.graph.project import dumps, loads
from explorer.graph.zoo import PUBLISHED_PARAMETERS, ZOO, zoo_weight_map
from explorer.graph.zoo.mobile import efficientnet, make_divisible, mobilenet_v2, round_repeats

# torchvision's and Hugging Face's figures, written out here rather than read from the zoo.
FIGURES = {
    "resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032,
    "densenet121": 7_978_856, "mobilenet_v2": 3_504_872, "efficientnet_b0": 5_288_548,
    "vit_b_16": 86_567_656, "gpt2": 124_439_808,
}


def test_the_zoo_holds_the_eight_networks_with_their_published_counts():
    assert set(ZOO) == set(FIGURES)
    assert PUBLISHED_PARAMETERS == FIGURES


@pytest.mark.parametrize("key", sorted(FIGURES))
def test_each_network_checks_clean_and_counts_the_published_parameters(key):
    project = ZOO[key]()
    result = check_graph(project.graph)
    assert result.errors == ()
    assert result.total_params == FIGURES[key]
    assert project.name and project.description


@pytest.mark.parametrize("key", sorted(FIGURES))
def test_node_ids_are_the_published_module_names_and_every_weight_is_mapped(key):
    project = ZOO[key]()
    for node_id in project.graph.node_ids():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", node_id), node_id
    mapped = project.weight_map
    assert mapped == zoo_weight_map(project)
    assert len(set(mapped.values())) == len(mapped), "two weights map to one original key"


def test_the_weight_map_names_torchvision_keys():
    resnet = ZOO["resnet50"]().weight_map
    assert resnet["layer2_0.downsample.0.weight"] == "layer2.0.downsample.0.weight"
    assert resnet["fc.bias"] == "fc.bias"
    assert ZOO["resnet18"]().weight_map["layer2_0.proj_norm.running_var"] == \
        "layer2.0.downsample.1.running_var"
    dense = ZOO["densenet121"]().weight_map
    assert dense["features_denseblock2.layers.11.conv.weight"] == \
        "features.denseblock2.denselayer12.conv2.weight"
    assert dense["features_transition3.norm.bias"] == "features.transition3.norm.bias"
    mobile = ZOO["mobilenet_v2"]().weight_map
    assert mobile["features_1.project.weight"] == "features.1.conv.1.weight"
    assert mobile["features_2.project_norm.bias"] == "features.2.conv.3.bias"
    eff = ZOO["efficientnet_b0"]().weight_map
    assert eff["features_1_0.se.reduce.weight"] == "features.1.0.block.1.fc1.weight"
    assert eff["features_6_3.project_norm.weight"] == "features.6.3.block.3.1.weight"
    vit = ZOO["vit_b_16"]().weight_map
    assert vit["class_token.token"] == "class_token"
    assert vit["encoder_layer_11.fc2.bias"] == "encoder.layers.encoder_layer_11.mlp.3.bias"
    gpt = ZOO["gpt2"]().weight_map
    assert gpt["h_7.attn.mha.in_proj_weight"] == "transformer.h.7.attn.c_attn.weight"
    assert "lm_head.weight" not in gpt.values()  # tied: the head is wte itself


def test_blocks_start_collapsed_and_open_into_a_few_hundred_layers():
    project = ZOO["resnet18"]()
    graph = project.graph
    collapsed = len(graph)
    assert collapsed < 20
    for node_id in [n for n in graph.node_ids() if graph.node(n).kind == "ResidualConv"]:
        ExpandBlock(node_id).apply(graph)
    assert 60 < len(graph) < 400
    assert check_graph(graph).total_params == FIGURES["resnet18"]


def test_a_zoo_project_survives_saving_and_loading():
    project = ZOO["efficientnet_b0"]()
    again = loads(dumps(project))
    assert check_graph(again.graph).total_params == FIGURES["efficientnet_b0"]
    assert again.weight_map == project.weight_map  # the file keeps the map...
    assert zoo_weight_map(again) == project.weight_map  # ...and it can be worked out again


def test_a_project_from_elsewhere_gets_a_plain_answer():
    with pytest.raises(GraphError, match="not a network of the model zoo"):
        zoo_weight_map(Project(ArchitectureGraph(), name="My net"))
    edited = ZOO["resnet18"]()
    edited.graph.add_node("Linear", node_id="extra_layer")
    with pytest.raises(GraphError, match="error"):
        zoo_weight_map(edited)


def test_width_and_depth_multipliers_follow_the_papers():
    assert [make_divisible(c * 0.5) for c in (32, 16, 24, 1280)] == [16, 8, 16, 640]
    assert make_divisible(3.0) == 8  # never below the divisor
    assert make_divisible(20) == 24  # 16 would be more than 10% below 20
    assert [round_repeats(n, 1.1) for n in (1, 2, 3, 4)] == [2, 3, 4, 5]
    # EfficientNet-B1 (depth ×1.1) and -B2 (width ×1.1, depth ×1.2): torchvision's counts.
    b1 = efficientnet(1.0, 1.1, name="EfficientNet-B1")
    assert check_graph(b1.graph).total_params == 7_794_184
    b2 = efficientnet(1.1, 1.2, dropout=0.3, name="EfficientNet-B2")
    assert check_graph(b2.graph).total_params == 9_109_994
    assert check_graph(mobilenet_v2(0.5).graph).errors == ()


def test_weights_of_a_kind_the_key_rules_do_not_know_are_refused_not_dropped(monkeypatch):
    from explorer.graph.zoo import keys

    project = ZOO["resnet18"]()
    assert ("fc", "weight", "fc.weight") in keys.compiled_keys(project.graph)
    monkeypatch.delitem(keys._TENSORS, "Linear")
    with pytest.raises(GraphError, match="fc is a Linear with weights"):
        keys.compiled_keys(project.graph)
