"""ResNet blocks written as torchvision writes them fold into one block node each."""

import sys
from pathlib import Path

import torch

from explorer.compiler import build_model
from explorer.export.original_weights import to_original_layout
from explorer.graph import check_graph
from explorer.importer.torch_import import example_input, import_torch

NETS = Path(__file__).with_name("nets_for_import.py")


def imported_resnet():
    imported = import_torch(f"{NETS}:tiny_resnet", "3x16x16")
    return imported, sys.modules["nets_for_import"].tiny_resnet().eval()


def test_basic_and_bottleneck_blocks_fold_with_their_settings():
    imported, _ = imported_resnet()
    graph = imported.project.graph
    assert check_graph(graph).ok
    blocks = {n.id: (n.kind, n.params) for n in graph.nodes()
              if n.kind in ("ResidualConv", "Bottleneck")}
    assert set(blocks) == {"layer1.0", "layer1.1", "layer2.0", "layer2.1"}
    kind, params = blocks["layer1.1"]
    assert kind == "ResidualConv"
    assert (params["out_channels"], params["stride"], params["shortcut"]) == (16, 2, "projection")
    assert blocks["layer1.0"][1]["shortcut"] == "identity"
    kind, params = blocks["layer2.1"]
    assert kind == "Bottleneck"
    assert (params["out_channels"], params["expansion"], params["stride"], params["groups"],
            params["shortcut"]) == (32, 4, 2, 2, "projection")
    assert any("Recognised 4 ResNet blocks" in note for note in imported.notes)


def test_a_block_that_differs_from_the_pattern_stays_as_layers():
    imported, _ = imported_resnet()
    ids = {n.id: n.kind for n in imported.project.graph.nodes()}
    assert "odd" not in ids  # its second convolution has a bias: no block kind has that
    assert ids["odd.conv2"] == "Conv2d" and "Add" in ids.values()


def test_folded_blocks_compute_the_same_and_keep_the_original_weight_names():
    imported, reference = imported_resnet()
    model = build_model(imported.project.graph).eval()
    model.load_state_dict(imported.state_dict)
    x = example_input(model.input_spec, seed=5)
    with torch.no_grad():
        assert (model(x) - reference(x)).abs().max().item() <= 1e-5
    renamed = to_original_layout(imported.state_dict, imported.project.weight_map)
    assert renamed.keys() == reference.state_dict().keys()
    for key, value in reference.state_dict().items():
        assert torch.equal(renamed[key], value), key
