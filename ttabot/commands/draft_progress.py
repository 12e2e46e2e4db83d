"""Drafting the planned tasks, with progress and a heartbeat on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

import click

from ttabot.commands.draft_dry_run import usable_by_kind
from ttabot.report import on_terminal, printable

if TYPE_CHECKING:
    from ttabot.drafting import DraftPlan
    from ttabot.llm import Metrics
    from ttabot.records import Draft


#: Seconds between "still waiting for models" lines on a terminal.
HEARTBEAT = 20.0


def _stderr_is_terminal() -> bool:
    return on_terminal(sys.stderr)


def draft_with_progress(
    planned: DraftPlan, environ: Mapping[str, str]
) -> tuple[list[Draft], Metrics]:
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
                m for refs in usable_by_kind(tasks, settings, environ).values() for m in refs
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
