"""Starting the editor: the QApplication, logging, the exception net and the first window."""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from .notices import ExceptionRelay
from .paths import asset_path, data_dir

ORGANISATION = "ArchitectureExplorer"
APPLICATION = "Architecture Explorer"


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


def run(path: str | None = None) -> int:
    app = create_application()
    from .main_window import MainWindow  # after the QApplication: fonts and styles exist

    folder = data_dir()
    setup_logging(folder)
    relay = ExceptionRelay(app)
    relay.install()
    window = MainWindow(autosave_dir=folder)
    relay.caught.connect(lambda text: window.show_message(text, error=True))
    if path is not None:
        window.files.load_path(Path(path))
    window.show()
    QTimer.singleShot(200, window.offer_recovery)
    try:
        return app.exec()
    finally:
        relay.uninstall()
