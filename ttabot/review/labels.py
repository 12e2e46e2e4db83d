"""Issue triage: keyword labels, plus a model's opinion when one is configured, via a forge.

Labels are only ever added, and never one a person took off the issue (the
forge knows who removed what).
"""

from __future__ import annotations

import asyncio
import logging

from ttabot.records import TaskKind
from ttabot.review.forge import Forge, Job
from ttabot.review.records import Issue, JobResult
from ttabot.review.triage import (
    keyword_labels,
    labels_from_model_answer,
    merge_labels,
    triage_prompt,
)

log = logging.getLogger(__name__)

#: A triage answer is a nicety: never hold the job long for it.
MODEL_DEADLINE = 60.0


def model_labels(job: Job, issue: Issue) -> tuple[str, ...]:
    """Labels a model suggests, or ``()`` when no model has credentials or it gives none."""
    from ttabot.llm import RotatingClient, usable_models

    if not usable_models(job.settings, TaskKind.SIMPLE_CODE, job.model_environ):
        return ()

    async def ask() -> tuple[str, ...]:
        async with RotatingClient(job.settings, environ=job.model_environ) as client:
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


def triage_issue(job: Job, forge: Forge | None, issue: Issue) -> JobResult:
    """Label ``issue``; labels are only ever added, and never one a person removed.

    With no ``forge`` (no token) the labels that fit are only reported.
    """
    if issue.is_pull_request:
        return JobResult(summary="ttabot: triage labels issues, not pull requests.\n")
    kinds = merge_labels(keyword_labels(issue.title, issue.body), model_labels(job, issue))
    removed = forge.labels_removed_by_people(issue.number) if forge else frozenset()
    labels = tuple(
        name
        for name in label_names(kinds, job.settings.github.triage_labels)
        if name.lower() not in removed
    )
    added: tuple[str, ...] = ()
    if forge is not None and labels:
        added = forge.add_labels(issue.number, labels, issue.labels)
    if added:
        summary = f"ttabot labelled #{issue.number}: {', '.join(added)}\n"
    elif labels:
        summary = f"ttabot: #{issue.number} already has {', '.join(labels)}\n"
    else:
        summary = f"ttabot: no triage label fits #{issue.number}\n"
    return JobResult(summary=summary)
