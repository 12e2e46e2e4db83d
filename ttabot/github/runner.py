"""``ttabot action``: read the event, dispatch to the PR, command or triage flow, report.

Every path ends the same way: the job summary and the step outputs are written,
whether or not ttabot could write to the pull request or issue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ttabot.errors import TtabotError
from ttabot.github.api import GitHubApi, GitHubApiError
from ttabot.github.context import Context, build_context, make_api, workspace
from ttabot.github.event import Event, Issue, PullRequest, load_event, parse_pull_request
from ttabot.github.forge import REFUSED, GitHubForge, forge_or_none
from ttabot.github.pull_run import PR_ACTIONS, handle_pull
from ttabot.github.summary import append_file, render_outputs
from ttabot.github.timeline import mark_triaged, recently_triaged
from ttabot.github.trusted import is_git_checkout
from ttabot.review.inert import action_redactor, code_span
from ttabot.review.labels import triage_issue
from ttabot.review.obey import idle as _idle
from ttabot.review.obey import obey_comment
from ttabot.review.pull import Ask, ensure_commit, may_run_pr_code
from ttabot.review.records import JobResult
from ttabot.review.slash import judge, parse_command

log = logging.getLogger(__name__)


def trusted_revision(environ: Mapping[str, str], event: Event, api: GitHubApi | None) -> str | None:
    """The commit whose settings this run obeys: one the event's PR cannot change.

    A PR event (and ``workflow_dispatch`` of a PR) uses the PR's base commit; issue
    events and comments use ``GITHUB_SHA``, which GitHub sets to the default
    branch's commit for them. None when there is no checkout to read (defaults).
    """
    root = workspace(environ)
    if not is_git_checkout(root):
        return None
    if event.pull_request is not None:
        rev = event.pull_request.base_sha
    elif event.name == "workflow_dispatch":
        pr = _dispatched_pull(event, api)
        rev = pr.base_sha
    elif event.name in ("issues", "issue_comment"):
        rev = environ.get("GITHUB_SHA", "")
        if not rev:
            raise TtabotError(f"{event.name}: GITHUB_SHA is not set (the default branch's commit)")
    else:
        return None
    ensure_commit(root, rev, "trusted (base)")
    return rev


def _dispatched_pull(event: Event, api: GitHubApi | None) -> PullRequest:
    number = event.inputs.get("pull-request") or event.inputs.get("pull_request") or ""
    if not number.strip().isdigit() or api is None:
        raise TtabotError("workflow_dispatch: give the pull-request input (a PR number)")
    return parse_pull_request(api.get(f"/repos/{event.repository}/pulls/{int(number)}"))


def run(environ: Mapping[str, str], *, sleep: Callable[[float], None] = time.sleep) -> int:
    """Run the Action for the event GitHub passed; return the exit code."""
    event = load_event(environ)
    redact = action_redactor(environ)
    _redact_logs(redact)
    api = make_api(environ, sleep=sleep)
    push_api = make_api(environ, sleep=sleep, variable="TTABOT_PUSH_TOKEN")
    summary_path = environ.get("GITHUB_STEP_SUMMARY") or None
    try:
        rev = trusted_revision(environ, event, api)
        ctx = build_context(environ, event.repository, api, rev, push_api)
        result = dispatch(ctx, event)
    except TtabotError as exc:
        # The job fails with one line; the summary still says why. The summary is
        # Markdown and the error may quote others' text: inline code, redacted first
        # (a cut could otherwise leave half a secret).
        why = code_span(redact(str(exc)), 2_000)
        append_file(summary_path, f"ttabot could not finish: {why}\n")
        if redact(str(exc)) != str(exc):
            raise TtabotError(redact(str(exc))) from None
        raise
    finally:
        for client in (api, push_api):
            if client is not None:
                client.close()
    append_file(ctx.summary_path, redact(result.summary))
    append_file(
        ctx.output_path,
        redact(
            render_outputs(
                {
                    "findings": str(result.findings),
                    "drafts": str(result.drafts),
                    "comment-url": result.comment_url,
                }
            )
        ),
    )
    return 1 if result.failed else 0


class _RedactingFilter(logging.Filter):
    """Formats each log record's message now, with every secret removed."""

    def __init__(self, redact: Callable[[str], str]) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self._redact(record.getMessage()), None
        return True


def _redact_logs(redact: Callable[[str], str]) -> None:
    for handler in logging.getLogger().handlers:
        handler.addFilter(_RedactingFilter(redact))


def dispatch(ctx: Context, event: Event) -> JobResult:
    """Choose the flow for ``event``."""
    if event.pull_request is not None:
        pr = event.pull_request
        if event.action and event.action not in PR_ACTIONS:
            return _idle(f"pull request action {event.action!r} needs nothing from ttabot")
        if pr.draft:
            # Skipped by default; ready_for_review runs it (a /ttabot command still works).
            return _idle("draft pull request: reviewed when it is marked ready for review")
        # A fork PR under ``pull_request`` gets a read-only token: do not even try to write.
        writable = ctx.api is not None and not (event.name == "pull_request" and pr.is_fork)
        return handle_pull(
            ctx,
            pr,
            Ask(ctx.mode),
            can_write=writable,
            may_run_code=may_run_pr_code(pr),
        )
    if event.name == "issue_comment" and event.comment is not None:
        if event.action not in ("", "created"):
            return _idle(f"comment {event.action}: only new comments are commands")
        return on_comment(ctx, event)
    if event.name == "issues" and event.issue is not None:
        if event.action not in ("", "opened", "edited", "reopened"):
            return _idle(f"issue {event.action}: nothing to triage")
        if event.action == "edited" and not {"title", "body"} & event.changes:
            return _idle("issue edited: neither its title nor its body changed")
        # Its author can edit, or close and reopen, their issue in a loop: an hour holds.
        if event.action in ("edited", "reopened") and recently_triaged(
            ctx, event.issue, time.time()
        ):
            return _idle(f"issue {event.action}: triaged less than an hour ago")
        return triage(ctx, event.issue)
    if event.name == "workflow_run" and event.workflow_run is not None:
        from ttabot.github.relay import publish_report

        return publish_report(ctx, event.workflow_run)
    if event.name == "workflow_dispatch":
        pr = _dispatched_pull(event, ctx.api)
        return handle_pull(ctx, pr, Ask(ctx.mode), can_write=True, may_run_code=may_run_pr_code(pr))
    return _idle(f"event {event.name!r} is not one ttabot handles")


def triage(ctx: Context, issue: Issue) -> JobResult:
    """Triage ``issue``, leaving ttabot's mark on it first, whatever triage then decides.

    The mark comes before the model is asked: the hour an ``edited`` event waits
    counts from this triage even when it labels nothing or the model fails.
    """
    if ctx.api is not None and not issue.is_pull_request:
        try:
            mark_triaged(ctx.api, ctx.repository, issue.number, ctx.bot_login)
        except GitHubApiError as exc:
            if exc.status not in REFUSED:
                raise
            log.warning("could not mark #%s as triaged: %s", issue.number, exc.api_message)
    return triage_issue(ctx, forge_or_none(ctx), issue)


def on_comment(ctx: Context, event: Event) -> JobResult:
    """Obey a ``/ttabot`` command from someone allowed to give one (see review.obey)."""
    comment, issue = event.comment, event.issue
    assert comment is not None and issue is not None
    if parse_command(comment.body) is not None and ctx.api is None:
        verdict = judge(comment, ctx.settings.github.allowed_associations)
        if verdict.obey:
            raise TtabotError("commands need the github-token input")
    return obey_comment(
        GitHubForge(ctx),
        _Handlers(ctx),
        issue,
        comment,
        mode=ctx.mode,
        allowed_associations=ctx.settings.github.allowed_associations,
    )


@dataclass(frozen=True)
class _Handlers:
    """The work behind each verb, on GitHub."""

    ctx: Context

    def review(self, pr: PullRequest, ask: Ask, *, may_run_code: bool) -> JobResult:
        return handle_pull(self.ctx, pr, ask, can_write=True, may_run_code=may_run_code)

    def triage(self, issue: Issue) -> JobResult:
        return triage(self.ctx, issue)

    def implement(self, issue: Issue, comment_id: int) -> JobResult:
        from ttabot.github.newpr import implement_issue

        return implement_issue(self.ctx, issue, comment_id)
