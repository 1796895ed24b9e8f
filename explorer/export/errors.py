"""The errors the exporters raise: they name the node, file or package they are about."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

ONNX_PACKAGES = ("onnx", "onnxruntime")


class ExportError(Exception):
    def __init__(self, message: str, *, node_id: str | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.node_id, self.hint = message, node_id, hint

    def __str__(self) -> str:
        where = f"{self.node_id}: " if self.node_id else ""
        return f"{where}{self.message}" + (f" {self.hint}" if self.hint else "")


class CannotStart(ExportError):
    """The export cannot begin: its folder or weights file is missing, or a package is not
    installed. Raised before any work, so the command line answers at once (exit 2)."""


def require_folder(path: str | os.PathLike) -> Path:
    """``path`` if the folder it goes in exists (checked before anything is computed)."""
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        raise CannotStart(f"{path} is a folder; give the name of the file to write.")
    if not folder.is_dir():
        raise CannotStart(f"the folder {folder} does not exist; create it first or choose "
                          "another.")
    return path


def require_weights(path: str | os.PathLike | None) -> None:
    if path is not None and not Path(path).is_file():
        raise CannotStart(f"there is no weights file {os.fspath(path)!r}.")


def require_onnx_packages() -> None:
    """ONNX export writes with the onnx package and checks with onnxruntime: both must be there."""
    missing = [name for name in ONNX_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise CannotStart(
            f"ONNX export needs the {' and '.join(missing)} package"
            f"{'s' if len(missing) > 1 else ''}, which {'are' if len(missing) > 1 else 'is'} "
            "not installed. Install with: pip install onnx onnxruntime (or install "
            "Architecture Explorer with its [onnx] extra).")
