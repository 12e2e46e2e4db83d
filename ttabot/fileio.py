"""Writing files so that no reader ever sees half of one."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import signal
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import BinaryIO


def write_atomic(path: Path, text: str | bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``text`` in one step: a reader sees the old file or the new one.

    The text goes to a temporary file beside ``path`` (same file system), keeps the
    old file's mode (or takes ``mode`` when given), and is renamed into place; on any
    failure the temporary file is removed and the error propagates. Line endings are
    written as given. The data reaches the disk before the rename (:func:`_flush_to_disk`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        mode = path.stat().st_mode & 0o7777 if path.exists() else None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{_stem(path.name)}.", suffix=".ttabot")
    try:
        data = text.encode("utf-8") if isinstance(text, str) else text
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if mode is not None:
                os.chmod(tmp, mode)  # before the sync: the mode is on disk too
            _flush_to_disk(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


@contextlib.contextmanager
def locked(path: Path, timeout: float) -> Iterator[None]:
    """Hold ``path``'s lock (the file ``path.lock`` beside it) for the block.

    For a read, change and :func:`write_atomic` of ``path`` that parallel
    processes must not interleave (one would lose the other's update). Waits
    up to ``timeout`` seconds, then raises :class:`TimeoutError` (``filelock``'s
    ``Timeout`` is one); an ``OSError`` if the lock file cannot be made, or if it
    is a symlink or not a regular file (see :func:`_lock_file`).
    """
    import filelock  # imported here: only runs that write shared files pay for it

    lock = Path(str(path) + ".lock")
    _lock_file(lock)
    with filelock.FileLock(str(lock), timeout=timeout):
        yield


def _lock_file(lock: Path) -> None:
    """Make sure ``lock`` is a regular file, creating it, never through a symlink.

    A lock file may sit in a folder whose contents someone else chose (a state
    folder inside a repository). filelock before 3.20.1 opened it with ``O_TRUNC``,
    following a symlink: one planted there emptied the file it pointed at. This
    opens it first, without following a final symlink and without truncating, so
    whatever filelock version runs finds a plain file of ttabot's own.
    """
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(lock, flags, 0o644)  # a symlink: ELOOP
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, f"lock file {lock} is not a regular file")
    finally:
        os.close(fd)


def inside(root: Path, rel: str) -> Path:
    """``root / rel``, refusing a path that leaves ``root`` or passes through a symlink.

    Every component below ``root`` that exists must be a real folder (the last
    one a real file or absent), so nothing is written or deleted through a link.
    Raises :class:`ValueError` naming the reason.
    """
    parts = PurePosixPath(rel).parts
    if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
        raise ValueError(f"{rel}: not a path inside the project")
    target = root
    for part in parts:
        target = target / part
        if target.is_symlink():
            raise ValueError(f"{rel}: {target.relative_to(root).as_posix()} is a symbolic link")
    return target


def read_inside(root: Path, rel: str, limit: int | None = None) -> bytes | None:
    """The bytes of the regular file ``root / rel``; None when it is absent, not a
    regular file, outside ``root`` or reached through a symbolic link (:func:`inside`),
    or (given a ``limit``) larger than ``limit`` bytes, which are never all read.

    For files whose text goes somewhere else (a model's prompt): a tracked link to
    ``/proc/self/environ`` or ``.git/config`` must not carry secrets along.
    """
    try:
        target = inside(root, rel)
        if limit is not None:
            data = read_regular(target, limit)
            return data if data is not None and len(data) <= limit else None
        return target.read_bytes() if target.is_file() else None
    except (ValueError, OSError):
        return None


def read_regular(path: Path, limit: int) -> bytes | None:
    """At most ``limit + 1`` bytes of ``path``; None unless it is a regular file.

    Not through a final symlink (``/dev/zero`` has size 0 and no end), never
    blocking on a FIFO: whatever another process left there is read boundedly
    or not at all; reading one byte past ``limit`` lets the caller tell an
    oversized file. A missing file raises :class:`FileNotFoundError`.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # the final component is a symlink
            return None
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return handle.read(limit + 1)


class NotRegularFile(OSError):
    """Something other than a regular file (a folder, a FIFO, a device) is at a path."""


def read_current(path: Path) -> bytes | None:
    """The bytes of the regular file ``path``; None when nothing is there.

    For a file about to be replaced: anything else there (a folder, a FIFO, a
    device, a final symbolic link) raises :class:`NotRegularFile` without being
    read, so a FIFO never blocks the run and ``/dev/zero`` is never read to its
    end. Other errors (a folder on the way that is a file) propagate.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # the final component is a symlink
            raise NotRegularFile(errno.ELOOP, "not a regular file", str(path)) from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # before fdopen, which refuses a folder
        os.close(fd)
        raise NotRegularFile(errno.EINVAL, "not a regular file", str(path))
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def write_all_atomic(root: Path, texts: Mapping[str, str]) -> None:
    """Write every ``rel -> text`` under ``root``, or none of them.

    Each text first goes to a temporary file beside its target; only when all
    are written are they renamed into place, with SIGINT, SIGTERM, SIGHUP and
    SIGQUIT held back so an interrupt cannot land between two renames. On any
    error the temporary files are removed, files already renamed get their old content
    back, and the error propagates. Every temporary file is synced to the disk
    before the first rename, each folder after the last. Paths through symlinks are refused
    (:func:`inside`), before anything is written; so is a target that is not a
    regular file (:class:`NotRegularFile`), which is never read.
    """
    targets = {rel: inside(root, rel) for rel in texts}
    staged: list[tuple[Path, Path, bytes | None]] = []  # (temporary, target, old content)
    made: list[Path] = []  # folders created for new files, removed again on failure
    try:
        for rel, text in texts.items():
            target = targets[rel]
            old = read_current(target)
            missing = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
            target.parent.mkdir(parents=True, exist_ok=True)
            made += missing
            mode = target.stat().st_mode & 0o7777 if old is not None else None
            fd, name = _new_beside(target)
            staged.append((name, target, old))
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-8"))
                if mode is not None:
                    os.chmod(name, mode)
                _flush_to_disk(handle)
        _rename_all(staged)
    except BaseException:
        for tmp, _target, _old in staged:
            tmp.unlink(missing_ok=True)
        for folder in sorted(made, key=lambda p: len(p.parts), reverse=True):  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    for folder in sorted({t.parent for t in targets.values()} | {p.parent for p in made}):
        _sync_folder(folder)


def _flush_to_disk(handle: BinaryIO) -> None:
    """Push what was written to ``handle`` onto the disk, before it is renamed into place.

    Without it a file system may commit the rename before the data (ext4 with
    ``data=writeback``, XFS): after a power loss the file is there, but empty. A
    failure (a full disk that only the sync reveals, as NFS does) is an error
    like a failed write.
    """
    handle.flush()
    os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` survive a power loss: ``fsync`` the folder itself.

    Done after the files are in place, so a failure here cannot be reported as
    "nothing written": where a folder cannot be opened or synced (Windows, some
    network file systems) the renames are as durable as the system makes them.
    """
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


#: Bytes of a target's name kept in its temporary's name (which adds 17 more).
TEMP_STEM_BYTES = 200


def _stem(name: str) -> str:
    """``name``, cut for a temporary's name: near the 255-byte limit there is no room."""
    data = os.fsencode(name)
    if len(data) <= TEMP_STEM_BYTES:
        return name
    return data[:TEMP_STEM_BYTES].decode("utf-8", "ignore")  # a split character dropped


def _new_beside(target: Path) -> tuple[int, Path]:
    """A new temporary file beside ``target``, open for writing, with a new file's mode.

    Not ``mkstemp``: its 0600 would stay on a file that did not exist before, where
    a file the user makes gets what the umask leaves of 0666. ``O_EXCL`` never
    opens what is already there, a symlink included.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        name = target.parent / f".{_stem(target.name)}.{secrets.token_hex(4)}.ttabot"
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target.parent))


#: Signals held while the renames run: Ctrl-C, kill, a closed terminal (SIGHUP) and
#: Ctrl-\ (SIGQUIT), whose default action would end the process between two renames.
HELD_SIGNALS = frozenset(
    getattr(signal, name)
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")
    if hasattr(signal, name)
)


def _rename_all(staged: list[tuple[Path, Path, bytes | None]]) -> None:
    done: list[tuple[Path, bytes | None]] = []
    with _signals_held():
        try:
            for tmp, target, old in staged:
                os.replace(tmp, target)
                done.append((target, old))
        except OSError:
            for target, old in reversed(done):
                if old is None:
                    target.unlink(missing_ok=True)
                else:
                    write_atomic(target, old)
            raise


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold :data:`HELD_SIGNALS` for the block; any that came take effect after it.

    A thread's signal mask holds nothing back from the process's other threads:
    with one running (a library's, a test runner's), the kernel hands the signal
    to it and the main thread runs the handler between two renames, or the
    default action ends the process there. So in the main thread each held
    signal gets a handler that only notes it; the old handlers come back after
    the block and each noted signal is sent again, to be handled as it would
    have been. Elsewhere (no handler can be set) the thread's mask is all there is.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        if not hasattr(signal, "pthread_sigmask"):
            yield
            return
        # The thread's own mask comes back as it was: what it held before stays held.
        before = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)
        return
    arrived: list[int] = []

    def note(signum: int, frame: object) -> None:
        arrived.append(signum)

    saved = {sig: signal.signal(sig, note) for sig in HELD_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        for signum in dict.fromkeys(arrived):
            os.kill(os.getpid(), signum)
