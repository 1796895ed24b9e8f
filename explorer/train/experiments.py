"""Run an experiment: every variant trained the same way, then compared.

Each variant keeps its own network but takes the experiment's training
settings (dataset, seed, optimizer, budget), so differences in the results
come from the architecture alone. The results hold the curves and the final
figures, and write to two CSV files (one row per variant, one row per
logged step) that any spreadsheet opens. Variants train one after another,
or several at once in processes of their own (``jobs``, see parallel.py)
with the same results.
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from explorer.graph import TrainingSettings, check_graph
from explorer.graph.experiments import IMAGE_DATASETS, Variant, shared, sweep_variants

from .callbacks import Callback
from .cores import default_threads
from .parallel import (
    CurveRecorder,
    Outcome,
    Task,
    experiment_trainer,
    rebuild_model,
    run_tasks,
    threads_per_job,
)
from .plan import plan_run
from .records import StepRecord

RESULT_COLUMNS = ("label", "block", "depth", "parameters", "status", "steps",
                  "final_train_loss", "final_val_loss", "final_val_accuracy", "seconds",
                  "reason", "run_dir")
CURVE_COLUMNS = ("label", "step", "train_loss", "val_loss", "val_accuracy", "grad_norm")


@dataclass(frozen=True)
class VariantResult:
    label: str
    tags: dict[str, Any]
    parameters: int
    status: str  # done, stopped or failed
    reason: str
    steps: int
    seconds: float
    curve: tuple[StepRecord, ...]
    run_dir: str | None = None
    model: Any = field(default=None, repr=False, compare=False)  # the trained module

    @property
    def final_train_loss(self) -> float | None:
        """The mean training loss over the last tenth of the logged steps (less noisy than one)."""
        tail = self.curve[-max(1, len(self.curve) // 10):]
        losses = [r.train_loss for r in tail if r.train_loss is not None]
        return sum(losses) / len(losses) if losses else None

    @property
    def final_val_loss(self) -> float | None:
        return next((r.val_loss for r in reversed(self.curve) if r.val_loss is not None), None)

    @property
    def final_val_accuracy(self) -> float | None:
        return next((r.val_accuracy for r in reversed(self.curve)
                     if r.val_accuracy is not None), None)

    def row(self) -> dict[str, Any]:
        return {"label": self.label, "block": self.tags.get("block", ""),
                "depth": self.tags.get("depth", ""), "parameters": self.parameters,
                "status": self.status, "steps": self.steps,
                "final_train_loss": self.final_train_loss,
                "final_val_loss": self.final_val_loss,
                "final_val_accuracy": self.final_val_accuracy,
                "seconds": round(self.seconds, 2), "reason": self.reason,
                "run_dir": self.run_dir or ""}


def sized_sweep(blocks: Sequence[str], depths: Sequence[int], *, dataset: str = "spirals",
                seed: int = 0, **options: Any) -> list[Variant]:
    """``sweep_variants`` with the MLPs' input and classifier sized from the data (a table's
    features and classes: iris has 4 and 3); image networks know their own sizes."""
    if dataset not in IMAGE_DATASETS:
        from .data import load_dataset

        data = load_dataset(dataset, {}, seed=seed)
        options = {**options, "features": data.input_spec.shape[0],
                   "classes": data.classes or 2}
    return sweep_variants(blocks, depths, dataset=dataset, **options)


def run_experiment(
    variants: Sequence[Variant],
    settings: TrainingSettings | None = None,
    *,
    out: str | os.PathLike[str] | None = None,
    keep_models: bool = False,
    on_start: Callable[[int, Variant], None] | None = None,
    callbacks: Callable[[Variant], Sequence[Callback]] | None = None,
    threads: int | None = None,
    jobs: int = 1,
    **overrides: Any,
) -> list[VariantResult]:
    """Train every variant with the same settings (the first variant's, unless given).

    Each variant is checked before any of them trains, so a bad one stops the
    experiment at once (SetupError) rather than after an hour. A run that
    fails while training (a NaN, say) is a result like any other.

    ``threads`` is the total number of CPU threads (default: every core but
    one); ``jobs`` variants train at once, in processes of their own, and share
    them: each trains with ``threads // jobs`` (at least one). The results are
    those of training one after another with that many threads each, in the
    variants' order. With ``jobs > 1``: ``on_start`` is called here as each
    variant is handed to a worker; ``callbacks`` are refused (they would run in
    the worker, out of the caller's reach); a worker that is killed makes its
    variant a failed result; ``keep_models`` models come back as weights and
    are built again here.
    """
    if not variants:
        raise ValueError("an experiment needs at least one variant")
    if jobs < 1:
        raise ValueError(f"an experiment needs at least one job, not {jobs}")
    jobs = min(jobs, len(variants))
    if jobs > 1 and callbacks is not None:
        raise ValueError("per-variant callbacks cannot be used with jobs > 1: each variant "
                         "trains in a process of its own, where the callbacks would not "
                         "reach the caller; use jobs=1 to watch the runs")
    base = (settings or variants[0].project.training).replace(**overrides)
    per_job = threads_per_job(threads or default_threads(), jobs)
    # Every problem shows up before anything trains.
    plans = [plan_run(shared(v, base), threads=per_job) for v in variants]
    folder = str(out) if out is not None else None
    tasks = [Task(i, v.label, plan, folder, jobs, keep_models)
             for i, (v, plan) in enumerate(zip(variants, plans, strict=True))]
    if jobs == 1:
        outcomes, models = _one_after_another(tasks, variants, on_start, callbacks)
    else:
        def started(task: Task) -> None:
            if on_start is not None:
                on_start(task.index, variants[task.index])
        outcomes = run_tasks(tasks, jobs, started)
        models = [rebuild_model(t.plan, o.weights) if o.weights is not None else None
                  for t, o in zip(tasks, outcomes, strict=True)]
    return [VariantResult(v.label, dict(v.tags), check_graph(v.project.graph).total_params,
                          o.status, o.reason, o.steps, o.seconds, o.curve, o.run_dir, model)
            for v, t, o, model in zip(variants, tasks, outcomes, models, strict=True)]


def _one_after_another(
    tasks: Sequence[Task], variants: Sequence[Variant],
    on_start: Callable[[int, Variant], None] | None,
    callbacks: Callable[[Variant], Sequence[Callback]] | None,
) -> tuple[list[Outcome], list[Any]]:
    """Train each task here, in turn, with the caller's callbacks; models kept as trained."""
    outcomes, models = [], []
    for task, variant in zip(tasks, variants, strict=True):
        if on_start is not None:
            on_start(task.index, variant)
        curve = CurveRecorder()
        extra = list(callbacks(variant)) if callbacks else []
        trainer = experiment_trainer(task, [curve, *extra])
        started = time.perf_counter()
        ended = trainer.run()
        outcomes.append(Outcome(task.index, ended.status, ended.reason, ended.step,
                                time.perf_counter() - started, tuple(curve.records),
                                ended.run_dir))
        models.append(trainer.model if task.keep_model else None)
    return outcomes, models


def write_results(results: Sequence[VariantResult],
                  folder: str | os.PathLike[str]) -> tuple[Path, Path]:
    """results.csv (one row per variant) and curves.csv (one row per logged step)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    table, curves = folder / "results.csv", folder / "curves.csv"
    with table.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, RESULT_COLUMNS)
        writer.writeheader()
        writer.writerows(r.row() for r in results)
    with curves.open("w", newline="", encoding="utf-8") as f:
        lines = csv.writer(f)
        lines.writerow(CURVE_COLUMNS)
        for result in results:
            for r in result.curve:
                lines.writerow([result.label, r.step, r.train_loss, r.val_loss,
                                 r.val_accuracy, r.grad_norm])
    return table, curves
