"""``fail-on-scope = "new"``: which findings sit on definitions the change adds.

A definition is *new* when the old version of its file has no definition with
the same dotted name (through classes and functions, as ``Finding.symbol``);
the old path follows a rename, and an added file, a file with no old version
or an old version that does not parse makes every definition in it new.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator

from ttabot.analysis.source import parse_python
from ttabot.records import Change, FileChange, FileStatus, Finding

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def dotted_names(source: bytes) -> frozenset[str] | None:
    """Every definition's dotted name in ``source``; ``None`` when it does not parse."""
    try:
        tree = parse_python(source)
    except (SyntaxError, ValueError):
        return None
    return frozenset(_walk(tree, ""))


def _walk(node: ast.AST, prefix: str) -> Iterator[str]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, _DEFS):
            name = f"{prefix}{child.name}"
            yield name
            yield from _walk(child, f"{name}.")
        else:
            # Definitions under if/try/with keep their enclosing scope's prefix.
            yield from _walk(child, prefix)


def new_symbols(
    findings: Iterable[Finding],
    change: Change,
    read_old: Callable[[str], bytes | None] | None,
) -> frozenset[tuple[str, str]]:
    """``(path, symbol)`` of each finding among ``findings`` whose definition is new in ``change``.

    ``read_old`` reads a file's old version by its old path; ``None`` (no old
    version known, e.g. ``--diff``) makes every definition new.
    """
    findings = list(findings)
    if read_old is None:
        return frozenset((f.path, f.symbol) for f in findings)
    by_path = {file.path: file for file in change.files}
    old_names: dict[str, frozenset[str] | None] = {}
    out: set[tuple[str, str]] = set()
    for finding in findings:
        if finding.path not in old_names:
            old_names[finding.path] = _old_names(by_path.get(finding.path), read_old)
        names = old_names[finding.path]
        if names is None or finding.symbol not in names:
            out.add((finding.path, finding.symbol))
    return frozenset(out)


def _old_names(
    file: FileChange | None, read_old: Callable[[str], bytes | None]
) -> frozenset[str] | None:
    if file is None or file.status is FileStatus.ADDED:
        return None
    data = read_old(file.old_path or file.path)
    return None if data is None else dotted_names(data)
