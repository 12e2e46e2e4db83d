"""Issue triage on GitHub: keyword labels, plus a model's opinion when one is configured."""

from __future__ import annotations

import asyncio
import logging

from ttabot.github.context import Context
from ttabot.github.event import Issue
from ttabot.github.publish import add_labels
from ttabot.records import TaskKind
from ttabot.review.records import JobResult
from ttabot.review.triage import (
    keyword_labels,
    labels_from_model_answer,
    merge_labels,
    triage_prompt,
)

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


def label_names(kinds: tuple[str, ...], mapping: tuple[str, ...]) -> tuple[str, ...]:
    """Repository label names for triage ``kinds`` (``KIND=LABEL`` pairs; unmapped dropped)."""
    names = dict(pair.partition("=")[::2] for pair in mapping if "=" in pair)
    return tuple(names[k].strip() for k in kinds if names.get(k, "").strip())


def removed_by_people(ctx: Context, issue: Issue) -> frozenset[str]:
    """Labels a person took off the issue: triage never puts them back."""
    if ctx.api is None:
        return frozenset()
    events = ctx.api.get_all(f"/repos/{ctx.repository}/issues/{issue.number}/events")
    removed = set()
    for item in events:
        actor = item.get("actor") if isinstance(item, dict) else None
        label = item.get("label") if isinstance(item, dict) else None
        by_bot = not isinstance(actor, dict) or (
            actor.get("type") == "Bot" or str(actor.get("login", "")).endswith("[bot]")
        )
        if item.get("event") == "unlabeled" and not by_bot and isinstance(label, dict):
            removed.add(str(label.get("name", "")).lower())
    return frozenset(removed)


def recently_triaged(ctx: Context, issue: Issue, now: float, window: float = 3600.0) -> bool:
    """Whether a bot labelled the issue less than ``window`` seconds ago (edit spam guard)."""
    if ctx.api is None:
        return False
    from datetime import datetime

    events = ctx.api.get_all(f"/repos/{ctx.repository}/issues/{issue.number}/events")
    for item in events:
        actor = item.get("actor") if isinstance(item, dict) else None
        if item.get("event") != "labeled" or not isinstance(actor, dict):
            continue
        if actor.get("type") != "Bot" and not str(actor.get("login", "")).endswith("[bot]"):
            continue
        try:
            at = datetime.fromisoformat(str(item.get("created_at")).replace("Z", "+00:00"))
        except ValueError:
            continue
        if now - at.timestamp() < window:
            return True
    return False


def triage_issue(ctx: Context, issue: Issue) -> JobResult:
    """Label ``issue``; labels are only ever added, and never one a person removed."""
    if issue.is_pull_request:
        return JobResult(summary="ttabot: triage labels issues, not pull requests.\n")
    kinds = merge_labels(keyword_labels(issue.title, issue.body), model_labels(ctx, issue))
    removed = removed_by_people(ctx, issue)
    labels = tuple(
        name
        for name in label_names(kinds, ctx.settings.github.triage_labels)
        if name.lower() not in removed
    )
    added: tuple[str, ...] = ()
    if ctx.api is not None and labels:
        added = add_labels(ctx.api, ctx.repository, issue.number, labels, issue.labels)
    if added:
        summary = f"ttabot labelled #{issue.number}: {', '.join(added)}\n"
    elif labels:
        summary = f"ttabot: #{issue.number} already has {', '.join(labels)}\n"
    else:
        summary = f"ttabot: no triage label fits #{issue.number}\n"
    return JobResult(summary=summary)
