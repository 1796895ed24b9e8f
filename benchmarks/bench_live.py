"""Does watching a run live keep the editor smooth, and what does it cost the run?

Run:  .venv/bin/python benchmarks/bench_live.py [--steps 3000] [--reps 2] [--records 100000]

Qt runs offscreen unless QT_QPA_PLATFORM says otherwise (under Xvfb, or on a
desktop, set it to xcb). Three measurements:

1. Event loop while a run trains at full speed. A main window trains the
   residual MLP example (spirals, log_every = 10) with every live panel on
   screen: loss, gradient flow, decision boundary and the gradient colours
   on the canvas. A 5 ms QTimer notes when it fires; the gaps between its
   ticks, from the first record to the run's end, are how long the editor
   could not answer. Targets: longest gap under 50 ms, 99th percentile
   under 20 ms. The same timer in the idle window is the baseline (what
   this machine's scheduler alone does to a 5 ms timer).

2. Panel redraws with --records logged steps (30 nodes each). Each round
   adds one record and lets the panel redraw (refresh + the repaint Qt
   then does). Reported as redraws per second (target: 20 or better). The
   baseline is a plain pyqtgraph plot of the same loss curve, set whole
   each round without clipping to view or downsampling (what a hand-written
   live plot does).

3. What the live panels cost the run: the run's own steps per second
   (from its records, after a warm-up) with the window listening, against
   the same run in a RunProcess polled by a bare loop with no window. Runs
   alternate, --reps of each; the best of each is compared (other programs
   only ever slow a run down). Target: under 5 % fewer steps/s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
SCRATCH = Path(tempfile.mkdtemp(prefix="bench-live-"))
os.environ.setdefault("ARCHITECTURE_EXPLORER_DATA", str(SCRATCH / "data"))

WARMUP = 200  # steps left out of speed figures (the first step imports torch._dynamo)
TICK_MS = 5
EXAMPLE = Path(__file__).resolve().parents[1] / "assets" / "examples" / \
    "residual_mlp_spirals.archx.json"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def run_speed(run_dir: Path) -> float:
    """Steps per second of a finished run, from its logged records after the warm-up."""
    from explorer.train import load_run

    records = [r for r in load_run(run_dir).records if r.step >= WARMUP]
    first, last = records[0], records[-1]
    return (last.step - first.step) / (last.elapsed - first.elapsed)


# -- 1 and 3: a window watching a real run -------------------------------------------------


class TickGaps:
    """A 5 ms timer that notes the gaps between its ticks."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self.recording = False
        self._last = time.perf_counter()
        self.timer = QTimer(interval=TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.recording:
            self.gaps.append((now - self._last) * 1000)
        self._last = now


def make_window(app):
    from PySide6.QtCore import QSettings

    from explorer.app.main_window import MainWindow

    settings = QSettings(str(SCRATCH / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, autosave_dir=SCRATCH / "autosave")
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    return window


def idle_gaps(app, seconds: float = 3.0) -> list[float]:
    from PySide6.QtCore import QEventLoop, QTimer

    ticks = TickGaps()
    ticks.recording = True
    loop = QEventLoop()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()
    ticks.timer.stop()
    return ticks.gaps


def watched_run(app, window, steps: int) -> tuple[list[float], float]:
    """Train with the window watching; the tick gaps during training and the run's speed."""
    from PySide6.QtCore import QEventLoop

    from explorer.app.training.settings_edit import change_settings
    from explorer.graph.project import load

    window.document.replace(load(EXAMPLE))
    assert change_settings(window.document, steps=steps, log_every=10, device="cpu") is None
    workspace = window.training
    ticks = TickGaps()
    loop = QEventLoop()
    workspace.train()
    session = workspace.session
    session.records_added.connect(lambda: setattr(ticks, "recording", True))
    session.run_ended.connect(lambda _: loop.quit())
    session.start_failed.connect(lambda text: (print(text), loop.quit()))
    loop.exec()
    ticks.timer.stop()
    ended = session.ended
    assert ended is not None and ended.ok, ended
    frames = workspace.boundary.frames if workspace.boundary is not None else 0
    coloured = sum(item.heat is not None for item in window.scene.nodes.values())
    assert frames > 0 and coloured > 0, "the live panels were not all drawing"
    return ticks.gaps, run_speed(Path(ended.run_dir))


def unwatched_run(steps: int) -> float:
    """The same run in a RunProcess, polled by a bare loop: no window, no panels."""
    from explorer.graph.project import load
    from explorer.train import RunProcess, plan_run

    project = load(EXAMPLE)
    plan = plan_run(project, steps=steps, log_every=10, device="cpu")
    run = RunProcess(plan, out=SCRATCH / "bare-runs")
    run.start()
    while run.ended is None:
        run.poll()
        time.sleep(0.03)
    run.close()
    assert run.ended.ok, run.ended.reason
    return run_speed(run.run_dir)


# -- 2: panel redraws with a long history -------------------------------------------------------


def long_history(records: int, nodes: int = 30):
    import numpy as np

    from explorer.app.runs.buffers import NODE_STATS, RunBuffers

    buffers = RunBuffers()
    rng = np.random.default_rng(0)
    names = [f"layer_{i}" for i in range(nodes)]
    for step in range(1, records + 1):
        values = rng.random(nodes)
        layer_stats = {n: SimpleNamespace(**{s: None for s in NODE_STATS},
                                          ) for n in names}
        for i, n in enumerate(names):
            layer_stats[n].grad_norm = 10.0 ** (-6 + 6 * i / nodes) * (0.5 + values[i])
            layer_stats[n].act_mean = values[i]
        buffers.add(SimpleNamespace(step=step * 10, train_loss=1 / step + 0.01 * values[0],
                                    val_loss=None if step % 500 else 1 / step,
                                    train_accuracy=min(1.0, step / records),
                                    val_accuracy=None, lr=1e-3, grad_norm=1.0,
                                    nodes=layer_stats))
    return buffers, layer_stats


def redraw_rate(app, panel, buffers, last_nodes, rounds: int = 60) -> float:
    panel.show_buffers(buffers)
    for _ in range(5):
        app.processEvents()
    step = int(buffers.curves["train_loss"].x[-1])
    started = time.perf_counter()
    for _ in range(rounds):
        step += 10
        buffers.add(SimpleNamespace(step=step, train_loss=0.01, val_loss=None,
                                    train_accuracy=1.0, val_accuracy=None, lr=1e-3,
                                    grad_norm=1.0, nodes=last_nodes))
        panel.refresh()
        app.processEvents()
    return rounds / (time.perf_counter() - started)


def naive_rate(app, buffers, rounds: int = 60) -> float:
    import pyqtgraph as pg

    widget = pg.PlotWidget()
    widget.resize(1200, 400)
    widget.show()
    curve = widget.plot(pen=pg.mkPen("#2f6fe4", width=1))
    loss = buffers.curves["train_loss"]
    started = time.perf_counter()
    for _ in range(rounds):
        loss.append(loss.x[-1] + 10, 0.01)
        curve.setData(loss.x.copy(), loss.y.copy())
        app.processEvents()
    rate = rounds / (time.perf_counter() - started)
    widget.close()
    return rate


def panel_rates(app, records: int) -> None:
    from explorer.app.runs.gradient_panel import GradientFlowPanel
    from explorer.app.runs.loss_panel import LossPanel

    started = time.perf_counter()
    buffers, last_nodes = long_history(records)
    print(f"   ({records:,} records of 30 nodes buffered in "
          f"{time.perf_counter() - started:.1f} s)")
    for name, make in (("loss panel", LossPanel), ("gradient-flow panel", GradientFlowPanel)):
        panel = make()
        panel.resize(1200, 400)
        panel.show()
        rate = redraw_rate(app, panel, buffers, last_nodes)
        print(f"   {name:28} {rate:6.1f} redraws/s")
        panel.close()
    print(f"   {'plain plot (baseline)':28} {naive_rate(app, buffers):6.1f} redraws/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()

    from explorer.app.application import create_application

    app = create_application()
    window = make_window(app)
    print(f"Qt platform {app.platformName()}, {os.cpu_count()} CPU cores, "
          f"{args.steps} steps per run")

    print("\n1. Event loop (5 ms timer) while a run trains, all live panels on screen")
    idle = idle_gaps(app)
    watched: list[float] = []
    speeds: dict[str, list[float]] = {"window": [], "no window": []}
    for _ in range(args.reps):
        gaps, speed = watched_run(app, window, args.steps)
        watched += gaps
        speeds["window"].append(speed)
        speeds["no window"].append(unwatched_run(args.steps))
    print(f"   {'':22} {'longest':>8} {'99th %':>8} {'median':>8}  ticks")
    for name, gaps in (("idle window", idle), ("run with live panels", watched)):
        print(f"   {name:22} {max(gaps):6.1f}ms {percentile(gaps, 99):6.1f}ms "
              f"{statistics.median(gaps):6.1f}ms  {len(gaps)}")

    print(f"\n2. Panel redraws with {args.records:,} logged steps")
    panel_rates(app, args.records)

    print("\n3. Run speed (steps/s after the warm-up, best of "
          f"{args.reps}), the run's own clock")
    best = {name: max(values) for name, values in speeds.items()}
    for name, values in speeds.items():
        print(f"   {name:22} {best[name]:8.1f}   (all: "
              + ", ".join(f"{v:.1f}" for v in values) + ")")
    cost = 1 - best["window"] / best["no window"]
    print(f"   live panels cost the run {cost:+.1%} of its steps/s")
    window.document.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
