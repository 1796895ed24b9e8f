"""Where the app finds its assets and keeps its own files (settings, autosaves, logs)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QStandardPaths

ASSETS = Path(__file__).resolve().parents[2] / "assets"
DATA_DIR_VARIABLE = "ARCHITECTURE_EXPLORER_DATA"  # tests and portable installs set this


def asset_path(*parts: str) -> Path | None:
    """A file under assets/, or None when the assets are not beside the code."""
    path = ASSETS.joinpath(*parts)
    return path if path.exists() else None


def data_dir() -> Path:
    """The app's own folder for autosaves and logs (created on first use)."""
    override = os.environ.get(DATA_DIR_VARIABLE)
    if override:
        path = Path(override)
    else:
        location = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.AppDataLocation)
        path = Path(location) if location else Path.home() / ".architecture-explorer"
    path.mkdir(parents=True, exist_ok=True)
    return path


def runs_dir() -> Path:
    """Where runs started from the editor (and the classroom's experiments) keep their folders."""
    return data_dir() / "runs"
