"""Asking the models for ``ttabot ask``: keys checked first, prompts in parallel, progress.

One client (one rotation state) answers every prompt of a batch, at most
``--concurrency`` at a time; on a terminal, stderr says what it waits for.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

from ttabot.config import Settings, split_model_ref
from ttabot.errors import TtabotError
from ttabot.records import TaskKind
from ttabot.report import on_terminal

if TYPE_CHECKING:
    from ttabot.llm.client import Completion, RotatingClient


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


async def ask_models(
    settings: Settings,
    kind: TaskKind,
    prompts: Sequence[str],
    concurrency: int,
    model: str | None,
    deadline: float | None,
) -> tuple[list[Completion], dict[str, Any], str]:
    """Ask every prompt through one client: the answers, its metrics and their summary."""
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
