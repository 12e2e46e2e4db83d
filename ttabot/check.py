"""``ttabot check`` as a function: a selected change in, a :class:`CheckResult` out.

This is the seam between the edges (git, coverage files) and the pure
analysis; which findings fail the run is the report's business
(:class:`ttabot.report.Report`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from ttabot.config import CheckSettings, Settings
from ttabot.records import Change, CheckResult
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
    if analyzer is None:
        from ttabot.analysis import analyze

        analyzer = analyze
    return analyzer(
        selection.change, selection.read_new, settings.check, covered, selection.read_old
    )
