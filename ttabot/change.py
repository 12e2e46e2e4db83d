"""Unified diff text -> :class:`~ttabot.records.Change`.

The parsing is unidiff's; this module decides what each file *is* (added,
deleted, renamed, binary), which path it lives at now, and which lines of its
new version the diff added. It is pure: text in, record out.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchedFile, PatchSet

from ttabot.errors import TtabotError
from ttabot.gitnames import plain_headers, unquote
from ttabot.records import Change, FileChange, FileStatus

_DEV_NULL = "/dev/null"
_NOT_SOURCE_MODES = {"120000", "160000"}  # symlink, submodule (gitlink)


def decode_diff(data: bytes) -> str:
    """Decode diff bytes as UTF-8, keeping undecodable bytes (surrogateescape) instead of failing.

    A diff may carry files in any encoding; their bytes survive the round
    trip, and line numbers do not depend on them.
    """
    return data.decode("utf-8", "surrogateescape")


def parse_diff(text: str, description: str = "") -> Change:
    """Parse a unified diff (git's or plain ``diff -u``) into a :class:`Change`.

    An empty diff is an empty change; text that holds no file diff at all, or
    a malformed hunk, raises :class:`TtabotError`.
    """
    # StringIO splits on "\n" only, so CRLF and form feeds stay inside their lines.
    try:
        patch = PatchSet(io.StringIO(plain_headers(text), newline="\n"))
    except UnidiffParseError as exc:
        detail = str(exc).splitlines()[0] if str(exc) else "malformed hunk"
        raise TtabotError(f"not a valid diff: {detail[:120]}") from None
    if not len(patch) and text.strip():
        raise TtabotError("not a diff: no file changes found (expected unified diff text)")
    files = tuple(_file_change(patched) for patched in patch)
    return Change(files=files, description=description)


def _file_change(patched: PatchedFile) -> FileChange:
    """One unidiff ``PatchedFile`` as a :class:`FileChange`."""
    source = _clean(patched.source_file or "", "a/")
    target = _clean(patched.target_file or "", "b/")
    renamed_from, renamed_to = _rename_lines(patched.patch_info or ())
    if renamed_from is not None:
        source = renamed_from
    if renamed_to is not None:
        target = renamed_to
    # A symlink's "content" is its target path and a submodule's a commit id:
    # neither is source to analyse, so they are treated like binary files.
    modes = {patched.source_mode, patched.target_mode}
    is_binary = bool(patched.is_binary_file) or bool(modes & _NOT_SOURCE_MODES)
    if source == _DEV_NULL:
        status, path, old = FileStatus.ADDED, target, None
    elif target == _DEV_NULL:
        status, path, old = FileStatus.DELETED, source, None
    elif source != target:
        status, path, old = FileStatus.RENAMED, target, source
    else:
        status, path, old = FileStatus.MODIFIED, target, None
    added: set[int] = set()
    if status is not FileStatus.DELETED:
        for hunk in patched:
            for line in hunk:
                if line.line_type == "+" and line.target_line_no is not None:
                    added.add(line.target_line_no)
    return FileChange(
        path=path,
        status=status,
        added_lines=frozenset(added),
        old_path=old,
        is_binary=is_binary,
        is_link=patched.target_mode == "120000",
    )


class ReverseHunk(NamedTuple):
    """What one hunk did, seen from the new file: ``new`` lines at ``start`` were ``old`` lines.

    ``start`` is the 0-based index in the new file's lines where the hunk's
    new lines begin (or where removed lines go, for a hunk that only removes).
    Lines are text as the diff holds it; ``old`` keeps line endings, ``new`` not.
    """

    start: int
    new: tuple[str, ...]
    old: tuple[str, ...]


def reverse_hunks(text: str) -> dict[str, tuple[ReverseHunk, ...]]:
    """The hunks of each file of a unified diff, by the file's new path, to undo them.

    Added and deleted files are left out: an added file has no old version to
    rebuild, a deleted one no new version to rebuild it from.
    """
    try:
        patch = PatchSet(io.StringIO(plain_headers(text), newline="\n"))
    except UnidiffParseError:
        return {}
    out: dict[str, tuple[ReverseHunk, ...]] = {}
    for patched in patch:
        change = _file_change(patched)
        if change.status in (FileStatus.ADDED, FileStatus.DELETED) or change.is_binary:
            continue
        hunks = []
        for hunk in patched:
            # A hunk that adds nothing names the line *before* its place (`+4,0`).
            start = hunk.target_start if hunk.target_length == 0 else hunk.target_start - 1
            new = tuple(line.value.rstrip("\r\n") for line in hunk if line.line_type in " +")
            old = tuple(line.value for line in hunk if line.line_type in " -")
            hunks.append(ReverseHunk(start, new, old))
        out[change.path] = tuple(hunks)
    return out


def unpatch(new: bytes, hunks: Sequence[ReverseHunk]) -> bytes | None:
    """The old version of a file: ``new`` with ``hunks`` undone; ``None`` if they do not fit.

    The new lines of each hunk must be where the hunk says, as the diff shows
    them (line endings aside); otherwise the file is not the diff's new version
    and its old version cannot be known.
    """
    parts = new.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    rebuilt: list[bytes] = []
    done = 0
    for hunk in sorted(hunks, key=lambda h: h.start):
        end = hunk.start + len(hunk.new)
        if hunk.start < done or end > len(lines):
            return None
        actual = [line.rstrip(b"\r\n") for line in lines[hunk.start : end]]
        if actual != [line.encode("utf-8", "surrogateescape") for line in hunk.new]:
            return None
        rebuilt += lines[done : hunk.start]
        rebuilt += [line.encode("utf-8", "surrogateescape") for line in hunk.old]
        done = end
    rebuilt += lines[done:]
    return b"".join(rebuilt)


def _rename_lines(info: Iterable[str]) -> tuple[str | None, str | None]:
    """Paths from git's ``rename from``/``rename to`` lines: exact, even with spaces in them."""
    old = new = None
    for raw in info:
        line = str(raw).rstrip("\r\n")
        if line.startswith("rename from "):
            old = unquote(line[len("rename from ") :])
        elif line.startswith("rename to "):
            new = unquote(line[len("rename to ") :])
    return old, new


def _clean(name: str, prefix: str) -> str:
    """A header path without quotes, trailing whitespace or git's ``a/``/``b/`` prefix."""
    name = unquote(name.rstrip("\t\r\n "))
    if name == _DEV_NULL:
        return name
    return name[len(prefix) :] if name.startswith(prefix) else name


def added_texts(data: bytes) -> dict[str, dict[int, str]]:
    """Each file's added lines of a diff, by new line number, as text.

    Used to tell whether the files under ``--root`` are the diff's new version.
    The diff parsed already (:func:`parse_diff`), so a parse error cannot happen here.
    """
    patch = PatchSet(io.StringIO(plain_headers(decode_diff(data)), newline="\n"))
    out: dict[str, dict[int, str]] = {}
    for patched in patch:
        change = _file_change(patched)
        lines: dict[int, str] = {}
        for hunk in patched:
            for line in hunk:
                if line.is_added and line.target_line_no is not None:
                    lines[line.target_line_no] = line.value.rstrip("\n")
        out[change.path] = lines
    return out
