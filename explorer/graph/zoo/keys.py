"""The state_dict keys a compiled network will have, worked out without torch.

The compiler names each node's submodule with ``naming.python_names`` and,
inside a block, puts every primitive's weights at the ``module`` path its
expansion gives. So the keys follow from the graph alone: the node's Python
name, the path inside the block, and the names a primitive layer gives its
own tensors (listed here, as torch names them). The zoo uses this to say
where each of its weights lives in the published model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..check import check_graph
from ..errors import GraphError
from ..kinds import get_kind
from ..kinds.base import Context
from ..model import ArchitectureGraph
from ..naming import python_names

_BATCH_NORM = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
_ATTENTION = ("mha.in_proj_weight", "mha.in_proj_bias", "mha.out_proj.weight",
              "mha.out_proj.bias")

# The tensors of each primitive kind that holds any, by their name inside its module.
_TENSORS: dict[str, tuple[str, ...]] = {
    "Linear": ("weight", "bias"),
    "Conv2d": ("weight", "bias"),
    "ConvTranspose2d": ("weight", "bias"),
    "PatchEmbedding": ("weight", "bias"),
    "Embedding": ("weight",),
    "PositionalEmbedding": ("weight",),
    "ClassToken": ("token",),
    "SelfAttention": _ATTENTION,
    "BatchNorm": _BATCH_NORM,
    "LayerNorm": ("weight", "bias"),
    "GroupNorm": ("weight", "bias"),
}


def _tensors(kind: str, params: Mapping[str, Any]) -> tuple[str, ...]:
    names = _TENSORS.get(kind, ())
    if params.get("bias", True) is False:
        names = tuple(n for n in names if n != "bias")
    return names


def compiled_keys(graph: ArchitectureGraph) -> list[tuple[str, str, str]]:
    """(node id, path inside the node's module, full state_dict key) for every tensor.

    Raises GraphError when the graph has errors: a network that does not
    check cannot be compiled, so it has no keys.
    """
    result = check_graph(graph)
    if result.errors:
        first = result.errors[0]
        raise GraphError(f"the network has {len(result.errors)} error(s), the first on "
                         f"{first.node_id}: {first.message}", node_id=first.node_id)
    names = python_names(result.order)
    keys = []
    for node_id in result.order:
        node, kind = graph.node(node_id), get_kind(graph.node(node_id).kind)
        if kind.is_block:
            ctx = Context(node.params, result.reports[node_id].known_inputs)
            parts = [(sub.module + ".", sub.kind, sub.params)
                     for sub in kind.expand_block(ctx).nodes if sub.module]
        else:
            parts = [("", node.kind, node.params)]
        if result.reports[node_id].params and not any(sub in _TENSORS for _, sub, _ in parts):
            raise GraphError(f"{node_id} is a {node.kind} with weights whose names in torch "
                             "are not known here, so they cannot be mapped to the published "
                             "model's.", node_id=node_id)
        for prefix, sub_kind, params in parts:
            for tensor in _tensors(sub_kind, params):
                inner = prefix + tensor
                keys.append((node_id, inner, f"{names[node_id]}.{inner}"))
    return keys
