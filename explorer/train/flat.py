"""All trainable parameters in a few flat buffers, so statistics and updates cost a few ops.

Each parameter (and its gradient) becomes a view into one flat tensor per
dtype and device, ordered so that parameters of equal size lie side by side.
A run of equal-size parameters is then a ``(count, numel)`` matrix, and one
``vector_norm(..., dim=1)`` gives every one of their norms at once: gradient
statistics cost one op per distinct parameter size, not one per parameter,
and never leave the device. The optimizer steps one flat tensor per group,
which is exact (SGD, Adam and AdamW treat every element alike) and much
faster for small models than a loop over parameters. Gradients accumulate
in place into their views, so ``zero_grad`` is one ``zero_()`` per group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Bucket:
    """Parameters of one size, side by side in a group's flat buffer."""

    group: int
    start: int  # offset in the group's flat buffer
    count: int
    numel: int
    first_slot: int  # position of its first parameter in ``FlatParameters.names``


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
        self.buckets: list[Bucket] = []
        self.grads: list[torch.Tensor] = []  # one flat gradient per group
        for group, key in enumerate(keys):
            members = sorted((item for item in trainable if (item[1].dtype, item[1].device) == key),
                             key=lambda item: -item[1].numel())
            self._flatten(group, members)
        self.grad_buckets = [self._view(self.grads[b.group], b) for b in self.buckets]
        self.param_buckets = [self._view(self.masters[b.group].data, b) for b in self.buckets]

    def _flatten(self, group: int, members: list[tuple[str, nn.Parameter]]) -> None:
        total = sum(p.numel() for _, p in members)
        first = members[0][1]
        data = torch.empty(total, dtype=first.dtype, device=first.device)
        grad = torch.zeros_like(data)
        offset = 0
        for name, p in members:
            n = p.numel()
            slot = len(self.names)
            if self.buckets and self.buckets[-1].group == group \
                    and self.buckets[-1].numel == n:
                last = self.buckets[-1]
                self.buckets[-1] = Bucket(group, last.start, last.count + 1, n, last.first_slot)
            else:
                self.buckets.append(Bucket(group, offset, 1, n, slot))
            data[offset:offset + n].copy_(p.detach().reshape(-1))
            p.data = data[offset:offset + n].view_as(p)
            p.grad = grad[offset:offset + n].view_as(p)
            self.names.append(name)
            self.numels.append(n)
            self.params.append(p)
            offset += n
        master = nn.Parameter(data)
        master.grad = grad
        self.masters.append(master)
        self.grads.append(grad)

    @staticmethod
    def _view(flat: torch.Tensor, bucket: Bucket) -> torch.Tensor:
        return flat[bucket.start:bucket.start + bucket.count * bucket.numel].view(
            bucket.count, bucket.numel)

    @property
    def count(self) -> int:
        return len(self.names)

    def zero_grad(self) -> None:
        """Zero every gradient in place (one op per group), re-attaching any a caller dropped."""
        for grad in self.grads:
            grad.zero_()
        if any(p.grad is None for p in self.params):
            self._reattach()

    def _reattach(self) -> None:
        for bucket in self.buckets:
            view = self._view(self.grads[bucket.group], bucket)
            for i in range(bucket.count):
                p = self.params[bucket.first_slot + i]
                p.grad = view[i].view_as(p)

    def norms(self, of: str = "grad", ord: float = 2.0) -> list[torch.Tensor]:
        """Per-parameter vector norms, one tensor per bucket, in slot order (on the device)."""
        views = self.grad_buckets if of == "grad" else self.param_buckets
        return [torch.linalg.vector_norm(v, ord, dim=1, dtype=torch.float32) for v in views]

    def snapshot(self) -> list[torch.Tensor]:
        """A copy of the parameters as they are now (to measure the next update)."""
        return [m.detach().clone() for m in self.masters]

    def update_norms(self, before: list[torch.Tensor]) -> list[torch.Tensor]:
        """Per-parameter norms of (now - before), one tensor per bucket."""
        diffs = [m.detach() - b for m, b in zip(self.masters, before, strict=True)]
        return [torch.linalg.vector_norm(self._view(diffs[b.group], b), dim=1,
                                         dtype=torch.float32) for b in self.buckets]
