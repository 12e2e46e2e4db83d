"""Inline suppression: ``# ttabot: ignore`` on a def/class line, like ruff's ``# noqa``.

``# ttabot: ignore`` drops every finding of that definition;
``# ttabot: ignore[docs-missing,refactor]`` only those categories. A name in the
brackets that is no category is a warning (the finding it meant stays visible),
never a silent no-op. Only the definition's own ``def``/``class`` line counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from ttabot.records import Category, CheckResult, CheckWarning, Finding

_MARK = re.compile(r"#\s*ttabot:\s*ignore(?![\w-])(?:\[([^\]]*)\])?", re.IGNORECASE)
_ALL = frozenset(Category)


def ignored_categories(line: str) -> tuple[frozenset[Category], tuple[str, ...]]:
    """The categories ``line``'s suppression comment names, and the unknown names in it.

    No comment: nothing ignored. A bare ``# ttabot: ignore`` (or empty brackets) ignores all.
    """
    match = _MARK.search(line)
    if match is None:
        return frozenset(), ()
    if match.group(1) is None or not match.group(1).strip():
        return _ALL, ()
    known: set[Category] = set()
    unknown: list[str] = []
    for name in match.group(1).split(","):
        name = name.strip()
        if not name:
            continue
        try:
            known.add(Category(name))
        except ValueError:
            unknown.append(name)
    return frozenset(known), tuple(unknown)


def apply_suppressions(result: CheckResult, read_new: Callable[[str], bytes | None]) -> CheckResult:
    """``result`` without the findings their def/class line suppresses, plus a warning
    for each unknown category named in a suppression comment."""
    lines_of: dict[str, list[str]] = {}
    kept: list[Finding] = []
    warnings = list(result.warnings)
    warned: set[tuple[str, int]] = set()
    for finding in result.findings:
        if finding.path not in lines_of:
            lines_of[finding.path] = _lines(read_new(finding.path))
        lines = lines_of[finding.path]
        line = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        ignored, unknown = ignored_categories(line)
        if unknown and (finding.path, finding.line) not in warned:
            warned.add((finding.path, finding.line))
            warnings.append(_unknown_warning(finding, unknown))
        if finding.category not in ignored:
            kept.append(finding)
    return result._replace(findings=tuple(kept), warnings=tuple(warnings))


def _lines(data: bytes | None) -> list[str]:
    if data is None:
        return []
    return data.decode("utf-8", errors="replace").split("\n")


def _unknown_warning(finding: Finding, unknown: Iterable[str]) -> CheckWarning:
    names = ", ".join(repr(name) for name in unknown)
    known = ", ".join(c.value for c in Category)
    return CheckWarning(
        path=finding.path,
        message=f"line {finding.line}: '# ttabot: ignore[...]' names unknown "
        f"categor{'ies' if ',' in names else 'y'} {names} (use {known})",
    )
