"""Which findings fail the run: ``fail-on`` and ``fail-on-scope``, per path.

The rest of a check reports; this decides the exit code. A finding fails when
its category is in its path's ``fail-on`` and, under ``fail-on-scope = "new"``,
its definition is new in the change (:mod:`ttabot.analysis.scope`); findings on
older definitions are still reported, they just do not block.
"""

from __future__ import annotations

from collections.abc import Callable

from ttabot.analysis.per_path import settings_for
from ttabot.analysis.scope import new_symbols
from ttabot.config import CheckSettings
from ttabot.records import Change, CheckResult, Finding


def failing_policy(
    settings: CheckSettings,
    result: CheckResult,
    change: Change,
    read_old: Callable[[str], bytes | None] | None,
) -> Callable[[Finding], bool]:
    """A predicate: does ``finding`` fail the run under ``settings``?"""
    scoped = [f for f in result.findings if settings_for(settings, f.path).fail_on_scope == "new"]
    new = new_symbols(scoped, change, read_old) if scoped else frozenset()

    def fails(finding: Finding) -> bool:
        here = settings_for(settings, finding.path)
        if finding.category not in here.fail_on:
            return False
        return here.fail_on_scope != "new" or (finding.path, finding.symbol) in new

    return fails
