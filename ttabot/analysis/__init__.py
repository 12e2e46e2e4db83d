"""The pure analysis core of ``ttabot check``: a change in, findings out.

No I/O happens here beyond calling ``read_new``; git, files and coverage data
are read at the edges (``ttabot.sources``, :func:`load_covered_lines`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ttabot.analysis.coverage import load_covered_lines
from ttabot.analysis.definitions import collect_definitions
from ttabot.analysis.findings import AddedTestLines, file_findings
from ttabot.analysis.paths import in_scope, is_python, is_test_file
from ttabot.analysis.per_path import settings_for
from ttabot.analysis.source import SourceError, decode, parse, split_lines
from ttabot.analysis.statements import StatementIndex
from ttabot.analysis.touched import find_touches
from ttabot.config import CheckSettings
from ttabot.records import (
    Category,
    Change,
    CheckResult,
    CheckWarning,
    FileChange,
    FileStatus,
    Finding,
)

__all__ = ["analyze", "load_covered_lines"]


def _readable(file: FileChange) -> bool:
    return is_python(file.path) and file.status is not FileStatus.DELETED and not file.is_binary


def _test_lines(change: Change, read_new: Callable[[str], bytes | None]) -> list[str]:
    """The added lines of every Python test file in the change."""
    found: list[str] = []
    for file in change.files:
        if not (_readable(file) and is_test_file(file.path) and file.added_lines):
            continue
        data = read_new(file.path)
        if data is None:
            continue
        try:
            text = decode(data)
        except SourceError:
            # Still evidence: a test that names the function names it in any encoding.
            text = data.decode("utf-8", errors="replace")
        lines = split_lines(text)
        found.extend(lines[n] for n in sorted(file.added_lines) if 0 < n < len(lines))
    return found


def analyze(
    change: Change,
    read_new: Callable[[str], bytes | None],
    settings: CheckSettings,
    covered: Mapping[str, frozenset[int]] | None = None,
) -> CheckResult:
    """Find what ``change`` leaves undone: the Findings contract of ``docs/findings.md``.

    ``read_new(path)`` returns the new version of a file (``None`` when it is
    gone or unreadable). ``covered`` maps repo-relative paths to the line
    numbers tests executed; with it, tests-needed only reports functions with
    changed code that no test ran (a file missing from it ran nothing).
    ``settings.fail_on`` is the caller's business.
    """
    evidence = AddedTestLines(_test_lines(change, read_new))
    findings: list[Finding] = []
    warnings: list[CheckWarning] = []
    checked = 0
    for file in change.files:
        if not _readable(file) or not in_scope(file.path, settings.include, settings.exclude):
            continue
        if is_test_file(file.path):
            checked += 1
            continue
        if not file.added_lines:
            checked += 1
            continue
        data = read_new(file.path)
        if data is None:
            continue
        try:
            source = parse(data, file.path)
        except SourceError as exc:
            warnings.append(CheckWarning(path=file.path, message=str(exc)))
            continue
        checked += 1
        defs = collect_definitions(source.tree)
        statements = StatementIndex(source.tree, len(source.lines) - 1)
        touches = find_touches(defs, source.lines, file.added_lines, statements)
        executed = None if covered is None else covered.get(file.path, frozenset())
        findings.extend(
            file_findings(
                file.path,
                statements,
                defs,
                touches,
                settings_for(settings, file.path),
                evidence,
                executed,
            )
        )
    findings.sort(key=lambda f: (f.path, f.line, f.category.value))
    return CheckResult(
        findings=_one_per_symbol(findings), warnings=tuple(warnings), files_checked=checked
    )


def _one_per_symbol(findings: list[Finding]) -> tuple[Finding, ...]:
    """Keep the first finding of each (path, symbol, category).

    A property's getter and setter (or a function defined in both branches of an
    ``if``) share one symbol; two findings for it would be one thing to fix, and
    code scanning would fold them into one alert anyway.
    """
    seen: set[tuple[str, str, Category]] = set()
    kept: list[Finding] = []
    for finding in findings:
        key = (finding.path, finding.symbol, finding.category)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return tuple(kept)
