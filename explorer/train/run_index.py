"""The list of past runs: a summary of each run folder, renaming and deleting runs.

The editor's run history shows every run under one folder, newest first.
Listing reads only the small files of each run (config, status, the user's
name for it and the last line of the curves), never the full metrics, and
imports neither torch nor numpy, so the list fills quickly however many and
however long the runs are. ``load_run`` reads a whole run when it is opened.

A run's name is the user's: ``rename_run`` writes it to ``name.json`` in the
run folder; until then the run is called after its project.

A run killed before its first step (while the network was being built) has
a folder without its snapshot or config; it reads as failed, with that reason.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.graph.atomic import write_text_atomically

from .records import StepRecord

# The run folder's files (as explorer.train.run_folder writes them; a test keeps them equal).
PROJECT_FILE = "project.archx.json"
CONFIG_FILE = "config.json"
CURVES_FILE = "metrics.csv"
STATUS_FILE = "status.json"
METRICS_FILE = "metrics.jsonl"
NAME_FILE = "name.json"
MAX_NAME_LENGTH = 120
_TAIL_BYTES = 4096
NEVER_STARTED = "The run stopped before its first step."
CURVES_HEADER = ",".join(StepRecord.SCALARS)


class RunIndexError(Exception):
    """A run folder could not be renamed or deleted; the message says why, in plain words."""


@dataclass(frozen=True)
class RunSummary:
    """What the history shows for one run, without loading its curves."""

    path: Path
    name: str
    created: str  # ISO time the run started ("" if unknown)
    status: str  # running, done, stopped, failed or unknown
    reason: str
    steps: int  # steps done (from the status, or the last logged step)
    total_steps: int
    dataset: str
    final_loss: float | None
    node_id: str | None = None  # the node a failure is about

    @property
    def folder(self) -> str:
        return self.path.name


def is_run_folder(path: Path) -> bool:
    """A folder a run wrote: it holds the project snapshot and the config, or (a run that
    died at once) the curves' header that every run folder starts with."""
    if not path.is_dir():
        return False
    return ((path / PROJECT_FILE).is_file() and (path / CONFIG_FILE).is_file()) \
        or _first_line(path / CURVES_FILE) == CURVES_HEADER


def never_started(path: Path) -> bool:
    """True for a run that died before it began: no snapshot or config, and no metrics."""
    began = (path / PROJECT_FILE).is_file() and (path / CONFIG_FILE).is_file()
    return not began and not _has_content(path / METRICS_FILE)


def early_status(status: dict[str, Any]) -> dict[str, Any]:
    """The status of a run that never started: failed, keeping a reason already written
    (the editor writes why a run's process died)."""
    if status.get("status") in ("failed", "stopped") and status.get("reason"):
        return status
    return {**status, "status": "failed", "reason": NEVER_STARTED, "steps": 0}


def list_runs(parent: str | os.PathLike[str]) -> list[RunSummary]:
    """Every run folder directly under ``parent``, newest first (none if it does not exist)."""
    parent = Path(parent)
    if not parent.is_dir():
        return []
    runs = [read_summary(p) for p in parent.iterdir() if is_run_folder(p)]
    return sorted(runs, key=lambda r: (r.created, r.folder), reverse=True)


def read_summary(path: str | os.PathLike[str]) -> RunSummary:
    """The summary of one run folder; damaged files leave blanks, never an exception."""
    path = Path(path)
    config = _json_object(path / CONFIG_FILE)
    status = _json_object(path / STATUS_FILE)
    if never_started(path):
        status = early_status(status)
    named = _json_object(path / NAME_FILE).get("name")
    dataset = config.get("dataset")
    last = _last_curve_row(path / CURVES_FILE)
    steps = _int(status.get("steps"), _int(last.get("step"), 0))
    return RunSummary(
        path=path,
        name=named if isinstance(named, str) and named.strip() else _default_name(config, path),
        created=str(config.get("created", "")),
        status=str(status.get("status", "unknown")),
        reason=str(status.get("reason", "") or ""),
        steps=steps,
        total_steps=_int(config.get("total_steps"), 0),
        dataset=str(dataset.get("name", "")) if isinstance(dataset, dict) else "",
        final_loss=_float(last.get("train_loss")),
        node_id=status.get("node_id") if isinstance(status.get("node_id"), str) else None,
    )


def rename_run(path: str | os.PathLike[str], name: str) -> str:
    """Give a run a name of the user's choosing; returns the name as stored."""
    path = Path(path)
    if not is_run_folder(path):
        raise RunIndexError(f"{path.name} is not a run folder any more.")
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise RunIndexError("A run's name cannot be empty.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise RunIndexError(f"A run's name can be at most {MAX_NAME_LENGTH} characters long.")
    try:
        _write_json(path / NAME_FILE, {"name": cleaned})
    except OSError as error:
        raise RunIndexError(f"Could not rename the run: {error.strerror or error}.") from None
    return cleaned


def delete_run(path: str | os.PathLike[str]) -> None:
    """Remove a run folder and everything in it (only a folder that looks like a run's)."""
    path = Path(path)
    if not path.exists():
        return
    if not is_run_folder(path):
        raise RunIndexError(f"{path.name} does not look like a run folder, so it was not deleted.")
    try:
        shutil.rmtree(path)
    except OSError as error:
        raise RunIndexError(f"Could not delete the run: {error.strerror or error}.") from None


# -- reading small files ------------------------------------------------------------------


def _default_name(config: dict[str, Any], path: Path) -> str:
    name = config.get("name")
    return name if isinstance(name, str) and name.strip() else path.name


def _json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _first_line(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            return f.readline(1024).decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _has_content(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def _last_curve_row(path: Path) -> dict[str, str]:
    """The header and the last complete line of metrics.csv, as a dict."""
    try:
        with open(path, "rb") as f:
            header = f.readline().decode("utf-8", "replace")
            size = f.seek(0, os.SEEK_END)
            f.seek(max(len(header), size - _TAIL_BYTES))
            tail = f.read().decode("utf-8", "replace")
    except OSError:
        return {}
    lines = [line for line in tail.splitlines() if line.strip()]
    if not header.strip() or not lines:
        return {}
    names = next(csv.reader(io.StringIO(header)))
    values = next(csv.reader(io.StringIO(lines[-1])), [])
    return dict(zip(names, values, strict=False)) if len(values) == len(names) else {}


def _int(value: Any, default: int) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _write_json(path: Path, data: Any) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False)
    write_text_atomically(path, text + "\n")
