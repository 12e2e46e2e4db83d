"""``ttabot draft``: draft the missing docstrings, tests and refactors, validated.

Parses options and wires the stages: select the change, check it, plan the
tasks, then either show the plan (``--dry-run``) or draft through the
rotating client and print a diff, JSON, or apply the accepted drafts.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ttabot.config import Settings, load_settings, parse_categories
from ttabot.errors import TtabotError
from ttabot.records import Category, TaskKind

if TYPE_CHECKING:
    from ttabot.drafting import Task
    from ttabot.llm import Metrics
    from ttabot.records import CheckResult, Draft
    from ttabot.sources import Selection

#: One line telling a user with no model how to get one.
HOW_TO_CONFIGURE = (
    "no model is configured: set OPENROUTER_API_KEY (a free key from https://openrouter.ai/keys) "
    "or add a local OpenAI-compatible provider under [providers] (see docs/draft.md)"
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

\b
Exit codes: 0 every draft accepted (or nothing to do), 1 some draft rejected,
2 usage error or no model configured.

\b
Examples:
  ttabot draft --dry-run
  ttabot draft --range main...HEAD --format json > drafts.json
  ttabot draft --only docs-missing --apply
"""


@click.command(epilog=_EPILOG)
@click.option("--range", "rev_range", metavar="A..B", help="Draft for a commit range.")
@click.option("--diff", "diff_path", metavar="FILE", help="Draft for a unified diff ('-': stdin).")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the files of --diff live (default: current directory).",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file (default: .ttabot.toml or [tool.ttabot] in pyproject.toml).",
)
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
    fmt: str,
    do_apply: bool,
    dry_run: bool,
    only: str | None,
    hook: bool,
) -> int:
    """Draft and validate the missing tests, docstrings and refactors of a change."""
    from ttabot.check import run_check
    from ttabot.drafting import plan
    from ttabot.sources import select_change

    if rev_range is not None and diff_path is not None:
        raise TtabotError("--range and --diff cannot be used together")
    if root is not None and diff_path is None:
        raise TtabotError("--root only applies to --diff")
    diff = _read_diff(diff_path) if diff_path is not None else None
    staged = True if hook else None
    selection = select_change(root or Path.cwd(), rev_range=rev_range, diff=diff, staged=staged)
    settings = load_settings(selection.root, config)
    categories = (
        frozenset({Category.DOCS_MISSING})
        if hook
        else parse_categories(only, "--only")
        if only
        else settings.check.categories
    )
    check = settings.check._replace(categories=categories)
    settings = settings._replace(check=check)
    result = run_check(selection, settings)
    tasks = plan(selection, result, settings)
    if dry_run:
        click.echo(render_plan(tasks, settings), nl=False)
        return 0
    if not tasks:
        click.echo("ttabot: nothing to draft", err=True)
        if fmt == "json":
            from ttabot.drafting.output import to_json

            click.echo(json.dumps(to_json([]), indent=2))
        return 0
    if not _any_usable(tasks, settings):
        if hook:
            click.echo(f"ttabot-docstrings: skipped, {HOW_TO_CONFIGURE}", err=True)
            return 0
        raise TtabotError(HOW_TO_CONFIGURE)
    drafts, metrics = _draft(selection, result, settings)
    return _publish(selection, drafts, metrics, fmt, do_apply or hook, hook)


def _any_usable(tasks: list[Task], settings: Settings) -> bool:
    from ttabot.llm import usable_models

    return any(usable_models(settings, kind, os.environ) for kind in {t.kind for t in tasks})


def _draft(
    selection: Selection, result: CheckResult, settings: Settings
) -> tuple[list[Draft], Metrics]:
    import asyncio

    from ttabot.drafting import draft_findings
    from ttabot.llm import RotatingClient

    def progress(line: str) -> None:
        click.echo(line, err=True)

    async def run() -> tuple[list[Draft], Metrics]:
        async with RotatingClient(settings) as client:
            shown = progress if sys.stderr.isatty() else None
            drafts = await draft_findings(selection, result, settings, client, progress=shown)
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

    if fmt == "json":
        document = output.to_json(drafts, {"metrics": metrics.as_dict()})
        click.echo(json.dumps(document, indent=2))
    elif not do_apply:
        click.echo(output.unified_diff(drafts), nl=False)
    click.echo(output.summary(drafts), nl=False, err=True)
    if do_apply:
        written, skipped = output.apply(selection.root, drafts)
        for path in written:
            click.echo(f"ttabot: wrote {path}", err=True)
        for line in skipped:
            click.echo(f"ttabot: skipped {line}", err=True)
    if hook:
        return 0
    return 1 if any(not d.accepted for d in drafts) else 0


def render_plan(tasks: list[Task], settings: Settings) -> str:
    """The ``--dry-run`` text: each task, its kind and chain, and the exact messages sent."""
    from ttabot.llm import usable_models
    from ttabot.llm.structured import with_json_instruction

    if not tasks:
        return "Nothing to draft.\n"
    out = [f"{len(tasks)} task(s).\n"]
    usable: dict[TaskKind, tuple[str, ...]] = {}
    for number, task in enumerate(tasks, 1):
        if task.kind not in usable:
            usable[task.kind] = usable_models(settings, task.kind, os.environ)
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
        for message in with_json_instruction(task.messages, task.schema):
            out.append(f"--- {message['role']}\n{message['content'].rstrip()}\n")
    if not any(usable.values()):
        out.append(f"\n{HOW_TO_CONFIGURE}\n")
    return "".join(out)


def _read_diff(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise TtabotError(f"cannot read --diff {path}: {exc.strerror or exc}") from None
