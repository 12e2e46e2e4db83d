"""One run on a pull request: analyse base...head, draft if asked, publish.

Publishing degrades instead of failing: without a token that can write (fork PRs,
a 403 on write) the findings go to annotations and the job summary.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ttabot import git
from ttabot.errors import TtabotError
from ttabot.github.api import GitHubApi, GitHubApiError
from ttabot.github.comment import Report, blob_url, render_body
from ttabot.github.commit import commit_drafts
from ttabot.github.context import Context, RunResult
from ttabot.github.event import PullRequest
from ttabot.github.publish import post_review, upsert_sticky
from ttabot.github.review import Suggestion, suggestions_from_draft
from ttabot.records import Category, CheckResult, Draft
from ttabot.sources import Selection

#: ``pull_request`` actions that start a run; others (labeled, closed...) do nothing.
PR_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})

#: Categories whose drafts are validated by running the project's code (pytest imports it).
RUNS_PR_CODE = frozenset({Category.TESTS_NEEDED, Category.REFACTOR})

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
    if ask.path:
        parts.append(f"in `{ask.path}`" + (f" `{ask.symbol}`" if ask.symbol else ""))
    elif ask.symbol:
        parts.append(f"`{ask.symbol}`")
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


def shallow_merge_base(root: Path, pr: PullRequest, api: GitHubApi | None, repository: str) -> str:
    """The PR's merge base in a shallow checkout: GitHub names it, the checkout must hold it.

    ``git merge-base`` cannot be trusted on cut history (the base side stops at the
    depth it was fetched with, so it finds an older ancestor or none); GitHub's compare
    answer can, and the commit it names is only a diff side, not history to walk.
    """
    if api is None:
        raise TtabotError(
            "the checkout is shallow and there is no token to ask GitHub for the PR's merge "
            f"base: {SHALLOW_HINT}"
        )
    answer = api.get(f"/repos/{repository}/compare/{pr.base_sha}...{pr.head_sha}", {"per_page": 1})
    found = answer.get("merge_base_commit") if isinstance(answer, dict) else None
    sha = found.get("sha") if isinstance(found, dict) else None
    if not isinstance(sha, str) or not _SHA.fullmatch(sha):
        raise TtabotError("GitHub's compare answer names no merge base commit")
    if git.run(root, "cat-file", "-e", f"{sha}^{{commit}}").returncode != 0:
        raise TtabotError(
            f"the PR's merge base {sha[:12]} is not in the shallow checkout: {SHALLOW_HINT}"
        )
    return sha


def select_pull(
    root: Path, pr: PullRequest, api: GitHubApi | None = None, repository: str = ""
) -> Selection:
    """The PR's change as GitHub shows it: from the merge base of base and head to head.

    A full checkout finds the merge base with git; a shallow one (only the history the
    merge base needs, see the example workflows) gets it from ``api``.
    """
    from ttabot.sources import select_change

    ensure_commit(root, pr.base_sha, "base")
    ensure_commit(root, pr.head_sha, "head")
    if not is_shallow(root):
        return select_change(root, rev_range=f"{pr.base_sha}...{pr.head_sha}")
    base = shallow_merge_base(root, pr, api, repository)
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
    ctx: Context, selection: Selection, result: CheckResult
) -> tuple[tuple[Draft, ...], Mapping[str, Any] | None, str | None]:
    """Draft fixes with the model chains; ``(drafts, metrics, note-if-skipped)``."""
    from ttabot.drafting import draft_findings
    from ttabot.llm import RotatingClient, usable_models

    kinds = {f.task for f in result.findings}
    if not any(usable_models(ctx.settings, kind, ctx.model_environ) for kind in kinds):
        return (
            (),
            None,
            "drafting skipped: no model has credentials (set the openrouter-api-key input)",
        )

    async def go() -> tuple[list[Draft], Mapping[str, Any]]:
        async with RotatingClient(ctx.settings, environ=ctx.model_environ) as client:
            drafts = await draft_findings(selection, result, ctx.settings, client)
            return drafts, client.metrics.as_dict()

    drafts, metrics = asyncio.run(go())
    return tuple(drafts), metrics, None


def without_code_runs(result: CheckResult, ask: Ask) -> CheckResult:
    """``result`` without the findings whose drafting would run the project's code."""
    asked = frozenset(Category) if ask.categories is None else ask.categories
    return narrow(result, Ask(ask.mode, asked - RUNS_PR_CODE, ask.path, ask.symbol))


def write_report(ctx: Context, pr: PullRequest, result: CheckResult) -> None:
    """Leave the report artifact for the ``workflow_run`` publisher, if asked (see relay)."""
    from ttabot.github.relay import write_report as write

    write(ctx, pr, result)


def handle_pull(
    ctx: Context, pr: PullRequest, ask: Ask, *, can_write: bool, may_run_code: bool
) -> RunResult:
    """Analyse the PR, draft when the mode asks for it, publish what can be published.

    With ``may_run_code`` False (see :func:`may_run_pr_code`) only drafts validated
    without running anything (docstrings: parsed, never imported) are made.
    """
    selection = select_pull(ctx.root, pr, ctx.api, ctx.repository)
    from ttabot.check import run_check

    result = narrow(run_check(selection, ctx.settings), ask)
    write_report(ctx, pr, result)
    notes: list[str] = []
    drafts: tuple[Draft, ...] = ()
    metrics: Mapping[str, Any] | None = None
    if ask.mode in ("suggest", "commit") and result.findings:
        to_draft = result if may_run_code else without_code_runs(result, ask)
        if len(to_draft.findings) < len(result.findings):
            notes.append(FORK_CODE_NOTE)
        if to_draft.findings:
            drafts, metrics, skipped = draft(ctx, selection, to_draft)
            if skipped:
                notes.append(skipped)
    suggestions = [s for d in drafts if ask.mode == "suggest" for s in suggestions_from_draft(d)]
    report = Report(
        pr.head_sha,
        result,
        drafts,
        tuple(notes),
        tuple(suggestions),
        metrics,
        scope=describe(ask),
        blob_url=blob_url(ctx.environ.get("GITHUB_SERVER_URL", ""), ctx.repository, pr.head_sha),
    )
    url = ""
    if not can_write:
        report = _read_only(report, "the token cannot write to this PR (a fork PR)")
    else:
        try:
            report, url = _publish(ctx, pr, ask, report, suggestions)
        except GitHubApiError as exc:
            if exc.status not in (401, 403, 404):
                raise
            report = _read_only(report, f"GitHub refused a write ({exc.status} {exc.api_message})")
    if not can_write or not url:
        from ttabot.report import Report as CheckReport
        from ttabot.report.annotations import render as annotations

        sys.stdout.write(ctx.redact(annotations(CheckReport(result, ctx.settings.check.fail_on))))
    return RunResult(
        findings=len(result.findings),
        drafts=sum(1 for d in drafts if d.accepted),
        comment_url=url,
        summary=render_body(report, marker=False),
        failed=any(f.category in ctx.settings.check.fail_on for f in result.findings),
    )


def _read_only(report: Report, why: str) -> Report:
    note = f"{why}: results are in annotations and the job summary only"
    return dataclasses.replace(report, notes=(*report.notes, note))


def _publish(
    ctx: Context, pr: PullRequest, ask: Ask, report: Report, suggestions: list[Suggestion]
) -> tuple[Report, str]:
    api = ctx.api
    assert api is not None
    notes = list(report.notes)
    leftover: tuple[Suggestion, ...] = tuple(suggestions)
    posted = 0
    if ask.mode == "suggest" and suggestions:
        outcome = post_review(
            api,
            ctx.repository,
            pr.number,
            pr.head_sha,
            suggestions,
            ctx.settings.github.max_review_comments,
        )
        posted, leftover = outcome.posted, outcome.leftover
        if outcome.note:
            notes.append(outcome.note)
    done: list[str] = []
    if ask.mode == "commit":
        commit = commit_drafts(api, ctx.repository, pr, report.drafts, push_api=ctx.push_api)
        (done if commit.done else notes).append(commit.message)
        notes.extend(commit.notes)
    report = dataclasses.replace(
        report, notes=tuple(notes), leftover=leftover, inline_posted=posted, done=tuple(done)
    )
    # A clean PR gets no new comment; an existing one is updated to say it is clean now.
    worth_saying = bool(report.result and report.result.findings) or bool(report.notes)
    create = worth_saying or bool(posted) or ctx.settings.github.comment_when_clean
    url = upsert_sticky(api, ctx.repository, pr.number, render_body(report), create=create)
    return report, url
