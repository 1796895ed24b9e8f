"""Per-node statistics, gathered on the device and read to the host in one copy per record.

Every step costs one ``vector_norm`` per distinct parameter size (see
``flat.py``) plus one ``cat`` into a small ring buffer: no host sync, no
``.item()``. On logged steps a few more reductions run (mean and max
|gradient|, weight norms, the update's size, each node's output mean and
std, highway gates), everything is concatenated into one tensor and copied
to the host once, and numpy groups the per-parameter numbers into nodes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .flat import FlatParameters
from .records import NodeStats

MAX_RING = 256  # steps of per-parameter gradient norms held on the device between reads


@dataclass(frozen=True)
class Reading:
    nodes: dict[str, NodeStats]  # by node id
    grad_norm: float | None  # the whole network's gradient norm, averaged over the steps read
    extras: list[float]


class StatisticsCollector:
    """Collects gradient-flow statistics for the parameters in ``flat``.

    ``slot_nodes[i]`` is the graph node id that parameter ``flat.names[i]``
    belongs to. Call ``after_backward`` every step, ``before_update`` on a
    logged step before ``optimizer.step()``, and ``read`` after it.
    """

    def __init__(self, flat: FlatParameters, slot_nodes: Sequence[str], log_every: int,
                 device: torch.device) -> None:
        self.flat = flat
        self.node_ids: list[str] = list(dict.fromkeys(slot_nodes))
        index = {node_id: i for i, node_id in enumerate(self.node_ids)}
        self._slot_node = np.array([index[n] for n in slot_nodes], dtype=np.int64)
        self._membership = np.zeros((flat.count, len(self.node_ids)))
        self._membership[np.arange(flat.count), self._slot_node] = 1.0
        self._node_numel = self._membership.T @ np.array(flat.numels, dtype=np.float64)
        self._ring = torch.zeros(max(1, min(log_every, MAX_RING)), flat.count,
                                 dtype=torch.float32, device=device)
        self._filled = 0
        self._norm_sum = np.zeros(len(self.node_ids))
        self._total_sum = 0.0
        self._steps = 0
        self._before: list[torch.Tensor] | None = None
        self._grad_extra: list[torch.Tensor] = []

    # -- every step -------------------------------------------------------------

    def after_backward(self) -> None:
        """Record this step's per-parameter gradient norms on the device (no sync)."""
        if self.flat.count == 0:
            return
        torch.cat(self.flat.norms(), out=self._ring[self._filled])
        self._filled += 1
        if self._filled == len(self._ring):
            self._fold(self._ring.cpu().numpy())

    def _fold(self, rows: np.ndarray) -> None:
        squares = rows.astype(np.float64) ** 2
        self._norm_sum += np.sqrt(squares @ self._membership).sum(axis=0)
        self._total_sum += float(np.sqrt(squares.sum(axis=1)).sum())
        self._steps += len(rows)
        self._filled = 0

    # -- logged steps -----------------------------------------------------------

    def before_update(self) -> None:
        """On a logged step, before the optimizer: remember the weights and this step's grads."""
        if self.flat.count == 0:
            return
        self._before = self.flat.snapshot()
        self._grad_extra = self.flat.norms(ord=1.0) + self.flat.norms(ord=math.inf)

    def read(self, activations: Mapping[str, torch.Tensor] | None = None,
             gates: Mapping[str, torch.Tensor] | None = None,
             extras: Sequence[torch.Tensor] = ()) -> Reading:
        """Every node's statistics since the last read, in one copy to the host.

        ``activations`` maps node ids to their outputs on this step, ``gates``
        highway node ids to their mean gate value, and ``extras`` are any other
        0-d tensors the caller wants read in the same copy.
        """
        acts = {k: v for k, v in (activations or {}).items()
                if isinstance(v, torch.Tensor) and v.is_floating_point() and v.numel() > 0}
        gates = dict(gates or {})
        parts = [self._ring[:self._filled].reshape(-1)] if self._filled else []
        have_update = self._before is not None and self.flat.count > 0
        if have_update:
            parts += self._grad_extra + self.flat.norms("param")
            parts += self.flat.update_norms(self._before)
        for tensor in acts.values():
            std, mean = torch.std_mean(tensor.detach().float(), correction=0)
            parts += [mean.reshape(1), std.reshape(1)]
        parts += [g.detach().float().reshape(1) for g in gates.values()]
        parts += [e.detach().float().reshape(1) for e in extras]
        host = (torch.cat([p.to(self._ring.device) for p in parts]).cpu().numpy()
                if parts else np.zeros(0, dtype=np.float32))
        host = host.astype(np.float64)

        p, offset = self.flat.count, 0
        if self._filled:
            rows = host[: self._filled * p].reshape(self._filled, p)
            offset = rows.size
            self._fold(rows)
        stats: dict[str, dict[str, float]] = {n: {} for n in self.node_ids}
        if self._steps:
            means = self._norm_sum / self._steps
            for node_id, value in zip(self.node_ids, means, strict=True):
                stats[node_id]["grad_norm"] = float(value)
        total = self._total_sum / self._steps if self._steps else None
        if have_update:
            l1, linf, weight, update = (host[offset + i * p: offset + (i + 1) * p]
                                        for i in range(4))
            offset += 4 * p
            self._per_node(stats, l1, linf, weight, update)
        for node_id in acts:
            entry = stats.setdefault(node_id, {})
            entry["act_mean"], entry["act_std"] = float(host[offset]), float(host[offset + 1])
            offset += 2
        for node_id in gates:
            stats.setdefault(node_id, {})["gate_mean"] = float(host[offset])
            offset += 1
        extra_values = [float(v) for v in host[offset:offset + len(extras)]]
        self._norm_sum[:] = 0.0
        self._total_sum, self._steps, self._before, self._grad_extra = 0.0, 0, None, []
        nodes = {node_id: NodeStats(**values) for node_id, values in stats.items()}
        return Reading(nodes, total, extra_values)

    def _per_node(self, stats: dict[str, dict[str, float]], l1: np.ndarray, linf: np.ndarray,
                  weight: np.ndarray, update: np.ndarray) -> None:
        member = self._membership
        abs_sum = l1 @ member
        weight_norm = np.sqrt((weight ** 2) @ member)
        update_norm = np.sqrt((update ** 2) @ member)
        largest = np.full(len(self.node_ids), -np.inf)
        np.maximum.at(largest, self._slot_node, linf)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(weight_norm > 0, update_norm / weight_norm, np.nan)
        for i, node_id in enumerate(self.node_ids):
            stats[node_id].update(
                grad_mean_abs=float(abs_sum[i] / self._node_numel[i]),
                grad_max_abs=float(largest[i]), weight_norm=float(weight_norm[i]),
                update_ratio=float(ratio[i]))
