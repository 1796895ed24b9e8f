"""Starting the editor: the QApplication, logging, the exception net and the first window."""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections.abc import Callable, Mapping
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from .notices import ExceptionRelay
from .paths import asset_path, data_dir

if TYPE_CHECKING:
    from .main_window import MainWindow

ORGANISATION = "ArchitectureExplorer"
APPLICATION = "Architecture Explorer"
EXIT_BAD_INPUT = 2
WARM_RUN_DELAY_MS = 500  # after the window shows, before a run process is started ahead of time

# The libraries Qt's X11 (xcb) platform plugin loads that desktops often lack, and the
# Debian/Ubuntu package of each. Without one, Qt aborts the process (SIGABRT) at start.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def uses_xcb(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> bool:
    """Will Qt draw through X11 (xcb)? On Linux: when asked to, or by default on an X display
    (a Wayland session tries Wayland first)."""
    if not platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.startswith("xcb")
    wayland = environ.get("XDG_SESSION_TYPE") == "wayland" and environ.get("WAYLAND_DISPLAY")
    return bool(environ.get("DISPLAY")) and not wayland


def missing_xcb_libraries(load: Callable[[str], object] = ctypes.CDLL) -> list[str]:
    """The xcb libraries that ``load`` cannot open (``load`` raises OSError for those)."""
    missing = []
    for library in XCB_LIBRARIES:
        try:
            load(library)
        except OSError:
            missing.append(library)
    return missing


def xcb_problem(environ: Mapping[str, str] = os.environ, platform: str = sys.platform,
                load: Callable[[str], object] = ctypes.CDLL) -> str:
    """One line saying which packages to install, or "" when the editor can start."""
    if not uses_xcb(environ, platform):
        return ""
    missing = missing_xcb_libraries(load)
    if not missing:
        return ""
    packages = " ".join(XCB_LIBRARIES[name] for name in missing)
    return (f"error: the editor cannot open a window: Qt's X11 libraries {', '.join(missing)} "
            f"are missing. On Debian or Ubuntu install them with: sudo apt install {packages}")


def setup_logging(folder: Path) -> Path:
    """Log to ``folder/explorer.log`` (rotated), so unexpected errors can be reported."""
    log_file = folder / "explorer.log"
    handler = RotatingFileHandler(log_file, maxBytes=1_000_000, backupCount=2,
                                  encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("explorer")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return log_file


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication, set up for sharp HiDPI drawing (made once per process)."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationDisplayName(APPLICATION)
    icon = asset_path("icons", "app.svg")
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    return app


def create_window(*, settings: QSettings | None = None,
                  autosave_dir: Path | None = None) -> MainWindow:
    """A new editor window: the one place the main window is made (after the QApplication,
    so fonts and styles exist). The screenshot tools make theirs here too."""
    from .main_window import MainWindow

    return MainWindow(settings=settings, autosave_dir=autosave_dir)


def prepare_runs_later(window: MainWindow, delay_ms: int = WARM_RUN_DELAY_MS) -> None:
    """Once the window is drawn, start the first run's process ahead of time, so Train
    need not wait seconds for Python and torch to load (``RunSession.prepare``)."""
    def prepare() -> None:
        if window.isVisible():  # not for a window closed meanwhile
            window.training.prepare_runs()

    QTimer.singleShot(delay_ms, prepare)


def run(path: str | None = None) -> int:
    problem = xcb_problem()
    if problem:  # Qt would abort the whole process instead of saying why
        print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    app = create_application()
    folder = data_dir()
    setup_logging(folder)
    relay = ExceptionRelay(app)
    relay.install()
    window = create_window(autosave_dir=folder)
    relay.caught.connect(lambda text: window.notices.show_message(text, error=True))
    if path is not None:
        window.files.load_path(Path(path))
    window.show()
    QTimer.singleShot(200, window, lambda: window.files.offer_recovery(folder))
    prepare_runs_later(window)
    try:
        return app.exec()
    finally:
        relay.uninstall()
