"""The decision boundary of a 2-D classifier, computed inside the run and sent to the editor.

As in TensorFlow Playground, a network trained on points in the plane can
be shown as a map: every spot of the plane coloured by the class the
network would give it. The run process owns the model, so the map is made
there: a ``BoundaryProbe`` (a child callback) evaluates the model on a
small grid over the data (64×64 points) a few times a second and sends the
class probabilities as one byte each, a few kilobytes per frame.

Frames travel on their own pipe, sent from a thread that keeps only the
newest frame, so a busy editor never slows the training. The editor's end
is a ``BoundaryChannel``: pass ``channel.probe`` to ``RunProcess`` as a
child callback, then ``channel.poll()`` on a timer.

The probe evaluates with gradients off and the network in eval mode (put
back in training mode straight after), and draws no random numbers, so a
run with the map shown learns exactly as one without.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from .callbacks import Callback
from .records import RunEnded, RunStarted

GRID_SIZE = 64  # points along each side of the map
FRAME_INTERVAL = 0.25  # seconds between frames while training runs at full speed
MARGIN = 0.1  # the map reaches this share of the data's range beyond the outermost points
SHARE_LIMIT = 50  # after a map that took t seconds, the next waits at least 50·t


def shows_boundary(dataset: Any) -> bool:
    """True for datasets a boundary map makes sense for: classes of 2-D points."""
    spec = getattr(dataset, "input_spec", None)
    return (getattr(spec, "shape", None) == (2,) and getattr(dataset, "task", None)
            == "classification" and bool(getattr(dataset, "classes", 0)))


@dataclass(frozen=True)
class BoundaryGrid:
    """The rectangle of the plane the map covers, and how finely."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float
    size: int = GRID_SIZE

    @classmethod
    def around(cls, points: np.ndarray, size: int = GRID_SIZE,
               margin: float = MARGIN) -> BoundaryGrid:
        """A square-ish grid over ``points`` (N×2) with a margin on every side."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        finite = points[np.isfinite(points).all(axis=1)]
        if len(finite) == 0:
            return cls(-1.0, 1.0, -1.0, 1.0, size)
        low, high = finite.min(axis=0), finite.max(axis=0)
        span = np.maximum(high - low, 1e-6)
        low, high = low - margin * span, high + margin * span
        return cls(float(low[0]), float(high[0]), float(low[1]), float(high[1]), size)

    def points(self) -> np.ndarray:
        """Every grid point as float32 (size² × 2), row by row from ``y_min`` up."""
        xs = np.linspace(self.x_min, self.x_max, self.size, dtype=np.float32)
        ys = np.linspace(self.y_min, self.y_max, self.size, dtype=np.float32)
        gx, gy = np.meshgrid(xs, ys)
        return np.stack([gx.ravel(), gy.ravel()], axis=1)


@dataclass(frozen=True)
class BoundaryFrame:
    """One map: ``probabilities[k, row, col]`` is P(class k) at that grid point, 0-255.

    Row 0 is ``grid.y_min``, column 0 is ``grid.x_min``.
    """

    step: int
    probabilities: np.ndarray  # uint8, classes × size × size

    def as_float(self) -> np.ndarray:
        return self.probabilities.astype(np.float32) / 255.0


def probabilities_to_bytes(probabilities: np.ndarray, size: int) -> np.ndarray:
    """(size², K) probabilities as K×size×size bytes (255 = certain)."""
    grid = probabilities.reshape(size, size, -1).transpose(2, 0, 1)
    return np.clip(np.rint(grid * 255.0), 0, 255).astype(np.uint8)


class _NewestSender:
    """Sends items from a thread; an item not yet sent is replaced by a newer one."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._item: Any = None
        self._closing = False
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="boundary-sender", daemon=True)
        self._thread.start()

    def send(self, item: Any) -> None:
        with self._ready:
            self._item = item
            self._ready.notify()

    def close(self, timeout: float = 5.0) -> None:
        with self._ready:
            self._closing = True
            self._ready.notify()
        self._thread.join(timeout)
        with contextlib.suppress(OSError):
            self._conn.close()

    def _run(self) -> None:
        while True:
            with self._ready:
                while self._item is None and not self._closing:
                    self._ready.wait()
                item, self._item = self._item, None
                closing = self._closing
            if item is not None:
                try:
                    self._conn.send(item)
                except (BrokenPipeError, OSError):
                    return  # nobody is listening any more
            if closing and item is None:
                return


class BoundaryProbe(Callback):
    """A child callback: every ``interval`` seconds (and on the last step) it maps the plane."""

    def __init__(self, grid: BoundaryGrid, conn: Connection,
                 interval: float = FRAME_INTERVAL) -> None:
        self.grid = grid
        self.conn = conn
        self.interval = interval
        self._sender: _NewestSender | None = None
        self._inputs: Any = None
        self._last = -float("inf")
        self._wait = interval
        self._final_step = 0

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()  # travels to the run process before it starts
        state.update(_sender=None, _inputs=None)
        return state

    def on_begin(self, started: RunStarted) -> None:
        self._final_step = started.total_steps
        self._sender = _NewestSender(self.conn)

    def on_after_backward(self, step: int, model: Any) -> None:
        now = time.perf_counter()
        if now - self._last < self._wait and step != self._final_step:
            return
        self._last = now
        frame = self.frame(step, model)
        # A big network on a slow machine maps less often: the map takes at most about
        # 1/SHARE_LIMIT of the run's time.
        self._wait = max(self.interval, (time.perf_counter() - now) * SHARE_LIMIT)
        if self._sender is not None:
            self._sender.send(frame)

    def frame(self, step: int, model: Any) -> BoundaryFrame:
        """Evaluate ``model`` on the grid (no gradients, eval mode, then back)."""
        import torch

        if self._inputs is None:
            device = next(model.parameters()).device
            self._inputs = torch.from_numpy(self.grid.points()).to(device)
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                scores = model(self._inputs).float()
                probabilities = torch.softmax(scores, dim=-1).cpu().numpy()
        finally:
            model.train(was_training)
        return BoundaryFrame(step, probabilities_to_bytes(probabilities, self.grid.size))

    def on_end(self, ended: RunEnded) -> None:
        if self._sender is not None:
            self._sender.close()
            self._sender = None


class BoundaryChannel:
    """The editor's end of the map: make it, hand ``probe`` to the run, then ``poll()``."""

    def __init__(self, grid: BoundaryGrid, interval: float = FRAME_INTERVAL) -> None:
        reader, writer = mp.get_context("spawn").Pipe(duplex=False)
        self.grid = grid
        self.probe = BoundaryProbe(grid, writer, interval)
        self._reader: Connection | None = reader

    def run_started(self) -> None:
        """The run process has its copy of the sending end: close ours, so its end reads
        as the end of the stream."""
        with contextlib.suppress(OSError):
            self.probe.conn.close()

    def poll(self) -> BoundaryFrame | None:
        """The newest frame that arrived since the last call, if any (never blocks)."""
        newest = None
        reader = self._reader
        if reader is None:
            return None
        try:
            while reader.poll():
                item = reader.recv()
                if isinstance(item, BoundaryFrame):
                    newest = item
        except (EOFError, OSError):
            self.close()
        return newest

    def close(self) -> None:
        for conn in (self._reader, self.probe.conn):
            if conn is not None:
                with contextlib.suppress(OSError):
                    conn.close()
        self._reader = None
