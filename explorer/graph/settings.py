"""Training settings saved with a project: plain data, checked like node parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import ParamError
from .params import Param, validate_params

SETTINGS_PARAMS: tuple[Param, ...] = (
    Param("dataset", str, "spirals", "Name of the dataset to train on"),
    Param("optimizer", str, "adam", "How weights are updated", choices=("sgd", "adam", "adamw")),
    Param("lr", float, 1e-3, "Learning rate", min=1e-8, max=10),
    Param("momentum", float, 0.9, "SGD momentum", min=0, max=0.999),
    Param("weight_decay", float, 0.0, "L2 penalty on the weights", min=0, max=1),
    Param("schedule", str, "constant", "How the learning rate changes over the run",
          choices=("constant", "step", "exponential", "cosine")),
    Param("decay_every", int, 1000, "Steps between learning-rate decays (step and exponential)",
          min=1, max=10_000_000),
    Param("gamma", float, 0.5, "Factor the learning rate is multiplied by at each decay",
          min=0.001, max=1),
    Param("warmup_steps", int, 0, "Steps over which the learning rate ramps up from 0",
          min=0, max=10_000_000),
    Param("batch_size", int, 64, "Examples per step", min=1, max=1_000_000),
    Param("steps", int, 1000, "Optimizer steps to train (unless epochs is set)", min=1,
          max=100_000_000),
    Param("epochs", int, 0, "Passes over the training data", min=0, max=1_000_000,
          special={0: "use steps"}),
    Param("grad_clip", float, 0.0, "Largest gradient norm allowed", min=0, max=1e6,
          special={0: "off"}),
    Param("init", str, "default", "How weights start", choices=("default", "he", "glorot")),
    Param("zero_init_residual", bool, False,
          "Start every residual branch at zero, so each block starts as the identity"),
    Param("seed", int, 0, "Random seed: same seed, same run", min=0, max=2**31 - 1),
    Param("deterministic", bool, False, "Use only deterministic kernels (slower)"),
    Param("device", str, "auto", "Where to train: auto, cpu, cuda, cuda:N or mps"),
    Param("precision", str, "fp32", "amp: mixed precision on CUDA", choices=("fp32", "amp")),
    Param("log_every", int, 10, "Steps between statistics records", min=1, max=1_000_000),
    Param("val_fraction", float, 0.2, "Share of the data held out for validation",
          min=0, max=0.9),
    Param("checkpointing", bool, False, "Recompute block activations in backward to save memory"),
)


@dataclass(frozen=True)
class TrainingSettings:
    """How a project trains. ``dataset_options`` are checked by the dataset itself."""

    dataset: str = "spirals"
    dataset_options: Mapping[str, Any] = field(default_factory=dict)
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "constant"
    decay_every: int = 1000
    gamma: float = 0.5
    warmup_steps: int = 0
    batch_size: int = 64
    steps: int = 1000
    epochs: int = 0
    grad_clip: float = 0.0
    init: str = "default"
    zero_init_residual: bool = False
    seed: int = 0
    deterministic: bool = False
    device: str = "auto"
    precision: str = "fp32"
    log_every: int = 10
    val_fraction: float = 0.2
    checkpointing: bool = False

    @classmethod
    def from_dict(cls, values: Mapping[str, Any] | None) -> TrainingSettings:
        """Check every value (unknown names, types, ranges) and fill in defaults."""
        values = dict(values or {})
        options = values.pop("dataset_options", {})
        if not isinstance(options, Mapping):
            raise ParamError(f"'dataset_options' must be an object, got {options!r}.")
        checked = validate_params(SETTINGS_PARAMS, values)
        return cls(dataset_options=dict(options), **checked)

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["dataset_options"] = dict(self.dataset_options)
        return data

    def replace(self, **changes: Any) -> TrainingSettings:
        return TrainingSettings.from_dict({**self.to_dict(), **changes})

