"""The pure analysis core of ``ttabot check``: a change in, findings out.

No I/O happens here beyond calling ``read_new``; git, files and coverage data
are read at the edges (``ttabot.sources``, :func:`load_covered_lines`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence

from ttabot.analysis.behaviour import functions_by_symbol, may_define
from ttabot.analysis.coverage import load_covered_lines
from ttabot.analysis.definitions import collect_definitions
from ttabot.analysis.findings import AddedTestLines, OldFunctions, file_findings
from ttabot.analysis.paths import in_scope, is_python, is_test_file
from ttabot.analysis.per_path import settings_for
from ttabot.analysis.source import (
    SourceError,
    decode,
    parse,
    parse_text,
    python_numbers,
    split_lines,
)
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


#: A ``.py`` the change makes a symbolic link: whatever it points to runs as this module.
#: git stores the link's target path as its content, so the link itself holds no code to
#: check; its target, when it is a ``.py`` file in the change, is checked as itself.
_LINK_WARNING = (
    "is a symbolic link, not read as a module: what it points to is checked under its own "
    "path if it is a .py file the change touches"
)


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
        added = python_numbers(text, file.added_lines)
        found.extend(lines[n] for n in sorted(added) if 0 < n < len(lines))
    return found


def analyze(
    change: Change,
    read_new: Callable[[str], bytes | None],
    settings: CheckSettings,
    covered: Mapping[str, frozenset[int]] | None = None,
    read_old: Callable[[str], bytes | None] | None = None,
) -> CheckResult:
    """Find what ``change`` leaves undone: the Findings contract of ``docs/findings.md``.

    ``read_new(path)`` returns the new version of a file (``None`` when it is
    gone or unreadable). ``covered`` maps repo-relative paths to the line
    numbers tests executed; with it, tests-needed only reports functions with
    changed code that no test ran (a file missing from it ran nothing).
    ``read_old(old_path)`` returns the version before the change, which
    contract 2 compares against (without it, every function counts as new);
    it is called only for a file with a function that would otherwise need tests.
    ``settings.fail_on`` and ``settings.contract`` pick the rules; the first is
    the caller's business.
    """
    evidence = AddedTestLines(_test_lines(change, read_new))
    findings: list[Finding] = []
    warnings: list[CheckWarning] = []
    checked = 0
    for file in change.files:
        if not in_scope(file.path, settings.include, settings.exclude):
            continue
        if file.is_link and is_python(file.path) and file.status is not FileStatus.DELETED:
            # Python imports the target as this module; its text is not checked here.
            warnings.append(CheckWarning(file.path, _LINK_WARNING))
            continue
        if not _readable(file):
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
        added = python_numbers(source.text, file.added_lines)
        touches = find_touches(defs, source.lines, added, statements)
        executed = None if covered is None else covered.get(file.path, frozenset())
        old = _old_functions(file, read_old)
        findings.extend(
            file_findings(
                file.path,
                statements,
                defs,
                touches,
                settings_for(settings, file.path),
                evidence,
                executed,
                old,
            )
        )
    findings.sort(key=lambda f: (f.path, f.line, f.category.value))
    return CheckResult(
        findings=_one_per_symbol(findings), warnings=tuple(warnings), files_checked=checked
    )


def _old_functions(
    file: FileChange, read_old: Callable[[str], bytes | None] | None
) -> OldFunctions:
    """The old version's functions of a dotted name, read and parsed on first use, at most once.

    An added file, an unknown old version (``read_old`` is ``None`` or has
    nothing) or one that does not parse gives ``None``: every function is new.
    An old text that cannot hold the name is not parsed at all.
    """
    text: list[str | None] = []
    functions: list[Mapping[str, Sequence[ast.FunctionDef | ast.AsyncFunctionDef]] | None] = []

    def lookup(symbol: str) -> Sequence[ast.FunctionDef | ast.AsyncFunctionDef] | None:
        if not text:
            text.append(_old_text(file, read_old))
        old = text[0]
        if old is None or not may_define(old, symbol):
            return None
        if not functions:
            try:
                tree = parse_text(old, file.old_path or file.path).tree
            except SourceError:
                functions.append(None)  # the contract: an old version that does not parse is new
            else:
                functions.append(functions_by_symbol(tree))
        table = functions[0]
        return None if table is None else table.get(symbol)

    return lookup


def _old_text(file: FileChange, read_old: Callable[[str], bytes | None] | None) -> str | None:
    if read_old is None or file.status is FileStatus.ADDED:
        return None
    data = read_old(file.old_path or file.path)
    if data is None:
        return None
    try:
        return decode(data)
    except SourceError:
        return None  # cannot be decoded: it does not parse either


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
