"""Training one plan in several processes: the launcher behind ``main.py train --nproc N``.

The parent checks that the run can be split (``check_processes``: the
device, the number of GPUs, a batch that divides by N), creates the run
folder, writes the plan into a private job folder and starts torchrun on
``explorer.train.distributed`` in a session of its own (so Ctrl-C reaches
only the parent, which ends the processes in order). It reads rank 0's
heartbeats from torchrun's stdout and keeps torchrun's own chatter in a
file, whose tail goes into status.json's details only when something went
wrong. When torchrun exits, the ranks' reports say how the run ended; a
rank that died without one (a crash, a kill) is named with its exit code.
The run folder is then left exactly as a single-process run leaves it.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO, Any, NamedTuple

from .distributed import PLAN_FILE, PROGRESS_TAG, DistributedPlan, report_path
from .errors import SetupError
from .plan import RunPlan
from .process import crash_reason
from .records import RunEnded, Status, StepRecord
from .run_folder import METRICS_FILE, new_run_dir, write_status

ENTRY = "explorer.train.distributed"
STOP_GRACE = 10.0  # seconds torchrun gets to end its processes after being asked


@dataclass(frozen=True)
class Heartbeat:
    step: int
    loss: float
    speed: float  # steps per second


@dataclass(frozen=True)
class ProcessesEnded:
    """How a multi-process run ended; ``crashed`` when a process died without saying why."""

    ended: RunEnded
    crashed: bool = False


class Choices(NamedTuple):
    """How the user chooses what a hint asks for: a command line's options, or the
    editor's Train panel."""

    processes: str  # the number of processes
    cpu: str  # training on the CPU
    one: str  # training in one process


COMMAND_LINE = Choices("--nproc N", "--device cpu", "leave --nproc out")


def check_processes(plan: RunPlan, nproc: int, choices: Choices = COMMAND_LINE,
                    ) -> DistributedPlan:
    """The plan for ``nproc`` processes; SetupError when it cannot be split that way, its
    hint in the words of ``choices``."""
    import torch.distributed as dist

    if nproc < 1:
        raise SetupError(f"A run needs at least one process, not {nproc}.",
                         f"Use one process or more ({choices.processes}).")
    elsewhere = f"Train on the CPU ({choices.cpu}), or in one process ({choices.one})."
    if not dist.is_available():
        raise SetupError("This build of PyTorch cannot run several processes "
                         "(torch.distributed is missing).",
                         f"Train in one process ({choices.one}).")
    device = plan.device.split(":")[0]
    if device not in ("cpu", "cuda"):
        raise SetupError(f"Several processes train on the CPU or on CUDA GPUs, not on {device}.",
                         elsewhere)
    backend = "gloo" if device == "cpu" else "nccl"
    if device == "cuda":
        import torch

        gpus = torch.cuda.device_count()
        if plan.device not in ("cuda", "cuda:0"):
            raise SetupError(f"Several processes use GPUs 0 to {nproc - 1}, so the device "
                             f"cannot be {plan.device}.", "Use the device cuda.")
        if nproc > gpus:
            raise SetupError(f"{nproc} processes need {nproc} GPUs (one each), and this "
                             f"machine has {gpus}.", f"Use {gpus} processes or fewer "
                             f"({choices.processes}), or train on the CPU ({choices.cpu}).")
        if not dist.is_nccl_available():
            raise SetupError("This build of PyTorch has no NCCL, which GPU processes talk "
                             "through.", elsewhere)
    batch = plan.settings.batch_size
    if batch % nproc:
        lower, upper = batch - batch % nproc, batch - batch % nproc + nproc
        near = f"{lower} or {upper}" if lower else f"{upper}"
        raise SetupError(f"The batch size ({batch}) does not split evenly over {nproc} "
                         "processes.", f"Use a batch size that is a multiple of {nproc} "
                         f"(such as {near}), or another number of processes "
                         f"({choices.processes}).")
    values = {f.name: getattr(plan, f.name) for f in fields(RunPlan)}
    return DistributedPlan(**values, nproc=nproc, backend=backend)


class ProcessesRun:
    """torchrun running one plan; ``follow`` waits for it and says how it ended."""

    def __init__(self, plan: DistributedPlan, out: str | os.PathLike[str],
                 entry: str | None = None) -> None:
        """``entry``: the module each rank runs (default ``ENTRY``; tests crash one)."""
        self.plan, self.out, self.entry = plan, out, entry or ENTRY
        self.run_dir: Path | None = None
        self.step = 0
        self._started = time.monotonic()
        self._job = Path(tempfile.mkdtemp(prefix="explorer-nproc-"))
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None  # torchrun's own output, kept for a failure's details
        self._stop = threading.Event()  # set by stop(), from any thread

    def start(self) -> None:
        """Create the run folder and start the processes; OSError when the folder cannot be made."""
        self.run_dir = new_run_dir(self.out, self.plan.name)
        self._started = time.monotonic()
        with open(self._job / PLAN_FILE, "wb") as file:
            pickle.dump(self.plan, file)
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                   "--nproc_per_node", str(self.plan.nproc), "-m", self.entry,
                   "--job", str(self._job), "--run-dir", str(self.run_dir)]
        environment = {**os.environ, "OMP_NUM_THREADS": str(self.plan.threads),
                       "PYTHONUNBUFFERED": "1"}
        self._log = open(self._job / "torchrun.log", "w", encoding="utf-8")  # noqa: SIM115
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self._log,
                                         text=True, env=environment, start_new_session=True)

    def follow(self, on_heartbeat: Callable[[Heartbeat], None]) -> ProcessesEnded:
        """Report heartbeats until torchrun exits; Ctrl-C ends the processes (status stopped)."""
        assert self._process is not None and self._process.stdout is not None, "start() first"
        reader = threading.Thread(target=self._read, args=(self._process.stdout, on_heartbeat),
                                  daemon=True)
        reader.start()
        try:
            while self._process.poll() is None and not self._stop.is_set():
                reader.join(0.1)
        except KeyboardInterrupt:
            return self._stopped("Interrupted")
        if self._process.poll() is None:  # stop() asked, and the processes still run
            return self._stopped("Stopped")
        reader.join(1.0)
        return self._conclude(self._process.returncode)

    def _stopped(self, how: str) -> ProcessesEnded:
        """End the processes before the run's end (Ctrl-C or Stop): it ends stopped."""
        self._end_processes()
        return self._finish("stopped", f"{how} at step {self.step}; the processes were ended, "
                            "so their weights were not saved.")

    def stop(self) -> None:
        """Ask ``follow`` (on another thread: the editor's Stop) to end the processes and
        report the run stopped; returns at once, the ending happens on ``follow``'s thread."""
        self._stop.set()

    def close(self) -> None:
        """End the processes if still running and remove the job folder."""
        if self._process is not None and self._process.poll() is None:
            self._end_processes()
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self._job, ignore_errors=True)

    def _read(self, stdout: IO[str], on_heartbeat: Callable[[Heartbeat], None]) -> None:
        for line in stdout:
            if not line.startswith(PROGRESS_TAG):
                continue
            try:
                data = json.loads(line[len(PROGRESS_TAG):])
                beat = Heartbeat(int(data["step"]), float(data["loss"]), float(data["speed"]))
            except (ValueError, KeyError, TypeError):  # a line cut short: the next one will do
                continue
            self.step = beat.step
            on_heartbeat(beat)

    def _end_processes(self) -> None:
        """torchrun and its processes, as a group where the system has groups."""
        process = self._process
        assert process is not None

        def send(number: int) -> None:
            if hasattr(os, "killpg"):
                os.killpg(process.pid, number)
            else:
                process.send_signal(number)

        try:
            send(signal.SIGTERM)
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            send(getattr(signal, "SIGKILL", signal.SIGTERM))
            process.wait()
        except ProcessLookupError:
            pass

    def _conclude(self, exit_code: int) -> ProcessesEnded:
        """The first cause wins: a rank's own failure, then a rank that died without a
        report, and only then a rank that merely lost contact with the others."""
        reports = {rank: self._report(rank) for rank in range(self.plan.nproc)}
        failed = [(rank, r) for rank, r in reports.items() if r and r["status"] == "failed"]
        failed.sort(key=lambda item: bool(item[1].get("lost_contact")))
        silent = [rank for rank, report in reports.items() if report is None]
        if failed and not (silent and failed[0][1].get("lost_contact")):
            first_failed, report = failed[0]
            return self._finish("failed", self._whose(first_failed, str(report["reason"])),
                                report.get("node_id"), str(report.get("details", "")))
        if exit_code or silent:
            dead, code = self._dead_rank(silent)
            reason = self._whose(dead, crash_reason(code, self.step)) if dead is not None \
                else f"The processes ended unexpectedly (torchrun exit code {exit_code})."
            return self._finish("failed", reason, crashed=True)
        first = reports[0]
        assert first is not None
        status: Status = first["status"]
        return ProcessesEnded(self._ended(status, first["reason"], first["step"],
                                          first["elapsed"]))

    def _finish(self, status: Status, reason: str, node_id: str | None = None,
                details: str = "", crashed: bool = False) -> ProcessesEnded:
        """Write the final status where rank 0 could not, with torchrun's last words."""
        ended = self._ended(status, reason, self.step, time.monotonic() - self._started,
                            node_id, details or self._log_tail())
        if self.run_dir is not None and self.run_dir.is_dir():
            write_status(self.run_dir, ended)
        return ProcessesEnded(ended, crashed)

    def _ended(self, status: Status, reason: str, step: int, elapsed: float,
               node_id: str | None = None, details: str = "") -> RunEnded:
        return RunEnded(status, reason, step, elapsed, node_id,
                        str(self.run_dir) if self.run_dir else None, self._last_record(),
                        details)

    def _report(self, rank: int) -> dict[str, Any] | None:
        try:
            report = json.loads(report_path(self._job, rank).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return report if isinstance(report, dict) else None

    def _whose(self, rank: int, reason: str) -> str:
        return f"Process {rank + 1} of {self.plan.nproc} (rank {rank}): {reason}"

    def _dead_rank(self, silent: list[int]) -> tuple[int | None, int | None]:
        """The rank torchrun saw fail first, and its exit code (negative: a signal)."""
        text = self._log_tail(20_000)
        failures = re.findall(r"rank\s*:\s*(\d+).*?exitcode\s*:\s*(-?\d+)", text, re.S)
        codes = {int(rank): int(code) for rank, code in failures}
        for rank in silent:
            if rank in codes:
                return rank, codes[rank]
        if silent:
            return silent[0], None
        return next(iter(codes.items()), (None, None))

    def _log_tail(self, size: int = 4000) -> str:
        if self._log is not None and not self._log.closed:
            self._log.flush()
        try:
            text = (self._job / "torchrun.log").read_text(encoding="utf-8", errors="replace")
            return text[-size:]
        except OSError:
            return ""

    def _last_record(self) -> StepRecord | None:
        if self.run_dir is None:
            return None
        try:
            lines = (self.run_dir / METRICS_FILE).read_text(encoding="utf-8").splitlines()
            return StepRecord.from_json(json.loads(lines[-1])) if lines else None
        except (OSError, ValueError, KeyError):
            return None

