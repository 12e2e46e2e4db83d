"""A pull request run on GitHub: the review (:mod:`ttabot.review.pull`) with GitHub as its forge.

What is GitHub's here: which ``pull_request`` actions start a run, the report
artifact a fork's run leaves for the ``workflow_run`` publisher, and annotations
(workflow commands on stdout) when the report could not be published.
"""

from __future__ import annotations

import sys

from ttabot.github.context import Context
from ttabot.github.forge import GitHubForge
from ttabot.records import CheckResult
from ttabot.review.pull import Ask, review_pull
from ttabot.review.records import JobResult, PullRequest

#: ``pull_request`` actions that start a run; others (labeled, closed...) do nothing.
PR_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})


def write_report(ctx: Context, pr: PullRequest, result: CheckResult) -> None:
    """Leave the report artifact for the ``workflow_run`` publisher, if asked (see relay)."""
    from ttabot.github.relay import write_report as write

    write(ctx, pr, result)


def handle_pull(
    ctx: Context, pr: PullRequest, ask: Ask, *, can_write: bool, may_run_code: bool
) -> JobResult:
    """Review ``pr`` with GitHub as the forge; annotate when nothing was published."""
    review = review_pull(
        ctx,
        GitHubForge(ctx),
        pr,
        ask,
        can_write=can_write,
        may_run_code=may_run_code,
        on_checked=lambda result: write_report(ctx, pr, result),
    )
    if not can_write or not review.outcome.comment_url:
        from ttabot.report import Report as CheckReport
        from ttabot.report.annotations import render as annotations

        check = ctx.settings.check
        report = CheckReport(
            review.checked, check.fail_on, contract=check.contract, policy=review.fails
        )
        sys.stdout.write(ctx.redact(annotations(report)))
    return review.outcome
