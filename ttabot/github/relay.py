"""Fork PRs get their sticky comment from a ``workflow_run`` job that runs nothing of theirs.

The fork's ``pull_request`` run (read-only token, no secrets) writes its report
as an artifact (:func:`write_report`); the ``workflow_run`` job downloads it and
calls ttabot here, which trusts only the event's own fields (head SHA, branch,
repository), validates the artifact as data (:mod:`ttabot.github.artifact`) and
upserts the one sticky comment. Nothing is checked out, imported or run.
"""

from __future__ import annotations

from pathlib import Path

from ttabot.errors import TtabotError
from ttabot.fileio import write_atomic
from ttabot.github.api import GitHubApi
from ttabot.github.artifact import MAX_BYTES, parse_report, to_json
from ttabot.github.context import Context
from ttabot.github.event import PullRequest, WorkflowRun, parse_pull_request
from ttabot.github.publish import upsert_sticky
from ttabot.records import CheckResult
from ttabot.review.records import JobResult
from ttabot.review.report import ReviewReport, render_body

#: The Action input ``report-path`` (written under ``pull_request``, read under ``workflow_run``).
REPORT_INPUT = "TTABOT_REPORT_PATH"


def write_report(ctx: Context, pr: PullRequest, result: CheckResult) -> None:
    """Leave the report for the ``workflow_run`` job, when the workflow asked for it."""
    path = ctx.environ.get(REPORT_INPUT, "").strip()
    if path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, to_json(pr.number, pr.head_sha, result))


def _read_capped(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise TtabotError(f"cannot read the report artifact {path}: {exc.strerror}") from None


def find_pulls(api: GitHubApi, repository: str, run: WorkflowRun) -> list[PullRequest]:
    """The open PRs whose head is the run's head (``pull_requests`` is empty for forks).

    Usually one; a branch can have a PR to each base branch, all with the same head.
    """
    found = api.get_all(
        f"/repos/{repository}/pulls",
        {"head": f"{run.head_owner}:{run.head_branch}", "state": "open"},
    )
    pulls = [parse_pull_request(item) for item in found]
    return [pr for pr in pulls if pr.head_sha == run.head_sha and pr.head_repo == run.head_repo]


def publish_report(ctx: Context, run: WorkflowRun) -> JobResult:
    """Upsert the sticky comment from a fork run's artifact, treated strictly as data."""
    if ctx.api is None:
        raise TtabotError("workflow_run: publishing needs the github-token input")
    if run.event != "pull_request":
        return JobResult(
            summary=f"ttabot: workflow_run of a {run.event!r} run: nothing to publish.\n"
        )
    if run.head_repo == ctx.repository:
        # Its own run could write and did (with its drafts): a findings-only relay of
        # the same report must not replace that (the example workflow's `if:` says so too).
        return JobResult(
            summary="ttabot: a same repository PR's run writes its own sticky comment; "
            "nothing to publish.\n"
        )
    path = ctx.environ.get(REPORT_INPUT, "").strip()
    if not path:
        raise TtabotError("workflow_run: give the report-path input (the downloaded artifact)")
    report = parse_report(_read_capped(Path(path)))
    if report.head_sha != run.head_sha:
        raise TtabotError("report artifact rejected: head_sha is not the run's head commit")
    pulls = find_pulls(ctx.api, ctx.repository, run)
    if not pulls:
        return JobResult(summary="ttabot: no open pull request has the run's head commit now.\n")
    # The artifact only picks among the PRs the event's own head names.
    pr = next((p for p in pulls if p.number == report.pull_request), None)
    if pr is None:
        numbers = ", ".join(f"#{p.number}" for p in pulls)
        raise TtabotError(
            f"report artifact rejected: it names PR #{report.pull_request}, the run is {numbers}"
        )
    note = "reported by the PR's own run (a fork's PR: nothing is drafted for it here)"
    from ttabot.github.forge import GitHubForge

    base = GitHubForge(ctx).file_link(pr.head_sha)
    shown = ReviewReport(pr.head_sha, report.result, notes=(note,), blob_url=base)
    clean = not report.result.findings and not report.result.warnings
    create = not clean or ctx.settings.github.comment_when_clean
    url = upsert_sticky(
        ctx.api,
        ctx.repository,
        pr.number,
        render_body(shown),
        create=create,
        author=ctx.bot_login,
    )
    return JobResult(
        findings=len(report.result.findings),
        comment_url=url,
        summary=render_body(shown, marker=False),
    )
