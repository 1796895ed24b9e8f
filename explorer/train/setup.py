"""Turning a RunPlan into the live pieces of a run: model, optimizer, data, statistics."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from explorer.compiler import BuildError, CompiledNetwork, build_model, loss_for
from explorer.compiler.losses import LossFunction
from explorer.graph import ArchitectureGraph, check_graph

from .batches import ShuffledBatches, as_inputs, as_targets
from .checkpointing import checkpoint_blocks
from .environment import Precision
from .errors import TrainingFailed
from .evaluation import AccuracyCount, correct_count
from .flat import FlatParameters
from .init import initialise, with_zero_init_residuals
from .nodes import expanded_highway_gates, highway_gates, parameter_nodes
from .optim import make_optimizer
from .plan import RunPlan
from .stats import StatisticsCollector


@dataclass
class TrainingParts:
    """Everything the loop touches, built once per run."""

    graph: ArchitectureGraph
    model: CompiledNetwork
    flat: FlatParameters
    optimizer: torch.optim.Optimizer
    batches: ShuffledBatches
    x_val: torch.Tensor
    y_val: torch.Tensor
    loss_fn: LossFunction
    count_correct: AccuracyCount | None
    stats: StatisticsCollector
    precision: Precision
    device: torch.device
    input_id: str
    head_source: str  # the node whose output the head scores
    gates: dict[str, nn.Module]  # highway id -> its gate layer
    expanded_gates: dict[str, str]  # expanded highway id -> its gate node id
    order: list[str]  # node ids, topological

    @property
    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.model.parameters())


def build_parts(plan: RunPlan) -> TrainingParts:
    """Build the network (seeded), initialise it, move it and its data to the device."""
    settings, device = plan.settings, torch.device(plan.device)
    graph = plan.project().graph
    built_graph = with_zero_init_residuals(graph) if settings.zero_init_residual else graph
    result = check_graph(built_graph, batch_size=settings.batch_size)
    try:
        model = build_model(built_graph, result)
    except BuildError as error:
        raise TrainingFailed(f"The network could not be built: {error}",
                             getattr(error, "node_id", None)) from None
    # build_model refuses a graph without exactly one input and one output
    assert result.input_id is not None and result.output_id is not None
    initialise(model, settings.init)
    if settings.checkpointing:
        checkpoint_blocks(model, built_graph, model.node_names)
    model.to(device)
    model.train()
    flat = FlatParameters(list(model.named_parameters()))
    if flat.count == 0:
        raise TrainingFailed("The network has no weights to train: add a layer with weights "
                             "(Linear, Conv2d, ...) between the input and the output.")
    data = plan.dataset
    regression = data.task == "regression"
    batches = ShuffledBatches(as_inputs(data.x_train, device),
                              as_targets(data.y_train, regression, device),
                              settings.batch_size, settings.seed + 1)
    node_names = model.node_names
    return TrainingParts(
        graph=graph, model=model, flat=flat,
        optimizer=make_optimizer(flat.masters, settings),
        batches=batches,
        x_val=as_inputs(data.x_val, device), y_val=as_targets(data.y_val, regression, device),
        loss_fn=loss_for(model.output_kind),
        count_correct=correct_count(model.output_kind),
        stats=StatisticsCollector(flat, parameter_nodes(flat.names, node_names),
                                  settings.log_every, device),
        precision=Precision(settings, device), device=device,
        input_id=result.input_id,
        head_source=built_graph.in_edges(result.output_id)[0].src,
        gates=highway_gates(model, graph, node_names),
        expanded_gates=expanded_highway_gates(graph),
        order=list(result.order),
    )
