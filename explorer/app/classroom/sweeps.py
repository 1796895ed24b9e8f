"""A depth sweep as the editor builds it: what the teacher asked for, and the experiment it makes.

The training settings are the demonstrations' own, tuned so depth shows
its effect in minutes on a laptop: SGD with momentum, a warm-up and a
cosine decay and He initialisation for the fully connected networks (as
the highway demonstration), the CIFAR ResNet recipe for images (as the
degradation demonstration). Every variant shares them.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.graph import TrainingSettings
from explorer.graph.demos import DEEP_MLP, degradation
from explorer.graph.experiments import (
    CONV_BLOCKS,
    IMAGE_DATASETS,
    MLP_BLOCKS,
)

from .experiment import Experiment

MIN_DEPTH, MAX_DEPTH = 2, 500
MAX_VARIANTS = 24
CURVE_POINTS = 60  # about how many logged steps each curve gets

SWEEP_EXPLANATION = (
    "Every network learns the same data with the same seed, optimizer and number of steps; "
    "they differ only in their blocks and their depth. Watch how the plain networks fare as "
    "they deepen, and whether skip connections let the deep ones train.")


def blocks_for(dataset: str) -> tuple[str, ...]:
    """The block types a sweep offers on ``dataset``: convolutional ones for images."""
    return CONV_BLOCKS if dataset in IMAGE_DATASETS else MLP_BLOCKS


def parse_depths(text: str) -> tuple[int, ...]:
    """'5, 10, 20' -> (5, 10, 20); ValueError with a plain reason for anything else."""
    parts = [part.strip() for part in text.replace(";", ",").split(",")]
    parts = [part for part in parts if part]
    if not parts:
        raise ValueError("Give at least one depth, e.g. 5, 10, 20.")
    depths: list[int] = []
    for part in parts:
        try:
            depth = int(part)
        except ValueError:
            raise ValueError(f"“{part}” is not a whole number of layers.") from None
        if not MIN_DEPTH <= depth <= MAX_DEPTH:
            raise ValueError(f"A depth of {depth} is outside {MIN_DEPTH} … {MAX_DEPTH} layers.")
        if depth not in depths:
            depths.append(depth)
    return tuple(depths)


@dataclass(frozen=True)
class SweepRequest:
    """What the sweep dialog asks for."""

    blocks: tuple[str, ...]
    depths: tuple[int, ...]
    dataset: str = "spirals"
    width: int | None = None  # None: the papers' widths (71 plain, 50 highway, 64 residual)
    activation: str = "relu"
    steps: int = 1500
    seed: int = 0

    @property
    def variant_count(self) -> int:
        return len(self.blocks) * len(self.depths)

    def problem(self) -> str | None:
        """Why this sweep cannot be built, or None."""
        if not self.blocks:
            return "Tick at least one block type."
        if not self.depths:
            return "Give at least one depth, e.g. 5, 10, 20."
        if self.variant_count > MAX_VARIANTS:
            return (f"That is {self.variant_count} networks to train; choose at most "
                    f"{MAX_VARIANTS} (fewer block types or depths).")
        return None

    def settings(self) -> TrainingSettings:
        base = degradation().settings if self.dataset in IMAGE_DATASETS else DEEP_MLP
        return base.replace(dataset=self.dataset, dataset_options={}, steps=self.steps,
                            epochs=0, seed=self.seed, warmup_steps=min(base.warmup_steps,
                                                                       self.steps // 5),
                            log_every=max(1, self.steps // CURVE_POINTS))

    def title(self) -> str:
        return (f"Depth sweep on {self.dataset}: {', '.join(self.blocks)} at "
                f"{', '.join(str(d) for d in self.depths)} layers")


def build_sweep(request: SweepRequest) -> Experiment:
    """The sweep's experiment (on a worker thread: a table's sizes come from its data)."""
    from explorer.train.experiments import sized_sweep

    settings = request.settings()
    variants = sized_sweep(request.blocks, request.depths, dataset=request.dataset,
                           seed=request.seed, width=request.width,
                           activation=request.activation, settings=settings)
    return Experiment(request.title(), tuple(variants), settings, "loss",
                      f"{len(variants)} networks, {request.steps:,} steps each.",
                      SWEEP_EXPLANATION)
