"""Reading files back from the project copy after generated code ran there.

Generated code can change anything in the copy, including putting a symbolic
link (or a FIFO, a socket) where ttabot expects a file it reads afterwards in
its own process, outside the sandbox. Every read-back goes through
:func:`open_regular`: each path component is opened relative to the previous
one with ``O_NOFOLLOW``, and the file must be a regular file, so no link is
ever followed, at any depth, and nothing blocks on a FIFO.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from ttabot.errors import TtabotError

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
_FILE_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | _CLOEXEC
_REFUSED = {errno.ELOOP, errno.ENOTDIR, getattr(errno, "EMLINK", errno.ELOOP)}


class UnsafeFile(TtabotError):
    """A path in the project copy ttabot will not read or write through.

    A symbolic link on the way or in the file's place, or something that is not
    a regular file: generated code put it there.
    """


def _parts(rel: str) -> tuple[str, ...]:
    path = PurePosixPath(rel)
    if path.is_absolute() or not path.parts or any(p in ("..", ".") for p in path.parts):
        raise UnsafeFile(f"{rel}: not a path inside the project copy")
    return path.parts


def open_regular(root: Path, rel: str) -> int | None:
    """A read-only descriptor of the regular file ``root/rel``, or None when it is absent.

    Raises :class:`UnsafeFile` when a component below ``root`` is a symbolic
    link or not a folder, or the file is a link or not a regular file.
    """
    parts = _parts(rel)
    if os.open not in os.supports_dir_fd or not _NOFOLLOW:
        return _open_by_path(root, rel, parts)
    folder = os.open(root, _DIR_FLAGS)
    try:
        for depth, part in enumerate(parts[:-1], 1):
            try:
                inner = os.open(part, _DIR_FLAGS, dir_fd=folder)
            except FileNotFoundError:
                return None
            except OSError as exc:
                if exc.errno in _REFUSED:
                    on_way = "/".join(parts[:depth])
                    raise UnsafeFile(
                        f"{rel}: {on_way} is a symbolic link or not a folder"
                    ) from None
                raise
            os.close(folder)
            folder = inner
        try:
            fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=folder)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno in _REFUSED:
                raise UnsafeFile(f"{rel}: is a symbolic link") from None
            raise
    finally:
        os.close(folder)
    return _regular(fd, rel)


def _open_by_path(root: Path, rel: str, parts: tuple[str, ...]) -> int | None:
    """Where ``dir_fd`` or ``O_NOFOLLOW`` is missing: check every component, then open."""
    target = root
    for part in parts:
        target = target / part
        if target.is_symlink():
            raise UnsafeFile(f"{rel}: {target.relative_to(root).as_posix()} is a symbolic link")
    try:
        fd = os.open(target, _FILE_FLAGS)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise UnsafeFile(f"{rel}: a folder on the way is not a folder") from None
    return _regular(fd, rel)


def _regular(fd: int, rel: str) -> int:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise UnsafeFile(f"{rel}: not a regular file")
    return fd


def read_bytes(root: Path, rel: str, limit: int | None = None) -> bytes | None:
    """The bytes of the regular file ``root/rel`` (None: absent); see :func:`open_regular`.

    ``limit``: a file larger than that many bytes raises :class:`UnsafeFile`
    (generated code may have grown it past what memory holds).
    """
    fd = open_regular(root, rel)
    if fd is None:
        return None
    with os.fdopen(fd, "rb") as handle:
        data = handle.read() if limit is None else handle.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise UnsafeFile(f"{rel}: larger than {limit} bytes")
    return data


def copy_out(root: Path, rel: str, dest: Path, limit: int | None = None) -> bool:
    """Copy the regular file ``root/rel`` to ``dest`` (outside the copy); False when absent.

    ``limit``: a file larger than that many bytes raises :class:`UnsafeFile` and
    leaves no ``dest`` (a planted sparse file would otherwise fill the host's disk).
    """
    fd = open_regular(root, rel)
    if fd is None:
        return False
    with os.fdopen(fd, "rb") as source:
        if limit is not None and os.fstat(source.fileno()).st_size > limit:
            raise UnsafeFile(f"{rel}: larger than {limit} bytes")
        with dest.open("xb") as sink:
            copied = _copy_bounded(source, sink, limit)
    if copied is None:
        dest.unlink()
        raise UnsafeFile(f"{rel}: larger than {limit} bytes")
    return True


def _copy_bounded(source: BinaryIO, sink: BinaryIO, limit: int | None) -> int | None:
    """Bytes copied from ``source`` to ``sink``; None once more than ``limit`` (it grew)."""
    if limit is None:
        shutil.copyfileobj(source, sink)
        return 0
    copied = 0
    while chunk := source.read(min(1 << 20, limit + 1 - copied)):
        copied += len(chunk)
        if copied > limit:
            return None
        sink.write(chunk)
    return copied
