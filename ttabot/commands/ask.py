"""``ttabot ask``: send one prompt, or a JSONL batch, through a task kind's model chain.

The command checks its options and prints or writes the outcome; the batch and
output files are :mod:`ttabot.commands.ask_files`, asking the models
:mod:`ttabot.commands.ask_run`.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
from pathlib import Path

import click

from ttabot.commands.ask_files import check_destination, read_batch, result_record, write_atomically
from ttabot.commands.ask_run import ask_models, check_models
from ttabot.commands.selection import working_folder
from ttabot.commands.trust_guard import guard
from ttabot.config import load_settings, project_root, split_model_ref
from ttabot.errors import EXIT_ASK_NO_ANSWER, TtabotError
from ttabot.records import TaskKind
from ttabot.report import on_terminal, printable

#: Exit code when no model could answer (usage errors exit 2).
EXIT_NO_ANSWER = EXIT_ASK_NO_ANSWER

_EPILOG = """\b
Exit codes:
  0  answered (with --batch: every prompt was answered)
  1  no model could answer (with --batch: some prompt got no answer; every
     result is still written to --out)
  2  usage or input error: bad options or config, a bad --batch line, no API
     key, an --out/--metrics folder that is missing or not writable (all
     checked before any request is sent)

\b
Examples:
  ttabot ask --task documentation "Write a docstring for: def add(a, b): return a + b"
  ttabot ask --task unit-tests --model local:qwen2.5-coder "Test: def add(a, b): ..."
  ttabot ask --task documentation --batch prompts.jsonl --concurrency 8 \\
      --deadline 20 --out results.jsonl --metrics metrics.json

Models, chains and what the client does on failure: docs/models.md.
"""


@click.command(name="ask", epilog=_EPILOG)
@click.option(
    "--task",
    "task",
    required=True,
    type=click.Choice([k.value for k in TaskKind]),
    help="Task kind whose model chain answers.",
)
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Settings file (default: the repository root's .ttabot.toml and pyproject.toml).",
)
@click.option("--model", help="Ask only this PROVIDER:MODEL instead of the chain.")
@click.option(
    "--batch",
    type=click.Path(path_type=Path, dir_okay=False),
    help='JSONL file, one {"prompt": ...} per line.',
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 512),
    default=4,
    show_default=True,
    help="Batch requests in flight at once (one shared rotation state).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Batch results as JSONL, in input order (written atomically).",
)
@click.option(
    "--metrics",
    "metrics_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the client's metrics as JSON.",
)
@click.option(
    "--deadline",
    type=float,
    help="Seconds each request may take, waits and retries included (default: [client] deadline).",
)
@click.argument("prompt", required=False)
def command(
    task: str,
    config: Path | None,
    model: str | None,
    batch: Path | None,
    concurrency: int,
    out: Path | None,
    metrics_path: Path | None,
    deadline: float | None,
    prompt: str | None,
) -> int:
    """Send PROMPT (or a --batch of prompts) to a task kind's model chain.

    A single prompt prints the answer. --batch reads one {"prompt": ...} per line
    and writes one result per line to --out, in input order.
    """
    kind = TaskKind(task)
    if deadline is not None and not (math.isfinite(deadline) and deadline > 0):
        raise TtabotError(f"--deadline must be a positive number of seconds, not {deadline}")
    if (batch is None) == (prompt is None):
        raise TtabotError("give either a PROMPT or --batch FILE")
    if batch is not None and out is None:
        raise TtabotError("--batch needs --out FILE")
    # Before any request: finding out only afterwards would waste every answer.
    for path, option in ((out, "--out"), (metrics_path, "--metrics")):
        if path is not None:
            check_destination(path, option)
    prompts = read_batch(batch) if batch is not None else [prompt or ""]
    root = project_root(working_folder())
    guarded = guard(load_settings(root, config), root, config, os.environ)
    settings = guarded.settings
    if model is not None and split_model_ref(model)[0] in guarded.untrusted:
        raise TtabotError(f"--model {model}: not trusted here (see the warning above)")
    if model is None and guarded.untrusted and not settings.chains.get(kind):
        raise TtabotError(f"no usable model for {kind.value}: run 'ttabot trust' to use its chain")
    check_models(settings, kind, model, os.environ)
    results, metrics, summary = asyncio.run(
        ask_models(settings, kind, prompts, concurrency, model, deadline)
    )
    if metrics_path is not None:
        write_atomically(metrics_path, json.dumps(metrics, indent=2) + "\n")
    if batch is not None:
        assert out is not None
        lines = "".join(json.dumps(result_record(r)) + "\n" for r in results)
        write_atomically(out, lines)
        good = sum(r.ok for r in results)
        click.echo(f"ttabot: {good}/{len(results)} answered; results in {out}", err=True)
        click.echo(summary, err=True)
        return 0 if good == len(results) else EXIT_NO_ANSWER
    (result,) = results
    if not result.ok:
        click.echo(f"ttabot: error: {printable(str(result.error))}", err=True)
        return EXIT_NO_ANSWER
    # A model's text on a terminal shows its control characters: an answer holding
    # ESC sequences would otherwise set the clipboard, retitle or erase the screen.
    # Piped or redirected, it is written as it came (for scripts and files).
    tty = on_terminal(sys.stdout)
    click.echo(printable(result.content, lines=True) if tty else result.content)
    if on_terminal(sys.stderr):
        click.echo(f"ttabot: answered by {result.model}", err=True)
    return 0
