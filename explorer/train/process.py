"""A run in its own process: whatever happens to it, the caller keeps working.

``RunProcess(plan, out="runs").start()`` spawns a fresh Python ("spawn":
safe beside Qt, and a crash cannot reach the editor's memory), or hands the
plan to one spawned ahead of time (``start(warm=...)``, see ``warm.py``). The child
trains with a ``Trainer`` and streams its records back through a pipe (in
batches, every 50 ms); the parent drains them with ``poll()`` whenever it likes (the editor on a
timer, the command line in a loop) and sends pause, resume, step and stop
down a second pipe. If the child dies without saying how it ended (an
abort, a segfault, the system killing it for memory), the parent notices
from its exit code and ends the run as failed, writing the run folder's
status itself. If the parent disappears, the child sees its command pipe
close and stops.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from .callbacks import Callback, RecordListener
from .control import Command, RunControl
from .engine import Trainer
from .plan import RunPlan
from .records import Record, RunEnded, Status, StepRecord
from .run_folder import new_run_dir, write_status
from .warm import PROCESS_NAME, WarmProcess

SEND_INTERVAL = 0.05  # seconds between batches of records from the child
EXIT_GRACE = 5.0  # seconds a child that went silent may take to exit before it is reported


class RunProcess:
    """The parent's handle on one run in a child process."""

    def __init__(self, plan: RunPlan, out: str | os.PathLike[str] | None = "runs",
                 child_callbacks: Sequence[Callback] = ()) -> None:
        """``child_callbacks`` run inside the child: they must pickle (instances of
        importable classes), and they see every step, the model included."""
        self.plan = plan
        self.out = out
        self.child_callbacks = list(child_callbacks)
        self.run_dir: Path | None = None
        self.ended: RunEnded | None = None
        self.last: StepRecord | None = None
        self.steps_done = 0
        self._process: BaseProcess | None = None
        self._records: Connection | None = None
        self._commands: Connection | None = None
        self._killed = False
        self._silent_since: float | None = None  # when the pipe closed without a RunEnded
        self.started_warm = False  # the run went to a process started ahead of time

    def start(self, warm: WarmProcess | None = None) -> None:
        """Create the run folder and start the child; returns at once.

        ``warm``: a process started ahead of time (``warm.py``) to take the run,
        so it need not load Python and torch first; if it has died, the run is
        spawned as usual. It is spent either way.
        """
        if self._process is not None:
            raise RuntimeError("this run has already been started")
        if self.out is not None:
            self.run_dir = new_run_dir(self.out, self.plan.name)
        run_dir = str(self.run_dir) if self.run_dir else None
        taken = (warm.hand_over(self.plan, run_dir, self.child_callbacks)
                 if warm is not None else None)
        if taken is not None:
            self._process, self._records, self._commands = taken
            self.started_warm = True
            return
        context = mp.get_context("spawn")
        records_in, records_out = context.Pipe(duplex=False)
        commands_in, commands_out = context.Pipe(duplex=False)
        self._process = context.Process(
            target=child_main, name=PROCESS_NAME, daemon=True,
            args=(self.plan, run_dir, records_out, commands_in, self.child_callbacks))
        self._process.start()
        records_out.close()  # so a dead child reads as end-of-file, never as a hang
        commands_in.close()
        self._records, self._commands = records_in, commands_out

    # -- commands -------------------------------------------------------------------

    def pause(self) -> None:
        self._send("pause")

    def resume(self) -> None:
        self._send("resume")

    def step(self) -> None:
        """While paused: take one more step (logged in full)."""
        self._send("step")

    def stop(self) -> None:
        """Ask the run to stop after the current step; it saves its weights and ends."""
        self._send("stop")

    def kill(self) -> None:
        """End the child at once (for a run that does not answer stop); nothing is saved."""
        if self._process is not None and self._process.is_alive():
            self._killed = True
            self._process.kill()

    def _send(self, command: Command) -> None:
        if self._commands is None or self.ended is not None:
            return
        with contextlib.suppress(BrokenPipeError, OSError):  # a gone child: poll() says how
            self._commands.send(command)

    # -- records --------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._process is not None and self.ended is None

    def poll(self, limit: int = 5000) -> list[Record]:
        """The records that have arrived since the last call, at most ``limit`` (never waits).

        The limit keeps a caller on a timer (the editor) responsive even when
        a fast run logs every step; the rest come on the next call.
        """
        got: list[Record] = []
        reader = self._records
        if reader is not None:
            try:
                while len(got) < limit and reader.poll():
                    got.extend(reader.recv())  # the child sends records in batches
            except (EOFError, OSError):
                reader.close()
                self._records = None
        for record in got:
            self._note(record)
        if self.ended is None and self._records is None and self._process is not None:
            # the pipe is closed and no RunEnded came: the child died without a word
            ended = self._silent_end(self._process)
            if ended is not None:
                got.append(ended)
        return got

    def _silent_end(self, process: BaseProcess) -> RunEnded | None:
        """How a child that closed its pipe without a word ended; None while it still exits.

        Never waits (``poll`` runs on the editor's UI thread): reading the
        exit code only asks the system. A child still tearing down is asked
        again on the next poll; one still there ``EXIT_GRACE`` seconds after
        it went silent is reported without its exit code (``close`` ends it).
        """
        now = time.monotonic()
        if self._silent_since is None:
            self._silent_since = now
        exitcode = process.exitcode
        if exitcode is None and now - self._silent_since < EXIT_GRACE:
            return None
        return self._crashed(exitcode)

    def wait(self, timeout: float | None = None, interval: float = 0.05) -> RunEnded | None:
        """Block until the run ends (or ``timeout`` seconds pass), collecting its records."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.ended is None:
            self.poll()
            if self.ended is None:
                if deadline is not None and time.monotonic() >= deadline:
                    return None
                time.sleep(interval)
        return self.ended

    def close(self, timeout: float = 10) -> None:
        """Stop the child if it still runs (kill it after ``timeout`` s); release the pipes."""
        if self._process is not None and self.ended is None:
            self.stop()
            self.wait(timeout)
            if self.ended is None:
                self.kill()
                self.wait(timeout)
        if self._process is not None:
            self._process.join(timeout=2)  # reap it; a daemon never outlives this process
            if self._process.is_alive():  # it went silent without exiting: end it now
                self._process.kill()
                self._process.join(timeout=2)
        for conn in (self._records, self._commands):
            if conn is not None:
                conn.close()
        self._records = self._commands = None

    def _note(self, record: Record) -> None:
        if isinstance(record, StepRecord):
            self.last, self.steps_done = record, record.step
        elif isinstance(record, RunEnded):
            self.ended = record
            self.steps_done = record.step
        elif hasattr(record, "step"):
            self.steps_done = max(self.steps_done, record.step)

    def _crashed(self, exitcode: int | None) -> RunEnded:
        status: Status = "failed"
        reason = crash_reason(exitcode, self.steps_done)
        if self._killed:
            status = "stopped"
            reason = f"Ended at once at step {self.steps_done}, so its weights were not saved."
        ended = RunEnded(status, reason, self.steps_done,
                         run_dir=str(self.run_dir) if self.run_dir else None, last=self.last,
                         details=f"exit code {exitcode}")
        self.ended = ended
        if self.run_dir is not None and self.run_dir.is_dir():
            write_status(self.run_dir, ended)
        return ended


def crash_reason(exitcode: int | None, step: int) -> str:
    """What a child's exit code says about how it died, in plain words."""
    where = f" at step {step}" if step else " before its first step"
    if exitcode is None:
        return (f"The training process stopped answering{where} and has not exited. "
                "Your work in the editor is safe.")
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if -exitcode == signal.SIGKILL:
            return (f"The training process was killed{where} ({name}), most often because the "
                    "machine ran out of memory. Lower the batch size or make the network smaller.")
        return f"The training process crashed{where} ({name}). Your work in the editor is safe."
    return (f"The training process ended unexpectedly{where} (exit code {exitcode}). "
            "Your work in the editor is safe.")


# -- the child's side -------------------------------------------------------------------


class PipeControl(RunControl):
    """Commands arriving from the parent down a pipe; a closed pipe means stop."""

    def __init__(self, commands: Connection) -> None:
        super().__init__()
        self._commands = commands

    def poll(self) -> None:
        try:
            while self._commands.poll():
                self.command(self._commands.recv())
        except (EOFError, OSError):
            self.command("stop")  # the parent is gone: nobody is watching this run


class RecordSender:
    """Sends records to the parent from a thread, so a slow reader never slows training.

    Records go in batches (one list per message), a batch every ``interval``
    seconds: a thread woken for every record would take the interpreter lock
    from the training loop over and over, which costs a small model a fifth
    of its speed. The last batch goes when the sender closes.
    """

    def __init__(self, conn: Connection, interval: float = SEND_INTERVAL) -> None:
        self._conn = conn
        self._interval = interval
        self._queue: collections.deque[Record] = collections.deque()
        self._closing = False
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="record-sender", daemon=True)
        self._thread.start()

    def send(self, record: Record) -> None:
        self._queue.append(record)  # deque.append is atomic; the thread collects it

    def close(self, timeout: float = 30) -> None:
        with self._ready:
            self._closing = True
            self._ready.notify()
        self._thread.join(timeout)
        self._conn.close()

    def _run(self) -> None:
        while True:
            with self._ready:
                if not self._closing:
                    self._ready.wait(self._interval)
                closing = self._closing
            batch = [self._queue.popleft() for _ in range(len(self._queue))]
            if batch:
                try:
                    self._conn.send(batch)
                except (BrokenPipeError, OSError):
                    return  # the parent has gone away
            if closing:
                return


def child_main(plan: RunPlan, run_dir: str | None, records: Connection,
               commands: Connection, callbacks: Sequence[Callback] = ()) -> None:
    """The child process: train ``plan`` and report everything through ``records``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent to decide
    sender = RecordSender(records)
    try:
        listeners = [*callbacks, RecordListener(sender.send)]
        Trainer(plan, listeners, PipeControl(commands), run_dir).run()
    finally:
        sender.close()
