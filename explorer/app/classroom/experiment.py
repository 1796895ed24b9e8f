"""An experiment as the editor shows it: what to train, and how each variant is doing.

``Experiment`` is the recipe (variants, the settings they all share, what
to look at, and for a demonstration the words to read out); ``VariantRun``
is one variant's progress and results in the editor: its status, the live
numbers of its run, and the lesion study or memory measurement made after
it. Final figures follow ``explorer.train.experiments.VariantResult``, so
the table on screen and the saved results.csv agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from explorer.graph import Project, TrainingSettings, check_graph
from explorer.graph.demos import Demo
from explorer.graph.experiments import Variant, shared

from ..runs.buffers import RunBuffers

if TYPE_CHECKING:
    from explorer.train.lesions import LesionStudy
    from explorer.train.memory import MemoryReport

# One colour per variant, the same in the table, the curves and the side-by-side panels.
VARIANT_COLOURS = ("#2f6fe4", "#e0792b", "#2fa37a", "#c2559b", "#8d6cd9", "#8a9a2b",
                   "#d93a35", "#3aa8bf", "#b0703a", "#5f6673", "#e3b505", "#1f4e9c")

WAITING, STARTING, RUNNING, DONE, STOPPED, FAILED, SKIPPED = (
    "waiting", "starting", "running", "done", "stopped", "failed", "not run")
FINISHED = (DONE, STOPPED, FAILED, SKIPPED)

OPTIMIZER_WORDS = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW"}


def variant_colour(index: int) -> str:
    return VARIANT_COLOURS[index % len(VARIANT_COLOURS)]


@dataclass(frozen=True)
class Experiment:
    """Variants to train the same way, and what to show about them."""

    title: str
    variants: tuple[Variant, ...]
    settings: TrainingSettings
    view: str = "loss"  # loss, gradients, lesion or memory (explorer.graph.demos.VIEWS)
    summary: str = ""
    explanation: str = ""
    paper: str = ""
    name: str = ""  # the demonstration's name, when it is one

    @classmethod
    def from_demo(cls, demo: Demo) -> Experiment:
        return cls(demo.title, tuple(demo.variants), demo.settings, demo.view, demo.summary,
                   demo.explanation, demo.paper, demo.name)

    def with_steps(self, steps: int) -> Experiment:
        """The same experiment with another budget (every variant gets ``steps`` steps)."""
        settings = self.settings.replace(steps=steps, epochs=0)
        return Experiment(self.title, self.variants, settings, self.view, self.summary,
                          self.explanation, self.paper, self.name)

    def project_for(self, index: int) -> Project:
        """Variant ``index`` as a project that trains with the experiment's settings."""
        variant = self.variants[index]
        project = shared(variant, self.settings)
        project.name = variant.label
        return project

    def describe_settings(self) -> str:
        """One line about what every variant shares: data, optimizer, batch, budget, seed."""
        s = self.settings
        if self.view == "memory":
            return f"Activations measured for one step of a batch of {s.batch_size}."
        optimizer = OPTIMIZER_WORDS.get(s.optimizer, s.optimizer)
        if s.optimizer == "sgd" and s.momentum:
            optimizer += f" with momentum {s.momentum:g}"
        length = f"{s.epochs:,} epochs" if s.epochs else f"{s.steps:,} steps"
        return (f"Every variant: {s.dataset} · {optimizer}, learning rate {s.lr:g} · "
                f"batch {s.batch_size} · {length} · seed {s.seed}")


@dataclass(eq=False)
class VariantRun:
    """One variant in the editor: its status, its live numbers, what was measured after."""

    variant: Variant
    colour: str
    parameters: int
    status: str = WAITING
    reason: str = ""  # why it failed or was not run, in plain words
    step: int = 0
    total_steps: int = 0
    seconds: float = 0.0
    run_dir: Path | None = None
    buffers: RunBuffers = field(default_factory=RunBuffers)
    lesion: LesionStudy | None = None  # in a lesion experiment
    memory: tuple[MemoryReport, MemoryReport] | None = None  # without, with checkpointing
    analysis_error: str = ""  # why the lesion study or measurement could not be made

    @classmethod
    def of(cls, variant: Variant, index: int) -> VariantRun:
        return cls(variant, variant_colour(index), check_graph(variant.project.graph).total_params)

    @property
    def label(self) -> str:
        return self.variant.label

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def fraction(self) -> float:
        """How far the run is, 0 … 1."""
        return min(1.0, self.step / self.total_steps) if self.total_steps else 0.0

    def status_text(self) -> str:
        if self.status == RUNNING:  # a measurement has no steps
            return f"running · {self.fraction:.0%}" if self.total_steps else "measuring…"
        if self.status == STARTING:
            return "starting…"
        return self.status

    # -- final figures (as VariantResult computes them) ------------------------------------

    @property
    def final_train_loss(self) -> float | None:
        """The mean training loss over the last tenth of the logged steps (less noisy)."""
        losses = self.buffers.curves["train_loss"].y
        if not len(losses):
            return None
        tail = losses[-max(1, len(losses) // 10):]
        return float(tail.mean())

    @property
    def final_val_loss(self) -> float | None:
        return _last(self.buffers.curves["val_loss"].y)

    @property
    def final_val_accuracy(self) -> float | None:
        return _last(self.buffers.curves["val_accuracy"].y)


def _last(values) -> float | None:
    return float(values[-1]) if len(values) else None


def format_loss(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.4f}" if math.isfinite(value) else "not a number"


def format_accuracy(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{100 * value:.1f}%"


def format_seconds(seconds: float) -> str:
    if seconds <= 0:
        return "—"
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"
