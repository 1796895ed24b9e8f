"""One rank of a multi-process run: ``python -m explorer.train.distributed`` under torchrun.

``main.py train FILE --nproc N`` (see ``launch.py``) plans the run once,
then starts ``python -m torch.distributed.run --standalone --nproc_per_node N
-m explorer.train.distributed --job DIR``. Each rank trains the same plan
with the ordinary ``Trainer``, changed in three places only, so that N
processes compute what one process computes on the same global batch:

- data: every rank draws the same global batch (same seed, same
  permutation) and keeps its own slice of ``batch_size / N`` examples;
- gradients: after each backward pass the flat gradient buffers are summed
  over the ranks and divided by N (one all-reduce per buffer; this is what
  DistributedDataParallel does, done on the flat buffers the statistics
  already read), so every rank takes the same optimizer step;
- metrics: on a logged step the training loss, the examples seen and the
  correct predictions are summed over the ranks before the record is made.

Rank 0 alone writes the run folder (the same files as a single-process run,
with ``nproc`` in config.json), evaluates the validation set and prints its
heartbeats on stdout, where the launcher reads them for the progress bar.
Every rank leaves a small report (how its run ended) in the job folder, so
the launcher can say in one line which process failed and why.

Known differences from one process: batch norm normalises each rank's
slice (as DDP does without SyncBatchNorm), dropout masks are drawn per
rank, and the per-node activation statistics describe rank 0's slice.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pickle
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

from .batches import ShuffledBatches
from .callbacks import Callback
from .engine import Tensors, Trainer
from .errors import TrainingFailed
from .plan import RunPlan
from .records import Progress, RunEnded
from .setup import TrainingParts

PLAN_FILE = "plan.pickle"
PROGRESS_TAG = "@explorer-progress "  # rank 0's heartbeat lines on stdout start with this
COLLECTIVE_TIMEOUT = timedelta(minutes=10)  # a last resort: a dead peer is torchrun's to end


@dataclass(frozen=True)
class DistributedPlan(RunPlan):
    """A plan trained by ``nproc`` processes; its config says so (``nproc``, ``backend``)."""

    nproc: int = 1
    backend: str = "gloo"

    def config(self) -> dict[str, Any]:
        config = super().config()
        config["nproc"] = self.nproc
        config["backend"] = self.backend
        config["batch_per_process"] = self.settings.batch_size // self.nproc
        return config


def report_path(job: Path, rank: int) -> Path:
    return job / f"rank-{rank}.json"


class LostContact(TrainingFailed):
    """A collective failed: another process stopped or crashed (its own reason comes first)."""


@contextlib.contextmanager
def together(step: int) -> Iterator[None]:
    """Run collectives; their failure becomes LostContact, so the launcher can tell the
    process that failed first from those that only lost it."""
    try:
        yield
    except RuntimeError as error:
        where = f"at step {step}" if step else "while setting up"
        raise LostContact(f"Lost contact with the other processes {where}: one of them "
                          "stopped or crashed.") from error


class RankShare:
    """This rank's slice of every global batch the single-process run would draw."""

    def __init__(self, batches: ShuffledBatches, rank: int, world: int) -> None:
        share = batches.batch_size // world
        self._whole, self._slice = batches, slice(rank * share, (rank + 1) * share)

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = self._whole.next()
        return x[self._slice], y[self._slice]


class GradientAverage(Callback):
    """After each backward pass, every rank's gradients become the mean over the ranks."""

    def __init__(self, world: int) -> None:
        self.world = world
        self.grads: list[torch.Tensor] = []

        self.lost_contact = False

    def on_after_backward(self, step: int, model: torch.nn.Module) -> None:
        with together(step):
            for grad in self.grads:
                dist.all_reduce(grad)
        for grad in self.grads:
            grad.div_(self.world)

    def on_exception(self, error: BaseException, step: int) -> None:
        self.lost_contact = isinstance(error, LostContact)


class HeartbeatPrinter(Callback):
    """Rank 0's progress as one tagged JSON line per heartbeat, for the launcher to read."""

    def on_progress(self, progress: Progress) -> None:
        line = json.dumps({"step": progress.step, "loss": progress.loss,
                           "speed": progress.steps_per_second})
        try:
            print(PROGRESS_TAG + line, flush=True)
        except OSError:  # the launcher is gone (killed, its terminal closed): so is the run
            raise TrainingFailed("The command that started the processes ended, so they "
                                 "stopped too.") from None


class DistributedTrainer(Trainer):
    """The ordinary training loop, with the data, gradients and metrics shared across ranks.

    It overrides ``_begin`` (where the parts meet the loop: the batches become
    this rank's share and the weights rank 0's) and ``_log`` (where a record
    is made: its sums become the sums over every rank); the loop is untouched,
    so one process trains exactly as before.
    """

    def __init__(self, plan: RunPlan, rank: int, world: int,
                 callbacks: Sequence[Callback] = (), run_dir: str | Path | None = None) -> None:
        self.rank, self.world = rank, world
        self._average = GradientAverage(world)
        super().__init__(plan, [*callbacks, self._average],
                         run_dir=run_dir if rank == 0 else None)

    @property
    def lost_contact(self) -> bool:
        """True when this rank failed only because another one stopped or crashed."""
        return self._average.lost_contact

    def _begin(self, parts: TrainingParts) -> None:
        # the loop only calls next(), which RankShare answers as ShuffledBatches does
        parts.batches = RankShare(parts.batches, self.rank, self.world)  # type: ignore[assignment]
        if self.rank:  # rank 0 validates; its weights are everyone's
            parts.x_val, parts.y_val = parts.x_val[:0], parts.y_val[:0]
        with together(0):  # the same start everywhere, whatever the device
            for master in parts.flat.masters:
                dist.broadcast(master.data, 0)
        self._average.grads = parts.flat.grads
        super()._begin(parts)

    def _log(self, p: TrainingParts, step: int, lr: float, outputs: Tensors,
             gates: Tensors) -> None:
        window = self._window
        totals = torch.tensor([window.loss_sum, float(window.examples)], dtype=torch.float64,
                              device=p.device)
        with together(step):
            dist.all_reduce(totals)
            dist.all_reduce(self._right)
        window.loss_sum = totals[0].item() / self.world  # the mean of equal-sized shares
        window.examples = round(totals[1].item())
        super()._log(p, step, lr, outputs, gates)


def run_rank(job: Path, run_dir: str | None) -> RunEnded:
    """Join the process group, train this rank's share of the plan in ``job``, report."""
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local = int(os.environ.get("LOCAL_RANK", rank))
    with open(job / PLAN_FILE, "rb") as file:
        plan: DistributedPlan = pickle.load(file)  # written by our own launcher, just now
    if plan.backend == "nccl":
        torch.cuda.set_device(local)
        plan = replace(plan, device=f"cuda:{local}")
    dist.init_process_group(plan.backend, timeout=COLLECTIVE_TIMEOUT)
    try:
        listeners = [HeartbeatPrinter()] if rank == 0 else []
        trainer = DistributedTrainer(plan, rank, world, listeners, run_dir)
        ended = trainer.run()
    finally:
        dist.destroy_process_group()
    report = {"status": ended.status, "reason": ended.reason, "step": ended.step,
              "elapsed": ended.elapsed, "node_id": ended.node_id, "details": ended.details,
              "lost_contact": trainer.lost_contact}
    report_path(job, rank).write_text(json.dumps(report), encoding="utf-8")
    return ended


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.train.distributed",
                                     description="One rank of a multi-process run (started "
                                     "by `main.py train --nproc N` through torchrun).")
    parser.add_argument("--job", required=True, help="the folder holding the launcher's plan")
    parser.add_argument("--run-dir", help="the run folder rank 0 writes")
    args = parser.parse_args(argv)
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        parser.error("this runs under torchrun: use `python main.py train FILE --nproc N`.")
    ended = run_rank(Path(args.job), args.run_dir)
    return 1 if ended.status == "failed" else 0  # a failed rank makes torchrun end the others


if __name__ == "__main__":
    sys.exit(main())
