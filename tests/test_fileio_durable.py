"""Atomic writes reach the disk before the rename: a power loss leaves the old file or the new.

Without an ``fsync`` of the temporary file, a file system may commit the rename
before the data (ext4 ``data=writeback``, XFS): after a crash the file is empty.
The test records, by inode, which files were synced and when each was renamed.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from ttabot import fileio

Event = tuple[str, int, int]  # (what, inode, size synced or 0), in the order they happened


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[Event]:
    """Every ``os.fsync`` and ``os.replace`` of the test, in order; both still run."""
    seen: list[Event] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        info = os.fstat(fd)
        kind = "sync-dir" if stat.S_ISDIR(info.st_mode) else "sync-file"
        seen.append((kind, info.st_ino, info.st_size))
        real_fsync(fd)

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        seen.append(("rename", os.stat(src).st_ino, 0))
        real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return seen


def _synced_before_renamed(seen: list[Event], size: int) -> None:
    renames = [i for i, event in enumerate(seen) if event[0] == "rename"]
    assert renames
    for i in renames:
        inode = seen[i][1]
        assert ("sync-file", inode, size) in seen[:i], f"renamed unsynced: {seen}"


def test_write_atomic_syncs_the_new_file_before_the_rename_and_the_folder_after(
    tmp_path: Path, events: list[Event]
) -> None:
    target = tmp_path / "state.json"
    target.write_text("old")
    fileio.write_atomic(target, "new text")
    assert target.read_text() == "new text"
    _synced_before_renamed(events, len("new text"))
    assert events[-1] == ("sync-dir", tmp_path.stat().st_ino, events[-1][2])


def test_write_all_atomic_syncs_every_file_before_the_first_rename(
    tmp_path: Path, events: list[Event]
) -> None:
    (tmp_path / "a.py").write_text("old")
    fileio.write_all_atomic(tmp_path, {"a.py": "new\n", "sub/b.py": "new\n"})
    assert (tmp_path / "a.py").read_text() == (tmp_path / "sub/b.py").read_text() == "new\n"
    _synced_before_renamed(events, len("new\n"))
    first = min(i for i, event in enumerate(events) if event[0] == "rename")
    assert [e[0] for e in events[:first]] == ["sync-file", "sync-file"]  # all data first
    # Then each folder that got a new name, so the renames themselves survive.
    folders = {e[1] for e in events[first:] if e[0] == "sync-dir"}
    assert folders == {tmp_path.stat().st_ino, (tmp_path / "sub").stat().st_ino}


def test_a_sync_that_fails_leaves_every_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NFS reports a full quota only when the data is pushed out: at the sync.
    def fsync(fd: int) -> None:
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))

    monkeypatch.setattr(os, "fsync", fsync)
    (tmp_path / "a.py").write_text("old")
    with pytest.raises(OSError, match="quota"):
        fileio.write_all_atomic(tmp_path, {"a.py": "new\n", "sub/b.py": "new\n"})
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.py"]  # no temporary, no folder
    assert (tmp_path / "a.py").read_text() == "old"
