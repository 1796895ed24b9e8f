"""How weights start: PyTorch's defaults, He or Glorot, and zero-initialised residual branches.

He (Kaiming) and Glorot (Xavier) set the weight of every Linear and
convolution layer. Biases keep the values the graph gave them, and a weight
the graph deliberately started at zero (a residual block's ``zero_init``
branch) stays zero, so the choices combine instead of undoing each other.
"""

from __future__ import annotations

import torch
from torch import nn

from explorer.graph import ArchitectureGraph

INIT_SCHEMES = ("default", "he", "glorot")

_WEIGHTED = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d,
             nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


@torch.no_grad()
def initialise(model: nn.Module, scheme: str) -> int:
    """Re-initialise the weights of ``model`` in place; returns how many layers were set."""
    if scheme == "default":
        return 0
    if scheme not in INIT_SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}")  # TrainingSettings rules this out
    count = 0
    for module in model.modules():
        weight = getattr(module, "weight", None)
        if not isinstance(module, _WEIGHTED) or weight is None or not weight.count_nonzero():
            continue
        if scheme == "he":
            nn.init.kaiming_normal_(weight, nonlinearity="relu")
        else:
            nn.init.xavier_uniform_(weight)
        count += 1
    return count


def with_zero_init_residuals(graph: ArchitectureGraph) -> ArchitectureGraph:
    """A copy of ``graph`` where every block with a ``zero_init`` option has it switched on.

    Each residual branch then starts at zero, so every block starts as the
    identity (Goyal et al. 2017; He et al. 2019 "bag of tricks").
    """
    from explorer.graph import Project, project  # the file format is the graph's faithful copy

    copy = project.loads(project.dumps(Project(graph))).graph
    for node in copy.nodes():
        if "zero_init" in node.params and not node.params["zero_init"]:
            copy.set_params(node.id, {"zero_init": True})
    return copy

