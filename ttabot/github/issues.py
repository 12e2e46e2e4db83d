"""Issue triage on GitHub: keyword labels, plus a model's opinion when one is configured."""

from __future__ import annotations

import asyncio
import logging

from ttabot.github.context import Context, RunResult
from ttabot.github.event import Issue
from ttabot.github.publish import add_labels
from ttabot.github.triage import (
    keyword_labels,
    labels_from_model_answer,
    merge_labels,
    triage_prompt,
)
from ttabot.records import TaskKind

log = logging.getLogger(__name__)

#: A triage answer is a nicety: never hold the job long for it.
MODEL_DEADLINE = 60.0


def model_labels(ctx: Context, issue: Issue) -> tuple[str, ...]:
    """Labels a model suggests, or ``()`` when no model has credentials or it gives none."""
    from ttabot.llm import RotatingClient, usable_models

    if not usable_models(ctx.settings, TaskKind.SIMPLE_CODE, ctx.model_environ):
        return ()

    async def ask() -> tuple[str, ...]:
        async with RotatingClient(ctx.settings, environ=ctx.model_environ) as client:
            done = await client.complete(
                TaskKind.SIMPLE_CODE,
                triage_prompt(issue.title, issue.body),
                deadline=MODEL_DEADLINE,
                max_tokens=200,
            )
        if not done.ok:
            log.warning("triage model gave no answer: %s", done.error)
            return ()
        return labels_from_model_answer(done.content)

    return asyncio.run(ask())


def triage_issue(ctx: Context, issue: Issue) -> RunResult:
    """Label ``issue``; labels are only ever added, never removed."""
    if issue.is_pull_request:
        return RunResult(summary="ttabot: triage labels issues, not pull requests.\n")
    labels = merge_labels(keyword_labels(issue.title, issue.body), model_labels(ctx, issue))
    added: tuple[str, ...] = ()
    if ctx.api is not None and labels:
        added = add_labels(ctx.api, ctx.repository, issue.number, labels, issue.labels)
    if added:
        summary = f"ttabot labelled #{issue.number}: {', '.join(added)}\n"
    elif labels:
        summary = f"ttabot: #{issue.number} already has {', '.join(labels)}\n"
    else:
        summary = f"ttabot: no triage label fits #{issue.number}\n"
    return RunResult(summary=summary)
