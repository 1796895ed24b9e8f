"""Experiments as data: variants of a network to train the same way and compare.

A depth sweep is the classroom's basic experiment: the same task, the same
optimizer, seed and budget, and networks that differ only in their blocks
and their depth. Everything here is plain graphs and settings; the train
layer runs them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import recipes
from .project import Project, dumps, loads
from .settings import TrainingSettings

MLP_BLOCKS = ("plain", "residual", "highway")
CONV_BLOCKS = ("plain", "residual", "dense")
IMAGE_DATASETS = ("digits", "shapes", "stripes")


@dataclass(frozen=True)
class Variant:
    """One network of an experiment, with what sets it apart (``{"block": ..., "depth": ...}``)."""

    label: str
    project: Project
    tags: Mapping[str, Any] = field(default_factory=dict)


def shared(variant: Variant, settings: TrainingSettings) -> Project:
    """A copy of the variant's project that trains with the experiment's settings.

    Plain graph work (no torch), so the editor can prepare a run on its UI thread.
    """
    project = loads(dumps(variant.project))
    project.training = settings
    return project


def sweep_variants(
    blocks: Sequence[str],
    depths: Sequence[int],
    *,
    dataset: str = "spirals",
    width: int | None = None,
    activation: str = "relu",
    settings: TrainingSettings | None = None,
    features: int = 2,
    classes: int = 2,
) -> list[Variant]:
    """One variant per (block type, depth), all sharing ``settings`` (the budget and seed).

    Depth counts the layers with weights between input and classifier: a
    plain MLP of depth 20 has 20 Linear layers; a highway MLP has one plain
    layer then 19 highway layers; a residual MLP one plain layer then blocks
    of two layers each. On image datasets the blocks are convolutional:
    plain and residual follow the CIFAR ResNet (6n+2 layers), dense a small
    DenseNet with three blocks. ``features`` and ``classes`` size the MLPs'
    input and classifier for tables (iris: 4 and 3); images know their own.

    The residual MLP block is the one the papers stack deep: pre-activation
    with BatchNorm (He et al. 2016b) and its last layer starting at zero
    (Goyal et al. 2017), so every block starts as the identity. The original
    un-normalised post-activation block diverges at 49 layers with the
    sweep's SGD settings; this one trains as well at 49 layers as at 5 on
    every seed tried (benchmarks/bench_classroom.py).
    """
    family = "conv" if dataset in IMAGE_DATASETS else "mlp"
    allowed = CONV_BLOCKS if family == "conv" else MLP_BLOCKS
    unknown = [b for b in blocks if b not in allowed]
    if unknown:
        raise ValueError(f"unknown block type {unknown[0]!r} for {dataset}: choose from "
                         + ", ".join(allowed) + ".")
    bad = [d for d in depths if not 2 <= d <= 500]
    if bad:
        raise ValueError(f"depth {bad[0]} is outside 2 … 500.")
    settings = (settings or TrainingSettings()).replace(dataset=dataset)
    variants = []
    for block in blocks:
        for depth in depths:
            project, layers = _build(family, block, depth, width, activation, dataset,
                                     features, classes)
            project.training = settings.replace(dataset_options=settings.dataset_options)
            label = f"{block}, {layers} layers"
            project.name = label
            tags = {"block": block, "depth": layers}
            if layers != depth:  # the family cannot have exactly that many: say so
                tags["asked_depth"] = depth
            variants.append(Variant(label, project, tags))
    return variants


DEPTH_RULES = {
    ("mlp", "residual"): "a residual MLP has one plain layer and two per block (odd depths)",
    ("conv", "plain"): "the CIFAR ResNet and its plain twin have 6n+2 layers (8, 14, 20 …)",
    ("conv", "residual"): "the CIFAR ResNet and its plain twin have 6n+2 layers (8, 14, 20 …)",
    ("conv", "dense"): "the small DenseNet has 3n+4 layers (7, 10, 13 …)",
}


def depth_notes(variants: Sequence[Variant]) -> list[str]:
    """One sentence per variant built at another depth than asked, saying why."""
    notes = []
    for v in variants:
        if "asked_depth" in v.tags:
            family = "conv" if v.project.training.dataset in IMAGE_DATASETS else "mlp"
            rule = DEPTH_RULES.get((family, v.tags["block"]), "")
            notes.append(f"{v.tags['block']} at depth {v.tags['asked_depth']}: built "
                         f"{v.tags['depth']} layers, since {rule}.")
    return notes


def _build(family: str, block: str, depth: int, width: int | None, activation: str,
           dataset: str, features: int, classes: int) -> tuple[Project, int]:
    act = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "gelu": "GELU"}[activation]
    if family == "mlp":
        if block == "plain":
            return recipes.mlp(depth=depth, width=width or 71, activation=act,
                               features=features, classes=classes), depth
        if block == "highway":
            return recipes.highway_mlp(blocks=depth - 1, width=width or 50, activation=activation,
                                       features=features, classes=classes), depth
        blocks = max(1, (depth - 1) // 2)
        return recipes.residual_mlp(blocks=blocks, width=width or 64, activation=activation,
                                    features=features, classes=classes, order="pre",
                                    norm="batch", zero_init=True), 1 + 2 * blocks
    channels, size, classes = {"digits": (1, 8, 10), "shapes": (3, 32, 10),
                               "stripes": (1, 32, 4)}[dataset]
    if block == "dense":
        layers = max(1, round((depth - 4) / 3))
        return recipes.densenet(layers=layers, channels=channels, size=size,
                                classes=classes), 3 * layers + 4
    n = max(1, round((depth - 2) / 6))
    return recipes.resnet_cifar(n=n, plain=block == "plain", channels=channels, size=size,
                                classes=classes), 6 * n + 2
