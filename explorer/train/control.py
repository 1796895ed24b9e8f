"""Pause, resume, stop and single-step: commands to a running loop, checked once per step.

The loop calls ``gate()`` before every step. While nothing has been asked
that is two attribute reads; while paused it waits (without spinning) until
resumed, stopped or allowed one more step. ``poll()`` is where a subclass
fetches commands from elsewhere (the run process reads them from its parent).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Literal

from .records import RunState

Action = Literal["run", "single", "stop"]
Command = Literal["pause", "resume", "stop", "step"]


class RunControl:
    """Thread-safe commands for one run."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._paused = False
        self._stopped = False
        self._single_steps = 0
        self._reported_pause = False

    # -- the controlling side ---------------------------------------------------

    def command(self, name: Command) -> None:
        with self._condition:
            if name == "pause":
                self._paused, self._single_steps = True, 0
            elif name == "resume":
                self._paused = False
            elif name == "stop":
                self._stopped = True
            elif name == "step":
                self._single_steps += self._paused  # a running loop needs no extra step
            else:
                raise ValueError(f"unknown command {name!r}")
            self._condition.notify_all()

    def pause(self) -> None:
        self.command("pause")

    def resume(self) -> None:
        self.command("resume")

    def stop(self) -> None:
        self.command("stop")

    def step(self) -> None:
        """While paused: run exactly one more step (logged in full), then stay paused."""
        self.command("step")

    # -- the loop's side --------------------------------------------------------

    def poll(self) -> None:
        """Fetch commands from elsewhere (nothing to do for an in-process control)."""

    def gate(self, on_state: Callable[[RunState], None]) -> Action:
        """Whether the loop may take its next step: run, take a single step, or stop."""
        self.poll()
        if self._stopped:
            return "stop"
        if not self._paused:
            return "run"
        if not self._reported_pause:
            self._reported_pause = True
            on_state("paused")
        while True:
            with self._condition:
                if self._stopped:
                    return "stop"
                if not self._paused:
                    self._reported_pause = False
                    on_state("running")
                    return "run"
                if self._single_steps:
                    self._single_steps -= 1
                    return "single"
                self._condition.wait(0.05)
            self.poll()
