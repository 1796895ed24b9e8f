"""Optimizers and learning-rate schedules, as the training settings name them.

The schedule is a plain function of the step, written into the optimizer's
param groups before each step: easy to read, to plot ahead of a run, and to
test, with nothing hidden in a scheduler object's state.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch

from explorer.graph import TrainingSettings


def make_optimizer(params: Iterable[torch.Tensor], settings: TrainingSettings
                   ) -> torch.optim.Optimizer:
    """SGD with momentum, Adam or AdamW with the settings' learning rate and weight decay."""
    params = list(params)
    name = settings.optimizer
    if name == "sgd":
        return torch.optim.SGD(params, lr=settings.lr, momentum=settings.momentum,
                               weight_decay=settings.weight_decay)
    if name == "adam":
        return torch.optim.Adam(params, lr=settings.lr, weight_decay=settings.weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=settings.lr, weight_decay=settings.weight_decay)
    raise ValueError(f"unknown optimizer {name!r}")  # TrainingSettings rules this out


def learning_rate(settings: TrainingSettings, step: int, total_steps: int) -> float:
    """The learning rate for optimizer step ``step`` (1 = the first step) of ``total_steps``.

    Warm-up ramps linearly from lr/warmup to lr over the first ``warmup_steps``
    steps; the schedule then counts its steps from the end of the warm-up:
    ``step`` multiplies by gamma every ``decay_every`` steps, ``exponential``
    does the same smoothly, ``cosine`` falls from lr to 0 at the last step.
    """
    base, warmup = settings.lr, settings.warmup_steps
    if step <= warmup:
        return base * step / warmup
    done = step - warmup - 1  # steps of the schedule already taken
    schedule = settings.schedule
    if schedule == "constant":
        return base
    if schedule == "step":
        return base * settings.gamma ** (done // settings.decay_every)
    if schedule == "exponential":
        return base * settings.gamma ** (done / settings.decay_every)
    if schedule == "cosine":
        span = max(1, total_steps - warmup - 1)
        return base * 0.5 * (1 + math.cos(math.pi * min(done, span) / span))
    raise ValueError(f"unknown schedule {schedule!r}")  # TrainingSettings rules this out


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr
