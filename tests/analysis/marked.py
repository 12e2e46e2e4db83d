"""Write a changed file the way a diff shows it, and run the analysis on it.

A snippet marks each line in its first column: ``+`` for a line the change
added, a space for a line that was already there::

    +def load():
         return 1
"""

from __future__ import annotations

from collections.abc import Mapping

from ttabot.analysis import analyze
from ttabot.config import CheckSettings
from ttabot.records import Change, CheckResult, FileChange, FileStatus, Finding


def unmark(snippet: str) -> tuple[str, frozenset[int]]:
    """The file text and its added line numbers, from a ``+``-marked snippet."""
    lines = snippet.split("\n")
    if lines and not lines[0].strip():
        lines = lines[1:]
    if lines and not lines[-1].strip():
        lines = lines[:-1]
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    text: list[str] = []
    added: set[int] = set()
    for number, line in enumerate(lines, start=1):
        body = line[indent:]
        if body and body[0] not in "+ ":
            raise ValueError(f"line {number} of the snippet has no + or space marker: {line!r}")
        if body.startswith("+"):
            added.add(number)
        text.append(body[1:])
    return "\n".join(text) + "\n", frozenset(added)


def check(
    snippet: str,
    *,
    path: str = "pkg/mod.py",
    tests: Mapping[str, str] | None = None,
    settings: CheckSettings | None = None,
    covered: Mapping[str, frozenset[int]] | None = None,
    old: str | None = None,
    old_path: str | None = None,
) -> CheckResult:
    """Analyse one marked file (plus marked test files) as a single change.

    ``old`` is the text of the file before the change (read at ``old_path``
    when given: a rename); without it no old version is known.
    """
    contents: dict[str, bytes] = {}
    files: list[FileChange] = []
    for name, marked in {path: snippet, **(tests or {})}.items():
        text, added = unmark(marked)
        contents[name] = text.encode()
        renamed = name == path and old_path is not None
        status = FileStatus.RENAMED if renamed else FileStatus.MODIFIED
        files.append(FileChange(name, status, added, old_path if renamed else None))
    olds = {} if old is None else {old_path or path: old.encode()}
    return analyze(
        Change(tuple(files)), contents.get, settings or CheckSettings(), covered, olds.get
    )


def found(result: CheckResult, category: str | None = None) -> set[str]:
    """``category:symbol`` (or just the symbols of one category) for each finding."""
    if category is not None:
        return {f.symbol for f in result.findings if f.category.value == category}
    return {f"{f.category.value}:{f.symbol}" for f in result.findings}


def one(result: CheckResult, category: str) -> Finding:
    """The single finding of ``category`` in ``result`` (fails if there is not exactly one)."""
    (finding,) = [f for f in result.findings if f.category.value == category]
    return finding
