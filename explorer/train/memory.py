"""How much memory a network's activations take while waiting for the backward pass.

Every tensor autograd saves during the forward pass stays in memory until
backward uses it; for deep networks these saved activations, not the
weights, fill the memory. Counting them (``torch.autograd.graph.
saved_tensors_hooks``, each storage once) measures exactly what gradient
checkpointing saves, on any device, without the allocator's noise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from explorer.compiler import build_model, loss_for
from explorer.graph import Project

from .checkpointing import checkpoint_blocks
from .data import load_dataset


@dataclass(frozen=True)
class MemoryReport:
    checkpointing: bool
    batch_size: int
    saved_bytes: int  # activations kept for backward
    weight_bytes: int
    step_seconds: float  # one forward + backward, for the price of recomputing

    @property
    def saved_megabytes(self) -> float:
        return self.saved_bytes / 2**20


def activation_memory(project: Project, *, checkpointing: bool, batch_size: int | None = None,
                      seed: int = 0) -> MemoryReport:
    """Measure one training step of ``project`` (on the CPU) with or without checkpointing."""
    settings = project.training
    batch_size = batch_size or settings.batch_size
    data = load_dataset(settings.dataset, settings.dataset_options, seed=settings.seed,
                        val_fraction=settings.val_fraction)
    torch.manual_seed(seed)
    model = build_model(project.graph)
    if checkpointing:
        checkpoint_blocks(model, project.graph, model.node_names)
    x = torch.from_numpy(data.x_train[:batch_size])
    y = torch.from_numpy(data.y_train[:batch_size])
    seen: dict[tuple[int, int], int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        seen[(storage.data_ptr(), storage.nbytes())] = storage.nbytes()
        return tensor

    loss_fn = loss_for(model.output_kind)
    loss_fn(model(x), y).backward()  # warm up: the first step pays one-off costs
    started = time.perf_counter()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        loss = loss_fn(model(x), y)
    loss.backward()
    seconds = time.perf_counter() - started
    parameters = {id(p): p for p in model.parameters()}
    weights = sum(p.numel() * p.element_size() for p in parameters.values())
    weight_storages = {(p.untyped_storage().data_ptr(), p.untyped_storage().nbytes())
                       for p in parameters.values()}
    saved = sum(n for key, n in seen.items() if key not in weight_storages)
    return MemoryReport(checkpointing, len(x), saved, weights, seconds)
