"""``ttabot check``: what a change leaves undone, offline and fast enough for every commit.

This module only parses options; :mod:`ttabot.commands.check_run` wires the
stages together and picks the exit code, and the work happens in
ttabot.sources, ttabot.check and ttabot.report. The pre-commit hook's own
invocation skips this module (and click) through :mod:`ttabot.entry`.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from ttabot.commands.check_run import CheckOptions, run, want_color
from ttabot.commands.selection import selection_options

__all__ = ["command", "want_color"]


class _NamedPath(click.Path):
    """click's ``Path``, refusing an empty value: pathlib reads ``""`` as ``.``.

    ``ttabot check "$DIR"`` with ``DIR`` unset named nothing, yet checked the
    whole change as ``ttabot check .`` does.
    """

    def convert(
        self,
        value: str | os.PathLike[str],
        param: click.Parameter | None,
        ctx: click.Context | None,
    ) -> str | bytes | os.PathLike[str]:
        if value == "":
            self.fail("an empty path names no file or folder", param, ctx)
        return super().convert(value, param, ctx)


_EPILOG = """\b
What is checked (only .py files; test files get no findings):
  docs-missing  a touched public def/class without a docstring (inherited ones count)
  tests-needed  a new public function, or one whose behaviour changed, that no
                changed test names (annotation/docstring-only edits need none)
  refactor      a touched function with McCabe complexity > 10 or > 5 positional
                parameters
By default all three are reported and only docs-missing fails the run.
--contract 1 (or contract = 1) keeps the version 1 rules (docs/findings.md).
Settings: [tool.ttabot] in pyproject.toml and .ttabot.toml, merged per key
(.ttabot.toml wins); flags win over both. Per path: [tool.ttabot.per-path."GLOB"].

\b
Which change:
  (default)        the staged change; when nothing is staged, the last commit
  --range A..B     from commit A to commit B (files read at B, not the work tree)
  --range A...B    the same, from the merge base of A and B
  --diff FILE|-    a unified diff; files are read under --root (default: .)
  --worktree       the unstaged edits (working tree against the index)
  PATH...          only the changed files under these paths
An empty change (an empty range, an empty diff) exits 0: "nothing to check".

\b
Suppress a definition's findings on its def/class line:
  def legacy():  # ttabot: ignore
  class Old:     # ttabot: ignore[docs-missing,refactor]

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
  ttabot check --worktree --format concise src/
"""


@click.command(epilog=_EPILOG)
@selection_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "concise", "json", "sarif", "github"]),
    default="text",
    show_default=True,
    help="text for people; concise (path:line: category message); json; sarif for code "
    "scanning; github for workflow annotations.",
)
@click.option(
    "--worktree", is_flag=True, help="Check the unstaged edits (working tree against the index)."
)
@click.option(
    "-q", "--quiet", is_flag=True, help="Show only findings that fail the run, and no summary."
)
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour text output (default: on a terminal; NO_COLOR turns it off, FORCE_COLOR on).",
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
@click.argument("paths", nargs=-1, type=_NamedPath(path_type=Path))
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
    worktree: bool,
    quiet: bool,
    color: bool | None,
    paths: tuple[Path, ...],
) -> int:
    """Find what a change leaves undone: docstrings, tests, refactors (offline).

    With PATHs, only the changed files under them are checked.
    """
    options = CheckOptions(
        rev_range=rev_range,
        diff_path=diff_path,
        root=root,
        fmt=fmt,
        coverage=coverage,
        config=config,
        contract=contract,
        fail_on=fail_on,
        categories=categories,
        max_complexity=max_complexity,
        max_params=max_params,
        worktree=worktree,
        quiet=quiet,
        color=color,
        paths=paths,
    )
    return run(options, click.echo)
