"""The hand-written references have the published parameter counts (the tied GPT-2 head
counted once), so comparing the zoo with them compares it with the published networks."""

import pytest
import torch

from tests.zoo import reference_cnns as cnns
from tests.zoo import reference_transformers as transformers

REFERENCES = {
    "resnet18": (cnns.resnet18, 11_689_512),
    "resnet34": (cnns.resnet34, 21_797_672),
    "resnet50": (cnns.resnet50, 25_557_032),
    "densenet121": (cnns.densenet121, 7_978_856),
    "mobilenet_v2": (cnns.MobileNetV2, 3_504_872),
    "efficientnet_b0": (cnns.EfficientNetB0, 5_288_548),
    "vit_b_16": (transformers.VisionTransformer, 86_567_656),
    "gpt2": (transformers.GPT2, 124_439_808),
}


@pytest.mark.parametrize("key", sorted(REFERENCES))
def test_each_reference_has_the_published_parameter_count(key):
    make, published = REFERENCES[key]
    with torch.device("meta"):  # shapes only: no memory, no time spent on random numbers
        model = make()
    assert sum(p.numel() for p in model.parameters()) == published


def test_a_small_reference_runs_and_gives_one_score_per_class():
    torch.manual_seed(0)
    model = cnns.resnet18().eval()
    with torch.no_grad():
        out = model(torch.randn(1, 3, 64, 64))
    assert out.shape == (1, 1000) and torch.isfinite(out).all()
