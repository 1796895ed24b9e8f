"""What do the statistics and the run machinery cost per training step?

Run:  .venv/bin/python benchmarks/bench_train.py [--steps 2000] [--reps 3] [--threads 1]

Small recipe networks on their bundled data, on the CPU.

1. Statistics cost, measured inside one run that switches them on and off
   every 20 steps (every log_every steps when that is 100 or less, so each
   chunk holds one logged step), timed in CPU time (process time, so other programs on a
   shared machine do not count; run with --threads 1 so all the work is
   this process's); the cost is the median, over neighbouring on/off pairs
   of chunks, of on-time / off-time - 1:
     grads/step  per-node gradient norms collected every step (read every
                 1,000 steps): the engine's cost per step for them
     all, /10    the same plus the full statistics every log_every = 10
                 steps (mean and max |grad|, weight norms, update ratios,
                 activation mean/std per node, highway gates)
     all, /50    the same with log_every = 50
     naive       the usual way to watch gradients in a hand-written loop:
                 one ``grad.norm().item()`` per parameter per step

2. The whole run loop against a bare hand-written PyTorch loop (the same
   compiled network, the same tensors, a permutation per epoch, Adam): steps
   per second of the bare loop, of the Trainer in this process, and of a
   RunProcess child that streams its records here and writes a run folder
   (statistics on, log_every = 10, and "process /50" with log_every = 50).
   A run's speed is 10 / its median 10-step window time after a warm-up
   (the first optimizer step imports torch._dynamo); the table shows each
   variant's best run of --reps, run interleaved (other programs only ever
   slow a run down).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import tempfile
import time

import torch

from explorer.compiler import build_model, loss_for
from explorer.graph import recipes
from explorer.train import Callback, RunProcess, StepRecord, Trainer, plan_run

WARMUP = 100  # steps left out of every timing (a multiple of every chunk length)
CHUNK = 20  # steps per on/off half in part 1
WINDOW = 10  # steps per timed window in part 2 (= log_every)


def cases():
    return {
        "MLP 3×64, batch 64": recipes.mlp(3, 64, batch_size=64),
        "residual MLP 8×64, batch 128": recipes.residual_mlp(8, 64, batch_size=128),
        "highway MLP 10×50, batch 128": recipes.highway_mlp(10, 50, batch_size=128),
    }


# -- part 1: statistics on and off within one run ---------------------------------------


class Alternate(Callback):
    """Switches ``target.<flag>`` every ``chunk`` steps and times each chunk."""

    def __init__(self, flag: str, chunk: int = CHUNK) -> None:
        self.flag, self.chunk, self.target = flag, chunk, None
        self.times: dict[bool, list[float]] = {True: [], False: []}
        self._mark = 0.0

    def on_batch_end(self, step: int, loss: float) -> None:
        if step < WARMUP or step % self.chunk:
            return
        now = time.process_time()
        state = getattr(self.target, self.flag)
        if step > WARMUP:
            self.times[state].append(now - self._mark)
        setattr(self.target, self.flag, not state)
        self._mark = time.process_time()

    def cost(self) -> float:
        """Median over neighbouring on/off pairs of on-time / off-time, minus 1."""
        pairs = zip(self.times[True], self.times[False], strict=False)
        return statistics.median(on / off for on, off in pairs) - 1


def engine_cost(project, steps: int, log_every: int) -> float:
    """With log_every up to 100, each on/off chunk holds exactly one logged step."""
    plan = plan_run(project, steps=steps, log_every=log_every, device="cpu")
    alternate = Alternate("statistics", log_every if log_every <= 100 else CHUNK)
    trainer = Trainer(plan, [alternate])
    alternate.target = trainer
    assert trainer.run().ok
    return alternate.cost()


class BareLoop:
    """The loop a person writes by hand (same network, same data, same optimizer)."""

    def __init__(self, plan) -> None:
        torch.manual_seed(plan.settings.seed)
        self.plan = plan
        self.model = build_model(plan.project().graph)
        self.naive_stats = False

    def run(self, callback: Callback | None = None) -> list[float]:
        plan, model = self.plan, self.model
        loss_fn = loss_for(model.output_kind)
        x, y = torch.as_tensor(plan.dataset.x_train), torch.as_tensor(plan.dataset.y_train)
        optimizer = torch.optim.Adam(model.parameters(), lr=plan.settings.lr)
        batch, n = plan.settings.batch_size, len(x)
        generator = torch.Generator().manual_seed(plan.settings.seed)
        per_epoch, position, order = n // batch, n // batch, None
        times = []
        for step in range(1, plan.total_steps + 1):
            if position == per_epoch:
                order, position = torch.randperm(n, generator=generator), 0
            index = order[position * batch:(position + 1) * batch]
            position += 1
            loss = loss_fn(model(x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            if self.naive_stats:
                _ = [p.grad.norm().item() for p in model.parameters()]
            optimizer.step()
            times.append(time.perf_counter())
            if callback is not None:
                callback.on_batch_end(step, 0.0)
        return times


def naive_cost(project, steps: int) -> float:
    loop = BareLoop(plan_run(project, steps=steps, device="cpu"))
    alternate = Alternate("naive_stats")
    alternate.target = loop
    loop.run(alternate)
    return alternate.cost()


# -- part 2: the whole run loop against the bare loop -------------------------------------


def windows(times: list[float]) -> list[float]:
    marks = times[WARMUP::WINDOW]
    return [b - a for a, b in itertools.pairwise(marks)]


class StepClock(Callback):
    def __init__(self) -> None:
        self.times: list[float] = []

    def on_batch_end(self, step: int, loss: float) -> None:
        self.times.append(time.perf_counter())


def in_process(plan) -> list[float]:
    clock = StepClock()
    assert Trainer(plan, [clock]).run().ok
    return windows(clock.times)


def in_child(plan) -> list[float]:
    """Window times inside a RunProcess child, from its own logged records."""
    with tempfile.TemporaryDirectory() as out:
        run = RunProcess(plan, out=out)
        run.start()
        records = []
        while run.ended is None:
            records += [r for r in run.poll() if isinstance(r, StepRecord)]
            time.sleep(0.05)
        run.close()
    assert run.ended.ok, run.ended.reason
    marks = [(r.step, r.elapsed) for r in records if r.step >= WARMUP]
    return [(t1 - t0) * WINDOW / (s1 - s0) for (s0, t0), (s1, t1) in itertools.pairwise(marks)]


def loop_speeds(project, steps: int, reps: int) -> dict[str, float]:
    plan = plan_run(project, steps=steps, log_every=WINDOW, device="cpu")
    sparse = plan_run(project, steps=steps, log_every=50, device="cpu")
    variants = {"bare": lambda: windows(BareLoop(plan).run()),
                "engine": lambda: in_process(plan), "process": lambda: in_child(plan),
                "process /50": lambda: in_child(sparse)}
    best: dict[str, float] = {name: 0.0 for name in variants}
    for _ in range(reps):
        for name, run in variants.items():
            best[name] = max(best[name], WINDOW / statistics.median(run()))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
        os.environ["OMP_NUM_THREADS"] = str(args.threads)  # the run process's child too
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), CPU, "
          f"{args.steps} steps per run")
    print("\n1. Statistics: extra time per step, switched on and off within one run")
    print(f"{'network':30} {'grads/step':>11} {'all, /10':>9} {'all, /50':>9} {'naive':>8}")
    for name, project in cases().items():
        per_step = engine_cost(project, args.steps, 1000)
        full = engine_cost(project, args.steps, WINDOW)
        sparse = engine_cost(project, args.steps, 50)
        naive = naive_cost(project, args.steps)
        print(f"{name:30} {per_step:+11.1%} {full:+9.1%} {sparse:+9.1%} {naive:+8.1%}",
              flush=True)
    print(f"\n2. Steps per second, best of {args.reps} runs each")
    print(f"{'network':30} {'bare':>7} {'engine':>7} {'process':>8} {'vs bare':>8} "
          f"{'process /50':>12} {'vs bare':>8}")
    for name, project in cases().items():
        r = loop_speeds(project, args.steps, args.reps)
        print(f"{name:30} {r['bare']:7.0f} {r['engine']:7.0f} {r['process']:8.0f} "
              f"{r['process'] / r['bare'] - 1:+8.1%} {r['process /50']:12.0f} "
              f"{r['process /50'] / r['bare'] - 1:+8.1%}", flush=True)


if __name__ == "__main__":
    main()
