"""Writing a file so that a crash never leaves it half-written, and reading only real files.

A save writes a temporary file beside the target and renames it over the
target, so readers see the old file or the new one, never a mix. The
rename must not change anything else the user set up: the file keeps its
permissions, a symbolic link stays a link (the file it points to is
replaced), and temporaries left by a killed save are swept away later.

Reading goes through ``read_regular_file``, which refuses devices, pipes
and sockets before reading a byte: ``/dev/zero`` would fill memory and a
FIFO would wait forever for a writer.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path

STALE_SECONDS = 60.0  # a temporary this old belongs to a save that died; no live save takes so long
_TEMP_NAME = re.compile(r"\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp")


class NotARegularFile(OSError):
    """The path names a device, a pipe, a socket or a folder, not a file to read."""


class FileTooLarge(OSError):
    """The file holds more bytes than the reader accepts; ``size`` says how many it has."""

    def __init__(self, message: str, size: int, filename: str) -> None:
        super().__init__(message)
        self.strerror, self.size, self.filename = message, size, filename


def write_text_atomically(path: str | os.PathLike, text: str, *, durable: bool = False) -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` all at once.

    ``durable=True`` also flushes the data and the folder entry to disk
    before returning (for the user's projects).
    """
    write_bytes_atomically(path, text.encode("utf-8"), durable=durable)


def write_bytes_atomically(path: str | os.PathLike, data: bytes, *,
                           durable: bool = False) -> None:
    """Like ``write_text_atomically``, for bytes."""
    with replacing(path, durable=durable) as temporary, open(temporary, "wb") as f:
        f.write(data)
        if durable:
            f.flush()
            os.fsync(f.fileno())


@contextlib.contextmanager
def replacing(path: str | os.PathLike, *, durable: bool = False) -> Iterator[Path]:
    """A fresh temporary path beside ``path``; when the block ends, it replaces ``path``.

    For writers that take a file name (safetensors, shutil.copyfile): write
    the temporary in the block. If the block raises, the temporary is
    removed and ``path`` is untouched. The result has the target's mode,
    or for a new file the mode a plain ``open()`` would give it.
    """
    target = Path(os.path.realpath(path))  # a link's file is replaced; the link stays
    temporary = _create_temporary(target)
    try:
        yield temporary
        _copy_mode(target, temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if durable:
        _sync_folder(target.parent)
    remove_stale_temporaries(target)


def remove_stale_temporaries(target: str | os.PathLike) -> list[Path]:
    """Delete temporaries of ``target`` that a killed save left behind; returns them.

    Only files named like ours (``.NAME.xxxxxxxx.tmp``) beside the target and
    older than ``STALE_SECONDS`` are removed, so a save still in progress in
    another process keeps its file.
    """
    target = Path(target)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    deadline = time.time() - STALE_SECONDS
    for entry in entries:
        match = _TEMP_NAME.fullmatch(entry.name)
        if match is None or match["target"] != target.name:
            continue
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < deadline:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def read_regular_file(path: str | os.PathLike, *, max_bytes: int | None = None) -> bytes:
    """The bytes of ``path``, refusing anything that is not a regular file.

    Raises ``NotARegularFile`` for a device, pipe, socket or folder (without
    waiting on a pipe), ``FileTooLarge`` past ``max_bytes`` (however the
    file reports its size) and any other OSError as the system gives it.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with open(fd, "rb", closefd=True) as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(errno.EINVAL,
                                  f"it is {_kind_of(info.st_mode)}, not a regular file",
                                  os.fspath(path))
        if max_bytes is not None and info.st_size > max_bytes:
            raise _too_large(path, info.st_size, max_bytes)
        data = f.read() if max_bytes is None else f.read(max_bytes + 1)
    if max_bytes is not None and len(data) > max_bytes:
        raise _too_large(path, len(data), max_bytes)
    return data


def size_in_mb(size: int) -> str:
    """``52_750_000`` -> ``"50.4 MB"``: rounded up, so a file over a limit never reads as on it."""
    tenths = -(-size * 10 // 2**20)
    return f"{tenths / 10:.1f}".removesuffix(".0") + " MB"


# -- the steps ---------------------------------------------------------------------------


def _create_temporary(target: Path) -> Path:
    """An empty new file beside ``target``, created with the umask's default mode."""
    for _ in range(100):
        candidate = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise FileExistsError(f"no free temporary file name beside {target}")


def _copy_mode(target: Path, temporary: Path) -> None:
    """Give the new file the old one's permission bits (nothing to do for a new file)."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return
    os.chmod(temporary, mode)


def _sync_folder(folder: Path) -> None:
    """Flush the folder entry, so the rename itself survives a power cut (POSIX only)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _too_large(path: str | os.PathLike, size: int, limit: int) -> FileTooLarge:
    return FileTooLarge(f"the file is {size_in_mb(size)}, more than the {size_in_mb(limit)} "
                        "allowed", size, os.fspath(path))
