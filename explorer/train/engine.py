"""The training loop: one run, in this process, told to its listeners through callbacks.

``Trainer(plan, callbacks, control).run()`` builds the network, trains it
for the planned steps and returns a ``RunEnded``. It never raises for
anything that goes wrong while training: an exception, a NaN or infinite
loss (with the node where it first appeared), running out of memory, all
end the run as failed with a plain reason, after ``on_exception``.
"""

from __future__ import annotations

import math
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch

from .callbacks import Callback, overrides
from .control import RunControl
from .environment import reproducible
from .errors import TrainingFailed
from .evaluation import evaluate
from .nodes import gate_probe
from .nonfinite import nonfinite_gradient_failure, nonfinite_loss_failure
from .optim import learning_rate, set_learning_rate
from .plan import RunPlan
from .records import (
    NodeStats,
    Progress,
    RunEnded,
    RunStarted,
    RunState,
    StateChanged,
    Status,
    StepRecord,
)
from .run_folder import RunWriter
from .setup import TrainingParts, build_parts
from .stats import Reading

PROGRESS_INTERVAL = 0.25  # seconds between Progress records

Tensors = dict[str, torch.Tensor]  # by node id


@dataclass
class Tally:
    """Training loss and examples seen since the last record (or heartbeat)."""

    loss_sum: float = 0.0
    steps: int = 0
    examples: int = 0

    def add(self, loss: float, examples: int) -> None:
        self.loss_sum += loss
        self.steps += 1
        self.examples += examples

    @property
    def mean_loss(self) -> float:
        return self.loss_sum / self.steps if self.steps else math.nan


class Trainer:
    """Train ``plan`` once. ``run_dir``, when given, receives the run's records."""

    def __init__(self, plan: RunPlan, callbacks: Sequence[Callback] = (),
                 control: RunControl | None = None, run_dir: str | Path | None = None,
                 *, statistics: bool = True) -> None:
        """``statistics=False`` leaves out the per-node statistics (to measure their cost)."""
        self.plan = plan
        self.statistics = statistics
        self.callbacks = list(callbacks)
        self.control = control or RunControl()
        self.writer = RunWriter(Path(run_dir)) if run_dir is not None else None
        self.parts: TrainingParts | None = None
        self.step = 0  # steps completed
        self.current = 0  # the step being computed (0 while setting up)
        self.last: StepRecord | None = None
        self._after_backward = [c for c in self.callbacks if overrides(c, "on_after_backward")]
        self._batch_end = [c for c in self.callbacks if overrides(c, "on_batch_end")]

    @property
    def model(self) -> torch.nn.Module | None:
        return self.parts.model if self.parts else None

    def run(self) -> RunEnded:
        started = time.perf_counter()
        status: Status = "done"
        reason, node_id, details = "", None, ""
        try:
            device = torch.device(self.plan.device)
            with reproducible(self.plan.settings, device, self.plan.threads):
                self.parts = parts = build_parts(self.plan)
                self._begin(parts)
                self._started = time.perf_counter()
                if self._loop(parts) == "stopped":
                    status, reason = "stopped", f"Stopped at step {self.step}."
                if self.writer:
                    self.writer.flush()  # the last metrics reach the disk, or the run failed
        except KeyboardInterrupt:  # Ctrl-C in a notebook or script: keep what was learned
            status, reason = "stopped", f"Interrupted at step {self.step}."
        except Exception as error:  # every failure becomes a reason, never a traceback
            status, details = "failed", traceback.format_exc()
            reason, node_id = describe_failure(error, self.current, self.plan.device)
            for callback in self.callbacks:
                _quietly(callback.on_exception, error, self.current)
        ended = RunEnded(status, reason, self.step, time.perf_counter() - started, node_id,
                         str(self.writer.run_dir) if self.writer else None, self.last, details)
        if self.writer:  # a full disk must not hide how the run ended
            _quietly(self.writer.end, ended, self.model if status != "failed" else None)
        for callback in self.callbacks:
            _quietly(callback.on_end, ended)
        return ended

    def _begin(self, parts: TrainingParts) -> None:
        config = self.plan.config()
        config["model"] = {"parameters": parts.parameter_count,
                           "output": parts.model.output_kind}
        config["precision"] = parts.precision.name
        if self.writer:
            self.writer.begin(self.plan.project_text, config)
        started = RunStarted(str(self.writer.run_dir) if self.writer else None,
                             self.plan.total_steps, config)
        for callback in self.callbacks:
            callback.on_begin(started)

    # -- the loop -------------------------------------------------------------------

    def _loop(self, parts: TrainingParts) -> Literal["done", "stopped"]:
        plan, total, log_every = self.plan, self.plan.total_steps, self.plan.settings.log_every
        self._window, self._since_beat = Tally(), Tally()
        self._right = torch.zeros((), device=parts.device)  # correct predictions, on device
        self._beat_time, self._beat_step = time.perf_counter(), 0
        for step in range(1, total + 1):
            action = self.control.gate(self._state_changed)
            if action == "stop":
                return "stopped"
            self.current = step
            logged = step % log_every == 0 or step == total or action == "single"
            lr = learning_rate(plan.settings, step, total)
            loss, outputs, gates = self._train_step(parts, step, lr,
                                                    probe=logged and self.statistics)
            self.step = step
            if logged:
                self._log(parts, step, lr, outputs, gates)
            self._heartbeat(step)
            for callback in self._batch_end:
                callback.on_batch_end(step, loss)
        return "done"

    def _train_step(self, p: TrainingParts, step: int, lr: float,
                    probe: bool) -> tuple[float, Tensors, Tensors]:
        """One optimizer step. With ``probe``, also every node's output and the gate means."""
        model, flat, optimizer, scaler = p.model, p.flat, p.optimizer, p.precision.scaler
        set_learning_rate(optimizer, lr)
        x, y = p.batches.next()
        flat.zero_grad()
        outputs: Tensors = {}
        gates: Tensors = {}
        with p.precision.autocast():
            if probe:
                with gate_probe(p.gates) as gates:
                    outputs = model.forward_all(x)
                scores = outputs[p.head_source]
            else:
                scores = model(x)
            loss = p.loss_fn(scores, y)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise nonfinite_loss_failure(model, x, p.graph, p.input_id, loss_value, step)
        (scaler.scale(loss) if scaler else loss).backward()
        for callback in self._after_backward:
            callback.on_after_backward(step, model)
        if scaler:
            scaler.unscale_(optimizer)
        # Statistics see the gradients before clipping: clipped ones would hide an explosion.
        if self.statistics:
            p.stats.after_backward()
        if probe:
            p.stats.before_update()
        if self.plan.settings.grad_clip:
            torch.nn.utils.clip_grad_norm_(flat.masters, self.plan.settings.grad_clip)
        if p.count_correct is not None:
            self._right += p.count_correct(scores.detach(), y)
        if scaler:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
        self._window.add(loss_value, y.numel())
        self._since_beat.add(loss_value, y.numel())
        return loss_value, outputs, gates

    def _log(self, p: TrainingParts, step: int, lr: float, outputs: Tensors,
             gates: Tensors) -> None:
        plan, window = self.plan, self._window
        reading = (p.stats.read(outputs, gates, [self._right]) if self.statistics
                   else Reading({}, None, [float(self._right)]))
        self._right.zero_()
        self._window = Tally()
        accuracy = reading.extras[0] / window.examples if p.count_correct is not None else None
        val_loss = val_accuracy = None
        if len(p.x_val) and (step % plan.val_every == 0 or step == plan.total_steps):
            val_loss, val_accuracy = evaluate(
                p.model, p.x_val, p.y_val, p.loss_fn, p.count_correct,
                max(256, 2 * plan.settings.batch_size), p.precision.autocast)
        nodes = self._in_graph_order(p, reading.nodes)
        if p.precision.scaler is None:
            for node_id, node in nodes.items():
                if node.grad_norm is not None and not math.isfinite(node.grad_norm):
                    raise nonfinite_gradient_failure(node_id, p.graph, step)
        record = StepRecord(
            step=step, epoch=(step - 1) // plan.steps_per_epoch + 1, lr=lr,
            elapsed=time.perf_counter() - self._started, train_loss=window.mean_loss,
            train_accuracy=accuracy, val_loss=val_loss, val_accuracy=val_accuracy,
            grad_norm=reading.grad_norm, nodes=nodes)
        self.last = record
        if self.writer:
            self.writer.log(record)
        for callback in self.callbacks:
            callback.on_log(record)

    @staticmethod
    def _in_graph_order(p: TrainingParts, nodes: dict[str, NodeStats]) -> dict[str, NodeStats]:
        for block_id, gate_node in p.expanded_gates.items():
            gate = nodes.get(gate_node)
            if gate is not None and gate.act_mean is not None:
                nodes[block_id] = NodeStats(gate_mean=gate.act_mean)
        ordered = {n: nodes[n] for n in p.order if n in nodes}
        ordered.update((n, s) for n, s in nodes.items() if n not in ordered)
        return ordered

    def _heartbeat(self, step: int) -> None:
        now = time.perf_counter()
        if now - self._beat_time < PROGRESS_INTERVAL and step != self.plan.total_steps:
            return
        progress = Progress(step, self.plan.total_steps,
                            (step - 1) // self.plan.steps_per_epoch + 1,
                            self._since_beat.mean_loss,
                            (step - self._beat_step) / (now - self._beat_time),
                            now - self._started)
        self._since_beat, self._beat_time, self._beat_step = Tally(), now, step
        for callback in self.callbacks:
            callback.on_progress(progress)

    def _state_changed(self, state: RunState) -> None:
        change = StateChanged(state, self.step)
        for callback in self.callbacks:
            callback.on_state(change)


def describe_failure(error: BaseException, step: int, device: str) -> tuple[str, str | None]:
    """A plain reason (and the node it is about, if any) for an error that ended a run."""
    if isinstance(error, TrainingFailed):
        return error.reason, error.node_id
    if is_out_of_memory(error):
        return (f"Ran out of memory at step {step} on {device}. Lower the batch size or make "
                "the network smaller.", None)
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    where = f" at step {step}" if step else " while setting up"
    return f"Training stopped with an error{where}: {text}", getattr(error, "node_id", None)


def is_out_of_memory(error: BaseException) -> bool:
    if isinstance(error, (MemoryError, torch.OutOfMemoryError)):
        return True
    text = str(error).lower()
    return isinstance(error, RuntimeError) and (
        "out of memory" in text or "can't allocate memory" in text)


def _quietly(method: Callable[..., object], *args: object) -> None:
    """Call a listener without letting its own error hide the run's outcome."""
    try:
        method(*args)
    except Exception:
        traceback.print_exc()
