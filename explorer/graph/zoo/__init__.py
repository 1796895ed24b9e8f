"""The model zoo: published networks, layer for layer, with their published parameter counts.

Each factory returns a Project whose node ids follow the published code's
module names and whose ``weight_map`` says, for every tensor of the compiled
network, its key in torchvision's (or, for GPT-2, Hugging Face's) state_dict.
So a checkpoint of the published model loads into the graph, and weights
trained here save back in the published layout.

    ResNet-18 11,689,512    ResNet-34 21,797,672    ResNet-50 25,557,032
    DenseNet-121 7,978,856  MobileNetV2 3,504,872   EfficientNet-B0 5,288,548
    ViT-B/16 86,567,656     GPT-2 small 124,439,808 (LM head tied to the token embedding)
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import GraphError
from ..project_model import Project
from .build import OriginalKey, weight_map
from .densenet import densenet121
from .densenet import original_key as densenet_key
from .mobile import efficientnet_b0, efficientnet_original_key, mobilenet_original_key, mobilenet_v2
from .resnet import original_key as resnet_key
from .resnet import resnet18, resnet34, resnet50
from .transformers import gpt2_original_key, gpt2_small, vit_b_16, vit_original_key

# key -> (factory, where the published model keeps each weight, parameters published)
_MODELS: dict[str, tuple[Callable[[], Project], OriginalKey, int]] = {
    "resnet18": (resnet18, resnet_key, 11_689_512),
    "resnet34": (resnet34, resnet_key, 21_797_672),
    "resnet50": (resnet50, resnet_key, 25_557_032),
    "densenet121": (densenet121, densenet_key, 7_978_856),
    "mobilenet_v2": (mobilenet_v2, mobilenet_original_key, 3_504_872),
    "efficientnet_b0": (efficientnet_b0, efficientnet_original_key, 5_288_548),
    "vit_b_16": (vit_b_16, vit_original_key, 86_567_656),
    "gpt2": (gpt2_small, gpt2_original_key, 124_439_808),
}

# The zoo by key (torchvision's function names; "gpt2" as Hugging Face calls it).
ZOO: dict[str, Callable[[], Project]] = {key: make for key, (make, _, _) in _MODELS.items()}

# The parameter counts torchvision and Hugging Face publish for these networks.
PUBLISHED_PARAMETERS: dict[str, int] = {key: n for key, (_, _, n) in _MODELS.items()}


def zoo_weight_map(project: Project, key: str | None = None) -> dict[str, str]:
    """Work out the weight map of a zoo project afresh from its graph.

    The project's ``weight_map`` holds it already; this recomputes it, e.g.
    after the graph was saved and loaded. ``key`` names the zoo entry; by
    default it is found from the project's name.
    """
    if key is None:
        names = {make().name: k for k, make in ZOO.items()}
        if project.name not in names:
            raise GraphError(f"'{project.name}' is not a network of the model zoo, so its "
                             f"weights have no published names. Zoo networks: "
                             f"{', '.join(sorted(names))}.")
        key = names[project.name]
    if key not in _MODELS:
        raise GraphError(f"There is no '{key}' in the model zoo; it has "
                         f"{', '.join(_MODELS)}.")
    try:
        return weight_map(project.graph, _MODELS[key][1])
    except KeyError as missing:
        raise GraphError(f"The network no longer matches {key}: its part {missing} has no "
                         "counterpart in the published model (was a node renamed or "
                         "changed?).") from None


__all__ = ["PUBLISHED_PARAMETERS", "ZOO", "zoo_weight_map"]
