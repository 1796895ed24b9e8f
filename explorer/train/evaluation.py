"""Accuracy of a batch, and the loss and accuracy on a whole held-out set."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import torch
from torch import nn

from explorer.compiler.losses import LossFunction

from .batches import chunks

AccuracyCount = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def correct_count(output_kind: str) -> AccuracyCount | None:
    """``(scores, targets) -> number right`` (a 0-d tensor) for a head, or None for regression.

    Classification scores are N×K (or N×T×K per token): classes on the last
    axis. Segmentation scores are N×K×H×W: classes on axis 1.
    """
    if output_kind == "ClassificationOutput":
        return lambda scores, target: (scores.argmax(-1) == target).sum()
    if output_kind == "SegmentationOutput":
        return lambda scores, target: (scores.argmax(1) == target).sum()
    return None


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
             loss_fn: LossFunction, count: AccuracyCount | None, chunk: int,
             autocast: Callable[[], AbstractContextManager[None]]
             ) -> tuple[float, float | None]:
    """Mean loss and accuracy over (x, y), in eval mode, in chunks of ``chunk`` examples."""
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), dtype=torch.float64, device=x.device)
    right = torch.zeros((), dtype=torch.float64, device=x.device)
    try:
        for xb, yb in chunks(x, y, chunk):
            with autocast():
                scores = model(xb)
                loss_sum += loss_fn(scores, yb).double() * len(xb)
            if count is not None:
                right += count(scores, yb)
    finally:
        model.train(was_training)
    totals = torch.stack([loss_sum, right]).cpu()
    loss = float(totals[0]) / len(x)
    accuracy = float(totals[1]) / y.numel() if count is not None else None
    return loss, accuracy
