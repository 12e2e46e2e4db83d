"""``ttabot check`` as a function: a selected change in, a :class:`CheckResult` out.

This is the seam between the edges (git, coverage files) and the pure
analysis; which findings fail the run is the report's business
(:class:`ttabot.report.Report`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Protocol

from ttabot.config import CheckSettings, Settings
from ttabot.records import Change, CheckResult, CheckWarning, FileStatus
from ttabot.sources import Selection


class Analyzer(Protocol):
    """The signature of :func:`ttabot.analysis.analyze`."""

    def __call__(
        self,
        change: Change,
        read_new: Callable[[str], bytes | None],
        settings: CheckSettings,
        covered: Mapping[str, frozenset[int]] | None = None,
        read_old: Callable[[str], bytes | None] | None = None,
    ) -> CheckResult: ...


def run_check(
    selection: Selection,
    settings: Settings,
    coverage: Path | None = None,
    *,
    analyzer: Analyzer | None = None,
) -> CheckResult:
    """Analyse ``selection`` under ``settings``, with ``coverage`` data (xml or .coverage) if given.

    ``analyzer`` replaces :func:`ttabot.analysis.analyze` (tests, embedding).
    """
    covered: Mapping[str, frozenset[int]] | None = None
    if coverage is not None:
        # Imported only when asked for: coverage's own import is not cheap.
        from ttabot.analysis.coverage import load_covered_lines

        covered = load_covered_lines(coverage, selection.root)
    notes = list(_silent_nothing(selection.root, selection.change, settings, coverage, covered))
    if analyzer is None:
        from ttabot.analysis import analyze

        analyzer = analyze
    result = analyzer(
        selection.change, selection.read_new, settings.check, covered, selection.read_old
    )
    from ttabot.analysis.suppression import apply_suppressions

    result = apply_suppressions(result, selection.read_new)
    return result._replace(warnings=(*notes, *result.warnings)) if notes else result


def _silent_nothing(
    root: Path,
    change: Change,
    settings: Settings,
    coverage: Path | None,
    covered: Mapping[str, frozenset[int]] | None,
) -> Iterator[CheckWarning]:
    """Warnings for settings that quietly select nothing: an ``include`` pattern that
    matches no file, coverage data whose paths match no changed file nor any file here."""
    from ttabot.analysis.paths import in_scope, is_python, is_test_file, matches

    python = [
        f.path for f in change.files if is_python(f.path) and f.status is not FileStatus.DELETED
    ]
    include = settings.check.include
    if include and python and not any(in_scope(p, include, ()) for p in python):
        # The change is outside `include`: fine, unless a pattern matches nothing at all
        # (a typo such as "scr/**"), which would keep every change unchecked, silently.
        known = _repository_files(root) or python
        for pattern in include:
            if not any(matches(path, pattern) for path in known):
                yield CheckWarning(
                    path=settings.source,
                    message=f"include pattern {pattern!r} matches no file "
                    f"({len(known)} known), so nothing it meant is checked",
                )
    code = [p for p in python if not is_test_file(p)]
    if coverage is None or covered is None or not code or any(map(covered.__contains__, code)):
        return
    # Data about other files of this project is no mismatch: those files simply ran and
    # the changed ones did not. Paths that exist nowhere under the root are one.
    if any((root / path).is_file() for path in sorted(covered)[:50]):
        return
    sample = ", ".join(sorted(covered)[:3]) or "no files at all"
    yield CheckWarning(
        path=str(coverage),
        message=f"names none of the {len(code)} changed file(s), nor any file under {root} "
        f"(it has: {sample}); were the tests run from another folder? "
        "tests-needed treats the changed files as unrun",
    )


def _repository_files(root: Path) -> list[str]:
    """The files git tracks under ``root`` (none outside a repository, e.g. for ``--diff``)."""
    from ttabot import git
    from ttabot.errors import TtabotError

    try:
        return git.tracked_files(root)
    except TtabotError:
        return []
