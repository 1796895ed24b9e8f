"""The lesion study of Veit, Wilber & Belongie (2016): switch each block off, measure again.

After training, every block that can be removed without breaking the shapes
is switched off in turn (a residual block keeps its skip, a highway layer
carries its input, a plain layer is skipped) and the validation accuracy
measured. A residual network barely notices; a plain one falls to chance.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from explorer.compiler import CompiledNetwork, build_model, loss_for
from explorer.compiler.lesion import lesion_candidates, lesion_kind, lesioned
from explorer.compiler.losses import LossFunction
from explorer.graph import ArchitectureGraph, check_graph

from .data import Dataset
from .errors import RunRecordError


@dataclass(frozen=True)
class Lesion:
    node_ids: tuple[str, ...]
    accuracy: float
    loss: float
    what: str = "block"  # "block" (its skip remains), "layer" (a plain layer) or "mixed"

    @property
    def is_block(self) -> bool:
        return self.what == "block"


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
    result = check_graph(graph)
    candidates = list(nodes) if nodes is not None else lesion_candidates(graph, result)
    what = {n: lesion_kind(result.kinds.get(n) or graph.node(n).kind) for n in candidates}
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
            kinds = {what[n] for n in group}
            lesions.append(Lesion(group, *_measure(model, x, y, loss_fn),
                                  kinds.pop() if len(kinds) == 1 else "mixed"))
    counts = torch.bincount(y.cpu())
    chance = float(counts.max()) / len(y)
    return LesionStudy(*baseline, chance, tuple(lesions))


@torch.no_grad()
def _measure(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
             loss_fn: LossFunction) -> tuple[float, float]:
    was_training = model.training
    model.eval()
    try:
        scores = model(x)
        return float((scores.argmax(-1) == y).float().mean()), float(loss_fn(scores, y))
    finally:
        model.train(was_training)


def lesion_study_of_run(run_dir: str | os.PathLike[str], nodes: Sequence[str] | None = None
                        ) -> LesionStudy:
    """The lesion study of a finished run, read from its folder.

    The run's graph snapshot is built again and given its final weights; the
    validation examples are those it was measured on (the dataset comes from
    the same settings and seed). ``nodes`` limits the study to those blocks,
    e.g. the one a user switched off; a node that cannot be switched off is
    refused with the reason (ValueError), a folder without usable weights
    with RunRecordError.
    """
    from .plan import plan_run
    from .run_record import load_run

    record = load_run(run_dir)
    graph = record.project.graph
    result = check_graph(graph)
    candidates = lesion_candidates(graph, result)
    for node_id in nodes or ():
        if node_id not in result.reports:
            raise ValueError(f"{node_id} is not part of the network this run trained.")
        if node_id not in candidates:
            raise ValueError(
                f"{node_id} cannot be switched off without breaking the shapes: only blocks "
                "with a skip connection (residual, highway, transformer) and layers whose "
                "output has the shape of their input can.")
    model = build_model(graph, result)
    try:
        model.load_state_dict(record.weights())
    except RuntimeError:
        raise RunRecordError(f"The weights saved in {Path(run_dir).name} do not fit the "
                             "run's own graph.") from None
    dataset = plan_run(record.project, device="cpu").dataset
    return lesion_study(model, graph, dataset, nodes if nodes else candidates)
