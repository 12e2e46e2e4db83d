"""What a project copy holds, to tell what generated code changed in it.

A :func:`snapshot` records every entry of the copy (links and odd files too,
never followed); :func:`leftovers` compares two. Caches a run may leave
(``__pycache__/*.pyc``, ``.pytest_cache``, coverage data, the sandbox's own
temporary folder) are left out unless asked for (:func:`is_cache`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from ttabot.drafting.readback import UnsafeFile

#: Where HOME and TMPDIR live inside the copy when bubblewrap is not used.
SANDBOX_DIR = ".ttabot-sandbox"

#: Folders nested deeper than this in the copy are refused: no project needs them, and
#: past it listing the copy would run out of Python's recursion or the kernel's path length.
MAX_DEPTH = 100

#: What a snapshot records of a path: (file type, size, mtime_ns, ctime_ns, inode).
#: The ctime is the kernel's: code can put a file's size and mtime back after changing it
#: (``os.utime``), never its ctime; the inode tells a file replaced by another.
Stat = tuple[int, int, int, int, int]


def is_cache(rel: str, mode: int) -> bool:
    """Whether ``rel`` is a cache file a run may leave: regular files only, never a link.

    Inside ``__pycache__`` only ``.pyc`` files count: a planted ``__pycache__/x/__init__.py``
    is a leftover like any other file.
    """
    if not stat.S_ISREG(mode):
        return False
    parts = rel.split("/")
    name = parts[-1]
    if "__pycache__" in parts:
        return name.endswith(".pyc")
    return (
        ".pytest_cache" in parts
        or name == ".coverage"
        or name.startswith(".coverage.")
        or rel.startswith(f"{SANDBOX_DIR}/tmp/")
    )


def snapshot(root: Path, *, caches: bool = False) -> dict[str, Stat]:
    """``relative path -> (type, size, mtime_ns, ctime_ns, inode)`` of every non-cache entry.

    Links are recorded, never followed, whether to files or to folders (``os.walk``
    lists a linked folder under its folders), in cache folders too; so are FIFOs,
    sockets and other non-regular files. ``caches`` records cache files too.

    What cannot be listed (a path longer than the kernel takes, an unreadable
    folder) or folders nested deeper than :data:`MAX_DEPTH` raise
    :class:`UnsafeFile`: generated code made them, and a file could hide there.
    """
    out: dict[str, Stat] = {}
    for folder, dirs, files in os.walk(root, onerror=_unlistable):
        if dirs and len(Path(folder).relative_to(root).parts) >= MAX_DEPTH:
            where = Path(folder).relative_to(root).as_posix()[:200]
            raise UnsafeFile(f"{where}...: folders nested deeper than {MAX_DEPTH}")
        links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
        for name in [*files, *links]:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue
            except OSError as exc:
                _unlistable(exc)
            if not caches and is_cache(rel, info.st_mode):
                continue
            out[rel] = (
                stat.S_IFMT(info.st_mode),
                info.st_size,
                info.st_mtime_ns,
                info.st_ctime_ns,
                info.st_ino,
            )
    return out


def _unlistable(exc: OSError) -> None:
    if isinstance(exc, FileNotFoundError):
        return  # gone since it was listed: nothing can hide in it
    where = str(exc.filename or "")
    shown = where if len(where) <= 200 else f"{where[:200]}..."
    raise UnsafeFile(f"{shown}: cannot be listed ({exc.strerror or exc})") from None


def leftovers(before: Mapping[str, Stat], after: Mapping[str, Stat]) -> list[str]:
    """Files created, changed or deleted between two snapshots."""
    return sorted(
        {rel for rel, stat in after.items() if before.get(rel) != stat}
        | {rel for rel in before if rel not in after}
    )
