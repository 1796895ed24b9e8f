"""What every zoo network is built with: a chain of named nodes, and the finishing touches.

Node ids follow the published model's module names, mostly with dots turned
into underscores (``layer1.0`` -> ``layer1_0``), so a reader finds each layer
of the published code on the canvas, and each family's ``original_key`` can
say where a compiled weight lives in the published state_dict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..layout import layered_positions
from ..model import ArchitectureGraph, Node
from ..project_model import Project
from ..settings import TrainingSettings
from .keys import compiled_keys

# node id, the node, path inside the node's module -> the published state_dict key
OriginalKey = Callable[[str, Node, str], str]

# ImageNet networks train on a folder of the user's images, resized to 224×224 (the Train
# panel asks for the folder), with SGD and momentum as the papers train them.
IMAGE_TRAINING: dict[str, Any] = {
    "dataset": "image_folder", "dataset_options": {"size": 224}, "batch_size": 8,
    "optimizer": "sgd", "lr": 0.01, "momentum": 0.9, "weight_decay": 1e-4,
}


class Chain:
    """Append named nodes one after another: ``chain.add("fc", "Linear", out_features=10)``."""

    def __init__(self, graph: ArchitectureGraph, first: str) -> None:
        self.graph, self.last = graph, first

    def add(self, node_id: str, kind: str, **params: Any) -> str:
        node = self.graph.add_node(kind, params, node_id=node_id)
        self.graph.connect(self.last, node, self.graph.input_ports(node)[0])
        self.last = node
        return node


def image_chain(size: int = 224) -> Chain:
    """A chain that starts at a 3-channel ``size``×``size`` image input called ``image``."""
    graph = ArchitectureGraph()
    return Chain(graph, graph.add_node("ImageInput", {"channels": 3, "height": size,
                                                      "width": size}, node_id="image"))


def weight_map(graph: ArchitectureGraph, original_key: OriginalKey) -> dict[str, str]:
    """Each compiled state_dict key -> the published model's key for the same tensor."""
    return {key: original_key(node_id, graph.node(node_id), inner)
            for node_id, inner, key in compiled_keys(graph)}


def finish(chain: Chain, name: str, description: str, original_key: OriginalKey,
           **training: Any) -> Project:
    """Close the chain with a classification output, lay it out, attach the weight map."""
    chain.add("output", "ClassificationOutput")
    graph = chain.graph
    for node_id, (x, y) in layered_positions(graph).items():
        graph.move(node_id, x, y)
    settings = TrainingSettings.from_dict({**IMAGE_TRAINING, **training})
    project = Project(graph, settings, name, description)
    project.weight_map = weight_map(graph, original_key)
    return project


def dotted(node_id: str, inner: str, renames: dict[str, str] | None = None) -> str:
    """``layer1_0`` + ``norm1.weight`` -> ``layer1.0.bn1.weight`` with renames {norm1: bn1}.

    The node id's underscores become dots; the module path inside the node
    (all of ``inner`` but the tensor's own name) is renamed where the
    published code names it differently.
    """
    module, _, tensor = inner.rpartition(".")
    module = (renames or {}).get(module, module)
    return ".".join(part for part in (node_id.replace("_", "."), module, tensor) if part)
