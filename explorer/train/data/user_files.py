"""What every reader of the user's own files shares: the path option and finding the file."""

from __future__ import annotations

from pathlib import Path

from explorer.graph.atomic import read_regular_file
from explorer.graph.params import Param

from .errors import DatasetError

USER_GROUP = "Your data"


def path_option(what: str) -> Param:
    return Param("path", str, "", f"Where {what} is on this computer")


def existing_path(dataset: str, path: str, *, folder: bool = False) -> Path:
    """The option's path, checked to exist and be a file (or, with ``folder``, a folder)."""
    if not path.strip():
        thing = "folder" if folder else "file"
        raise DatasetError(f"{dataset}: set the option 'path' to your {thing}.")
    resolved = Path(path).expanduser()
    if not resolved.exists():
        raise DatasetError(f"{dataset}: '{path}' does not exist. Check the path and spelling.")
    if folder and not resolved.is_dir():
        raise DatasetError(f"{dataset}: '{path}' is a file; choose the folder that holds one "
                           "subfolder of images per class.")
    if not folder and resolved.is_dir():
        raise DatasetError(f"{dataset}: '{path}' is a folder; choose the file inside it.")
    if not folder and not resolved.is_file():
        raise DatasetError(f"{dataset}: '{path}' is not a regular file (it is a device, a pipe "
                           "or a socket); choose a file saved on disk.")
    return resolved


def read_bytes(dataset: str, path: Path) -> bytes:
    """The file's contents, or a DatasetError saying why it cannot be read."""
    try:
        return read_regular_file(path)
    except OSError as error:
        raise DatasetError(f"{dataset}: cannot read '{path}': {error.strerror or error}.") from None
