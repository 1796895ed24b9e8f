"""Saving keeps what the user set up on disk; reading refuses what is not a file."""

import os
import stat
import time

import pytest

from explorer.graph import Project, ProjectFileError
from explorer.graph.atomic import (
    STALE_SECONDS,
    FileTooLarge,
    NotARegularFile,
    read_regular_file,
    replacing,
    size_in_mb,
    write_text_atomically,
)
from explorer.graph.project import load, save

posix_only = pytest.mark.skipif(os.name != "posix", reason="modes, links and FIFOs are POSIX")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@posix_only
def test_saving_keeps_the_files_mode(tmp_path):
    path = tmp_path / "net.archx.json"
    save(Project(), path)
    os.chmod(path, 0o640)
    save(Project(name="again"), path)
    assert mode(path) == 0o640 and load(path).name == "again"


@posix_only
def test_a_new_file_gets_the_mode_a_plain_open_gives(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    write_text_atomically(tmp_path / "new.txt", "x")
    assert mode(tmp_path / "new.txt") == mode(plain)


@posix_only
def test_saving_through_a_link_replaces_the_linked_file(tmp_path):
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "net.archx.json"
    save(Project(name="first"), real)
    link = tmp_path / "link.archx.json"
    link.symlink_to(real)
    save(Project(name="second"), link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert load(real).name == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.archx.json", "real"]


def test_a_killed_saves_temporary_is_swept_by_a_later_save(tmp_path):
    path = tmp_path / "net.archx.json"
    stale = tmp_path / ".net.archx.json.ab12cd34.tmp"
    fresh = tmp_path / ".net.archx.json.ef56ab78.tmp"  # a save still running elsewhere
    other = tmp_path / ".other.json.ab12cd34.tmp"  # another file's
    for leftover in (stale, fresh, other):
        leftover.write_text("half a proj")
    old = time.time() - STALE_SECONDS - 5
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    save(Project(), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [path.name, fresh.name, other.name])


def test_a_failed_write_leaves_the_target_and_no_temporary(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError), replacing(path) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("killed mid-write")
    assert path.read_bytes() == b"old" and list(tmp_path.iterdir()) == [path]


@posix_only
def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe.archx.json"
    os.mkfifo(fifo)
    with pytest.raises(NotARegularFile, match="pipe"):
        read_regular_file(fifo)
    with pytest.raises(ProjectFileError, match="not a regular file"):
        load(fifo)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_refused_as_a_project():
    with pytest.raises(ProjectFileError, match="device, not a regular file"):
        load("/dev/zero")


def test_a_folder_is_refused_as_a_project(tmp_path):
    with pytest.raises(ProjectFileError):
        load(tmp_path)


def test_reading_stops_at_the_limit(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(b"x" * 2000)
    with pytest.raises(FileTooLarge) as caught:
        read_regular_file(path, max_bytes=1000)
    assert caught.value.size == 2000
    assert read_regular_file(path, max_bytes=2000) == b"x" * 2000


def test_an_oversized_project_says_its_real_size(tmp_path, monkeypatch):
    from explorer.graph import project

    monkeypatch.setattr(project, "MAX_FILE_BYTES", 2**20)
    path = tmp_path / "huge.archx.json"
    path.write_bytes(b" " * int(1.3 * 2**20))
    with pytest.raises(ProjectFileError, match=r"the file is 1\.3 MB; project files are at "
                       r"most 1 MB"):
        load(path)


@pytest.mark.parametrize(("size", "text"), [(50 * 2**20, "50 MB"), (50 * 2**20 + 1, "50.1 MB"),
                                            (int(50.3 * 2**20), "50.3 MB"), (0, "0 MB")])
def test_sizes_round_up_to_a_tenth(size, text):
    assert size_in_mb(size) == text


def test_a_huge_integer_is_explained_in_our_words(tmp_path):
    path = tmp_path / "digits.archx.json"
    path.write_text('{"format": "architecture-explorer", "version": 1, "nodes": [], '
                    '"edges": [], "name": ' + "9" * 5000 + "}")
    with pytest.raises(ProjectFileError) as caught:
        load(path)
    message = str(caught.value)
    assert "set_int_max_str_digits" not in message
    assert "5,000 digits" in message
