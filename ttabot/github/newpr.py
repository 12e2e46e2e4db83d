"""Open a pull request from a validated implementation (``/ttabot implement``).

The drafting itself is forge-neutral (:mod:`ttabot.drafting.implement`); this maps
the command's issue into its job, replies on the issue and opens the pull request.
The branch starts at the commit that was checked out and validated; every create
is retried only after looking for what an earlier attempt made.
"""

from __future__ import annotations

from typing import Any

from ttabot import git
from ttabot.drafting.implement import CODE_KINDS, Implementation, ImplementJob, implement
from ttabot.github.api import GitHubApi, GitHubApiError
from ttabot.github.commit import TRAILER, branch_sha
from ttabot.github.context import Context
from ttabot.github.event import Issue
from ttabot.github.identity import written_by
from ttabot.github.publish import earlier_reply, reply
from ttabot.review.inert import cap, code_span, disarm_closing, fenced, strip_html_comments
from ttabot.review.records import JobResult


def record(impl: Implementation) -> str:
    """The validation record as Markdown lines."""
    model = code_span(impl.model or "none")
    lines = [f"- task kind `{impl.kind.value}`, model {model}, {impl.attempts} attempt(s)"]
    for stage in impl.stages:
        lines.append(f"- {'pass' if stage.passed else 'FAIL'} {stage.name}")
        if stage.detail.strip():
            # Test output and model text: shown literally, never as Markdown.
            lines.append("\n" + fenced(stage.detail, "text", limit=3_000) + "\n")
    return "\n".join(lines)


def _create_branch(api: GitHubApi, repository: str, branch: str, sha: str) -> bool:
    """Create ``branch`` at ``sha``; False if a different branch of that name exists."""

    def made() -> Any | None:
        return {"object": {"sha": sha}} if branch_sha(api, repository, branch) == sha else None

    try:
        api.write(
            "POST",
            f"/repos/{repository}/git/refs",
            {"ref": f"refs/heads/{branch}", "sha": sha},
            recover=made,
        )
    except GitHubApiError as exc:
        if exc.status != 422:
            raise
        return branch_sha(api, repository, branch) == sha
    return True


def open_pull_request(
    api: GitHubApi, repository: str, issue: Issue, base_sha: str, impl: Implementation
) -> str:
    """Commit ``impl`` on ``base_sha`` in a new branch and open a PR for it; return its URL."""
    default_branch = str(api.get(f"/repos/{repository}").get("default_branch") or "main")
    base = api.get(f"/repos/{repository}/git/commits/{base_sha}")
    entries = [
        {"path": p, "mode": "100644", "type": "blob", "content": t} for p, t in impl.files.items()
    ]
    tree = api.write(
        "POST",
        f"/repos/{repository}/git/trees",
        {"base_tree": base["tree"]["sha"], "tree": entries},
    )
    # The issue's title is anyone's and the summary the model's: neither may close
    # other issues when the PR (or its squashed commit) reaches the default branch.
    title, model_summary = disarm_closing(issue.title), disarm_closing(impl.summary)
    summary = cap(strip_html_comments(model_summary), 5_000)
    message = f"ttabot: implement #{issue.number}: {title}\n\n{summary}\n\n{TRAILER}\n"
    commit = api.write(
        "POST",
        f"/repos/{repository}/git/commits",
        {"message": message, "tree": tree["sha"], "parents": [base_sha]},
    )
    sha = str(commit["sha"])
    branch = f"ttabot/issue-{issue.number}"
    if not _create_branch(api, repository, branch, sha):
        branch = f"ttabot/issue-{issue.number}-{sha[:7]}"
        if not _create_branch(api, repository, branch, sha):
            raise GitHubApiError("POST", "git/refs", 422, f"branch {branch} exists")
    owner = repository.split("/")[0]
    pulls = f"/repos/{repository}/pulls"

    def opened() -> Any | None:
        found = api.get(pulls, {"head": f"{owner}:{branch}", "state": "open"})
        return found[0] if isinstance(found, list) and found else None

    body = (
        f"<!-- ttabot:implement {issue.number} -->\nDrafted by ttabot for #{issue.number}.\n\n"
        f"{fenced(model_summary, 'text', limit=5_000)}\n\n"
        f"**Validation**\n\n{disarm_closing(record(impl))}\n\nCloses #{issue.number}\n"
    )
    pr = api.write(
        "POST",
        pulls,
        {"title": f"ttabot: {title}", "head": branch, "base": default_branch, "body": body},
        recover=opened,
    )
    return str(pr.get("html_url") or "")


def open_implementation(api: GitHubApi, repository: str, number: int, author: str) -> str:
    """The URL of ``author``'s open pull request implementing issue ``number``, or ``""``.

    Known by the marker its description starts with, and by its author: a PR anyone
    else opens with the marker does not count.
    """
    marker = f"<!-- ttabot:implement {number} -->"
    for pr in api.get_all(f"/repos/{repository}/pulls", {"state": "open"}):
        body = str(pr.get("body") or "") if isinstance(pr, dict) else ""
        if isinstance(pr, dict) and body.startswith(marker + "\n") and written_by(pr, author):
            return str(pr.get("html_url") or "")
    return ""


def issue_changed(api: GitHubApi, repository: str, issue: Issue) -> bool:
    """Whether the issue's title or body now differ from what the command's event carried.

    The person who commented approved the issue as it stood; an edit made since
    (by anyone who can edit it) must not reach the model under their approval.
    """
    now = api.get(f"/repos/{repository}/issues/{issue.number}")
    if not isinstance(now, dict):
        return True
    return (str(now.get("title") or ""), str(now.get("body") or "")) != (issue.title, issue.body)


def implementation_job(ctx: Context, issue: Issue) -> ImplementJob:
    """The drafting job for ``issue``: its text as the command's event carried it."""
    return ImplementJob(
        issue.number,
        issue.title,
        issue.body,
        ctx.root,
        ctx.settings,
        ctx.environ,
        ctx.model_environ,
    )


def implement_issue(ctx: Context, issue: Issue, comment_id: int) -> JobResult:
    """Draft, validate and open a PR for ``issue``; answer on the issue either way."""
    from ttabot.llm import usable_models

    assert ctx.api is not None
    if earlier_reply(ctx.api, ctx.repository, issue.number, comment_id, author=ctx.bot_login):
        # The same command again (a re-run of the job): it was answered; do nothing twice.
        return JobResult(summary=f"ttabot: the command on #{issue.number} was answered already.\n")
    opened = open_implementation(ctx.api, ctx.repository, issue.number, ctx.bot_login)
    if opened:
        text = (
            f"ttabot already opened {opened} for #{issue.number}; close it to have "
            "ttabot draft the issue again."
        )
        reply(ctx.api, ctx.repository, issue.number, comment_id, text, author=ctx.bot_login)
        return JobResult(comment_url=opened, summary=text + "\n")
    if issue_changed(ctx.api, ctx.repository, issue):
        text = (
            f"ttabot did not implement #{issue.number}: the issue changed after the command; "
            "comment again."
        )
        reply(ctx.api, ctx.repository, issue.number, comment_id, text, author=ctx.bot_login)
        return JobResult(summary=text + "\n", failed=True)
    if not any(usable_models(ctx.settings, kind, ctx.model_environ) for kind in CODE_KINDS):
        text = "`/ttabot implement` needs a model: set the `openrouter-api-key` input."
        reply(ctx.api, ctx.repository, issue.number, comment_id, text, author=ctx.bot_login)
        return JobResult(summary=text + "\n", failed=True)
    base_sha = git.output(ctx.root, "rev-parse", "HEAD").decode().strip()
    impl = implement(implementation_job(ctx, issue))
    if not impl.accepted:
        text = (
            f"ttabot could not draft a working implementation of #{issue.number}"
            # The client's last error quotes the model service's own message: inline code.
            + (f" ({code_span(impl.reason, 1_000)})" if impl.reason else "")
            + f":\n\n{record(impl)}"
        )
        reply(ctx.api, ctx.repository, issue.number, comment_id, text, author=ctx.bot_login)
        return JobResult(summary=text + "\n", failed=True)
    try:
        url = open_pull_request(ctx.api, ctx.repository, issue, base_sha, impl)
    except GitHubApiError as exc:
        if exc.status not in (403, 422):
            raise
        # GitHub Actions may be barred from opening PRs (a repository setting).
        text = (
            f"ttabot drafted #{issue.number} but could not open a pull request: {exc.api_message}"
        )
        reply(ctx.api, ctx.repository, issue.number, comment_id, text, author=ctx.bot_login)
        return JobResult(summary=text + "\n", failed=True)
    text = f"Opened {url} for #{issue.number}.\n\n{record(impl)}"
    reply(ctx.api, ctx.repository, issue.number, comment_id, text, author=ctx.bot_login)
    return JobResult(drafts=1, comment_url=url, summary=text + "\n")
