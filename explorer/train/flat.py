"""All trainable parameters in one flat buffer per dtype and device, so statistics cost a few ops.

Each parameter (and its gradient) becomes a view into one flat tensor per
dtype and device, laid end to end with nothing in between, largest first.
The optimizer steps the flat tensor itself, which is exact (SGD, Adam and
AdamW treat every element alike) and, for small models, much faster than a
loop over parameters. Gradients accumulate in place into their views, so
``zero_grad`` is one ``zero_()`` per group.

Parameters of equal size sit side by side, so each such run is a
``(rows, size)`` matrix of the flat buffer: one ``vector_norm(..., dim=1)``
gives the norm of every parameter in it. A network has few distinct
parameter sizes (an MLP of equal hidden layers has four), so the gradient
statistics cost a few ops per step, not one per parameter, and never leave
the device. With nothing between the parameters, the optimizer's state
holds only real moments (no padding to keep at zero, no Adam state to fix).

Why not ``torch._foreach_norm`` over the parameters, grouped by node
afterwards: on the CPU it runs one norm per parameter. Measured on the
networks of ``benchmarks/bench_train.py`` (one thread, CPU time, best of
seven), its per-step gradient norms cost 15, 64 and 73 µs for 8, 36 and 44
parameters against 8, 14 and 13 µs for the runs here, and a logged step's
statistics 0.18, 0.66 and 0.68 ms against 0.16, 0.28 and 0.25 ms (its L1
and L∞ norms are slower still). Interleaved runs of the benchmark's first
part put the per-step statistics at +3 to +7 % of a step with foreach
against 0 to +3 % with the runs (medians of four or five). On CUDA foreach
would be one kernel; the runs there are a handful of launches.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Run:
    """Parameters of one size, side by side: a (rows, size) block of a group's buffer."""

    group: int
    start: int  # offset in the group's flat buffer
    rows: int
    size: int
    first_slot: int  # position of its first parameter in ``FlatParameters.names``

    def view(self, flat: torch.Tensor) -> torch.Tensor:
        """This run's block of ``flat`` (a buffer laid out like its group's), one row a slot."""
        return flat[self.start:self.start + self.rows * self.size].view(self.rows, self.size)


class FlatParameters:
    """The trainable parameters of a module, moved into flat buffers (in place).

    ``names``, ``numels`` and ``params`` list the parameters by slot: group
    by group, largest first within a group (equal sizes in the module's
    order). ``masters`` holds one flat parameter per group (what the
    optimizer steps), ``grads`` its gradient.
    """

    def __init__(self, named_parameters: Sequence[tuple[str, nn.Parameter]]) -> None:
        groups: dict[tuple[torch.dtype, torch.device], list[tuple[str, nn.Parameter]]] = {}
        for name, p in named_parameters:
            if p.requires_grad:
                groups.setdefault((p.dtype, p.device), []).append((name, p))
        self.names: list[str] = []
        self.numels: list[int] = []
        self.params: list[nn.Parameter] = []
        self.masters: list[nn.Parameter] = []
        self.grads: list[torch.Tensor] = []
        self.runs: list[Run] = []
        for group, members in enumerate(groups.values()):
            self._flatten(group, sorted(members, key=lambda item: -item[1].numel()))
        self._grad_runs = [run.view(self.grads[run.group]) for run in self.runs]

    def _flatten(self, group: int, members: list[tuple[str, nn.Parameter]]) -> None:
        data = torch.cat([p.detach().reshape(-1) for _, p in members])
        grad = torch.zeros_like(data)
        start = 0
        for size, same_size in itertools.groupby(members, key=lambda item: item[1].numel()):
            equal = list(same_size)
            self.runs.append(Run(group, start, len(equal), size, len(self.names)))
            for name, p in equal:
                p.data = data[start:start + size].view_as(p)
                p.grad = grad[start:start + size].view_as(p)
                self.names.append(name)
                self.numels.append(size)
                self.params.append(p)
                start += size
        master = nn.Parameter(data)
        master.grad = grad
        self.masters.append(master)
        self.grads.append(grad)

    @property
    def count(self) -> int:
        return len(self.names)

    def zero_grad(self) -> None:
        """Zero every gradient in place (one op per group), re-attaching any a caller dropped."""
        for grad in self.grads:
            grad.zero_()
        if self.params and self.params[0].grad is None:
            rows = [row for view in self._grad_runs for row in view.unbind(0)]
            for p, row in zip(self.params, rows, strict=True):
                p.grad = row.view_as(p)

    def norms(self, of: str = "grad", ord: float = 2.0) -> list[torch.Tensor]:
        """Per-parameter vector norms in float32, one tensor per run, in slot order (on the device).

        ``of`` is "grad" or "param".
        """
        flats = self.grads if of == "grad" else [m.detach() for m in self.masters]
        return self._run_norms(flats, ord)

    def _run_norms(self, flats: Sequence[torch.Tensor], ord: float = 2.0) -> list[torch.Tensor]:
        views = [run.view(flats[run.group]) for run in self.runs]
        return [torch.linalg.vector_norm(view, ord, dim=1, dtype=_norm_dtype(view)).float()
                for view in views]

    def grad_norm_writer(self, out: torch.Tensor) -> Callable[[], None]:
        """A function that writes every parameter's gradient norm into ``out`` (one per slot).

        Everything is prepared here, so a call is just one op per run.
        """
        jobs = [(view, out[run.first_slot:run.first_slot + run.rows])
                for view, run in zip(self._grad_runs, self.runs, strict=True)]
        norm = torch.linalg.vector_norm
        if all(view.dtype == torch.float32 for view, _ in jobs):
            def write() -> None:
                for view, target in jobs:
                    norm(view, dim=1, out=target)
            return write

        def write_converted() -> None:
            for view, target in jobs:
                target.copy_(norm(view, dim=1, dtype=_norm_dtype(view)))
        return write_converted

    def abs_sums_and_maxima(self) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Per-parameter sum and max of |gradient|, in float32, one tensor per run.

        (``vector_norm`` with ord 1 or inf would give the same, at several
        times the cost on the CPU.)
        """
        magnitudes = [grad.abs() for grad in self.grads]
        views = [run.view(magnitudes[run.group]) for run in self.runs]
        return ([view.sum(dim=1, dtype=torch.float32) for view in views],
                [view.amax(dim=1).float() for view in views])

    def snapshot(self) -> list[torch.Tensor]:
        """A copy of the parameters as they are now (to measure the next update)."""
        return [m.detach().clone() for m in self.masters]

    def update_norms(self, before: list[torch.Tensor]) -> list[torch.Tensor]:
        """Per-parameter norms of (now - before), one tensor per run."""
        return self._run_norms([m.detach() - b for m, b in zip(self.masters, before, strict=True)])


def _norm_dtype(values: torch.Tensor) -> torch.dtype:
    """Half-precision values are summed in float32; float64 keeps its own digits."""
    return torch.float64 if values.dtype == torch.float64 else torch.float32
