"""What ``ttabot draft`` prints and writes: a unified diff, JSON, a summary, ``--apply``.

Only drafts that are accepted and applicable reach the diff and the files;
every draft, rejected ones included, is in the JSON and the summary.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ttabot.analysis.source import git_numbered_lines
from ttabot.drafting.lineends import crlf_paths
from ttabot.errors import EXIT_DRAFT_NO_ANSWER, TtabotError
from ttabot.fileio import NotRegularFile, inside, read_current, write_all_atomic
from ttabot.gitnames import quote
from ttabot.records import Draft, DraftStatus
from ttabot.report import printable

#: Every ``status`` a draft can have, in the order counts are shown.
STATUSES = tuple(s.value for s in DraftStatus)
#: Exit code when no model answered at all: like having no model, nothing could be drafted.
EXIT_NO_ANSWER = EXIT_DRAFT_NO_ANSWER


def applied(drafts: Iterable[Draft]) -> dict[str, tuple[str, str]]:
    """``path -> (original, final text)`` after every applicable draft, in order.

    Drafts of one file build on each other (each one's ``original`` is the text
    the previous accepted one left), so the last one holds the final text.
    """
    out: dict[str, tuple[str, str]] = {}
    for draft in drafts:
        if draft.accepted and draft.applicable and draft.proposed != draft.original:
            first = out.get(draft.path, (draft.original, ""))[0]
            out[draft.path] = (first, draft.proposed)
    return out


def crlf_checkout(text: str) -> str:
    """``text`` as git writes it to a work tree that ends lines in CRLF.

    Every LF not already after a CR gets one (git's ``core.autocrlf=true`` or
    ``eol=crlf``); a CRLF stays as it is, so no line ends up with two CRs.
    """
    return _LONE_LF.sub("\r\n", text)


_LONE_LF = re.compile(r"(?<!\r)\n")


def _hunks(original: str, final: str, source: str, target: str) -> str:
    """The ``---``/``+++`` header and hunks turning ``original`` into ``final``."""
    lines = difflib.unified_diff(
        git_numbered_lines(original), git_numbered_lines(final), source, target
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def unified_diff(drafts: Iterable[Draft], root: Path | None = None) -> str:
    """One ``git apply``-able diff of all applicable drafts.

    A draft that starts from nothing is a new file, unless a file is at its path
    under ``root``: an empty module (``touch tests/test_x.py``) gets lines added.
    """
    chunks = []
    for path, (original, final) in sorted(applied(drafts).items()):
        # Quoted as git quotes them: a newline, tab or non-UTF-8 byte in a name stays exact.
        source, target = quote(f"a/{path}"), quote(f"b/{path}")
        new = not original and not (root is not None and _exists(root, path))
        text = _hunks(original, final, "/dev/null" if new else source, target)
        if text:
            chunks.append(
                f"diff --git {source} {target}\n" + ("new file mode 100644\n" if new else "") + text
            )
    return "".join(chunks)


def _exists(root: Path, path: str) -> bool:
    try:
        return inside(root, path).exists()
    except ValueError:  # through a symbolic link: --apply would skip it anyway
        return False


def verdict(draft: Draft) -> str:
    """``accepted``, ``suggestion``, ``rejected`` (failed a check) or ``no-answer``.

    ``no-answer``: no model answered the request at all, so nothing was checked.
    """
    return draft.status.value


def exit_code(drafts: Sequence[Draft], skipped: Sequence[str] = ()) -> int:
    """The exit code of ``ttabot draft`` for ``drafts`` and the files ``--apply`` skipped.

    0 when every draft was accepted (or is a suggestion); :data:`EXIT_NO_ANSWER`
    when no model answered any request; 1 when anything else that was asked for
    did not happen: a rejected draft, a request no model answered while others
    were answered, a file ``--apply`` skipped.
    """
    statuses = {verdict(d) for d in drafts}
    if statuses == {"no-answer"}:
        return EXIT_NO_ANSWER
    if skipped or statuses & {"rejected", "no-answer"}:
        return 1
    return 0


def draft_record(draft: Draft) -> dict[str, Any]:
    """One draft as JSON: what it is for, its verdict, its validation record and its patch."""
    record = {
        "kind": draft.kind.value,
        "path": draft.path,
        "status": verdict(draft),
        "accepted": draft.accepted,
        "applicable": draft.applicable,
        "reason": draft.reason,
        "findings": [
            {"category": f.category.value, "path": f.path, "symbol": f.symbol, "line": f.line}
            for f in draft.findings
        ],
        "stages": [s._asdict() for s in draft.stages],
        "model": draft.model,
        "requests": draft.attempts,
        "attempts": [a._asdict() for a in draft.history],
        "cleaned": list(draft.cleaned),
        "prompt_tokens": draft.prompt_tokens,
        "completion_tokens": draft.completion_tokens,
        "diff": _one_diff(draft),
    }
    return record


def _one_diff(draft: Draft) -> str:
    return _hunks(
        draft.original, draft.proposed, quote(f"a/{draft.path}"), quote(f"b/{draft.path}")
    )


def to_json(drafts: Sequence[Draft], extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``--format json`` document: every draft, counts, and ``extra`` (e.g. metrics)."""
    counts = {name: sum(verdict(d) == name for d in drafts) for name in STATUSES}
    return {"drafts": [draft_record(d) for d in drafts], "counts": counts, **(extra or {})}


def summary(drafts: Sequence[Draft]) -> str:
    """A few lines for people: each draft's verdict, target and, if rejected, why."""
    lines = []
    for draft in drafts:
        symbols = ", ".join(f.symbol for f in draft.findings)
        model = f" [{draft.model}]" if draft.model else ""
        line = f"{verdict(draft):10} {draft.kind.value:13} {draft.path} ({symbols}){model}"
        if draft.reason:
            line += f": {draft.reason.splitlines()[0] if draft.reason.strip() else ''}"
        # The path and reason may quote the change, the model or test output: no escapes.
        lines.append(printable(line))
    return "\n".join(lines) + ("\n" if lines else "")


def apply(root: Path, drafts: Iterable[Draft]) -> tuple[list[str], list[str]]:
    """Write applicable drafts under ``root``, all or none; return (written, skipped with reason).

    A file whose current text is not what the draft started from (edited since,
    or the change was read from a commit the tree has moved past), whose path
    passes through a symbolic link, or that is no longer a regular file (a
    folder, a FIFO: not read either), is skipped, never overwritten. A file that
    is git's CRLF checkout of that text (:func:`crlf_checkout`) is the same file:
    its draft is written with CRLF too. A new (or empty) file has no line ends to
    follow: it gets those git would check it out with
    (:func:`~ttabot.drafting.lineends.crlf_paths`). The rest are written together
    (:func:`~ttabot.fileio.write_all_atomic`): a failure, such as a full disk,
    leaves every file as it was and is one :class:`TtabotError`.
    """
    skipped = []
    texts: dict[str, str] = {}
    new: list[str] = []  # no text of the file to follow: git's rule for the path decides
    for path, (original, final) in sorted(applied(drafts).items()):
        try:
            target = inside(root, path)
        except ValueError as exc:
            skipped.append(f"{exc}: not written through it")
            continue
        try:
            data = read_current(target)
        except NotRegularFile:  # a folder or a FIFO now: never read, never replaced
            skipped.append(f"{path}: not a regular file: not written")
            continue
        except NotADirectoryError:  # "tests" is a file now: no module can go under it
            skipped.append(f"{path}: a folder on its path is not a folder: not written")
            continue
        except OSError as exc:
            raise TtabotError(f"cannot read {path}: {exc.strerror or exc}") from None
        current = data or b""
        if current == original.encode("utf-8"):
            texts[path] = final
            if not current:
                new.append(path)
        elif current == crlf_checkout(original).encode("utf-8"):
            # Drafted from git's version (the index, a commit: LF); the work tree holds
            # git's CRLF checkout of that same text (core.autocrlf, eol=crlf).
            texts[path] = crlf_checkout(final)
        else:
            skipped.append(f"{path}: the file differs from the version drafted against")
    for path in crlf_paths(root, new):
        texts[path] = crlf_checkout(texts[path])
    try:
        write_all_atomic(root, texts)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise TtabotError(
            f"nothing applied, every file left as it was: {exc.strerror or exc}{where}"
        ) from None
    return list(texts), skipped
