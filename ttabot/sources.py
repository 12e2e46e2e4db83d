"""Where a change comes from: the staged files, the last commit, a commit range, or a diff.

:func:`select_change` turns what the user asked for into a :class:`Selection`:
the parsed :class:`~ttabot.records.Change` plus a way to read the *new*
version of each file it touches — from git (commit or index) or from the file
system under ``--root`` for a diff (the readers are in :mod:`ttabot.version_readers`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import NamedTuple

from ttabot import git
from ttabot.change import added_texts, decode_diff, parse_diff, reverse_hunks
from ttabot.errors import TtabotError
from ttabot.records import Change, FileStatus
from ttabot.version_readers import FileReader, GitReader, UnpatchingReader, wanted_paths

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
    #: The version before the change, by *old* path (a renamed file's old name);
    #: ``None`` when no old version can be known.
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
    staged_diff: bytes | None = None
    if staged is not False and rev_range is None and not worktree and git.plainly_toplevel(root):
        top = Path(os.path.realpath(root))  # what git's --show-toplevel prints
        staged_diff = git.try_diff_staged(top)
        if staged_diff:
            return _staged(top, staged_diff, old_rev="HEAD")
    top, head = git.locate(root)
    if rev_range is not None:
        return _from_range(top, rev_range)
    if worktree:
        change = _git_change(
            git.diff_worktree(top), "unstaged edits", partial(git.diff_worktree, top)
        )
        index = GitReader(top, "", change, old_rev="")  # the old version is the index
        return Selection(top, change, FileReader(top), None, None, read_old=index.read_old)
    if staged is not False:
        data = git.diff_staged(top) if staged_diff is None else staged_diff
        if data or staged:
            return _staged(top, data, old_rev=head)
    if head is None:
        raise TtabotError("nothing to check: no commits yet and nothing staged")
    change = _git_change(
        git.diff_commit(top, head), f"last commit {head[:12]}", partial(git.diff_commit, top, head)
    )
    # The diff is against the first parent (--diff-merges=first-parent): so is the old version.
    reader = GitReader(top, head, change, old_rev=f"{head}^1")
    return Selection(top, change, reader, None, head, read_old=reader.read_old)


def _staged(top: Path, data: bytes, old_rev: str | None) -> Selection:
    """The staged change from ``git diff --cached`` output; old versions from ``old_rev``."""
    if data.startswith(_UNMERGED.encode()) or b"\n" + _UNMERGED.encode() in data:
        raise TtabotError(_unmerged_message(git.unmerged_paths(top)))
    change = _git_change(data, "staged change", partial(git.diff_staged, top))
    reader = GitReader(top, "", change, old_rev=old_rev)
    return Selection(top, change, reader, None, None, read_old=reader.read_old)


def _unmerged_message(paths: list[str]) -> str:
    shown = ", ".join(repr(p) if "\n" in p else p for p in paths[:3])
    more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    return (
        f"the index has unmerged paths ({shown}{more}): finish or abort the merge "
        "(resolve and 'git add' them), or pass --range"
    )


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
        return Selection(top, change, GitReader(top, head, change), base, head)
    change = _git_change(
        git.diff_commits(top, base, head),
        f"range {text}",
        partial(git.diff_commits, top, base, head),
    )
    reader = GitReader(top, head, change, old_rev=base)
    return Selection(top, change, reader, base, head, read_old=reader.read_old)


def _git_change(data: bytes, description: str, rediff: Callable[[Sequence[str]], bytes]) -> Change:
    """Parse git's diff output; conflicted files (mid-merge) have no new version and are skipped.

    ``rediff(paths)`` is the same diff of only ``paths``, as text (``git.as_text``).
    """
    text = decode_diff(data)
    if _UNMERGED in text:
        text = "\n".join(line for line in text.split("\n") if not line.startswith(_UNMERGED))
    return _python_as_text(parse_diff(text, description), rediff)


def _python_as_text(change: Change, rediff: Callable[[Sequence[str]], bytes]) -> Change:
    """``change`` with the Python files git called binary diffed again, as text.

    The repository's ``.gitattributes`` tells git what is binary: ``*.py -diff`` (or
    ``binary``), added by a pull request, made git show every Python file as
    "Binary files differ", and nothing was checked. Here a file's content decides,
    as it does for git without attributes: one whose added lines hold a NUL byte
    stays binary. Costs one more git call, only when git called a Python file binary.
    """
    marked = [
        f
        for f in change.files
        if f.is_binary and f.status is not FileStatus.DELETED and f.path.endswith(".py")
    ]
    if not marked:
        return change
    paths = sorted({path for f in marked for path in (f.path, f.old_path) if path})
    data = rediff(paths)
    nul = {path for path, lines in added_texts(data).items() if "\0" in "".join(lines.values())}
    again = {f.path: f for f in parse_diff(decode_diff(data)).files if f.path not in nul}
    files = tuple(again.get(f.path, f) if f in marked else f for f in change.files)
    return change._replace(files=files)


def _from_diff(root: Path, data: bytes, name: str) -> Selection:
    if not root.is_dir():
        raise TtabotError(f"--root {root} is not a directory")
    text = decode_diff(data)
    change = parse_diff(text, f"diff {name}" if name else "diff")
    reader = FileReader(root)
    wanted = wanted_paths(change)
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
    old = UnpatchingReader(reader, change, reverse_hunks(text))
    return Selection(root, change, reader, None, None, read_old=old)


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
