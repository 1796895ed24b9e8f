"""Reading a run folder back: the project, the config, every logged step, the weights.

``load_run(path)`` reads what a run wrote (see ``run_folder``) so the editor
can show a finished run's curves and statistics again, or load its weights.
A run that crashed may have a half-written last line in metrics.jsonl; that
line is skipped, everything before it is kept. A run killed before its first
step reads as failed, with an empty project if it saved none.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from explorer.graph import Project, ProjectFileError, project

from .errors import RunRecordError
from .records import StepRecord
from .run_folder import CONFIG_FILE, METRICS_FILE, PROJECT_FILE, STATUS_FILE, WEIGHTS_FILE
from .run_index import early_status, never_started


@dataclass
class RunRecord:
    """A run as its folder holds it."""

    path: Path
    project: Project
    config: dict[str, Any]
    status: dict[str, Any]
    records: list[StepRecord] = field(default_factory=list)
    skipped_lines: int = 0  # metrics lines that could not be read (a crash mid-write)

    @property
    def state(self) -> str:
        """running, done, stopped or failed."""
        return str(self.status.get("status", "unknown"))

    @property
    def reason(self) -> str:
        return str(self.status.get("reason", ""))

    @property
    def has_weights(self) -> bool:
        return (self.path / WEIGHTS_FILE).is_file()

    def weights(self) -> dict[str, torch.Tensor]:
        """The final weights, keyed like the network's state_dict."""
        path = self.path / WEIGHTS_FILE
        if not path.is_file():
            raise RunRecordError(f"{self.path.name} has no saved weights (the run "
                                 f"{self.state}{': ' + self.reason if self.reason else ''}).")
        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as error:
            raise RunRecordError(f"{path} cannot be read as weights: {error}") from None

    def curve(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) of a scalar curve such as train_loss or val_accuracy, gaps dropped."""
        pairs = [(r.step, getattr(r, name)) for r in self.records
                 if getattr(r, name) is not None]
        return _columns(pairs)

    def node_curve(self, node_id: str, stat: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) of one node statistic, e.g. ("linear_1", "grad_norm")."""
        pairs = [(r.step, getattr(r.nodes[node_id], stat)) for r in self.records
                 if node_id in r.nodes and getattr(r.nodes[node_id], stat) is not None]
        return _columns(pairs)


def load_run(path: str | os.PathLike[str]) -> RunRecord:
    """Read a run folder; RunRecordError names the file that is missing or unreadable."""
    path = Path(path)
    if not path.is_dir():
        raise RunRecordError(f"{path} is not a run folder (it does not exist or is a file).")
    if never_started(path):
        return _never_started(path)
    try:
        snapshot = project.load(path / PROJECT_FILE)
    except ProjectFileError as error:
        raise RunRecordError(f"{path.name}: the graph snapshot cannot be read: {error}") \
            from None
    config = _read_json(path / CONFIG_FILE)
    status = _read_json(path / STATUS_FILE) if (path / STATUS_FILE).is_file() else \
        {"status": "unknown", "reason": "The run left no status file."}
    records, skipped = _read_metrics(path / METRICS_FILE)
    return RunRecord(path, snapshot, config, status, records, skipped)


def _never_started(path: Path) -> RunRecord:
    """A run that died while setting up: what it saved, read as failed before step one."""
    snapshot = Project()
    with contextlib.suppress(ProjectFileError):  # the graph is simply not known then
        snapshot = project.load(path / PROJECT_FILE)
    config, status = ({} if not (path / name).is_file() else _read_json(path / name)
                      for name in (CONFIG_FILE, STATUS_FILE))
    return RunRecord(path, snapshot, config, early_status(status))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunRecordError(f"{path.parent.name} has no {path.name}.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RunRecordError(f"{path} cannot be read: {error}") from None
    if not isinstance(data, dict):
        raise RunRecordError(f"{path} should hold a JSON object.")
    return data


def _read_metrics(path: Path) -> tuple[list[StepRecord], int]:
    if not path.is_file():
        return [], 0
    records, skipped = [], 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                records.append(StepRecord.from_json(data))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
                skipped += 1
    return records, skipped


def _columns(pairs: list[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    if not pairs:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    steps, values = zip(*pairs, strict=True)
    return np.array(steps, dtype=np.int64), np.array(values, dtype=np.float64)
