"""``ttabot ask``: send one prompt, or a JSONL batch, through a task kind's model chain."""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ttabot.commands.selection import working_folder
from ttabot.commands.trust_guard import guard
from ttabot.config import Settings, load_settings, project_root, split_model_ref
from ttabot.errors import TtabotError
from ttabot.records import TaskKind
from ttabot.report import on_terminal, printable

if TYPE_CHECKING:
    from ttabot.llm.client import Completion, RotatingClient

#: Exit code when no model could answer (usage errors exit 2).
from ttabot.errors import EXIT_ASK_NO_ANSWER as EXIT_NO_ANSWER

#: The longest ``--batch`` file read, in bytes: a bound for input with no end (``/dev/zero``).
MAX_BATCH_BYTES = 100 << 20


def read_batch(path: Path) -> list[str]:
    """Prompts of a JSONL file, one ``{"prompt": ...}`` per line; blank lines are skipped.

    At most :data:`MAX_BATCH_BYTES` are read (a FIFO works too).
    """
    limit = MAX_BATCH_BYTES
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise TtabotError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > limit:
        raise TtabotError(f"{path} is larger than {limit >> 20} MiB: not read")
    try:
        lines = data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise TtabotError(f"{path} is not UTF-8") from None
    prompts = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: nested past json's limit
            raise TtabotError(f"{path}:{number}: not valid JSON") from None
        if not isinstance(item, dict) or not isinstance(item.get("prompt"), str):
            raise TtabotError(f'{path}:{number}: expected an object with a string "prompt"')
        prompts.append(item["prompt"])
    return prompts


def result_record(completion: Completion) -> dict[str, Any]:
    """One output line of a batch: ``model`` answered (null if none did) in ``latency_s``."""
    return {
        "ok": completion.ok,
        "model": completion.model,
        "content": completion.content,
        "error": completion.error,
        "attempts": completion.attempts,
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
        "latency": round(completion.latency, 3),
        "latency_s": round(completion.latency, 3),
    }


def write_atomically(path: Path, text: str) -> None:
    """:func:`ttabot.fileio.write_atomic`, with a failure told as one line."""
    from ttabot.fileio import write_atomic

    try:
        write_atomic(path, text)
    except OSError as exc:
        raise TtabotError(f"cannot write {path}: {exc.strerror}") from None


def check_destination(path: Path, option: str) -> None:
    """Fail before any request is sent if ``path`` could not be written afterwards.

    Creates (and removes) a temporary file where :func:`write_atomically` will, so
    a missing, read-only or full folder is reported while nothing has been spent.
    """
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        why = "is not a folder" if folder.exists() else "does not exist"
        raise TtabotError(f"{option} {path}: folder {folder} {why}")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}-", dir=folder)
        os.close(fd)
        os.unlink(temp)
    except OSError as exc:
        raise TtabotError(f"{option} {path}: cannot write in {folder}: {exc.strerror}") from None


def check_models(
    settings: Settings, kind: TaskKind, model: str | None, environ: Mapping[str, str]
) -> None:
    """Fail early, naming the variable, when no model of the request has its key."""
    from ttabot.llm.client import missing_keys, usable_models

    if model is not None:
        provider, _ = split_model_ref(model)
        if provider not in settings.providers:
            raise TtabotError(f"--model {model}: provider {provider!r} is not defined")
        refs: Sequence[str] = (model,)
        usable = () if missing_keys(refs, settings, environ) else refs
    else:
        refs = settings.chains.get(kind, ())
        usable = usable_models(settings, kind, environ)
    if not refs:
        raise TtabotError(f"no model chain is configured for {kind.value}")
    if not usable:
        names = " or ".join(missing_keys(refs, settings, environ))
        raise TtabotError(f"no API key for the {kind.value} models: set {names}")


async def run_batch(
    client: RotatingClient,
    kind: TaskKind,
    prompts: Sequence[str],
    concurrency: int,
    model: str | None,
    deadline: float | None = None,
    progress: Callable[[int, int, Completion], None] | None = None,
) -> list[Completion]:
    """Answer every prompt, at most ``concurrency`` at a time, in input order.

    ``deadline`` bounds each request (seconds from when it starts, default the
    ``[client] deadline`` setting); ``progress(done, total, completion)`` is told of
    each answer as it arrives.
    """
    gate = asyncio.Semaphore(concurrency)
    done = 0

    async def one(prompt: str) -> Completion:
        nonlocal done
        async with gate:
            messages = [{"role": "user", "content": prompt}]
            result = await client.complete(kind, messages, model=model, deadline=deadline)
        done += 1
        if progress is not None:
            progress(done, len(prompts), result)
        return result

    return list(await asyncio.gather(*(one(p) for p in prompts)))


async def _ask(
    settings: Settings,
    kind: TaskKind,
    prompts: Sequence[str],
    concurrency: int,
    model: str | None,
    deadline: float | None,
) -> tuple[list[Completion], dict[str, Any], str]:
    from ttabot.llm.client import RotatingClient

    async with RotatingClient(settings) as client:
        if not _stderr_is_terminal():
            results = await run_batch(client, kind, prompts, concurrency, model, deadline)
        else:
            results = await _with_progress(
                run_batch(
                    client, kind, prompts, concurrency, model, deadline, progress=_say_answered
                ),
                _waiting_for(settings, kind, model, len(prompts)),
                len(prompts),
            )
    return results, client.metrics.as_dict(), client.metrics.render()


#: Seconds between "still waiting" lines while models are slow (as ``draft`` does).
HEARTBEAT = 20.0


def _stderr_is_terminal() -> bool:
    return on_terminal(sys.stderr)


def _waiting_for(settings: Settings, kind: TaskKind, model: str | None, count: int) -> str:
    models = (model,) if model is not None else settings.chains.get(kind, ())
    what = "1 prompt" if count == 1 else f"{count} prompts"
    return f"ttabot: asking {what} ({kind.value}), waiting for models: {', '.join(models)}"


def _say_answered(done: int, total: int, completion: Completion) -> None:
    if total > 1:
        who = completion.model if completion.ok else "no model"
        click.echo(f"ttabot: [{done}/{total}] answered by {who}", err=True)


async def _with_progress(
    work: Awaitable[list[Completion]], opening: str, total: int
) -> list[Completion]:
    """Run ``work`` saying on stderr what it waits for, and every :data:`HEARTBEAT` s that
    it still does: a provider that is down can keep a request waiting for minutes."""
    click.echo(opening, err=True)
    started = time.monotonic()

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            waited = time.monotonic() - started
            click.echo(f"ttabot: still waiting for models ({waited:.0f} s)", err=True)

    beat = asyncio.create_task(heartbeat())
    try:
        return await work
    finally:
        beat.cancel()


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
        _ask(settings, kind, prompts, concurrency, model, deadline)
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
