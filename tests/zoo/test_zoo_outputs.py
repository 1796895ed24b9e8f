"""Each zoo network, compiled, computes what the hand-written reference computes.

The compiled network's weights (norm statistics randomised, so every tensor
matters) move into the reference through the project's weight map with
strict=True: every reference tensor is named once, nothing is left over.
Both run in eval mode on one small random batch, in float32; outputs agree
to 1e-5 (absolute and relative), the rounding of float32 over these depths.
"""

import pytest
import torch

from explorer.compiler import build_model
from explorer.export.original_weights import read_checkpoint, save_original_weights
from explorer.graph.zoo import ZOO
from tests.zoo import reference_cnns as cnns
from tests.zoo import reference_transformers as transformers
from tests.zoo.transfer import from_original, randomise_norms, to_original

REFERENCES = {
    "resnet18": cnns.resnet18, "resnet34": cnns.resnet34, "resnet50": cnns.resnet50,
    "densenet121": cnns.densenet121, "mobilenet_v2": cnns.MobileNetV2,
    "efficientnet_b0": cnns.EfficientNetB0, "vit_b_16": transformers.VisionTransformer,
    "gpt2": transformers.GPT2,
}

TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


def example_input(key: str) -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    if key == "gpt2":
        return torch.randint(0, 50257, (2, 64), generator=g)
    return torch.randn(1 if key == "vit_b_16" else 2, 3, 224, 224, generator=g)


def compiled(key: str):
    """The zoo project and its compiled network, with weights a trained network might have."""
    torch.manual_seed(0)
    project = ZOO[key]()
    network = build_model(project.graph).eval()
    randomise_norms(network)
    if key == "gpt2":  # GPT-2 starts its token table at std 0.02; std 1 makes huge logits
        torch.nn.init.normal_(network.get_submodule("wte").weight, std=0.02)
    return project, network


def empty_reference(key: str) -> torch.nn.Module:
    """The reference with shapes but no values yet (load_state_dict(assign=True) fills it)."""
    with torch.device("meta"):
        return REFERENCES[key]().eval()


@pytest.mark.parametrize("key", sorted(REFERENCES))
def test_the_zoo_weights_load_into_the_reference_and_give_its_outputs(key):
    project, network = compiled(key)
    reference = empty_reference(key)
    weights = to_original(network.state_dict(), project.weight_map, reference.state_dict())
    reference.load_state_dict(weights, strict=True, assign=True)
    x = example_input(key)
    with torch.no_grad():
        ours, theirs = network(x), reference(x)
    expected = (2, 64, 50257) if key == "gpt2" else (x.shape[0], 1000)
    assert ours.shape == expected
    torch.testing.assert_close(ours, theirs, **TOLERANCE)


@pytest.mark.parametrize("key", ["resnet50", "efficientnet_b0"])
def test_a_published_checkpoint_loads_into_the_zoo_network(key):
    torch.manual_seed(2)
    reference = REFERENCES[key]().eval()
    randomise_norms(reference, seed=3)
    project = ZOO[key]()
    network = build_model(project.graph).eval()
    weights = from_original(reference.state_dict(), project.weight_map, network.state_dict())
    network.load_state_dict(weights, strict=True)
    x = example_input(key)
    with torch.no_grad():
        torch.testing.assert_close(network(x), reference(x), **TOLERANCE)


def test_weights_saved_in_the_published_layout_load_into_the_reference(tmp_path):
    """Through the export's own helpers: a .safetensors file with torchvision's keys and shapes
    (the squeeze-excite Linear weights saved as the 1×1 convolutions torchvision has)."""
    project, network = compiled("efficientnet_b0")
    reference = REFERENCES["efficientnet_b0"]().eval()
    shapes = {k: tuple(v.shape) for k, v in reference.state_dict().items()}
    path = tmp_path / "efficientnet_b0.safetensors"
    save_original_weights(network, path, project.weight_map, shapes)
    reference.load_state_dict(read_checkpoint(path), strict=True)
    x = example_input("efficientnet_b0")
    with torch.no_grad():
        torch.testing.assert_close(network(x), reference(x), **TOLERANCE)
