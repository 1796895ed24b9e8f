"""The small records a run streams to its listeners: plain values only, so they pickle cheaply.

A run emits ``RunStarted`` once, ``Progress`` a few times a second,
``StepRecord`` every ``log_every`` steps (with the per-node statistics),
``StateChanged`` when paused or resumed, and ``RunEnded`` last. No tensors
travel: everything is a float, an int, a string or a dict of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, Literal

Status = Literal["done", "stopped", "failed"]
RunState = Literal["running", "paused"]


@dataclass(frozen=True)
class NodeStats:
    """What one graph node did on a logged step; None where it does not apply.

    ``grad_norm`` is the L2 norm of the node's parameter gradients, averaged
    over every step since the previous record; the others describe the
    logged step itself: mean and largest |gradient| element, the weights'
    L2 norm after the update, ‖update‖/‖weights‖, the mean and standard
    deviation of the node's output, and for a highway block the mean of
    its transform gate T(x) (1 = all transform, 0 = all carry).
    """

    grad_norm: float | None = None
    grad_mean_abs: float | None = None
    grad_max_abs: float | None = None
    weight_norm: float | None = None
    update_ratio: float | None = None
    act_mean: float | None = None
    act_std: float | None = None
    gate_mean: float | None = None

    def to_json(self) -> dict[str, float | None]:
        """The statistics present, NaN and infinity written as null (JSON has neither)."""
        values = ((name, getattr(self, name)) for name in _NODE_FIELDS)
        return {name: (v if -math.inf < v < math.inf else None)
                for name, v in values if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NodeStats:
        return cls(**{k: _float_or_none(v) for k, v in data.items() if k in _NODE_FIELDS})


_NODE_FIELDS = tuple(f.name for f in fields(NodeStats))


@dataclass(frozen=True)
class StepRecord:
    """One logged step: the scalar curves and the per-node statistics keyed by node id."""

    step: int
    epoch: int
    lr: float
    elapsed: float  # seconds since training began
    train_loss: float  # mean over the steps since the previous record
    train_accuracy: float | None = None  # likewise; None for regression
    val_loss: float | None = None  # only on steps where the validation set was evaluated
    val_accuracy: float | None = None
    grad_norm: float | None = None  # the whole network's gradient norm, averaged like train_loss
    nodes: dict[str, NodeStats] = field(default_factory=dict)

    SCALARS = ("step", "epoch", "lr", "elapsed", "train_loss", "train_accuracy", "val_loss",
               "val_accuracy", "grad_norm")

    def scalars(self) -> dict[str, float | int | None]:
        return {name: getattr(self, name) for name in self.SCALARS}

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {k: json_number(v) for k, v in self.scalars().items()
                                if v is not None}
        data["nodes"] = {node_id: s.to_json() for node_id, s in self.nodes.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepRecord:
        values = {k: _float_or_none(data.get(k)) for k in cls.SCALARS[2:]}
        nodes = {str(k): NodeStats.from_json(v) for k, v in (data.get("nodes") or {}).items()
                 if isinstance(v, dict)}
        return cls(step=int(data["step"]), epoch=int(data.get("epoch", 0)),
                   lr=values.pop("lr") or 0.0, elapsed=values.pop("elapsed") or 0.0,
                   train_loss=_nan_if_none(values.pop("train_loss")), nodes=nodes, **values)


@dataclass(frozen=True)
class RunStarted:
    run_dir: str | None
    total_steps: int
    config: dict[str, Any]


@dataclass(frozen=True)
class Progress:
    """A heartbeat for progress bars, a few times a second."""

    step: int
    total_steps: int
    epoch: int
    loss: float  # mean training loss since the previous Progress
    steps_per_second: float
    elapsed: float

    @property
    def time_left(self) -> float:
        if self.steps_per_second <= 0:
            return math.inf
        return (self.total_steps - self.step) / self.steps_per_second


@dataclass(frozen=True)
class StateChanged:
    state: RunState
    step: int


@dataclass(frozen=True)
class RunEnded:
    """How a run ended. ``reason`` is a plain sentence for the user (empty when done)."""

    status: Status
    reason: str
    step: int
    elapsed: float = 0.0
    node_id: str | None = None  # the node a failure is about, when there is one
    run_dir: str | None = None
    last: StepRecord | None = None
    details: str = ""  # technical detail (e.g. a traceback) kept in status.json

    @property
    def ok(self) -> bool:
        return self.status == "done"


Record = RunStarted | Progress | StepRecord | StateChanged | RunEnded


def json_number(value: float | int | None) -> float | int | None:
    """JSON has no NaN or infinity: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _float_or_none(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _nan_if_none(value: float | None) -> float:
    return math.nan if value is None else value
