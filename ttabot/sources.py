"""Where a change comes from: the staged files, the last commit, a commit range, or a diff.

:func:`select_change` turns what the user asked for into a :class:`Selection`:
the parsed :class:`~ttabot.records.Change` plus a way to read the *new*
version of each file it touches — from git (commit or index) or from the file
system under ``--root`` for a diff.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from ttabot import git
from ttabot.change import added_texts, decode_diff, parse_diff
from ttabot.errors import TtabotError
from ttabot.records import Change, FileStatus

_UNMERGED = "* Unmerged path "


class Selection(NamedTuple):
    """A change and the means to read the new version of its files.

    A NamedTuple rather than a frozen dataclass: the same immutable record,
    built ten times faster at import, which the pre-commit path notices.
    """

    root: Path
    change: Change
    read_new: Callable[[str], bytes | None]
    base: str | None
    head: str | None
    #: Reads a file's *old* version by its old path (``None``: unknown, as for ``--diff``).
    read_old: Callable[[str], bytes | None] | None = None


def select_change(
    root: Path,
    *,
    rev_range: str | None = None,
    diff: bytes | None = None,
    staged: bool | None = None,
    diff_name: str = "",
    worktree: bool = False,
) -> Selection:
    """Choose the change to check.

    ``diff``: unified diff bytes whose files live under ``root`` (``diff_name``
    says where they came from, for reports). ``rev_range``:
    ``A..B`` or ``A...B`` (from their merge base); a missing side means
    ``HEAD``. Otherwise ``staged=None`` takes the staged change when there is
    one, else the last commit; ``True`` insists on the staged change and
    ``False`` takes the last commit. ``worktree`` takes the unstaged edits
    (the working tree against the index).
    """
    if diff is not None:
        return _from_diff(root, diff, diff_name)
    top, head = git.locate(root)
    if rev_range is not None:
        return _from_range(top, rev_range)
    if worktree:
        change = _git_change(git.diff_worktree(top), "unstaged edits")
        return Selection(top, change, _FileReader(top), None, None, _GitReader(top, "", change))
    if staged is not False:
        data = git.diff_staged(top)
        if data or staged:
            change = _git_change(data, "staged change")
            old = _GitReader(top, head, change) if head is not None else None
            return Selection(top, change, _GitReader(top, "", change), head, None, old)
    if head is None:
        raise TtabotError("nothing to check: no commits yet and nothing staged")
    change = _git_change(git.diff_commit(top, head), f"last commit {head[:12]}")
    old = _GitReader(top, f"{head}^", change)  # a root commit's parent is missing: all new
    return Selection(top, change, _GitReader(top, head, change), None, head, old)


def split_range(text: str) -> tuple[str, str, bool]:
    """``A..B`` -> ``(A, B, False)``; ``A...B`` -> ``(A, B, True)``; an empty side is HEAD."""
    symmetric = "..." in text
    left, sep, right = text.partition("..." if symmetric else "..")
    if not sep:
        raise TtabotError(f"--range {text!r}: expected A..B or A...B")
    return left or "HEAD", right or "HEAD", symmetric


def _from_range(top: Path, text: str) -> Selection:
    left, right, symmetric = split_range(text)
    base = git.resolve_commit(top, left)
    head = git.resolve_commit(top, right)
    if symmetric:
        base = git.merge_base(top, base, head)
    if git.range_is_empty(top, base, head):
        # CI on the default branch checks main..main: nothing to check is no error.
        change = Change((), f"range {text} (no commits)")
        return Selection(top, change, _GitReader(top, head, change), base, head)
    change = _git_change(git.diff_commits(top, base, head), f"range {text}")
    old = _GitReader(top, base, change)
    return Selection(top, change, _GitReader(top, head, change), base, head, old)


def _git_change(data: bytes, description: str) -> Change:
    """Parse git's diff output; conflicted files (mid-merge) have no new version and are skipped."""
    text = decode_diff(data)
    if _UNMERGED in text:
        text = "\n".join(line for line in text.split("\n") if not line.startswith(_UNMERGED))
    return parse_diff(text, description)


def _from_diff(root: Path, data: bytes, name: str) -> Selection:
    if not root.is_dir():
        raise TtabotError(f"--root {root} is not a directory")
    change = parse_diff(decode_diff(data), f"diff {name}" if name else "diff")
    reader = _FileReader(root)
    wanted = _wanted(change)
    if wanted and not any(reader.exists(path) for path in wanted):
        # Almost always the wrong --root: say so rather than report "nothing left undone".
        raise TtabotError(
            f"none of the Python files the diff names ({len(wanted)}) exists under {root} "
            "(pass --root with the folder the diff's paths start from)"
        )
    stale = _mismatched(added_texts(data), reader)
    if stale is not None:
        path, line = stale
        raise TtabotError(
            f"the diff's added lines do not match the files under {root}: {path} line {line} "
            "differs (is --root the folder of the diff's new version, with the change applied?)"
        )
    return Selection(root, change, reader, None, None)


def _mismatched(
    added: dict[str, dict[int, str]], read: Callable[[str], bytes | None]
) -> tuple[str, int] | None:
    """The first file and line where no added line of a file matches the file under the root.

    One matching line is enough for a file: line endings and encodings may differ,
    and a file edited since the diff was made is still that file. A file none
    of whose added lines is there is another version (or the old one).
    """
    for path, lines in added.items():
        data = read(path) if path.endswith(".py") else None
        if data is None or not lines:
            continue
        text = decode_diff(data).split("\n")
        if not any(
            0 < n <= len(text) and text[n - 1].rstrip("\r") == want.rstrip("\r")
            for n, want in lines.items()
        ):
            return path, min(lines)
    return None


def _wanted(change: Change) -> list[str]:
    """Paths whose new version analysis will read: Python files that still exist as text."""
    return [
        f.path
        for f in change.files
        if f.status is not FileStatus.DELETED and not f.is_binary and f.path.endswith(".py")
    ]


class _GitReader:
    """Reads new versions from a commit (``REV:path``) or the index (``:path``).

    The first read fetches every Python file of the change in one ``git
    cat-file --batch`` call; anything else is fetched when asked for.
    """

    def __init__(self, root: Path, rev: str, change: Change) -> None:
        self._root = root
        self._rev = rev
        self._paths = _wanted(change)
        self._cache: dict[str, bytes | None] | None = None

    def __call__(self, path: str) -> bytes | None:
        if self._cache is None:
            self._cache = self._fetch(self._paths)
        if path not in self._cache:
            self._cache.update(self._fetch([path]))
        return self._cache[path]

    def _fetch(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        specs = {f"{self._rev}:{path}": path for path in paths}
        blobs = git.read_blobs(self._root, list(specs))
        return {path: blobs[spec] for spec, path in specs.items()}


class _FileReader:
    """Reads new versions from files under ``root`` (for ``--diff``); never outside it."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def exists(self, path: str) -> bool:
        """True when ``path`` names a file under the root."""
        target = self._inside(path)
        return target is not None and target.is_file()

    def __call__(self, path: str) -> bytes | None:
        target = self._inside(path)
        if target is None:
            return None
        try:
            return target.read_bytes()
        except OSError:
            # Missing, a directory, unreadable: the diff names a file we cannot see.
            return None

    def _inside(self, path: str) -> Path | None:
        rel = PurePosixPath(path)
        if rel.is_absolute() or ".." in rel.parts:
            return None
        return self._root / rel
