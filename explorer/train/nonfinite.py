"""When the loss stops being a finite number: find the node where NaN or infinity first appeared.

The run stops before the optimizer step, so the weights are still the ones
that produced the bad loss. Running ``forward_all`` on the same batch and
walking the nodes in topological order names the first node whose output
holds a NaN or an infinity; if every output is finite, the loss itself
overflowed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch

from explorer.compiler import CompiledNetwork
from explorer.graph import ArchitectureGraph

from .errors import TrainingFailed

_ADVICE = "Try a lower learning rate, gradient clipping, or normalisation layers."


@torch.no_grad()
def first_nonfinite_node(model: CompiledNetwork, x: torch.Tensor,
                         order: Sequence[str]) -> str | None:
    """The first node (in ``order``) whose output on ``x`` is not all finite, or None."""
    outputs: Mapping[str, torch.Tensor] = model.forward_all(x)
    for node_id in order:
        value = outputs.get(node_id)
        if isinstance(value, torch.Tensor) and value.is_floating_point() \
                and not bool(torch.isfinite(value).all()):
            return node_id
    return None


def nonfinite_loss_failure(model: CompiledNetwork, x: torch.Tensor, graph: ArchitectureGraph,
                           input_id: str | None, loss: float, step: int) -> TrainingFailed:
    """A TrainingFailed that says where the bad loss at ``step`` came from."""
    what = "NaN (not a number)" if math.isnan(loss) else "infinite"
    order = graph.topological_order()
    try:
        node_id = first_nonfinite_node(model, x, order)
    except Exception:  # the diagnosis must never hide the failure it explains
        node_id = None
    if node_id is None:
        return TrainingFailed(
            f"The loss became {what} at step {step}, although every node's output was finite: "
            "the loss itself overflowed. Check the targets' scale, or lower the learning rate.")
    if node_id == input_id:
        return TrainingFailed(
            f"The loss became {what} at step {step}: the training data itself holds values "
            "that are not finite numbers. Clean the dataset.", node_id)
    kind = graph.node(node_id).kind if node_id in graph else "node"
    return TrainingFailed(
        f"The loss became {what} at step {step}. The first node whose output was not a finite "
        f"number is {node_id!r} ({kind}). {_ADVICE}", node_id)


def nonfinite_gradient_failure(node_id: str, graph: ArchitectureGraph,
                               step: int) -> TrainingFailed:
    kind = graph.node(node_id).kind if node_id in graph else "node"
    return TrainingFailed(
        f"The gradients of {node_id!r} ({kind}) stopped being finite numbers by step {step}, "
        f"although the loss was finite. {_ADVICE}", node_id)
