"""A lock file is never opened through a symlink, nor truncated, whatever filelock does.

A state folder the user trusted inside a repository (``[client] state-dir =
".ttabot-state"``) holds whatever the next pull request checks out there. One that
plants ``cooldowns.json.lock`` as a symlink to ``~/.bashrc`` made filelock before
3.20.1 (which ``filelock>=3.13`` allowed) open the link with ``O_TRUNC``: the
next ``ttabot ask`` emptied the user's file. ttabot's own lock step must refuse
the link before filelock opens anything, on every filelock version.
"""

from __future__ import annotations

import fcntl
import os
import re
import sys
from pathlib import Path
from types import TracebackType

import pytest

from ttabot.fileio import locked
from ttabot.llm.state_file import STATE_FILE, FileState

ROOT = Path(__file__).resolve().parents[2]


class OldFileLock:
    """filelock 3.13's Unix lock, as far as it matters here: it opens the lock file
    with ``O_RDWR | O_TRUNC`` (``O_CREAT`` when absent), following symlinks."""

    def __init__(self, lock_file: str, timeout: float = -1) -> None:
        self.lock_file = lock_file
        self.fd = -1

    def __enter__(self) -> OldFileLock:
        flags = os.O_RDWR | os.O_TRUNC
        if not Path(self.lock_file).exists():
            flags |= os.O_CREAT
        self.fd = os.open(self.lock_file, flags, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


@pytest.fixture(params=["installed", "3.13"])
def filelock_version(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run with the installed filelock, and with one that behaves like 3.13."""
    if request.param == "3.13":
        import filelock

        monkeypatch.setattr(filelock, "FileLock", OldFileLock)
    return str(request.param)


def test_a_planted_lock_symlink_truncates_nothing(tmp_path: Path, filelock_version: str) -> None:
    victim = tmp_path / "bashrc"
    victim.write_text("export PATH=...\n")
    folder = tmp_path / "repo" / ".ttabot-state"
    folder.mkdir(parents=True)
    (folder / f"{STATE_FILE}.lock").symlink_to(victim)
    warnings: list[str] = []
    state = FileState(folder, warn=warnings.append)
    assert state.publish_cooldown("m", 1e12) is False  # no lock, no write
    assert victim.read_text() == "export PATH=...\n"
    with pytest.raises(OSError), locked(folder / STATE_FILE, 1.0):
        pass  # pragma: no cover - the lock is refused before the block runs
    assert victim.read_text() == "export PATH=...\n"


def test_a_lock_file_that_is_no_regular_file_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "state.json.lock")
    with pytest.raises(OSError), locked(tmp_path / "state.json", 1.0):
        pass  # pragma: no cover


def test_an_existing_lock_file_keeps_working(tmp_path: Path) -> None:
    (tmp_path / "state.json.lock").write_text("")
    with locked(tmp_path / "state.json", 1.0):
        (tmp_path / "state.json").write_text("{}")
    with locked(tmp_path / "other.json", 1.0):
        pass
    assert (tmp_path / "other.json.lock").is_file()


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib")
def test_the_declared_filelock_opens_lock_files_without_following_links() -> None:
    # 3.20.1 is the first filelock that opens its lock file with O_NOFOLLOW.
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (spec,) = [d for d in deps if re.match(r"filelock\b", d)]
    floor = re.search(r">=\s*([\d.]+)", spec)
    assert floor is not None
    assert tuple(int(p) for p in floor.group(1).split(".")) >= (3, 20, 1)
