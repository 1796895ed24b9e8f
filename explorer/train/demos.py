"""Running a demonstration headless: train its variants, then measure what it is about."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from explorer.graph import check_graph
from explorer.graph.demos import Demo
from explorer.graph.experiments import Variant, shared

from .experiments import VariantResult, run_experiment
from .lesions import LesionStudy, lesion_study
from .memory import MemoryReport, activation_memory
from .plan import plan_run


@dataclass
class DemoResult:
    demo: Demo
    results: list[VariantResult] = field(default_factory=list)
    lesions: dict[str, LesionStudy] = field(default_factory=dict)  # by variant label
    memory: dict[str, tuple[MemoryReport, MemoryReport]] = field(default_factory=dict)
    gradients: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


def run_demo(demo: Demo, *, out: str | os.PathLike[str] | None = None,
             on_start: Callable[[int, Variant], None] | None = None,
             threads: int | None = None, jobs: int = 1, **overrides: Any) -> DemoResult:
    """Train (or, for the memory demonstration, measure) every variant of ``demo``.

    ``threads`` and ``jobs`` as in ``run_experiment``; the memory demonstration
    measures its variants one after another (``jobs`` would only disturb the
    timings it reports).
    """
    outcome = DemoResult(demo)
    if demo.view == "memory":
        for index, variant in enumerate(demo.variants):
            if on_start is not None:
                on_start(index, variant)
            project = variant.project
            batch = overrides.get("batch_size", demo.settings.batch_size)
            outcome.memory[variant.label] = (
                activation_memory(project, checkpointing=False, batch_size=batch),
                activation_memory(project, checkpointing=True, batch_size=batch))
        return outcome
    outcome.results = run_experiment(demo.variants, demo.settings, out=out, on_start=on_start,
                                     keep_models=demo.view == "lesion", threads=threads,
                                     jobs=jobs, **overrides)
    for variant, result in zip(demo.variants, outcome.results, strict=True):
        if demo.view == "lesion" and result.model is not None:
            project = shared(variant, demo.settings.replace(**overrides))
            dataset = plan_run(project).dataset
            outcome.lesions[variant.label] = lesion_study(result.model, project.graph, dataset)
        if demo.view == "gradients" and result.curve:
            order = check_graph(variant.project.graph).order
            last = result.curve[-1].nodes
            norms = ((node, last[node].grad_norm) for node in order if node in last)
            outcome.gradients[variant.label] = [
                (node, norm) for node, norm in norms if norm is not None]
    return outcome
