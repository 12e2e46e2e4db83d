"""Draft code for an issue and validate it with the project's tests (``implement``).

Forge-neutral: the caller maps its event into an :class:`ImplementJob` (the
issue's number, title and body, the checkout, the settings and two environments)
and publishes the :class:`Implementation` it gets back; nothing here knows GitHub.

The task kind (simple-, moderate- or complex-code) follows the size of change the
issue implies, so small asks go to fast models and large ones to stronger chains
(:mod:`ttabot.drafting.implement_prompt`). An answer is read with the client's
bounded JSON extractor, and every path it names is checked as text and against the
checkout (:mod:`ttabot.drafting.implement_answer`). A draft is accepted only if every
Python file parses and the project's test suite passes on a copy of the project with
the draft applied (:mod:`ttabot.drafting.implement_check`). Each failure goes back to
the model through the one refine loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ttabot.drafting.implement_answer import check_tree, parse_answer
from ttabot.drafting.implement_check import validate
from ttabot.drafting.implement_prompt import (
    context_files,
    expected_kind,
    implement_messages,
    project_listing,
)
from ttabot.drafting.kinds import KINDS
from ttabot.records import NO_ANSWER_STAGE, Attempt, DraftStatus, TaskKind, ValidationStage

if TYPE_CHECKING:
    from ttabot.config import Settings
    from ttabot.llm import Completion, RotatingClient

#: The task kinds an implementation is drafted with (:func:`expected_kind` picks one).
CODE_KINDS = (TaskKind.SIMPLE_CODE, TaskKind.MODERATE_CODE, TaskKind.COMPLEX_CODE)


class ImplementJob(NamedTuple):
    """What implementing one issue needs, whatever forge the issue came from."""

    number: int
    title: str
    body: str
    #: The checkout the change is based on (its tests are run, its tree is checked).
    root: Path
    settings: Settings
    #: The environment the project's tests start from (scrubbed again in the sandbox).
    environ: Mapping[str, str]
    #: The only environment the model client reads its keys from.
    model_environ: Mapping[str, str]


@dataclass(frozen=True)
class Implementation:
    """A drafted implementation and the record of how it was validated."""

    files: Mapping[str, str]
    summary: str
    accepted: bool
    stages: tuple[ValidationStage, ...]
    model: str | None
    attempts: int
    kind: TaskKind
    reason: str = ""
    #: Every round asked, in order (as a :class:`~ttabot.records.Draft`'s ``history``).
    history: tuple[Attempt, ...] = ()

    @property
    def status(self) -> DraftStatus:
        """``accepted``, ``rejected`` (failed a check) or ``no-answer`` (no model answered)."""
        if self.accepted:
            return DraftStatus.ACCEPTED
        if self.history and self.history[-1].stage == NO_ANSWER_STAGE:
            return DraftStatus.NO_ANSWER
        return DraftStatus.REJECTED


async def draft_implementation(job: ImplementJob, client: RotatingClient) -> Implementation:
    """Ask ``client`` for the issue's task kind; each failure is fed back (feedback rounds)."""
    from ttabot.drafting.isolation import sandbox_refusal
    from ttabot.drafting.refine import Verdict, refine

    listing = project_listing(job.root)
    kind = expected_kind(job.title, job.body, listing)
    refused = sandbox_refusal(job.settings.draft.sandbox, job.environ)
    if refused is not None:
        # The answer could never be validated: spend no model call on it.
        stage = ValidationStage("sandbox", False, refused)
        return Implementation({}, "", False, (stage,), None, 0, kind, refused)
    context = context_files(job.root, listing, f"{job.title}\n{job.body}")
    messages = implement_messages(job, kind, listing, context)
    schema = KINDS[kind].schema
    outcome: list[Implementation] = []
    token = object()  # this draft, to the learning chains

    async def ask(conversation: Sequence[Mapping[str, str]]) -> Completion:
        # Each round is reported to the learning chains, as every other draft's is.
        return await client.complete_draft(token, kind, conversation, schema=schema)

    async def check(done: Completion) -> Verdict:
        try:
            summary, files = parse_answer(done.content, done.data)
            check_tree(job.root, files)
        except ValueError as exc:
            stages: tuple[ValidationStage, ...] = (ValidationStage("answer", False, str(exc)),)
            files, summary = {}, ""
        else:
            stages = await asyncio.to_thread(validate, job, files)
        accepted = bool(files) and all(s.passed for s in stages)
        attempt = len(outcome) + 1
        outcome.append(Implementation(files, summary, accepted, stages, done.model, attempt, kind))
        failure = next((s for s in stages if not s.passed), None)
        if failure is None:
            return Verdict(True, stages[-1].name, True)
        return Verdict(False, failure.name, False, failure.detail)

    refined = await refine(ask, messages, check, job.settings.draft.feedback_rounds)
    history = tuple(refined.attempts)
    if not outcome:  # no model answered at all: nothing was checked
        reason = refined.unanswered.detail if refined.unanswered is not None else "no answer"
        return Implementation({}, "", False, (), refined.model, 1, kind, reason, history)
    client.report_verdict(token, accepted=outcome[-1].accepted)
    if refined.unanswered is not None:  # answered, rejected, then no answer to the feedback
        reason = refined.unanswered.detail
        attempt = len(outcome) + 1
        return Implementation({}, "", False, (), refined.model, attempt, kind, reason, history)
    return dataclasses.replace(outcome[-1], history=history)


def implement(job: ImplementJob) -> Implementation:
    """:func:`draft_implementation` with a model client of its own, run to the end."""
    from ttabot.llm import RotatingClient

    async def go() -> Implementation:
        async with RotatingClient(job.settings, environ=job.model_environ) as client:
            return await draft_implementation(job, client)

    return asyncio.run(go())
