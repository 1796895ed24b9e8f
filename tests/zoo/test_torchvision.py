"""The zoo against torchvision's own models (random weights, nothing downloaded): equal
parameter counts, and equal outputs after torchvision's state_dict moves into the zoo network
through the weight map.

Skipped where torchvision is not installed, or cannot load beside the
installed torch (a torchvision built for another torch fails on import with
a RuntimeError about its C++ operators).
"""

import pytest
import torch

from explorer.compiler import build_model
from explorer.graph import check_graph
from explorer.graph.zoo import ZOO
from tests.zoo.test_zoo_outputs import TOLERANCE, example_input
from tests.zoo.transfer import from_original, randomise_norms


@pytest.fixture(scope="module")
def torchvision():
    """torchvision, or a clean skip (inside the test, so pytest still collects the file)."""
    try:
        return pytest.importorskip("torchvision")
    except RuntimeError as error:  # installed, but built for another torch
        pytest.skip(f"torchvision does not load beside this torch: {error}")


TORCHVISION_MODELS = ["resnet18", "resnet34", "resnet50", "densenet121", "mobilenet_v2",
                      "efficientnet_b0", "vit_b_16"]


@pytest.mark.parametrize("key", TORCHVISION_MODELS)
def test_the_zoo_network_computes_what_torchvision_computes(torchvision, key):
    torch.manual_seed(0)
    theirs = getattr(torchvision.models, key)(weights=None).eval()
    randomise_norms(theirs)
    project = ZOO[key]()
    assert check_graph(project.graph).total_params == sum(p.numel() for p in theirs.parameters())
    ours = build_model(project.graph).eval()
    state = from_original(theirs.state_dict(), project.weight_map, ours.state_dict())
    ours.load_state_dict(state, strict=True)
    assert set(project.weight_map.values()) == set(theirs.state_dict())
    x = example_input(key)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), **TOLERANCE)
