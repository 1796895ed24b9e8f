"""All trainable parameters in a few flat buffers, so statistics and updates cost a few ops.

Each parameter (and its gradient) becomes a view into one flat tensor per
dtype and device. The flat tensor is cut into buckets: a bucket is a
``(rows, width)`` matrix whose every row holds one parameter, zero-padded
to the width of the bucket's largest. One ``vector_norm(..., dim=1)`` over
a bucket then gives the norm of every parameter in it, so gradient
statistics cost one op per bucket, not one per parameter, and never leave
the device. Buckets are planned to cost least: equal sizes share one, small
parameters share one, a big parameter pads nothing.

The optimizer steps the flat tensor itself, which is exact: SGD, Adam and
AdamW treat every element alike, and padding has zero gradient, so it stays
zero. For small models that is also much faster than a loop over
parameters. Gradients accumulate in place into their views, so
``zero_grad`` is one ``zero_()`` per group.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

PADDING_SECOND_MOMENT = 3e38  # see FlatParameters.prime_padding
OP_COST = 32_768  # a reduction op costs about as much as reading this many more elements
EXACT_PLAN_LIMIT = 600  # parameters up to which buckets are planned exactly


@dataclass(frozen=True)
class Bucket:
    """Parameters side by side, one per row of a (rows, width) block of a group's buffer."""

    group: int
    start: int  # offset in the group's flat buffer
    rows: int
    width: int
    first_slot: int  # position of its first parameter in ``FlatParameters.names``

    @property
    def size(self) -> int:
        return self.rows * self.width


def plan_buckets(numels: Sequence[int]) -> list[tuple[int, int]]:
    """Cut sizes sorted largest first into (rows, width) buckets, cheapest to reduce.

    A bucket costs one op (worth OP_COST elements) plus rows × width
    elements of work, padding included; the plan minimises the total, so
    small parameters share a bucket while big ones pad nothing. Exact
    (dynamic programming) up to EXACT_PLAN_LIMIT parameters, greedy beyond.
    """
    n = len(numels)
    if n > EXACT_PLAN_LIMIT:
        return _greedy_buckets(numels)
    best = [0] + [0] * n  # best[j]: cheapest cost of the first j sizes
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        best[j], cut[j] = min((best[i] + OP_COST + (j - i) * numels[i], i) for i in range(j))
    buckets, j = [], n
    while j:
        i = cut[j]
        buckets.append((j - i, numels[i]))
        j = i
    return buckets[::-1]


def _greedy_buckets(numels: Sequence[int]) -> list[tuple[int, int]]:
    buckets, i = [], 0
    while i < len(numels):
        rows, padding = 1, 0
        while i + rows < len(numels) and (padding + numels[i] - numels[i + rows]
                                          <= max(OP_COST, rows * numels[i] // 8)):
            padding += numels[i] - numels[i + rows]
            rows += 1
        buckets.append((rows, numels[i]))
        i += rows
    return buckets


class FlatParameters:
    """The trainable parameters of a module, moved into flat buffers (in place)."""

    def __init__(self, named_parameters: Sequence[tuple[str, nn.Parameter]]) -> None:
        trainable = [(name, p) for name, p in named_parameters if p.requires_grad]
        keys: list[tuple[torch.dtype, torch.device]] = []
        for _, p in trainable:
            if (p.dtype, p.device) not in keys:
                keys.append((p.dtype, p.device))
        self.names: list[str] = []
        self.numels: list[int] = []
        self.params: list[nn.Parameter] = []
        self.masters: list[nn.Parameter] = []  # what the optimizer steps
        self.grads: list[torch.Tensor] = []  # one flat gradient per group
        self.padding: list[torch.Tensor] = []  # per group: True where an element is padding
        self.buckets: list[Bucket] = []
        for group, key in enumerate(keys):
            members = sorted((item for item in trainable if (item[1].dtype, item[1].device) == key),
                             key=lambda item: -item[1].numel())
            self._flatten(group, members)
        self.grad_buckets = [self._view(self.grads[b.group], b) for b in self.buckets]
        self.param_buckets = [self._view(self.masters[b.group].data, b) for b in self.buckets]

    def _flatten(self, group: int, members: list[tuple[str, nn.Parameter]]) -> None:
        shapes = plan_buckets([p.numel() for _, p in members])
        first = members[0][1]
        total = sum(rows * width for rows, width in shapes)
        data = torch.zeros(total, dtype=first.dtype, device=first.device)
        grad = torch.zeros_like(data)
        padding = torch.ones(total, dtype=torch.bool, device=first.device)
        queue = iter(members)
        offset = 0
        for rows, width in shapes:
            self.buckets.append(Bucket(group, offset, rows, width, len(self.names)))
            for row in range(rows):
                name, p = next(queue)
                start, n = offset + row * width, p.numel()
                data[start:start + n].copy_(p.detach().reshape(-1))
                padding[start:start + n] = False
                p.data = data[start:start + n].view_as(p)
                p.grad = grad[start:start + n].view_as(p)
                self.names.append(name)
                self.numels.append(n)
                self.params.append(p)
            offset += rows * width
        master = nn.Parameter(data)
        master.grad = grad
        self.masters.append(master)
        self.grads.append(grad)
        self.padding.append(padding)

    @staticmethod
    def _view(flat: torch.Tensor, bucket: Bucket) -> torch.Tensor:
        return flat[bucket.start:bucket.start + bucket.size].view(bucket.rows, bucket.width)

    @property
    def count(self) -> int:
        return len(self.names)

    def zero_grad(self) -> None:
        """Zero every gradient in place (one op per group), re-attaching any a caller dropped."""
        for grad in self.grads:
            grad.zero_()
        if self.params and self.params[0].grad is None:
            self._reattach()

    def _reattach(self) -> None:
        for bucket in self.buckets:
            view = self._view(self.grads[bucket.group], bucket)
            for row in range(bucket.rows):
                slot = bucket.first_slot + row
                p = self.params[slot]
                p.grad = view[row, :self.numels[slot]].view_as(p)

    def norms(self, of: str = "grad", ord: float = 2.0) -> list[torch.Tensor]:
        """Per-parameter vector norms, one tensor per bucket, in slot order (on the device)."""
        views = self.grad_buckets if of == "grad" else self.param_buckets
        return [torch.linalg.vector_norm(v, ord, dim=1, dtype=torch.float32) for v in views]

    def grad_norm_writer(self, out: torch.Tensor) -> Callable[[], None]:
        """A function that writes every parameter's gradient norm into ``out`` (one per slot).

        Everything is prepared here, so a call is just one op per bucket.
        """
        jobs = [(view, out[b.first_slot:b.first_slot + b.rows])
                for view, b in zip(self.grad_buckets, self.buckets, strict=True)]
        norm = torch.linalg.vector_norm
        if all(view.dtype == torch.float32 for view, _ in jobs):
            if len(jobs) == 1:
                (view, target), = jobs
                return lambda: norm(view, dim=1, out=target)

            def write() -> None:
                for view, target in jobs:
                    norm(view, dim=1, out=target)
            return write

        def write_converted() -> None:
            for view, target in jobs:
                norm(view, dim=1, dtype=torch.float32, out=target)
        return write_converted

    @torch.no_grad()
    def prime_padding(self, optimizer: torch.optim.Optimizer) -> None:
        """Give padding a huge Adam second moment, so its square root is not taken of zero.

        A CPU square root of exactly zero takes a slow path (about 20 times
        slower per element), and padding's second moment would stay zero for
        ever. Padding's first moment and gradient stay zero, so its update
        stays 0 / (sqrt(v) + eps) = 0 whatever v is. Call after the first
        step (the optimizer makes its state then) and again every 100,000
        steps, before beta2 decays the value away.
        """
        for master, mask in zip(self.masters, self.padding, strict=True):
            state = optimizer.state.get(master, {})
            for key in ("exp_avg_sq", "max_exp_avg_sq"):
                if isinstance(state.get(key), torch.Tensor):
                    state[key].masked_fill_(mask, PADDING_SECOND_MOMENT)

    def abs_sums_and_maxima(self) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Per-parameter sum and max of |gradient|, one tensor per bucket (on the device)."""
        magnitudes = [grad.abs() for grad in self.grads]
        views = [self._view(magnitudes[b.group], b) for b in self.buckets]
        return [v.sum(dim=1) for v in views], [v.amax(dim=1) for v in views]

    def snapshot(self) -> list[torch.Tensor]:
        """A copy of the parameters as they are now (to measure the next update)."""
        return [m.detach().clone() for m in self.masters]

    def update_norms(self, before: list[torch.Tensor]) -> list[torch.Tensor]:
        """Per-parameter norms of (now - before), one tensor per bucket."""
        diffs = [m.detach() - b for m, b in zip(self.masters, before, strict=True)]
        return [torch.linalg.vector_norm(self._view(diffs[b.group], b), dim=1,
                                         dtype=torch.float32) for b in self.buckets]
