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
from collections.abc import Sequence
from pathlib import Path

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
from .records import NodeStats, Progress, RunEnded, RunStarted, StateChanged, StepRecord
from .run_folder import RunWriter
from .setup import TrainingParts, build_parts
from .stats import Reading

PROGRESS_INTERVAL = 0.25  # seconds between Progress records


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
        status, reason, node_id, details = "done", "", None, ""
        try:
            with reproducible(self.plan.settings, torch.device(self.plan.device)):
                self.parts = build_parts(self.plan)
                self._begin()
                self._started = time.perf_counter()
                if self._loop() == "stopped":
                    status, reason = "stopped", f"Stopped at step {self.step}."
        except Exception as error:  # every failure becomes a reason, never a traceback
            status, details = "failed", traceback.format_exc()
            reason, node_id = describe_failure(error, self.current, self.plan.device)
            for callback in self.callbacks:
                _quietly(callback.on_exception, error, self.step)
        ended = RunEnded(status, reason, self.step, time.perf_counter() - started, node_id,
                         str(self.writer.run_dir) if self.writer else None, self.last, details)
        if self.writer:
            self.writer.end(ended, self.model if status != "failed" else None)
        for callback in self.callbacks:
            _quietly(callback.on_end, ended)
        return ended

    def _begin(self) -> None:
        parts = self.parts
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

    def _loop(self) -> str:
        p, plan, settings = self.parts, self.plan, self.plan.settings
        model, flat, stats, optimizer = p.model, p.flat, p.stats, p.optimizer
        scaler, autocast = p.precision.scaler, p.precision.autocast
        total, log_every, clip = plan.total_steps, settings.log_every, settings.grad_clip
        right = torch.zeros((), device=p.device)
        self._window = [0.0, 0, 0]  # loss sum, steps, examples (for accuracy)
        self._beat = [time.perf_counter(), 0.0, 0, 0]  # time, loss sum, steps, at step
        for step in range(1, total + 1):
            action = self.control.gate(self._state_changed)
            if action == "stop":
                return "stopped"
            self.current = step
            logged = step % log_every == 0 or step == total or action == "single"
            probed = logged and self.statistics
            lr = learning_rate(settings, step, total)
            set_learning_rate(optimizer, lr)
            x, y = p.batches.next()
            flat.zero_grad()
            with autocast():
                if probed:
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
            if clip:
                torch.nn.utils.clip_grad_norm_(flat.masters, clip)
            if self.statistics:
                stats.after_backward()
            if p.count_correct is not None:
                right += p.count_correct(scores.detach(), y)
            if probed:
                stats.before_update()
            if scaler:
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            self.step = step
            self._window[0] += loss_value
            self._window[1] += 1
            self._window[2] += y.numel()
            if logged:
                self._log(step, lr, outputs if probed else {}, gates if probed else {}, right)
                right.zero_()
            self._heartbeat(step, loss_value)
            for callback in self._batch_end:
                callback.on_batch_end(step, loss_value)
        return "done"

    def _log(self, step: int, lr: float, outputs: dict, gates: dict,
             right: torch.Tensor) -> None:
        p, plan = self.parts, self.plan
        reading = (p.stats.read(outputs, gates, [right]) if self.statistics
                   else Reading({}, None, [float(right)]))
        loss_sum, steps, examples = self._window
        self._window = [0.0, 0, 0]
        accuracy = reading.extras[0] / examples if p.count_correct is not None else None
        val_loss = val_accuracy = None
        if len(p.x_val) and (step % plan.val_every == 0 or step == plan.total_steps):
            val_loss, val_accuracy = evaluate(
                p.model, p.x_val, p.y_val, p.loss_fn, p.count_correct,
                max(256, 2 * plan.settings.batch_size), p.precision.autocast)
        nodes = self._in_graph_order(reading.nodes)
        if p.precision.scaler is None:
            for node_id, node in nodes.items():
                if node.grad_norm is not None and not math.isfinite(node.grad_norm):
                    raise nonfinite_gradient_failure(node_id, p.graph, step)
        record = StepRecord(
            step=step, epoch=(step - 1) // plan.steps_per_epoch + 1, lr=lr,
            elapsed=time.perf_counter() - self._started, train_loss=loss_sum / steps,
            train_accuracy=accuracy, val_loss=val_loss, val_accuracy=val_accuracy,
            grad_norm=reading.grad_norm, nodes=nodes)
        self.last = record
        if self.writer:
            self.writer.log(record)
        for callback in self.callbacks:
            callback.on_log(record)

    def _in_graph_order(self, nodes: dict[str, NodeStats]) -> dict[str, NodeStats]:
        p = self.parts
        for block_id, gate_node in p.expanded_gates.items():
            gate = nodes.get(gate_node)
            if gate is not None and gate.act_mean is not None:
                nodes[block_id] = NodeStats(gate_mean=gate.act_mean)
        ordered = {n: nodes[n] for n in p.order if n in nodes}
        ordered.update((n, s) for n, s in nodes.items() if n not in ordered)
        return ordered

    def _heartbeat(self, step: int, loss_value: float) -> None:
        beat = self._beat
        beat[1] += loss_value
        beat[2] += 1
        now = time.perf_counter()
        if now - beat[0] < PROGRESS_INTERVAL and step != self.plan.total_steps:
            return
        progress = Progress(step, self.plan.total_steps,
                            (step - 1) // self.plan.steps_per_epoch + 1, beat[1] / beat[2],
                            (step - beat[3]) / (now - beat[0]), now - self._started)
        self._beat = [now, 0.0, 0, step]
        for callback in self.callbacks:
            callback.on_progress(progress)

    def _state_changed(self, state: str) -> None:
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


def _quietly(method, *args) -> None:
    """Call a listener without letting its own error hide the run's outcome."""
    try:
        method(*args)
    except Exception:
        traceback.print_exc()
