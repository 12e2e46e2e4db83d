"""``ttabot draft``: draft the missing docstrings, tests and refactors, validated.

Parses options and wires the stages: select the change, check it, plan the
tasks, then either show the plan (``--dry-run``) or draft through the
rotating client and print a diff, JSON, or apply the accepted drafts. The plan's
view is ``draft_dry_run``, drafting with progress ``draft_progress``, and what
is printed or written afterwards ``draft_publish``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ttabot.commands.draft_dry_run import HOW_TO_CONFIGURE, plan_json, render_plan, usable_by_kind
from ttabot.commands.draft_progress import draft_with_progress
from ttabot.commands.draft_publish import echo_out, publish_drafts
from ttabot.commands.selection import select, selection_options, with_contract
from ttabot.commands.trust_guard import guard
from ttabot.config import Settings, load_settings, parse_categories
from ttabot.errors import Stopped, TtabotError
from ttabot.records import Category
from ttabot.report import printable
from ttabot.report.json_report import dumps as json_text

if TYPE_CHECKING:
    from ttabot.drafting import Task
    from ttabot.sources import Selection


#: The same when the only models configured are on routes the project's files chose.
HOW_TO_TRUST = (
    "no trusted model: the project's settings send your key to a server of their choosing; "
    "check them, then run 'ttabot trust' (see 'ttabot trust --help')"
)


_EPILOG = """\b
What is drafted (same change selection and findings as `ttabot check`):
  docs-missing  docstrings in the module's style, inserted with libcst
  tests-needed  pytest tests, run in a sandboxed copy: pass, rerun, add coverage
  refactor      a rewrite that lowers the measure; applied only if tests prove it

\b
Output:
  (default)        unified diff of accepted drafts on stdout, summary on stderr
  --format json    every draft with its validation record, plus model metrics
  --apply          write accepted drafts to the working tree (atomically)
  --dry-run        the plan: tasks, kinds, model chains and the exact prompts
                   (with --format json: the plan as JSON)

\b
Models (one is needed, except for --dry-run):
  export OPENROUTER_API_KEY=...   free key from https://openrouter.ai/keys;
                                  the default chains use free models
  or a local OpenAI-compatible server (Ollama, vLLM, llama.cpp), no key:
    pyproject.toml: [tool.ttabot.providers.local]   .ttabot.toml: [providers.local]
                    base_url = "http://127.0.0.1:11434/v1"
    and name it per task kind, [tool.ttabot.chains] / [chains]:
                    documentation = ["local:qwen2.5-coder"]
                    unit-tests = ["local:qwen2.5-coder"]
                    refactoring = ["local:qwen2.5-coder"]
  `ttabot models` shows each chain and its models' state; --probe asks each once.

\b
Exit codes:
  0  every draft accepted (or a suggestion), or nothing to draft
  1  something asked for did not happen: a draft failed its checks
     (status "rejected"), a request got no answer while others did,
     --apply skipped a file that changed since it was read, or a module
     with findings is not UTF-8 Python (a BOM, another coding): not drafted
  2  usage error; no model configured; or no model answered any request
     (every draft has status "no-answer": provider down or unreachable)

\b
Examples:
  ttabot draft --dry-run
  ttabot draft --range main...HEAD --format json > drafts.json
  ttabot draft --only docs-missing --apply
"""


@click.command(epilog=_EPILOG)
@selection_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["diff", "json"]),
    default="diff",
    show_default=True,
    help="diff of accepted drafts, or json with every draft's validation record.",
)
@click.option("--apply", "do_apply", is_flag=True, help="Write accepted drafts to the files.")
@click.option("--dry-run", is_flag=True, help="Show the plan and prompts; call no model.")
@click.option(
    "--only", metavar="LIST", help="Categories to draft (comma-separated). [default: all]"
)
@click.option(
    "--hook",
    is_flag=True,
    hidden=True,
    help="pre-commit mode: docstrings for the staged change, applied; no model is not an error.",
)
def command(
    rev_range: str | None,
    diff_path: str | None,
    root: Path | None,
    config: Path | None,
    contract: str | None,
    fmt: str,
    do_apply: bool,
    dry_run: bool,
    only: str | None,
    hook: bool,
) -> int:
    """Draft and validate the missing tests, docstrings and refactors of a change."""
    from ttabot.process import drop_secrets, protect, stop_on_signals

    if dry_run and (do_apply or hook):
        raise TtabotError("--dry-run and --apply cannot be used together")
    # Before any child (git included) starts: secrets out of the environment children
    # inherit, and our /proc files closed to other processes.
    environ = protect()
    try:
        with stop_on_signals(), _warnings_to_stderr():
            selection = select(rev_range, diff_path, root, staged=True if hook else None)
            settings = with_contract(load_settings(selection.root, config, environ), contract)
            keys = [p.api_key_env for p in settings.providers.values() if p.api_key_env]
            drop_secrets(os.environ, keys)
            guarded = guard(settings, selection.root, config, environ)
            return _command(
                selection,
                guarded.settings,
                environ,
                fmt,
                do_apply,
                dry_run,
                only,
                hook,
                untrusted=guarded.untrusted,
            )
    except KeyboardInterrupt as exc:  # SIGINT or SIGTERM: children are dead already
        signum = exc.args[0] if exc.args and isinstance(exc.args[0], int) else signal.SIGINT
        raise Stopped(signum) from None


@contextlib.contextmanager
def _warnings_to_stderr() -> Iterator[None]:
    """Warnings of the drafting layer (e.g. no bubblewrap) as ``ttabot: warning: ...`` lines."""

    class Echo(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            click.echo(f"ttabot: {record.getMessage()}", err=True)

    logger = logging.getLogger("ttabot.drafting")
    handler = Echo(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def _command(
    selection: Selection,
    settings: Settings,
    environ: Mapping[str, str],
    fmt: str,
    do_apply: bool,
    dry_run: bool,
    only: str | None,
    hook: bool,
    *,
    untrusted: frozenset[str] = frozenset(),
) -> int:
    from ttabot.check import run_check
    from ttabot.drafting import make_plan

    categories = (
        frozenset({Category.DOCS_MISSING})
        if hook
        else parse_categories(only, "--only")
        if only is not None  # "" is an empty list (an error), not "every category"
        else settings.check.categories
    )
    check = settings.check._replace(categories=categories)
    settings = settings._replace(check=check)
    planned = make_plan(selection, run_check(selection, settings), settings)
    tasks = list(planned.tasks)
    for path, why in planned.undrafted:
        click.echo(f"ttabot: warning: {printable(path)}: not drafted: {why}", err=True)
    # A finding asked for and not drafted is something that did not happen (exit 1).
    incomplete = 1 if planned.undrafted and not hook else 0
    if dry_run:
        if fmt == "json":
            echo_out(json_text(plan_json(tasks, settings, environ)) + "\n")
            if tasks and not _any_usable(tasks, settings, environ):
                click.echo(f"ttabot: {HOW_TO_CONFIGURE}", err=True)
        else:
            echo_out(render_plan(tasks, settings, environ))
        return 0
    if not tasks:
        if not planned.undrafted:
            click.echo("ttabot: nothing to draft", err=True)
        if fmt == "json":
            from ttabot.drafting.output import to_json

            echo_out(json_text(to_json([])) + "\n")
        return incomplete
    if not _any_usable(tasks, settings, environ):
        # Every model left was on a route the project's files chose: trust is what is missing.
        why = HOW_TO_TRUST if untrusted else HOW_TO_CONFIGURE
        if hook:
            from ttabot.commands.notice import say_once

            reason = f"ttabot-docstrings: skipped, {why}"
            say_once(selection.root, "docstrings-hook-skipped", reason)
            return 0
        raise TtabotError(why)
    drafts, metrics = draft_with_progress(planned, environ)
    code = publish_drafts(selection, drafts, metrics, fmt, do_apply or hook, hook)
    return code or incomplete


def _any_usable(tasks: list[Task], settings: Settings, environ: Mapping[str, str]) -> bool:
    return any(usable_by_kind(tasks, settings, environ).values())
