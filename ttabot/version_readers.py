"""How a selection reads the versions of a change's files, new and old.

From git (a commit, or the index: every Python file of the change in one
``git cat-file --batch`` call), from the files under ``--root`` (never through a
link out of it), or, for a diff's old version, the file with the diff's hunks undone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

from ttabot import git
from ttabot.change import ReverseHunk, unpatch
from ttabot.records import Change, FileStatus


def wanted_paths(change: Change) -> list[str]:
    """Paths whose new version analysis will read: Python files that still exist as text."""
    return [
        f.path
        for f in change.files
        if f.status is not FileStatus.DELETED and not f.is_binary and f.path.endswith(".py")
    ]


def old_wanted_paths(change: Change) -> list[str]:
    """Old paths whose old version contract 2 may compare: changed Python files that existed."""
    return [
        f.old_path or f.path
        for f in change.files
        if f.status not in (FileStatus.DELETED, FileStatus.ADDED)
        and f.added_lines
        and not f.is_binary
        and f.path.endswith(".py")
    ]


class GitReader:
    """Reads new versions from a commit (``REV:path``) or the index (``:path``); old ones too.

    The first read (new or old) fetches every Python file of the change, both
    versions, in one ``git cat-file --batch`` call; anything else is fetched
    when asked for. ``old_rev=None``: there is no old version (first commit).
    """

    def __init__(self, root: Path, rev: str, change: Change, old_rev: str | None = None) -> None:
        self._root = root
        self._rev = rev
        self._old_rev = old_rev
        self._paths = wanted_paths(change)
        self._old_paths = old_wanted_paths(change) if old_rev is not None else []
        self._cache: dict[str, bytes | None] | None = None

    def __call__(self, path: str) -> bytes | None:
        return self._read(_spec(self._rev, path))

    def read_old(self, path: str) -> bytes | None:
        """The version of ``path`` (its old name) before the change; ``None`` if it had none."""
        if self._old_rev is None:
            return None
        return self._read(_spec(self._old_rev, path))

    def _read(self, spec: str) -> bytes | None:
        if self._cache is None:
            specs = [_spec(self._rev, path) for path in self._paths]
            if self._old_rev is not None:
                specs += [_spec(self._old_rev, path) for path in self._old_paths]
            self._cache = self._fetch(specs)
        if spec not in self._cache:
            self._cache.update(self._fetch([spec]))
        return self._cache[spec]

    def _fetch(self, specs: Iterable[str]) -> dict[str, bytes | None]:
        return git.read_blobs(self._root, list(specs))


def _spec(rev: str, path: str) -> str:
    """The object name of ``path`` at ``rev``; ``rev=""`` is the index, always at stage 0.

    ``:0:x.py`` is git's stage 0 of ``x.py``: without the explicit stage a file named
    ``0:x.py`` would be read as ``x.py`` from the index.
    """
    return f"{rev}:{path}" if rev else f":0:{path}"


class UnpatchingReader:
    """Old versions for ``--diff``: the file under the root with the diff's hunks undone.

    A diff holds no old file, only what changed; the file under ``--root`` is
    its new version. Where the hunks' new lines are not found as the diff says,
    that file is not the diff's result and the old version is unknown (``None``).
    """

    def __init__(
        self,
        read_new: Callable[[str], bytes | None],
        change: Change,
        hunks: dict[str, tuple[ReverseHunk, ...]],
    ) -> None:
        self._read_new = read_new
        self._hunks = hunks
        self._new_path = {
            f.old_path or f.path: f.path
            for f in change.files
            if f.status in (FileStatus.MODIFIED, FileStatus.RENAMED)
        }

    def __call__(self, old_path: str) -> bytes | None:
        path = self._new_path.get(old_path)
        hunks = self._hunks.get(path) if path is not None else None
        if path is None or hunks is None:
            return None
        new = self._read_new(path)
        return None if new is None else unpatch(new, hunks)


class FileReader:
    """Reads new versions from files under ``root`` (for ``--diff``); never outside it."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def exists(self, path: str) -> bool:
        """True when ``path`` names a file under the root."""
        target = self._inside(path)
        return target is not None and target.is_file()

    def __call__(self, path: str) -> bytes | None:
        target = self._inside(path)
        if target is None or not target.is_file():  # a FIFO would block the read forever
            return None
        try:
            return target.read_bytes()
        except OSError:
            # Missing, a directory, unreadable: the diff names a file we cannot see.
            return None

    def _inside(self, path: str) -> Path | None:
        rel = PurePosixPath(path)
        # A NUL byte (a hostile --diff) names no file; realpath() would raise on it.
        if "\0" in path or rel.is_absolute() or ".." in rel.parts:
            return None
        target = self._root / rel
        # A link (or linked folder) that resolves outside the root is not read through.
        try:
            real_root, real = self._root.resolve(), target.resolve()
        except (OSError, RuntimeError):  # a link loop
            return None
        if real != real_root and real_root not in real.parents:
            return None
        return target
