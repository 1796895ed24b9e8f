"""The loss each output head trains with: cross-entropy for classes, MSE for numbers."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from explorer.graph.specs import format_shape

LossFunction = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def classification_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over the last axis: scores N×K with classes N, or N×T×K with N×T."""
    _expect(target.shape == logits.shape[:-1], "class labels", logits, target,
            "one class number per example (or per token)")
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1).long())


def regression_loss(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error; a target of N numbers fits a prediction of N×1."""
    _expect(target.numel() == prediction.numel(), "targets", prediction, target,
            "as many numbers as the network predicts")
    return F.mse_loss(prediction, target.reshape(prediction.shape).to(prediction.dtype))


def segmentation_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-pixel cross-entropy: scores N×K×H×W against class maps N×H×W."""
    _expect(logits.dim() == 4 and target.shape == logits.shape[:1] + logits.shape[2:],
            "class maps", logits, target, "one class number per pixel")
    return F.cross_entropy(logits, target.long())


LOSSES: dict[str, LossFunction] = {
    "ClassificationOutput": classification_loss,
    "RegressionOutput": regression_loss,
    "SegmentationOutput": segmentation_loss,
}


def loss_for(output_kind: str) -> LossFunction:
    """The loss function (scores or predictions, target) -> scalar for an output head."""
    try:
        return LOSSES[output_kind]
    except KeyError:
        known = ", ".join(LOSSES)
        raise ValueError(f"{output_kind!r} is not an output head; expected one of {known}.") \
            from None


def _expect(ok: bool, what: str, output: torch.Tensor, target: torch.Tensor,
            wanted: str) -> None:
    if not ok:
        raise ValueError(
            f"The {what} ({format_shape(tuple(target.shape))}) do not fit the network's output "
            f"({format_shape(tuple(output.shape))}): expected {wanted}.")
