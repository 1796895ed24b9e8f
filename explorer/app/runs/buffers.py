"""Where a run's numbers wait to be drawn: growing arrays, and per-node statistics in time bins.

The panels redraw many times a second while records keep arriving, so
nothing here is rebuilt per record: curves live in preallocated numpy
arrays that double when full (``Series``), and the per-node statistics
(dozens of nodes × every logged step, hundreds of thousands of steps) are
folded as they arrive into a bounded number of time bins (``TimeBins``),
which is what a layers × time heatmap can show anyway. Plain numpy, no Qt.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from explorer.train.records import NodeStats, StepRecord

START_CAPACITY = 1024
MAX_BINS = 512  # a heatmap keeps at most 2 × MAX_BINS columns: bins merge in pairs when full

CURVES = ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr", "grad_norm")
NODE_STATS = ("grad_norm", "grad_mean_abs", "grad_max_abs", "weight_norm", "update_ratio",
              "act_mean", "act_std", "gate_mean")
PEAK_STATS = frozenset({"grad_norm", "grad_mean_abs", "grad_max_abs", "update_ratio"})


class Series:
    """(x, y) pairs in arrays that double when full; ``x`` and ``y`` are views, not copies."""

    def __init__(self, capacity: int = START_CAPACITY) -> None:
        self._x = np.empty(capacity, dtype=np.float64)
        self._y = np.empty(capacity, dtype=np.float64)
        self.count = 0

    def __len__(self) -> int:
        return self.count

    @property
    def x(self) -> np.ndarray:
        return self._x[: self.count]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self.count]

    def append(self, x: float, y: float) -> None:
        if self.count == len(self._x):
            self._grow(self.count + 1)
        self._x[self.count] = x
        self._y[self.count] = y
        self.count += 1

    def extend(self, xs: np.ndarray, ys: np.ndarray) -> None:
        n = len(xs)
        if self.count + n > len(self._x):
            self._grow(self.count + n)
        self._x[self.count: self.count + n] = xs
        self._y[self.count: self.count + n] = ys
        self.count += n

    def clear(self) -> None:
        self.count = 0

    def _grow(self, needed: int) -> None:
        capacity = max(len(self._x), 1)
        while capacity < needed:
            capacity *= 2
        for name in ("_x", "_y"):
            grown = np.empty(capacity, dtype=np.float64)
            grown[: self.count] = getattr(self, name)[: self.count]
            setattr(self, name, grown)


def smoothed(values: np.ndarray, weight: float) -> np.ndarray:
    """Exponential moving average, debiased so it starts at the first value (as TensorBoard).

    ``weight`` 0 returns the values; 0.99 averages over roughly the last 100.
    NaN values are skipped (the average carries over them).
    """
    if weight <= 0 or len(values) == 0:
        return values
    smoother = Smoother(weight)
    series = Series(len(values))
    series.extend(np.arange(len(values)), values)
    return smoother.update(series).y.copy()


class Smoother:
    """The smoothed copy of a growing ``Series``, extended by only the new points each time."""

    def __init__(self, weight: float = 0.0) -> None:
        self.weight = weight
        self.out = Series()
        self._average = 0.0
        self._seen = 0

    def set_weight(self, weight: float) -> None:
        if weight != self.weight:
            self.weight = weight
            self.reset()

    def reset(self) -> None:
        self.out.clear()
        self._average, self._seen = 0.0, 0

    def update(self, source: Series) -> Series:
        """The smoothed ``source`` (a new, shorter source starts afresh)."""
        if len(source) < len(self.out):
            self.reset()
        done, weight = len(self.out), self.weight
        if done == len(source):
            return self.out
        xs, ys = source.x[done:], source.y[done:]
        if weight <= 0:
            self.out.extend(xs, ys)
            return self.out
        result = np.empty(len(ys))
        average, seen = self._average, self._seen
        for i, value in enumerate(ys.tolist()):
            if value == value:  # not NaN: the average carries over gaps
                average = weight * average + (1 - weight) * value
                seen += 1
            result[i] = average / (1 - weight ** seen) if seen else math.nan
        self._average, self._seen = average, seen
        self.out.extend(xs, result)
        return self.out


class TimeBins:
    """Rows of per-node values, folded into at most 2 × ``max_bins`` time bins.

    Each bin keeps the largest value, and the sum and count for the mean,
    of the rows that fell into it, plus the first and last step it covers.
    When the bins are all used, neighbours merge in pairs and every bin
    from then on takes twice as many rows: "peak" downsampling that costs
    the same per row however long the run.
    """

    def __init__(self, width: int, max_bins: int = MAX_BINS) -> None:
        self.max_bins = max_bins
        self.rows_per_bin = 1
        self.count = 0  # bins in use
        self._rows_in_last = 0
        capacity = 2 * max_bins
        self.peak = np.full((capacity, width), np.nan)
        self.total = np.zeros((capacity, width))
        self.seen = np.zeros((capacity, width))
        self.first_step = np.zeros(capacity)
        self.last_step = np.zeros(capacity)

    @property
    def width(self) -> int:
        return self.peak.shape[1]

    def widen(self, width: int) -> None:
        """Make room for more nodes (new columns start empty)."""
        extra = width - self.width
        if extra > 0:
            self.peak = np.pad(self.peak, ((0, 0), (0, extra)), constant_values=np.nan)
            self.total = np.pad(self.total, ((0, 0), (0, extra)))
            self.seen = np.pad(self.seen, ((0, 0), (0, extra)))

    def add(self, step: float, row: np.ndarray) -> None:
        if self.count == 0 or self._rows_in_last >= self.rows_per_bin:
            if self.count == len(self.peak):
                self._merge_pairs()
            i = self.count
            self.count += 1
            self._rows_in_last = 0
            self.peak[i] = np.nan
            self.total[i] = 0.0
            self.seen[i] = 0.0
            self.first_step[i] = step
        i = self.count - 1
        known = ~np.isnan(row)
        self.peak[i] = np.fmax(self.peak[i], row)
        self.total[i] += np.where(known, row, 0.0)
        self.seen[i] += known
        self.last_step[i] = step
        self._rows_in_last += 1

    def peaks(self) -> np.ndarray:
        """bins × nodes: the largest value of each bin (NaN where a node had none)."""
        return self.peak[: self.count]

    def means(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.total[: self.count] / self.seen[: self.count]

    def steps(self) -> tuple[np.ndarray, np.ndarray]:
        return self.first_step[: self.count], self.last_step[: self.count]

    def _merge_pairs(self) -> None:
        half = self.count // 2
        self.peak[:half] = np.fmax(self.peak[0: 2 * half: 2], self.peak[1: 2 * half: 2])
        self.total[:half] = self.total[0: 2 * half: 2] + self.total[1: 2 * half: 2]
        self.seen[:half] = self.seen[0: 2 * half: 2] + self.seen[1: 2 * half: 2]
        self.first_step[:half] = self.first_step[0: 2 * half: 2]
        self.last_step[:half] = self.last_step[1: 2 * half: 2]
        self.count = half
        self.rows_per_bin *= 2


class NodeHistory:
    """Every node's statistics: the latest values and their history in time bins.

    One ``TimeBins`` holds them all, node by node and statistic by statistic
    (column ``node * len(NODE_STATS) + stat``), so a record costs a handful
    of numpy operations however many statistics there are.
    """

    def __init__(self, max_bins: int = MAX_BINS) -> None:
        self.nodes: list[str] = []  # in the order the run reports them (depth order)
        self._column: dict[str, int] = {}
        self._latest = np.zeros((0, len(NODE_STATS)))
        self.bins = TimeBins(0, max_bins)

    def add(self, step: int, stats: dict[str, NodeStats]) -> None:
        """Fold one record's ``{node_id: NodeStats}`` in."""
        new = [n for n in stats if n not in self._column]
        if new:
            for node_id in new:
                self._column[node_id] = len(self.nodes)
                self.nodes.append(node_id)
            self.bins.widen(len(self.nodes) * len(NODE_STATS))
        table = np.full((len(self.nodes), len(NODE_STATS)), np.nan)
        if stats:
            rows = [self._column[n] for n in stats]
            table[rows] = np.array([[getattr(s, name, None) for name in NODE_STATS]
                                    for s in stats.values()], dtype=np.float64)
        self._latest = table
        self.bins.add(step, table.ravel())

    def _stat_columns(self, stat: str) -> slice:
        return slice(NODE_STATS.index(stat), None, len(NODE_STATS))

    def columns_with(self, stat: str) -> list[int]:
        """The nodes that ever reported ``stat`` (e.g. only layers with weights have gradients)."""
        bins = self.bins
        if bins.count == 0:
            return []
        has = bins.seen[: bins.count, self._stat_columns(stat)].sum(axis=0) > 0
        return [i for i in range(len(self.nodes)) if has[i]]

    def history(self, stat: str) -> np.ndarray:
        """bins × nodes of ``stat``: the peak for gradient sizes, the mean otherwise."""
        table = self.bins.peaks() if stat in PEAK_STATS else self.bins.means()
        return table[:, self._stat_columns(stat)]

    def latest(self, stat: str) -> np.ndarray:
        """The latest record's ``stat`` for every node (NaN where it had none)."""
        return self._latest[:, NODE_STATS.index(stat)]

    def latest_by_node(self, stat: str) -> dict[str, float]:
        row = self.latest(stat)
        return {n: float(row[i]) for i, n in enumerate(self.nodes)
                if i < len(row) and not math.isnan(row[i])}


class RunBuffers:
    """Everything the live panels draw for one run; ``version`` grows with every record."""

    def __init__(self, max_bins: int = MAX_BINS) -> None:
        self.curves = {name: Series() for name in CURVES}
        self.nodes = NodeHistory(max_bins)
        self.last: StepRecord | None = None
        self.version = 0

    def __len__(self) -> int:
        return len(self.curves["train_loss"])

    def add(self, record: StepRecord) -> None:
        """Append one StepRecord."""
        for name in CURVES:
            value = getattr(record, name, None)
            if value is not None:
                self.curves[name].append(record.step, value)
        self.nodes.add(record.step, record.nodes)
        self.last = record
        self.version += 1

    def add_all(self, records: Iterable[StepRecord]) -> None:
        for record in records:
            self.add(record)

    @classmethod
    def from_records(cls, records: Iterable[StepRecord]) -> RunBuffers:
        buffers = cls()
        buffers.add_all(records)
        return buffers
