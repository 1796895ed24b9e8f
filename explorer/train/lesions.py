"""The lesion study of Veit, Wilber & Belongie (2016): switch each block off, measure again.

After training, every block that can be removed without breaking the shapes
is switched off in turn (a residual block keeps its skip, a highway layer
carries its input, a plain layer is skipped) and the validation accuracy
measured. A residual network barely notices; a plain one falls to chance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from explorer.build import CompiledNetwork, loss_for
from explorer.build.lesion import lesion_candidates, lesioned
from explorer.graph import ArchitectureGraph, check_graph

from .data import Dataset


@dataclass(frozen=True)
class Lesion:
    node_ids: tuple[str, ...]
    accuracy: float
    loss: float


@dataclass(frozen=True)
class LesionStudy:
    baseline_accuracy: float
    baseline_loss: float
    chance: float  # the accuracy of guessing the most common class
    lesions: tuple[Lesion, ...]

    def drop(self, lesion: Lesion) -> float:
        """How many accuracy points switching that block off cost."""
        return 100 * (self.baseline_accuracy - lesion.accuracy)


def lesion_study(model: CompiledNetwork, graph: ArchitectureGraph, dataset: Dataset,
                 nodes: Sequence[str] | None = None, *, together: int = 1) -> LesionStudy:
    """Validation accuracy with each candidate switched off (``together`` neighbours at once)."""
    if dataset.task != "classification" or dataset.y_val.ndim != 1:
        raise ValueError("the lesion study measures classification accuracy: "
                         f"{dataset.name} is a {dataset.task} task.")
    if len(dataset.y_val) == 0:
        raise ValueError("the lesion study needs validation data; set val_fraction above 0.")
    candidates = list(nodes) if nodes is not None else lesion_candidates(
        graph, check_graph(graph))
    device = next(model.parameters()).device
    x = torch.from_numpy(dataset.x_val).to(device)
    y = torch.from_numpy(dataset.y_val).to(device)
    loss_fn = loss_for(model.output_kind)
    baseline = _measure(model, x, y, loss_fn)
    groups = [tuple(candidates[i:i + together])
              for i in range(0, len(candidates) - together + 1)]
    lesions = []
    for group in groups:
        with lesioned(model, group):
            lesions.append(Lesion(group, *_measure(model, x, y, loss_fn)))
    counts = torch.bincount(y.cpu())
    chance = float(counts.max()) / len(y)
    return LesionStudy(*baseline, chance, tuple(lesions))


@torch.no_grad()
def _measure(model, x, y, loss_fn) -> tuple[float, float]:
    was_training = model.training
    model.eval()
    try:
        scores = model(x)
        return float((scores.argmax(-1) == y).float().mean()), float(loss_fn(scores, y))
    finally:
        model.train(was_training)
