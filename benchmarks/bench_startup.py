"""How long until the editor's window is up, and from Train (F5) to the first record?

Run:  .venv/bin/python benchmarks/bench_startup.py [--reps 3]

Every figure is a whole fresh process (Python, Qt, the editor; torch where
it loads), started --reps times; the minimum and the median are printed.
Qt runs offscreen unless QT_QPA_PLATFORM says otherwise.

1. Window: from starting ``python`` to the window's first paint, through
   ``application.run`` as ``python main.py`` does it (the process quits at
   that paint). Target: under 2 s on a 2-core laptop.

2. F5 to the first record, on the first run after the editor started: the
   residual MLP example (logging every step), Train pressed in a shown
   window, timed until the session holds its first step record.
   - "cold": Train right after the window shows, nothing prepared (how the
     editor behaved before runs were prepared ahead of time);
   - "warm": the application's warm start (``prepare_runs_later``) has
     finished: the run process waits with torch loaded and the planning
     code is loaded. Also printed: how long after the window that took;
   - "early": Train 1 s after the window shows, the warm start under way
     (the run waits for the rest of it, never longer than a cold start).
   Target: under 3 s (warm) on a 2-core laptop.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "residual_mlp_spirals"
CHILD_TIMEOUT = 300  # seconds one measured process may take
EARLY_PRESS = 1.0  # seconds after the window shows that "early" presses Train


def child_env(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["ARCHITECTURE_EXPLORER_DATA"] = str(scratch / "data")
    env["XDG_CONFIG_HOME"] = str(scratch / "config")  # the settings of a first start
    env["HOME"] = str(scratch)
    return env


def measure(kind: str, scratch: Path) -> dict[str, float]:
    """Start this file as a fresh process measuring ``kind``; its figures, in seconds."""
    figures: dict[str, float] = {}
    with tempfile.TemporaryFile("w+") as errors:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, __file__, "--child", kind], cwd=ROOT,
                                   env=child_env(scratch), stdout=subprocess.PIPE,
                                   stderr=errors, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            name, _, value = line.strip().partition("=")
            if name == "window":  # the child's own clock cannot see its interpreter starting
                figures["window"] = time.perf_counter() - started
            elif value:
                figures[name] = float(value)
        if process.wait(CHILD_TIMEOUT) != 0:
            errors.seek(0)
            raise SystemExit(f"the measured process ({kind}) failed with exit code "
                             f"{process.returncode}:\n{errors.read()[-3000:]}")
    return figures


# -- the measured processes ---------------------------------------------------------------


def child_window() -> None:
    """Start the editor as main.py does; say when the window first paints, then quit."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QWidget

    from explorer.app import application

    app = application.create_application()

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and isinstance(watched, QWidget) \
                    and watched.window().isWindow() and watched.window().isVisible():
                print("window", flush=True)
                app.removeEventFilter(self)
                QTimer.singleShot(0, app.quit)
            return False

    spy = FirstPaint()
    app.installEventFilter(spy)
    application.run()


def child_first_record(kind: str) -> None:
    """Train in a fresh editor (cold, warm, or early in the warm start); time the first
    record."""
    from PySide6.QtCore import QCoreApplication

    from explorer.app import application
    from explorer.app.training.settings_edit import change_settings
    from explorer.graph.examples import load_example

    app = application.create_application()
    window = application.create_window(autosave_dir=Path(tempfile.mkdtemp()))
    window.document.replace(load_example(EXAMPLE))
    change_settings(window.document, steps=100_000, log_every=1)
    window.document.undo_stack.setClean()
    window.show()
    shown = time.perf_counter()

    def wait_for(condition, timeout: float = CHILD_TIMEOUT) -> None:
        deadline = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > deadline:
                raise SystemExit("timed out")
            app.processEvents()
            time.sleep(0.002)

    wait_for(lambda: window.isVisible())
    if kind == "early":
        application.prepare_runs_later(window)
        wait_for(lambda: time.perf_counter() - shown > EARLY_PRESS)
    elif kind == "warm":
        application.prepare_runs_later(window)
        wait_for(lambda: window.training.session is not None
                 and window.training.session.warm is not None
                 and window.training.session.warm.ready
                 and "explorer.train.boundary" in sys.modules)
        print(f"warm_ready={time.perf_counter() - shown}", flush=True)
    pressed = time.perf_counter()
    window.training.actions["train"].trigger()
    session = window.training.session
    assert session is not None
    wait_for(lambda: len(session.buffers) >= 1)
    print(f"first_record={time.perf_counter() - pressed}", flush=True)
    print(f"warm_used={float(bool(session.process and session.process.started_warm))}", flush=True)
    window.close()
    QCoreApplication.processEvents()


# -- report ---------------------------------------------------------------------------------


def summary(values: list[float]) -> str:
    return f"min {min(values):6.2f} s   median {statistics.median(values):6.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="fresh processes per figure")
    parser.add_argument("--child", choices=("window", "cold", "warm", "early"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "window":
        child_window()
        return
    if args.child:
        child_first_record(args.child)
        return
    scratch = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    print(f"{os.cpu_count()} cores, {args.reps} fresh processes per figure")
    window = [measure("window", scratch)["window"] for _ in range(args.reps)]
    print(f"window shown (python start to first paint)    {summary(window)}")
    cold = [measure("cold", scratch) for _ in range(args.reps)]
    print(f"F5 to first record, cold                      "
          f"{summary([f['first_record'] for f in cold])}")
    warm = [measure("warm", scratch) for _ in range(args.reps)]
    print(f"F5 to first record, warm                      "
          f"{summary([f['first_record'] for f in warm])}"
          f"   (warm run process used: {sum(f['warm_used'] for f in warm):.0f}/{args.reps})")
    print(f"  warm start ready, after the window shows    "
          f"{summary([f['warm_ready'] for f in warm])}")
    early = [measure("early", scratch)["first_record"] for _ in range(args.reps)]
    print(f"F5 {EARLY_PRESS:.0f} s after the window, warm start under way "
          f"{summary(early)}")


if __name__ == "__main__":
    main()
