"""Everything a run needs, resolved and checked before any computation starts.

``plan_run(project, lr=0.01, ...)`` applies overrides to the project's
training settings, checks the graph, loads the dataset, checks that the two
fit, that the batch fits in the data and that the device is there, and
returns a ``RunPlan``: a picklable snapshot (the project text, the settings,
the data) that the run process trains from. Every problem is a SetupError
naming what is wrong, raised before anything heavy happens.
"""

from __future__ import annotations

import math
import platform
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np
import torch

from explorer.graph import ParamError, Project, check_graph, project
from explorer.graph.settings import TrainingSettings

from .cores import default_threads
from .data import Dataset, DatasetError, check_against, load_dataset
from .device import resolve_device
from .errors import SetupError

MAX_VALIDATIONS = 20  # the validation set is evaluated at most this often per run (and at the end)


@dataclass(frozen=True)
class RunPlan:
    """A run, fully resolved: what to train, on what data, where, for how many steps."""

    project_text: str  # the exact project (graph and effective settings) being trained
    settings: TrainingSettings
    dataset: Dataset
    device: str  # resolved: "cpu", "cuda:0", "mps"
    total_steps: int
    steps_per_epoch: int
    val_every: int
    name: str = ""
    threads: int = 1  # CPU threads the run computes with (same seed, same threads: same run)

    def project(self) -> Project:
        return project.loads(self.project_text)

    def config(self) -> dict[str, Any]:
        """The full resolved configuration, as written to a run's config.json."""
        s, data = self.settings, self.dataset
        return {
            "name": self.name,
            "settings": s.to_dict(),
            "seed": s.seed,
            "device": self.device,
            "threads": self.threads,
            "precision": s.precision,
            "deterministic": s.deterministic,
            "total_steps": self.total_steps,
            "steps_per_epoch": self.steps_per_epoch,
            "epochs": round(self.total_steps / self.steps_per_epoch, 3),
            "log_every": s.log_every,
            "val_every": self.val_every,
            "dataset": {
                "name": data.name,
                "options": dict(data.options),
                "task": data.task,
                "classes": data.classes,
                "train_examples": data.n_train,
                "val_examples": data.n_val,
                "input_shape": list(data.input_spec.shape),
                "target_shape": list(data.target_shape),
            },
            "versions": versions(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }


def versions() -> dict[str, str]:
    from importlib import metadata

    try:
        ours = metadata.version("architecture-explorer")
    except metadata.PackageNotFoundError:
        ours = "unknown"
    return {"python": platform.python_version(), "torch": torch.__version__,
            "numpy": np.__version__, "architecture_explorer": ours}


def effective_settings(base: TrainingSettings, overrides: dict[str, Any]) -> TrainingSettings:
    """The project's settings with ``overrides`` applied (None values ignored), checked."""
    changes = {k: v for k, v in overrides.items() if v is not None}
    if "dataset" in changes and changes["dataset"] != base.dataset \
            and "dataset_options" not in changes:
        changes["dataset_options"] = {}  # the old dataset's options mean nothing to the new one
    if "steps" in changes and "epochs" not in changes:
        changes["epochs"] = 0  # asking for steps means steps, not the project's epochs
    try:
        return base.replace(**changes)
    except ParamError as error:
        raise SetupError(_sentence(str(error).replace("parameter ", "setting ", 1))) from None


def plan_run(source: Project, *, threads: int | None = None, **overrides: Any) -> RunPlan:
    """Resolve and check a run of ``source`` with the given setting overrides.

    ``threads``: CPU threads to train with (default: every core but one).
    """
    if threads is not None and threads < 1:
        raise SetupError(f"A run needs at least one CPU thread, not {threads}.",
                         "Leave --threads out to use every core but one.")
    settings = effective_settings(source.training, overrides)
    graph = source.graph
    result = check_graph(graph, batch_size=settings.batch_size)
    if result.errors:
        first = result.errors[0]
        more = len(result.errors) - 1
        raise SetupError(
            f"The network cannot be trained yet: {_sentence(str(first))}"
            + (f" ({more} more problem{'s' if more > 1 else ''}.)" if more else ""),
            "Fix it in the editor, or see them all with the check command.", graph_errors=True)
    device = resolve_device(settings.device)
    if settings.precision == "amp" and device.type != "cuda":
        raise SetupError(f"Mixed precision (amp) runs only on a CUDA GPU, but this run would "
                         f"train on {device.type}.", "Set precision to fp32.")
    try:
        dataset = load_dataset(settings.dataset, settings.dataset_options, seed=settings.seed,
                               val_fraction=settings.val_fraction)
    except DatasetError as error:
        raise SetupError(error.message) from None
    problems = check_against(dataset, result)
    if problems:
        raise SetupError(f"The network does not fit the dataset. {problems[0]}"
                         + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    if settings.batch_size > dataset.n_train:
        held = (f" after holding out {settings.val_fraction:.0%} for validation"
                if dataset.n_val else "")
        raise SetupError(f"The batch size ({settings.batch_size}) is larger than the training "
                         f"data ({dataset.n_train} examples{held}).",
                         f"Use a batch size of {dataset.n_train} or less.")
    steps_per_epoch = dataset.n_train // settings.batch_size
    total = settings.epochs * steps_per_epoch if settings.epochs else settings.steps
    snapshot = Project(graph, settings, source.name, source.description, source.notes)
    return RunPlan(project.dumps(snapshot), settings, dataset, _device_text(device), total,
                   steps_per_epoch, validation_interval(total, settings.log_every), source.name,
                   threads or default_threads())


def validation_interval(total_steps: int, log_every: int) -> int:
    """Validate on logged steps only, at most MAX_VALIDATIONS times (plus the last step)."""
    per = math.ceil(total_steps / MAX_VALIDATIONS / log_every)
    return max(1, per) * log_every


def _device_text(device: torch.device) -> str:
    return device.type if device.index is None else f"{device.type}:{device.index}"


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[0].upper() + text[1:] if text else text
    return text if text.endswith((".", "!", "?")) else text + "."
