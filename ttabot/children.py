"""Child processes that cannot outlive ttabot or hold it up.

Every child ttabot starts for generated code goes through :func:`run_bounded`:
its own session (so the whole group can be killed), output through a pipe that
a thread drains keeping only the tail (so code writing for its whole timeout
fills neither memory nor the host's disk, and a detached grandchild that keeps
the pipe open cannot block the run), and a wait with a timeout. Live children
and scratch folders are registered, so an interrupt (:func:`stop_children`,
:func:`remove_all_scratch`) can kill the ones still running and remove the
folders before ttabot exits.

A child may also be given :class:`~ttabot.rlimits.Limits`: POSIX resource
limits set on it before it runs (:mod:`ttabot.rlimits`).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import NamedTuple

from ttabot.rlimits import Limits, limited

#: At most this much of a child's output is kept (the tail: where failures are).
MAX_OUTPUT = 1 << 20
#: Seconds to wait for a killed group's leader to be reaped.
REAP_TIMEOUT = 5.0
#: Seconds to wait, once the group is gone, for the rest of the output: only a process
#: that left the group (no bubblewrap) can still hold the pipe open.
OUTPUT_GRACE = 1.0


class Interrupted(KeyboardInterrupt):
    """ttabot is stopping (SIGINT or SIGTERM): no new child may start."""


class Finished(NamedTuple):
    """What a bounded child did. ``returncode`` is None when it was killed for time."""

    returncode: int | None
    output: str
    timed_out: bool


_lock = threading.Lock()
_live: set[subprocess.Popen[bytes]] = set()
_scratch: set[Path] = set()
_stopping = threading.Event()


def stopping() -> bool:
    """Whether ttabot is being interrupted."""
    return _stopping.is_set()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with suppress(ProcessLookupError):
        proc.kill()


class _Tail:
    """Drains a pipe in a thread to its end, keeping only its last :data:`MAX_OUTPUT` bytes."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = threading.Lock()
        self._data = bytearray()
        self.thread = threading.Thread(target=self._drain, name="ttabot-output", daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        try:
            while chunk := os.read(self._fd, 1 << 16):
                with self._lock:
                    self._data += chunk
                    if len(self._data) > 2 * MAX_OUTPUT:
                        del self._data[:-MAX_OUTPUT]
        except OSError:
            pass  # the read end failed: what was read so far is the output
        finally:
            os.close(self._fd)

    def text(self) -> str:
        with self._lock:
            return bytes(self._data[-MAX_OUTPUT:]).decode("utf-8", "replace")


def run_bounded(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    limits: Limits | None = None,
) -> Finished:
    """Run ``argv`` in a new session; wait at most ``timeout`` s, then kill its group and reap.

    Output (stdout and stderr together) is read from a pipe as it comes and only
    its tail kept; once the group is gone, a grandchild that left it and holds the
    pipe keeps this call waiting at most :data:`OUTPUT_GRACE` seconds. With
    ``limits``, the child and all it starts run under them (:func:`limited`).
    """
    if stopping():
        raise Interrupted
    if limits is not None:
        argv = limited(argv, limits)
    read_end, write_end = os.pipe()
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    tail = _Tail(read_end)
    with _lock:
        _live.add(proc)
    timed_out = False
    try:
        if stopping():  # interrupted between the check above and the registration
            _kill_group(proc)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        # Whatever the leader did, nothing of its group may live on.
        _kill_group(proc)
        with suppress(subprocess.TimeoutExpired):  # e.g. stuck in the kernel: stop waiting
            proc.wait(timeout=REAP_TIMEOUT)
    finally:
        with _lock:
            _live.discard(proc)
    if stopping():
        raise Interrupted
    tail.thread.join(OUTPUT_GRACE)
    output = tail.text()
    if timed_out:
        return Finished(None, f"[ttabot] killed after {timeout:g} s (timeout)\n{output}", True)
    return Finished(proc.returncode, output, False)


def make_scratch(prefix: str) -> Path:
    """A new temporary folder, removed by :func:`remove_scratch` or :func:`remove_all_scratch`."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    with _lock:
        _scratch.add(path)
    return path


def remove_scratch(path: Path) -> None:
    """Remove a folder made by :func:`make_scratch` (gone already is fine)."""
    with suppress(OSError):
        remove_tree(path)
    with _lock:
        _scratch.discard(path)


_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)


def remove_tree(root: Path) -> None:
    """Remove the folder ``root`` and all in it, however deep, never through a link.

    Generated code may nest folders past Python's recursion limit (where
    ``shutil.rmtree`` fails) or past the kernel's path length. So each folder
    found is first moved up to ``root`` itself, then emptied: no recursion, no
    long path. A folder the code made read-only is made writable again first
    (through its open descriptor, never a path). What cannot be removed stays
    (as with ``ignore_errors``).
    """
    if not hasattr(os, "O_DIRECTORY") or os.scandir not in os.supports_fd:
        shutil.rmtree(root, ignore_errors=True)
        return
    top = os.open(root, _DIR_FLAGS)
    moved = 0
    try:
        pending = [""]  # folders to empty, by name in root ("" is root)
        while pending:
            name = pending.pop()
            try:
                fd = os.open(name, _DIR_FLAGS, dir_fd=top) if name else os.dup(top)
            except OSError:
                continue
            try:
                _writable(fd)
                with os.scandir(fd) as entries:
                    found = list(entries)
                for entry in found:
                    with suppress(OSError):
                        if entry.is_dir(follow_symlinks=False):
                            if entry.stat(follow_symlinks=False).st_mode & 0o700 != 0o700:
                                # Moving a folder to another parent writes its "..".
                                child = os.open(entry.name, _DIR_FLAGS, dir_fd=fd)
                                try:
                                    _writable(child)
                                finally:
                                    os.close(child)
                            moved += 1
                            flat = f".ttabot-removing-{moved}"
                            os.rename(entry.name, flat, src_dir_fd=fd, dst_dir_fd=top)
                            pending.append(flat)
                        else:
                            os.unlink(entry.name, dir_fd=fd)
            finally:
                os.close(fd)
            if name:
                with suppress(OSError):
                    os.rmdir(name, dir_fd=top)
    finally:
        os.close(top)
    os.rmdir(root)


def _writable(fd: int) -> None:
    """Give the folder open as ``fd`` its owner's read, write and search bits back.

    For any user but root, emptying a folder (or moving it) needs them: a folder
    generated code made read-only was left behind. Through the descriptor, never a
    path, so never through a link; a folder of another owner stays as it is.
    """
    if os.fstat(fd).st_mode & 0o700 != 0o700:
        with suppress(OSError):
            os.fchmod(fd, 0o700)


def stop_children() -> None:
    """Refuse new children and kill the live ones' groups (safe in a signal handler)."""
    _stopping.set()
    with _lock:
        live = list(_live)
    for proc in live:
        _kill_group(proc)


def remove_all_scratch() -> None:
    """Remove every scratch folder still registered (after an interrupt has unwound)."""
    with _lock:
        scratch = list(_scratch)
    for path in scratch:
        remove_scratch(path)


def reset_for_tests() -> None:
    """Forget an earlier :func:`stop_children` (tests run many commands in one process)."""
    _stopping.clear()
