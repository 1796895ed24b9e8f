"""Lesions switch a block off for a while and leave the trained model as it was."""

import pytest
import torch

from explorer.compiler import build_model
from explorer.compiler.lesion import lesion_candidates, lesioned
from explorer.graph import check_graph, recipes


def test_candidates_are_blocks_with_skips_and_shape_keeping_layers():
    plain = recipes.mlp(depth=4, width=16)
    result = check_graph(plain.graph)
    # the first hidden Linear changes the width (2 -> 16) and the last one (16 -> 2) too
    assert lesion_candidates(plain.graph, result) == ["linear_2", "linear_3", "linear_4"]
    res = recipes.resnet_cifar(n=2)
    names = lesion_candidates(res.graph, check_graph(res.graph))
    assert names == [f"res_{i}" for i in range(1, 7)]


@pytest.mark.parametrize("recipe", ["residual_mlp", "highway_mlp", "resnet_cifar",
                                    "transformer_classifier", "mbconv_net"])
def test_a_lesioned_block_passes_its_input_along_the_skip(recipe):
    project = recipes.RECIPES[recipe]()
    result = check_graph(project.graph)
    model = build_model(project.graph, result).eval()
    spec = model.input_spec
    x = (torch.randint(0, spec.vocab, (4, *spec.shape)) if spec.dtype == "long"
         else torch.randn(4, *spec.shape))
    before = model(x)
    candidates = lesion_candidates(project.graph, result)
    assert candidates
    node = candidates[len(candidates) // 2]
    with lesioned(model, [node]):
        outputs = model.forward_all(x)
        feeder = project.graph.in_edges(node)[0].src
        kind = project.graph.node(node).kind
        if kind in ("Highway", "MBConv") or (kind == "TransformerBlock"):
            assert torch.equal(outputs[node], outputs[feeder])
        changed = model(x)
    assert not torch.allclose(changed, before)
    assert torch.equal(model(x), before)  # restored


def test_a_residual_block_with_a_projection_keeps_the_projection():
    project = recipes.resnet_cifar(n=1)
    model = build_model(project.graph).eval()
    x = torch.randn(2, 3, 32, 32)
    with lesioned(model, ["res_2"]):
        block = model.res_2.block
        out = model.forward_all(x)
        skip = torch.relu(block.proj_norm(block.proj(out["res_1"])))
        assert torch.allclose(out["res_2"], skip)
