"""``ttabot draft``: draft the missing docstrings, tests and refactors, validated.

Parses options and wires the stages: select the change, check it, plan the
tasks, then either show the plan (``--dry-run``) or draft through the
rotating client and print a diff, JSON, or apply the accepted drafts.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ttabot.commands.selection import select, selection_options, with_contract
from ttabot.commands.trust import guard
from ttabot.config import Settings, load_settings, parse_categories
from ttabot.errors import EXIT_DRAFT_NO_ANSWER, Stopped, TtabotError
from ttabot.records import Category, TaskKind
from ttabot.report import on_terminal, printable
from ttabot.report.json_report import dumps as json_text

if TYPE_CHECKING:
    from ttabot.drafting import DraftPlan, Task
    from ttabot.llm import Metrics
    from ttabot.records import Draft
    from ttabot.sources import Selection

#: One line telling a user with no model how to get one; ``--help`` has the long version.
HOW_TO_CONFIGURE = (
    "no model is configured: set OPENROUTER_API_KEY (a free key from https://openrouter.ai/keys), "
    "or add an OpenAI-compatible provider as [tool.ttabot.providers.NAME] in pyproject.toml "
    "or [providers.NAME] in .ttabot.toml and name it in [chains] (see 'ttabot draft --help')"
)

#: The same when the only models configured are on routes the project's files chose.
HOW_TO_TRUST = (
    "no trusted model: the project's settings send your key to a server of their choosing; "
    "check them, then run 'ttabot trust' (see 'ttabot trust --help')"
)

#: Seconds between "still waiting for models" lines on a terminal.
HEARTBEAT = 20.0

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
            _out(json_text(plan_json(tasks, settings, environ)) + "\n")
            if tasks and not _any_usable(tasks, settings, environ):
                click.echo(f"ttabot: {HOW_TO_CONFIGURE}", err=True)
        else:
            _out(render_plan(tasks, settings, environ))
        return 0
    if not tasks:
        if not planned.undrafted:
            click.echo("ttabot: nothing to draft", err=True)
        if fmt == "json":
            from ttabot.drafting.output import to_json

            _out(json_text(to_json([])) + "\n")
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
    drafts, metrics = _draft(planned, environ)
    code = _publish(selection, drafts, metrics, fmt, do_apply or hook, hook)
    return code or incomplete


def _out(text: str) -> None:
    """``text`` on stdout; a full disk is one ``ttabot: error:`` line, not a traceback."""
    from ttabot.commands.check_run import write_out

    write_out(click.echo, text)


def _any_usable(tasks: list[Task], settings: Settings, environ: Mapping[str, str]) -> bool:
    return any(_usable(tasks, settings, environ).values())


def _stderr_is_terminal() -> bool:
    return on_terminal(sys.stderr)


def _draft(planned: DraftPlan, environ: Mapping[str, str]) -> tuple[list[Draft], Metrics]:
    """Draft the planned tasks, as planned (never planned again)."""
    import asyncio
    import time

    from ttabot.drafting import draft_plan
    from ttabot.llm import RotatingClient

    settings, tasks = planned.settings, list(planned.tasks)

    done = 0

    def progress(line: str) -> None:
        nonlocal done
        done += 1
        click.echo(printable(line), err=True)  # it names the task's file

    async def heartbeat(started: float) -> None:
        # A provider that is down can keep every request waiting for minutes: say so.
        while True:
            await asyncio.sleep(HEARTBEAT)
            waited = time.monotonic() - started
            click.echo(
                f"ttabot: still waiting for models ({waited:.0f} s, "
                f"{done} of {len(tasks)} task(s) done)",
                err=True,
            )

    async def run() -> tuple[list[Draft], Metrics]:
        async with RotatingClient(settings, environ=environ) as client:
            if not _stderr_is_terminal():
                drafts = await draft_plan(planned, client)
                return drafts, client.metrics
            models = dict.fromkeys(
                m for refs in _usable(tasks, settings, environ).values() for m in refs
            )
            click.echo(
                f"ttabot: drafting {len(tasks)} task(s), waiting for models: {', '.join(models)}",
                err=True,
            )
            beat = asyncio.create_task(heartbeat(time.monotonic()))
            try:
                drafts = await draft_plan(planned, client, progress=progress)
            finally:
                beat.cancel()
            return drafts, client.metrics

    return asyncio.run(run())


def _publish(
    selection: Selection,
    drafts: list[Draft],
    metrics: Metrics,
    fmt: str,
    do_apply: bool,
    hook: bool,
) -> int:
    from ttabot.drafting import output

    if fmt == "diff" and not do_apply:
        diff = output.unified_diff(drafts, selection.root)
        # On a terminal it is read, not applied: escape sequences in it show as text.
        _out(printable(diff, lines=True) if on_terminal(sys.stdout) else diff)
    click.echo(output.summary(drafts), nl=False, err=True)
    written: list[str] = []
    skipped: list[str] = []
    applied: dict[str, Any] = {}
    failure: TtabotError | None = None
    if do_apply:
        try:
            written, skipped = output.apply(selection.root, drafts)
        except TtabotError as exc:  # nothing written: still print the drafts below
            failure = exc
        applied = {"written": written, "skipped": skipped}
        if failure is not None:
            applied["error"] = str(failure)
        # The repository chose these file names: no escape sequence reaches the terminal.
        for path in written:
            click.echo(f"ttabot: wrote {printable(path)}", err=True)
        for line in skipped:
            click.echo(f"ttabot: skipped {printable(line)}", err=True)
    if fmt == "json":
        # After --apply, so the document says what landed: an accepted draft may be skipped.
        extra: dict[str, Any] = {"metrics": metrics.as_dict()}
        if do_apply:
            extra["applied"] = applied
        _out(json_text(output.to_json(drafts, extra)) + "\n")
    if failure is not None:
        raise failure
    code = output.exit_code(drafts, skipped)
    if code == EXIT_DRAFT_NO_ANSWER:
        click.echo(
            "ttabot: no model answered: is the provider running and reachable, the key valid? "
            "('ttabot models --probe' asks each chain model once)",
            err=True,
        )
    return 0 if hook else code


def render_plan(
    tasks: list[Task], settings: Settings, environ: Mapping[str, str] | None = None
) -> str:
    """The ``--dry-run`` text: each task, its kind and chain, and the exact messages sent."""
    if not tasks:
        return "Nothing to draft.\n"
    out = [f"{len(tasks)} task(s).\n"]
    usable = _usable(tasks, settings, environ)
    for number, task in enumerate(tasks, 1):
        chain = ", ".join(
            ref + ("" if ref in usable[task.kind] else " (no key)") for ref in task.chain
        )
        findings = ", ".join(
            f"{f.category.value} {f.path}:{f.line} {f.symbol}" for f in task.findings
        )
        out.append(
            f"\n=== task {number}: {task.kind.value} -> {task.path}\n"
            f"findings: {findings}\n"
            f"chain: {chain or '(empty)'}\n"
        )
        for message in task.messages:
            out.append(f"--- {message['role']}\n{message['content'].rstrip()}\n")
    if not any(usable.values()):
        out.append(f"\n{HOW_TO_CONFIGURE}\n")
    # File names and the prompts (which quote the source) are the repository's text:
    # its escape sequences are shown, not sent to the terminal.
    return printable("".join(out), lines=True)


def plan_json(
    tasks: list[Task], settings: Settings, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The ``--dry-run --format json`` document: the same plan as the text, as data."""
    usable = _usable(tasks, settings, environ)
    return {
        "tasks": [
            {
                "kind": task.kind.value,
                "module": task.module,
                "path": task.path,
                "findings": [
                    {
                        "category": f.category.value,
                        "path": f.path,
                        "symbol": f.symbol,
                        "line": f.line,
                    }
                    for f in task.findings
                ],
                "chain": [{"model": ref, "usable": ref in usable[task.kind]} for ref in task.chain],
                "messages": [{"role": m["role"], "content": m["content"]} for m in task.messages],
            }
            for task in tasks
        ],
        "model_configured": any(usable.values()),
    }


def _usable(
    tasks: list[Task], settings: Settings, environ: Mapping[str, str] | None = None
) -> dict[TaskKind, tuple[str, ...]]:
    """The models with their key, per task kind of ``tasks``."""
    from ttabot.llm import usable_models

    kinds = dict.fromkeys(t.kind for t in tasks)
    env = os.environ if environ is None else environ
    return {kind: usable_models(settings, kind, env) for kind in kinds}
