"""Run records: one folder per run, written as it trains, readable later with ``load_run``.

A run folder holds::

    project.archx.json   the exact graph and settings that were trained
    config.json          the full resolved configuration: seed, device, versions, sizes
    metrics.jsonl        one JSON object per logged step, per-node statistics by node id
    metrics.csv          the scalar curves (step, loss, accuracy, ...) for spreadsheets
    model.safetensors    the final weights, keyed like the network's state_dict
    status.json          running, done, stopped or failed, with the reason

Everything is JSON, CSV or safetensors: no pickle anywhere. Whole files (the
snapshot, the config, the status, the weights) are written atomically; the
curves' header is written with the folder, so a run killed at any moment
leaves a folder that reads back (as failed, if it never took a step).
"""

from __future__ import annotations

import collections
import csv
import io
import json
import os
import re
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from safetensors.torch import save_file
from torch import nn

from explorer.graph.atomic import replacing, write_text_atomically

from .records import RunEnded, StepRecord, json_number

PROJECT_FILE = "project.archx.json"
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
CURVES_FILE = "metrics.csv"
WEIGHTS_FILE = "model.safetensors"
STATUS_FILE = "status.json"
WRITE_INTERVAL = 0.5  # seconds between the writer thread's visits to the disk


def new_run_dir(parent: str | os.PathLike[str], name: str = "") -> Path:
    """Create and return a fresh folder ``parent/<date>-<time>-<name>`` (never an existing one).

    The folder starts with the curves' header, which marks it as a run's
    from its first moment (``run_index`` lists it even if the run dies at once).
    """
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()[:40]
    base = f"{stamp}-{slug}" if slug else stamp
    for n in range(1, 10_000):
        candidate = parent / (base if n == 1 else f"{base}-{n}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        write_curves_header(candidate)
        return candidate
    raise OSError(f"could not find a free run folder name under {parent}")


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (a temporary file beside it, then a rename)."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    write_text_atomically(path, text + "\n")


def write_curves_header(run_dir: Path) -> None:
    """Start metrics.csv with its header line only (atomically: never a file without one)."""
    line = io.StringIO()
    csv.writer(line).writerow(StepRecord.SCALARS)
    write_text_atomically(run_dir / CURVES_FILE, line.getvalue())


def write_status(run_dir: Path, ended: RunEnded) -> None:
    write_json(run_dir / STATUS_FILE, {
        "status": ended.status,
        "reason": ended.reason,
        "node_id": ended.node_id,
        "steps": ended.step,
        "seconds": round(ended.elapsed, 3),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "details": ended.details,
    })


class RunWriter:
    """Writes one run's folder as the run goes.

    Metrics are encoded and written by a background thread, so the training
    loop only hands a record over. The thread wakes every ``WRITE_INTERVAL``
    seconds, not for each record (each wake would take the interpreter lock
    from the training loop), so a crash loses at most that much. A write
    error (a full disk) is raised by the next ``log`` or by ``end``.
    """

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._pending: collections.deque[StepRecord | None] = collections.deque()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def begin(self, project_text: str, config: dict[str, Any]) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomically(self.run_dir / PROJECT_FILE, project_text)
        write_json(self.run_dir / CONFIG_FILE, _plain(config))
        write_json(self.run_dir / STATUS_FILE, {"status": "running", "reason": ""})
        write_curves_header(self.run_dir)
        metrics = open(self.run_dir / METRICS_FILE, "w", encoding="utf-8")  # noqa: SIM115
        curves = open(self.run_dir / CURVES_FILE, "a", encoding="utf-8", newline="")  # noqa: SIM115
        self._thread = threading.Thread(target=self._write, args=(metrics, curves),
                                        name="run-folder-writer", daemon=True)
        self._thread.start()

    def log(self, record: StepRecord) -> None:
        if self._error is not None:
            raise self._error
        if self._thread is not None:
            self._pending.append(record)  # deque.append is atomic; the thread collects it

    def flush(self) -> None:
        """Write every record handed over so far and stop the writer; raises a write error."""
        if self._thread is not None:
            with self._wake:
                self._pending.append(None)
                self._wake.notify()
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error

    def end(self, ended: RunEnded, model: nn.Module | None) -> None:
        """Finish the metrics, save the weights (if given) and write the final status."""
        try:
            self.flush()
        finally:
            if model is not None:
                save_weights(model, self.run_dir / WEIGHTS_FILE)
            if self.run_dir.is_dir():
                write_status(self.run_dir, ended)

    def _write(self, metrics: TextIO, curves: TextIO) -> None:
        table = csv.writer(curves)
        with metrics, curves:
            while True:
                with self._wake:
                    if not self._pending or self._pending[-1] is not None:
                        self._wake.wait(WRITE_INTERVAL)
                batch = [self._pending.popleft() for _ in range(len(self._pending))]
                records = [r for r in batch if r is not None]
                try:
                    for record in records:
                        metrics.write(json.dumps(record.to_json(), allow_nan=False,
                                                 separators=(",", ":")) + "\n")
                        values = (json_number(v) for v in record.scalars().values())
                        table.writerow(["" if v is None else v for v in values])
                    metrics.flush()
                    curves.flush()
                except (OSError, ValueError) as error:
                    self._error = error
                    return
                if len(records) < len(batch):  # the end marker came
                    return


def save_weights(model: nn.Module, path: Path) -> None:
    """The state_dict as safetensors (cloned: parameters share flat buffers while training).

    Written atomically: a run killed while saving keeps no half a weights file.
    """
    tensors = {k: v.detach().to("cpu", copy=True).contiguous()
               for k, v in model.state_dict().items()}
    with replacing(path) as temporary:
        save_file(tensors, str(temporary), metadata={"format": "architecture-explorer weights"})


def _plain(value: Any) -> Any:
    """Config values as JSON can hold them (tuples as lists, NaN as null)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return json_number(value)
    return value
