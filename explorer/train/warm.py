"""A run process started ahead of time, so Train does not wait for Python and torch to load.

A fresh run process spends seconds before its first step: starting Python,
importing torch, and (in its first optimizer step) importing torch._dynamo.
``WarmProcess.start()`` pays that while nobody waits: its child imports
torch, trains a two-step throwaway run (so the compiler, the statistics
and the optimizers' first-step paths are loaded) and then blocks on its
command pipe until a plan arrives. ``RunProcess.start(warm=...)`` hands the
plan over instead of spawning; from then on the child is an ordinary run
process (``child_main``), with the same pipes and the same records.

A warm child that is still warming up is used all the same: it is further
along than a fresh one would be, and a second process importing torch
beside it would only slow both. It looks at its pipe between the stages of
its warm-up and skips the rest once a plan waits (the run loads what it
still needs itself, as a fresh process would). A dead one is passed over
and the run is spawned as before, so a warm process never makes a run
start later.

This module imports no torch: the editor makes warm processes.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import signal
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .callbacks import Callback
    from .plan import RunPlan

PROCESS_NAME = "architecture-explorer-run"  # the same name a spawned run process has
WARM_UP_EXAMPLE = "residual_mlp_spirals"  # small, fast, and it uses the common layers
WARM_UP_STEPS = 2


class WarmProcess:
    """One run process, started and warming up, waiting for the plan it will train."""

    def __init__(self) -> None:
        self._process: BaseProcess | None = None
        self._records: Connection | None = None
        self._commands: Connection | None = None
        self._ready: Event | None = None
        self._lock = threading.Lock()  # a worker thread hands over while the editor may close

    def start(self) -> None:
        """Spawn the child; returns at once (the child warms up on its own)."""
        if self._process is not None:
            raise RuntimeError("this warm process has already been started")
        context = mp.get_context("spawn")
        records_in, records_out = context.Pipe(duplex=False)
        commands_in, commands_out = context.Pipe(duplex=False)
        self._ready = context.Event()
        self._process = context.Process(target=warm_main, name=PROCESS_NAME, daemon=True,
                                        args=(records_out, commands_in, self._ready))
        self._process.start()
        records_out.close()  # so a dead child reads as end-of-file, never as a hang
        commands_in.close()
        self._records, self._commands = records_in, commands_out

    @property
    def alive(self) -> bool:
        """The child is there and has not been handed a plan yet."""
        return (self._process is not None and self._commands is not None
                and self._process.is_alive())

    @property
    def ready(self) -> bool:
        """The child has warmed up and waits for a plan."""
        return self.alive and self._ready is not None and self._ready.is_set()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the child has warmed up (for tests and measurements); False if not."""
        if self._ready is None:
            return False
        return self._ready.wait(timeout) and self.alive

    def hand_over(self, plan: RunPlan, run_dir: str | None, callbacks: Sequence[Callback]
                  ) -> tuple[BaseProcess, Connection, Connection] | None:
        """Give the child its run; returns its process and the record and command pipes.

        None when the child is gone (or the plan could not be sent): spawn the run instead.
        Either way this warm process is spent: it never takes a second plan.
        """
        with self._lock:
            process, records, commands = self._process, self._records, self._commands
            self._records = self._commands = None
        if process is None or records is None or commands is None or not process.is_alive():
            self._release(process, records, commands)
            return None
        try:
            commands.send(("run", plan, run_dir, list(callbacks)))
        except (BrokenPipeError, OSError):
            self._release(process, records, commands)
            return None
        except BaseException:  # a plan that cannot be sent could not be spawned either
            self._release(process, records, commands)
            raise
        return process, records, commands

    def close(self, timeout: float = 2) -> None:
        """End a child that was never handed a plan, at once: it holds nothing to save, and
        one still loading torch would take seconds to notice its closed pipe."""
        with self._lock:
            process, records, commands = self._process, self._records, self._commands
            self._records = self._commands = None
        if commands is None:
            return  # never started, or already handed over: the run's owner closes it
        self._release(process, records, commands, timeout)

    @staticmethod
    def _release(process: BaseProcess | None, records: Connection | None,
                 commands: Connection | None, timeout: float = 2) -> None:
        for conn in (commands, records):
            if conn is not None:
                conn.close()
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join(timeout)


# -- the child's side -------------------------------------------------------------------


def warm_main(records: Connection, commands: Connection, ready: Event) -> None:
    """The warm child: warm up, then train the first plan that arrives (or end unused)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent to decide
    for stage in WARM_UP_STAGES:
        if commands.poll():
            break  # a plan (or the end) is waiting: it must not wait for the rest
        with contextlib.suppress(Exception):  # a failed warm-up only means a slower first step
            stage()
    ready.set()
    try:
        job: Any = commands.recv()
    except (EOFError, OSError):
        return  # the editor closed, or gave up on this process
    if not (isinstance(job, tuple) and len(job) == 4 and job[0] == "run"):
        return
    from .process import child_main

    _, plan, run_dir, callbacks = job
    child_main(plan, run_dir, records, commands, callbacks)


def load_training() -> None:
    """Import torch and the training code (what every run needs before its first step)."""
    import torch

    from . import engine, plan, process  # noqa: F401

    torch.set_num_threads(1)  # the warm-up must not take the editor's core; a run sets its own


def exercise_a_run() -> None:
    """Train a throwaway two-step run on the CPU, so the compiler's and the statistics'
    first-use paths are loaded.

    Never on a GPU: a CUDA start-up belongs to the run that asked for one.
    """
    from explorer.graph.examples import load_example

    from .engine import Trainer
    from .plan import plan_run

    plan = plan_run(load_example(WARM_UP_EXAMPLE), steps=WARM_UP_STEPS, device="cpu",
                    threads=1, log_every=1)
    Trainer(plan).run()


def exercise_the_optimizers() -> None:
    """One step of each optimizer a run may use: the first imports torch._dynamo (a second
    or more, and every run needs it), the others load their own first-step code."""
    import torch

    layer = torch.nn.Linear(2, 1)
    for make in (torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW):
        optimizer = make(layer.parameters(), lr=1e-3)
        layer(torch.ones(1, 2)).sum().backward()
        optimizer.step()
        optimizer.zero_grad()


# In this order every stage but the last (milliseconds) is work any run's first step needs,
# so a plan that arrives mid-stage waits for nothing a fresh process would not do too.
WARM_UP_STAGES = (load_training, exercise_the_optimizers, exercise_a_run)
