"""``ttabot check``: what a change leaves undone, offline and fast enough for every commit.

This module only parses options, wires the stages together and picks the exit
code; the work happens in ttabot.sources, ttabot.check and ttabot.report. It
is imported on every ``git commit`` through the pre-commit hook, so it
imports nothing heavy at module level.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from ttabot.commands.selection import select, selection_options, with_contract
from ttabot.config import CheckSettings, load_settings, parse_categories

_EPILOG = """\b
What is checked (only .py files; test files get no findings):
  docs-missing  a touched public def/class without a docstring (inherited ones count)
  tests-needed  a new public function, or one whose behaviour changed, that no
                changed test names (annotation/docstring-only edits need none)
  refactor      a touched function with McCabe complexity > 10 or > 5 positional
                parameters
By default all three are reported and only docs-missing fails the run.
--contract 1 (or contract = 1) keeps the version 1 rules (docs/findings.md).
Settings: .ttabot.toml or [tool.ttabot] in pyproject.toml; flags win over them.

\b
Which change:
  (default)        the staged change; when nothing is staged, the last commit
  --range A..B     from commit A to commit B (files read at B, not the work tree)
  --range A...B    the same, from the merge base of A and B
  --diff FILE|-    a unified diff; files are read under --root (default: .)

\b
Exit codes:
  0  no finding fails the policy (--fail-on)
  1  some finding fails it
  2  usage or input error (not a repository, unknown revision, bad diff, bad config)

\b
Examples:
  ttabot check
  ttabot check --range main...HEAD --format json
  git diff -U0 main | ttabot check --diff - --fail-on all
  ttabot check --coverage coverage.xml --format sarif > ttabot.sarif
  ttabot check --categories docs-missing,refactor --max-complexity 15
"""


@click.command(epilog=_EPILOG)
@selection_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default="text",
    show_default=True,
    help="text for people; json; sarif for code scanning; github for workflow annotations.",
)
@click.option(
    "--coverage",
    type=click.Path(dir_okay=False, path_type=Path),
    help="coverage.xml (Cobertura) or .coverage data: lines tests run need no tests.",
)
@click.option(
    "--fail-on",
    metavar="LIST",
    help="Categories that fail the run (comma-separated, 'all' or 'none'). [default: docs-missing]",
)
@click.option(
    "--categories",
    metavar="LIST",
    help="Categories to report (comma-separated or 'all'). [default: all]",
)
@click.option(
    "--max-complexity",
    type=click.IntRange(min=1),
    metavar="N",
    help="Refactor above this McCabe complexity. [default: 10]",
)
@click.option(
    "--max-params",
    type=click.IntRange(min=0),
    metavar="N",
    help="Refactor above this many parameters (self/cls not counted). [default: 5]",
)
def command(
    rev_range: str | None,
    diff_path: str | None,
    root: Path | None,
    fmt: str,
    coverage: Path | None,
    config: Path | None,
    contract: str | None,
    fail_on: str | None,
    categories: str | None,
    max_complexity: int | None,
    max_params: int | None,
) -> int:
    """Find what a change leaves undone: docstrings, tests, refactors (offline)."""
    from ttabot.check import run_check
    from ttabot.report import Report, render

    selection = select(rev_range, diff_path, root)
    settings = with_contract(load_settings(selection.root, config), contract)
    check = _with_flags(settings.check, fail_on, categories, max_complexity, max_params)
    settings = settings._replace(check=check)
    result = run_check(selection, settings, coverage)
    # no-color.org: only a non-empty NO_COLOR turns colour off.
    color = fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    report = Report(result, check.fail_on, selection.change.description, color, check.contract)
    click.echo(render(fmt, report), nl=False, color=color)
    return report.exit_code


def _with_flags(
    check: CheckSettings,
    fail_on: str | None,
    categories: str | None,
    max_complexity: int | None,
    max_params: int | None,
) -> CheckSettings:
    """``check`` with the command-line flags laid over it (flags win over files)."""
    changes: dict[str, Any] = {}
    if fail_on is not None:
        changes["fail_on"] = parse_categories(fail_on, "--fail-on")
    if categories is not None:
        changes["categories"] = parse_categories(categories, "--categories")
    if max_complexity is not None:
        changes["max_complexity"] = max_complexity
    if max_params is not None:
        changes["max_params"] = max_params
    return check._replace(**changes)
