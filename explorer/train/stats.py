"""Per-node statistics, gathered on the device and read to the host in one copy per record.

Every step costs one ``vector_norm`` per run of equal-sized parameters
(see ``flat.py``; an MLP has four) written into a small ring buffer: no
host sync, no ``.item()``. On logged steps a few more reductions run (sum and max of
|gradient|, weight norms, the update's size, each node's output mean and
variance, highway gates); everything is concatenated into one tensor and
copied to the host once, and numpy groups the per-parameter numbers into
nodes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .flat import FlatParameters
from .records import NodeStats

MAX_RING = 256  # steps of per-parameter gradient norms held on the device between reads
STACK_LIMIT = 1 << 22  # elements of equal-shape node outputs stacked for one reduction


@dataclass(frozen=True)
class Reading:
    nodes: dict[str, NodeStats]  # by node id
    grad_norm: float | None  # the whole network's gradient norm, averaged over the steps read
    extras: list[float]


class HostCopy:
    """Named device tensors, concatenated and copied to the host in a single transfer."""

    def __init__(self) -> None:
        self._parts: list[torch.Tensor] = []
        self._names: list[tuple[str, int]] = []

    def add(self, name: str, tensors: Sequence[torch.Tensor]) -> None:
        """Add float32 vectors, or 0-d tensors of any float type (stacked in one op)."""
        if not tensors:
            return
        if tensors[0].dim() == 0:
            tensors = [torch.stack(list(tensors)).float()]
        self._parts += tensors
        self._names.append((name, sum(t.numel() for t in tensors)))

    def fetch(self) -> dict[str, np.ndarray]:
        if not self._parts:
            return {}
        host = torch.cat(self._parts).cpu().numpy().astype(np.float64)
        out, offset = {}, 0
        for name, length in self._names:
            out[name] = host[offset:offset + length]
            offset += length
        return out


class StatisticsCollector:
    """Collects gradient-flow statistics for the parameters in ``flat``.

    ``slot_nodes[i]`` is the graph node id that parameter ``flat.names[i]``
    belongs to. Call ``after_backward`` every step, ``before_update`` on a
    logged step before ``optimizer.step()``, and ``read`` after it. Call both
    before gradients are clipped: the statistics then show a gradient as the
    network made it, so clipping cannot hide an explosion.
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
        self._writers = [flat.grad_norm_writer(row) for row in self._ring.unbind(0)]
        self._filled = 0
        self._norm_sum = np.zeros(len(self.node_ids))
        self._total_sum = 0.0
        self._steps = 0
        self._before: list[torch.Tensor] | None = None
        self._grad_abs: tuple[list[torch.Tensor], list[torch.Tensor]] = ([], [])

    # -- every step -------------------------------------------------------------

    def after_backward(self) -> None:
        """Record this step's per-parameter gradient norms on the device (no sync)."""
        self._writers[self._filled]()
        self._filled += 1
        if self._filled == len(self._writers):
            self._fold(self._ring.cpu().numpy())

    def _fold(self, rows: np.ndarray) -> None:
        squares = rows.astype(np.float64) ** 2
        self._norm_sum += np.sqrt(squares @ self._membership).sum(axis=0)
        self._total_sum += float(np.sqrt(squares.sum(axis=1)).sum())
        self._steps += len(rows)
        self._filled = 0

    # -- logged steps -----------------------------------------------------------

    def before_update(self) -> None:
        """On a logged step, before the optimizer: keep the weights and this step's |grad|s."""
        self._before = self.flat.snapshot()
        self._grad_abs = self.flat.abs_sums_and_maxima()

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
        copy = HostCopy()
        copy.add("ring", [self._ring[:self._filled].reshape(-1)] if self._filled else [])
        if self._before is not None:
            sums, maxima = self._grad_abs
            copy.add("grad_abs_sum", sums)
            copy.add("grad_abs_max", maxima)
            copy.add("weight", self.flat.norms("param"))
            copy.add("update", self.flat.update_norms(self._before))
        act_ids, act_means, act_variances = output_moments(acts)
        copy.add("act_mean", act_means)
        copy.add("act_var", act_variances)
        copy.add("gates", [g.detach() for g in gates.values()])
        copy.add("extras", [e.detach() for e in extras])
        host = copy.fetch()

        if "ring" in host:
            self._fold(host["ring"].reshape(-1, self.flat.count))
        stats: dict[str, dict[str, float]] = {n: {} for n in self.node_ids}
        if self._steps:
            for node_id, value in zip(self.node_ids, self._norm_sum / self._steps, strict=True):
                stats[node_id]["grad_norm"] = float(value)
        total = self._total_sum / self._steps if self._steps else None
        if "weight" in host:
            self._per_node(stats, host)
        if act_ids:
            stds = np.sqrt(host["act_var"])
            for node_id, mean, std in zip(act_ids, host["act_mean"], stds, strict=True):
                stats.setdefault(node_id, {}).update(act_mean=float(mean), act_std=float(std))
        for i, node_id in enumerate(gates):
            stats.setdefault(node_id, {})["gate_mean"] = float(host["gates"][i])
        self._norm_sum[:] = 0.0
        self._total_sum, self._steps, self._before = 0.0, 0, None
        nodes = {node_id: NodeStats(**values) for node_id, values in stats.items()}
        return Reading(nodes, total, [float(v) for v in host.get("extras", [])])

    def _per_node(self, stats: dict[str, dict[str, float]], host: dict[str, np.ndarray]) -> None:
        member = self._membership
        abs_sum = host["grad_abs_sum"] @ member
        weight_norm = np.sqrt((host["weight"] ** 2) @ member)
        update_norm = np.sqrt((host["update"] ** 2) @ member)
        largest = np.where(member > 0, host["grad_abs_max"][:, None], -np.inf).max(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(weight_norm > 0, update_norm / weight_norm, np.nan)
        for i, node_id in enumerate(self.node_ids):
            stats[node_id].update(
                grad_mean_abs=float(abs_sum[i] / self._node_numel[i]),
                grad_max_abs=float(largest[i]), weight_norm=float(weight_norm[i]),
                update_ratio=float(ratio[i]))


def output_moments(outputs: Mapping[str, torch.Tensor]
                   ) -> tuple[list[str], list[torch.Tensor], list[torch.Tensor]]:
    """Mean and variance of each node output: (node ids, means, variances), float32, on the device.

    ``torch.var_mean`` takes both in one pass that subtracts the mean as it
    goes, so a small spread around a large mean keeps its digits: in float32,
    ‖x‖²/n − mean² loses all of a spread of 1 around 1e4. Outputs of the same
    shape are stacked first, so a deep stack of equal layers costs a few ops
    in all, not a few per layer. Half-precision outputs are read in float32.
    """
    groups: dict[tuple[torch.Size, torch.dtype], list[str]] = {}
    for node_id, tensor in outputs.items():
        groups.setdefault((tensor.shape, tensor.dtype), []).append(node_id)
    ids, means, variances = [], [], []
    for (shape, _), members in groups.items():
        tensors = [_at_least_float32(outputs[m].detach()) for m in members]
        if len(tensors) > 1 and len(tensors) * shape.numel() <= STACK_LIMIT:
            matrix = torch.stack([t.reshape(-1) for t in tensors])
            pairs = [torch.var_mean(matrix, dim=1, correction=0)]
        else:
            pairs = [torch.var_mean(t.reshape(1, -1), dim=1, correction=0) for t in tensors]
        variances += [variance.float() for variance, _ in pairs]
        means += [mean.float() for _, mean in pairs]
        ids += members
    return ids, means, variances


def _at_least_float32(tensor: torch.Tensor) -> torch.Tensor:
    """float16 and bfloat16 hold too few digits to sum a whole output in: widen them."""
    return tensor if tensor.dtype in (torch.float32, torch.float64) else tensor.float()
