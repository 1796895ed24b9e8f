"""Pictures of the classroom for the docs: ``python -m explorer.app.demo_screenshots OUTDIR``.

Each demonstration is opened from the Classroom menu, run to the end with its
own settings (real training: this takes a while) and its experiment window
photographed as ``demo_<name>.png``. (Presentation mode is photographed at
three projector sizes by its layout test: ``EXPLORER_PRESENTATION_SHOTS=DIR
pytest tests/app/classroom/test_presentation_sizes.py``.) Run it under a virtual display, e.g.
``xvfb-run -a -s '-screen 0 1600x1000x24' python -m explorer.app.demo_screenshots DIR``.
Give it names after OUTDIR to photograph only those demonstrations.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from explorer.graph.demos import DEMOS

from .paths import DATA_DIR_VARIABLE
from .screenshots import SIZE, _settle

DEMO_WAIT_SECONDS = 1800  # the longest demonstration takes a few minutes on two cores
EXPERIMENT_SIZE = (1500, 940)


def _wait(app: QApplication, done, limit: float) -> bool:
    deadline = time.monotonic() + limit
    while not done():
        if time.monotonic() > deadline:
            return False
        app.processEvents()
        time.sleep(0.02)
    for _ in range(20):  # let the last records reach the plots
        app.processEvents()
        time.sleep(0.01)
    return True


def _demo_shot(app: QApplication, window, name: str, out: Path) -> Path:
    started = time.monotonic()
    shown = window.classroom.open_demo(name)
    if shown is None:
        raise RuntimeError(f"the demonstration {name!r} did not open")
    shown.resize(*EXPERIMENT_SIZE)
    _settle(app)
    if not shown.run():
        raise RuntimeError(f"the demonstration {name!r} did not start: {shown.message.text()}")
    runner = shown.runner
    if not _wait(app, lambda: not runner.running and not runner.busy, DEMO_WAIT_SECONDS):
        raise RuntimeError(f"the demonstration {name!r} did not finish in time")
    shown.refresh()
    _settle(app)
    path = out / f"demo_{name}.png"
    shown.grab().save(str(path))
    print(f"wrote {path} ({time.monotonic() - started:.0f} s)", flush=True)
    shown.hide()
    window.document.undo_stack.setClean()  # the next demonstration replaces it unasked
    return path


def make_demo_screenshots(out: Path, names: list[str] | None = None) -> list[Path]:
    from .application import create_application, create_window

    app = create_application()

    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="explorer-shots-"))
    os.environ[DATA_DIR_VARIABLE] = str(scratch / "data")  # the runs' folders go there
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    window = create_window(settings=settings, autosave_dir=scratch)
    window.resize(*SIZE)
    window.show()
    _settle(app)
    shots = [_demo_shot(app, window, name, out) for name in (names or list(DEMOS))]
    window.document.undo_stack.setClean()
    window.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    unknown = [name for name in args[1:] if name not in DEMOS]
    if not args or unknown:
        print("usage: python -m explorer.app.demo_screenshots OUTDIR [DEMO ...]\n"
              f"demonstrations: {', '.join(DEMOS)}", file=sys.stderr)
        return 2
    make_demo_screenshots(Path(args[0]), args[1:] or None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
