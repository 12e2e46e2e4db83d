"""What ``ttabot check`` does once its options are parsed; imports no click.

The click command (:mod:`ttabot.commands.check`) and the pre-commit hook's
fast path (:mod:`ttabot.entry`) both build a :class:`CheckOptions` and call
:func:`run`, so the two cannot do different things. ``CheckOptions``' defaults
are the click options' defaults (a test compares them one by one).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from ttabot.commands.selection import limit_to_paths, select, with_contract, working_folder
from ttabot.config import CheckSettings, load_settings, parse_categories
from ttabot.errors import TtabotError


class Echo(Protocol):
    """Writes a message as ``click.echo`` does (the fast path has a click-free one)."""

    def __call__(
        self, message: str, *, err: bool = False, nl: bool = True, color: bool | None = None
    ) -> None:
        """Write ``message`` (and a newline unless ``nl`` is false) to stdout, or stderr."""


class CheckOptions(NamedTuple):
    """The parsed options of ``ttabot check``, named as the click command's parameters."""

    rev_range: str | None = None
    diff_path: str | None = None
    root: Path | None = None
    fmt: str = "text"
    coverage: Path | None = None
    config: Path | None = None
    contract: str | None = None
    fail_on: str | None = None
    categories: str | None = None
    max_complexity: int | None = None
    max_params: int | None = None
    worktree: bool = False
    quiet: bool = False
    color: bool | None = None
    paths: tuple[Path, ...] = ()


def run(options: CheckOptions, echo: Echo) -> int:
    """Check the change ``options`` select, print the report with ``echo``; the exit code."""
    from ttabot.check import run_check
    from ttabot.policy import failing_policy
    from ttabot.report import Report, on_terminal, render

    if options.worktree and (options.rev_range is not None or options.diff_path is not None):
        raise TtabotError("--worktree cannot be used with --range or --diff")
    selection = select(
        options.rev_range, options.diff_path, options.root, worktree=options.worktree
    )
    if options.paths:
        selection = limit_to_paths(selection, options.paths, working_folder(), echo=echo)
    settings = with_contract(load_settings(selection.root, options.config), options.contract)
    check = _with_flags(
        settings.check,
        options.fail_on,
        options.categories,
        options.max_complexity,
        options.max_params,
    )
    settings = settings._replace(check=check)
    if not selection.change.files:
        echo(f"ttabot: nothing to check: {selection.change.description} changes no file", err=True)
    result = run_check(selection, settings, options.coverage)
    fmt = options.fmt
    use_color = fmt in ("text", "concise") and want_color(
        options.color, on_terminal(sys.stdout), os.environ
    )
    policy = failing_policy(check, result, selection.change, selection.read_old)
    report = Report(
        result,
        check.fail_on,
        selection.change.description,
        use_color,
        contract=check.contract,
        policy=policy,
        quiet=options.quiet,
    )
    write_out(echo, render(fmt, report), use_color, what="the report")
    return report.exit_code


def write_out(echo: Echo, text: str, color: bool = False, *, what: str = "the output") -> None:
    """Print ``text`` on stdout; a stream that cannot take it (a full disk) is one error line.

    A reader that went away (``BrokenPipeError``) is left to the callers' own
    handling. Otherwise what could not be written is dropped, with standard
    output pointed at the null device, so the interpreter's exit does not try
    again and print a traceback.
    """
    try:
        echo(text, nl=False, color=color)
    except BrokenPipeError:
        raise
    except OSError as exc:
        _drop_stdout()
        raise TtabotError(f"cannot write {what}: {exc.strerror or exc}") from None


def _drop_stdout() -> None:
    """Point standard output's descriptor at the null device (when it has one)."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError):  # replaced by an in-memory stream, or closed
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def want_color(flag: bool | None, tty: bool, environ: Mapping[str, str]) -> bool:
    """Colour or not: the flag, else a non-empty ``NO_COLOR`` (off), else a non-empty
    ``FORCE_COLOR`` (on), else whether stdout is a terminal.

    NO_COLOR wins over FORCE_COLOR, as in Python's own coloured output.
    """
    if flag is not None:
        return flag
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return tty


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
