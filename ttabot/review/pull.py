"""One review of a pull request: analyse base...head, narrow, draft if asked, publish.

Forge-neutral: the PR's commits are read from the local checkout (git), and every
write goes through a :class:`~ttabot.review.forge.Forge`. Publishing degrades
instead of failing: without a token that can write (fork PRs, a refused write)
the report is returned for the job summary and annotations only.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from ttabot import git
from ttabot.drafting.kinds import CODE_FREE_CATEGORIES
from ttabot.errors import TtabotError
from ttabot.records import Category, CheckResult, Draft, Finding
from ttabot.review.forge import Forge, ForgeRefused, Job
from ttabot.review.inert import code_span
from ttabot.review.records import JobResult, PullRequest
from ttabot.review.report import ReviewReport, render_body
from ttabot.review.suggestions import Suggestion, suggestions_from_draft
from ttabot.sources import Selection

#: Said wherever ttabot declines to run a fork's code.
FORK_CODE_NOTE = (
    "tests and refactors are not drafted for fork PRs: they would run the fork's code "
    "with this job's secrets"
)


def may_run_pr_code(pr: PullRequest) -> bool:
    """Whether this run may execute ``pr``'s code (drafting tests or refactors does).

    Decided by the PR alone, never by the event's name: a same-repository PR's
    author can already push to the repository; a fork's (head repository is not
    the base repository) never runs. Even plain ``pull_request`` is no safe
    harbour: a private repository can give fork ``pull_request`` runs secrets and
    a token that can write.
    """
    return not pr.is_fork


@dataclass(frozen=True)
class Ask:
    """What to do on the PR: a mode, optionally narrowed to categories and a path/symbol."""

    mode: str
    categories: frozenset[Category] | None = None
    path: str | None = None
    symbol: str | None = None


def describe(ask: Ask) -> str:
    """A short human description of a narrowed request (empty for a full run)."""
    parts = []
    if ask.categories is not None:
        parts.append(", ".join(sorted(c.value for c in ask.categories)))
    # Path and symbol are the commenter's text: spans that outrun their backticks, short.
    symbol = code_span(ask.symbol, 200) if ask.symbol else ""
    if ask.path:
        parts.append(f"in {code_span(ask.path, 200)}" + (f" {symbol}" if symbol else ""))
    elif symbol:
        parts.append(symbol)
    return " ".join(parts)


def ensure_commit(root: Path, sha: str, what: str) -> None:
    """Make sure commit ``sha`` is in the checkout, fetching it from ``origin`` if needed."""
    if git.run(root, "cat-file", "-e", f"{sha}^{{commit}}").returncode == 0:
        return
    fetched = git.run(root, "fetch", "--quiet", "--no-tags", "origin", sha)
    if fetched.returncode != 0 or git.run(root, "cat-file", "-e", f"{sha}^{{commit}}").returncode:
        raise TtabotError(
            f"the PR's {what} commit {sha[:12]} is not in the checkout and could not be fetched "
            "(use actions/checkout with fetch-depth: 0)"
        )


#: What a shallow checkout needs for the merge base (docs/github.md, "History").
SHALLOW_HINT = (
    "check out the PR's head with fetch-depth set to its commit count + 1 "
    "(workflows/ttabot-pull-request.yml does), or fetch-depth: 0"
)

_SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


def is_shallow(root: Path) -> bool:
    """Whether the checkout at ``root`` has cut history (checked out with a fetch-depth)."""
    done = git.run(root, "rev-parse", "--is-shallow-repository")
    return done.returncode == 0 and done.stdout.strip() == b"true"


def shallow_merge_base(
    root: Path, pr: PullRequest, merge_base: Callable[[PullRequest], str] | None
) -> str:
    """The PR's merge base in a shallow checkout: the forge names it, the checkout must hold it.

    ``git merge-base`` cannot be trusted on cut history (the base side stops at the
    depth it was fetched with, so it finds an older ancestor or none); the forge's
    answer can, and the commit it names is only a diff side, not history to walk.
    """
    if merge_base is None:
        raise TtabotError(
            "the checkout is shallow and the forge cannot be asked for the PR's merge "
            f"base: {SHALLOW_HINT}"
        )
    sha = merge_base(pr)
    if not _SHA.fullmatch(sha):
        raise TtabotError("the forge's answer names no merge base commit")
    if git.run(root, "cat-file", "-e", f"{sha}^{{commit}}").returncode != 0:
        raise TtabotError(
            f"the PR's merge base {sha[:12]} is not in the shallow checkout: {SHALLOW_HINT}"
        )
    return sha


def select_pull(
    root: Path, pr: PullRequest, merge_base: Callable[[PullRequest], str] | None = None
) -> Selection:
    """The PR's change as a forge shows it: from the merge base of base and head to head.

    A full checkout finds the merge base with git; a shallow one (only the history the
    merge base needs, see the example workflows) asks ``merge_base`` (the forge).
    """
    from ttabot.sources import select_change

    ensure_commit(root, pr.base_sha, "base")
    ensure_commit(root, pr.head_sha, "head")
    if not is_shallow(root):
        return select_change(root, rev_range=f"{pr.base_sha}...{pr.head_sha}")
    base = shallow_merge_base(root, pr, merge_base)
    return select_change(root, rev_range=f"{base}..{pr.head_sha}")


def narrow(result: CheckResult, ask: Ask) -> CheckResult:
    """Keep the findings a command asked about (category, path, symbol)."""
    kept = tuple(
        f
        for f in result.findings
        if (ask.categories is None or f.category in ask.categories)
        and (ask.path is None or f.path == ask.path)
        and (ask.symbol is None or f.symbol == ask.symbol or f.symbol.endswith("." + ask.symbol))
    )
    return result._replace(findings=kept)


def draft(
    job: Job, selection: Selection, result: CheckResult
) -> tuple[tuple[Draft, ...], Mapping[str, Any] | None, str | None]:
    """Draft fixes with the model chains; ``(drafts, metrics, note-if-skipped)``."""
    from ttabot.drafting import draft_findings
    from ttabot.llm import RotatingClient, usable_models

    kinds = {f.task for f in result.findings}
    if not any(usable_models(job.settings, kind, job.model_environ) for kind in kinds):
        return (
            (),
            None,
            "drafting skipped: no model has credentials (set the openrouter-api-key input)",
        )

    async def go() -> tuple[list[Draft], Mapping[str, Any]]:
        async with RotatingClient(job.settings, environ=job.model_environ) as client:
            drafts = await draft_findings(selection, result, job.settings, client)
            return drafts, client.metrics.as_dict()

    drafts, metrics = asyncio.run(go())
    return tuple(drafts), metrics, None


def without_code_runs(result: CheckResult, ask: Ask) -> CheckResult:
    """``result`` without the findings whose drafting would run the project's code."""
    asked = frozenset(Category) if ask.categories is None else ask.categories
    return narrow(result, Ask(ask.mode, asked & CODE_FREE_CATEGORIES, ask.path, ask.symbol))


class PullReview(NamedTuple):
    """A finished review: the job's result, and the (narrowed) check it reported."""

    outcome: JobResult
    checked: CheckResult
    #: Does a finding fail the job (fail-on per path, fail-on-scope)? See ttabot.policy.
    fails: Callable[[Finding], bool]


def review_pull(
    job: Job,
    forge: Forge,
    pr: PullRequest,
    ask: Ask,
    *,
    can_write: bool,
    may_run_code: bool,
    on_checked: Callable[[CheckResult], None] = lambda result: None,
) -> PullReview:
    """Analyse the PR, draft when the mode asks for it, publish what can be published.

    With ``may_run_code`` False (see :func:`may_run_pr_code`) only drafts validated
    without running anything (docstrings: parsed, never imported) are made. With
    ``can_write`` False nothing is written to ``forge``. ``on_checked`` sees the
    check's result before any drafting (a forge may hand it on, see relay).
    """
    selection = select_pull(job.root, pr, forge.merge_base)
    from ttabot.check import run_check

    result = narrow(run_check(selection, job.settings), ask)
    on_checked(result)
    from ttabot.policy import failing_policy

    fails = failing_policy(job.settings.check, result, selection.change, selection.read_old)
    notes: list[str] = []
    drafts: tuple[Draft, ...] = ()
    metrics: Mapping[str, Any] | None = None
    if ask.mode in ("suggest", "commit") and result.findings:
        to_draft = result if may_run_code else without_code_runs(result, ask)
        if len(to_draft.findings) < len(result.findings):
            notes.append(FORK_CODE_NOTE)
        if to_draft.findings:
            drafts, metrics, skipped = draft(job, selection, to_draft)
            if skipped:
                notes.append(skipped)
    suggestions = [s for d in drafts if ask.mode == "suggest" for s in suggestions_from_draft(d)]
    report = ReviewReport(
        pr.head_sha,
        result,
        drafts,
        tuple(notes),
        tuple(suggestions),
        metrics,
        scope=describe(ask),
        blob_url=forge.file_link(pr.head_sha),
    )
    url = unpublished = ""
    if not can_write:
        report = _read_only(report, "the token cannot write to this PR (a fork PR)")
    elif (now := forge.pull(pr.number).head_sha) != pr.head_sha:
        # A re-run of an old run, or a push while drafting: a newer run reports on the
        # PR's head; this report (and suggestions on old lines) must not replace it.
        unpublished = f"the PR moved on to {now[:7]} since {pr.head_sha[:7]} was analysed"
        note = f"{unpublished}: nothing was published (a run for the new head reports on it)"
        report = dataclasses.replace(report, notes=(*report.notes, note))
    else:
        try:
            report, url = _publish(job, forge, pr, ask, report, suggestions)
        except ForgeRefused as exc:
            report = _read_only(report, str(exc))
    outcome = JobResult(
        findings=len(result.findings),
        drafts=sum(1 for d in drafts if d.accepted),
        comment_url=url,
        summary=render_body(report, marker=False),
        failed=any(fails(f) for f in result.findings),
        unpublished=unpublished,
    )
    return PullReview(outcome, result, fails)


def _read_only(report: ReviewReport, why: str) -> ReviewReport:
    note = f"{why}: results are in annotations and the job summary only"
    return dataclasses.replace(report, notes=(*report.notes, note))


def _publish(
    job: Job,
    forge: Forge,
    pr: PullRequest,
    ask: Ask,
    report: ReviewReport,
    suggestions: list[Suggestion],
) -> tuple[ReviewReport, str]:
    notes = list(report.notes)
    leftover: tuple[Suggestion, ...] = tuple(suggestions)
    posted = 0
    if ask.mode == "suggest" and suggestions:
        outcome = forge.post_suggestions(pr, suggestions, job.settings.github.max_review_comments)
        posted, leftover = outcome.posted, outcome.leftover
        if outcome.note:
            notes.append(outcome.note)
    done: list[str] = []
    if ask.mode == "commit":
        commit = forge.commit_files(pr, report.drafts)
        (done if commit.done else notes).append(commit.message)
        notes.extend(commit.notes)
    report = dataclasses.replace(
        report, notes=tuple(notes), leftover=leftover, inline_posted=posted, done=tuple(done)
    )
    # A clean PR gets no new comment; an existing one is updated to say it is clean now.
    worth_saying = bool(report.result and report.result.findings) or bool(report.notes)
    create = worth_saying or bool(posted) or job.settings.github.comment_when_clean
    url = forge.upsert_report(pr.number, render_body(report), create=create)
    return report, url
