"""Commit validated drafts to a pull request's own branch through the git data API.

The commit is a fast-forward from the head SHA that was analysed: if the branch
has moved since (someone pushed), nothing is pushed and the report says so, since
drafts validated against old code must not land on new code. Fork PRs are never
written to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ttabot import __version__
from ttabot.escaping import printable
from ttabot.github.api import GitHubApi, GitHubApiError
from ttabot.github.event import PullRequest
from ttabot.records import Draft
from ttabot.review.inert import code_span, disarm_closing

#: Trailer that marks a commit as ttabot's work.
TRAILER = f"Generated-by: ttabot {__version__}"


#: Said when the push used the job's GITHUB_TOKEN (GitHub starts no workflow for it).
NO_RERUN_NOTE = (
    "the commit was pushed with the job's GITHUB_TOKEN, so GitHub starts no workflow for it "
    "and checks will not re-run on it; give the push-token input (a PAT or App token) to "
    "have them run"
)


@dataclass(frozen=True)
class CommitOutcome:
    """What happened to the drafts: ``sha`` is set only when a commit was pushed."""

    sha: str | None
    message: str
    notes: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        """True when a commit was pushed."""
        return self.sha is not None


def branch_refusal(api: GitHubApi, repository: str, branch: str) -> str | None:
    """Why ``branch`` must never be pushed to (default or protected branch), or None."""
    default = api.get(f"/repos/{repository}").get("default_branch")
    if branch == default:
        return f"commit mode: {code_span(branch)} is the default branch; ttabot never pushes to it"
    data = api.get(f"/repos/{repository}/branches/{quote(branch, safe='')}")
    if isinstance(data, dict) and data.get("protected") is True:
        return f"commit mode: {code_span(branch)} is a protected branch; ttabot never pushes to it"
    return None


def committable(drafts: Sequence[Draft]) -> tuple[Draft, ...]:
    """Drafts that may be committed: accepted, applicable, and actually changing something."""
    return tuple(d for d in drafts if d.accepted and d.applicable and d.proposed != d.original)


def refusal(pr: PullRequest, repository: str, drafts: Sequence[Draft]) -> str | None:
    """Why drafts must not be committed to this PR, or None when they may."""
    if pr.is_fork or pr.head_repo != repository:
        return "commit mode: the PR's branch is in a fork; ttabot never pushes to forks"
    if not committable(drafts):
        return "commit mode: no validated draft to commit"
    return None


def commit_message(drafts: Sequence[Draft]) -> str:
    """A commit message naming what was drafted, ending with the bot's trailer."""
    kinds = sorted({d.kind.value for d in drafts})
    symbols = [f.symbol for d in drafts for f in d.findings]
    subject = f"ttabot: {', '.join(kinds)} for {len(symbols) or len(drafts)} definition(s)"
    # A file name is the PR's text: one line (no trailer of its own), closing nothing.
    body = "\n".join(
        f"- {disarm_closing(printable(d.path))}: "
        f"{', '.join(f.symbol for f in d.findings) or d.kind.value}"
        for d in drafts
    )
    return f"{subject}\n\n{body}\n\n{TRAILER}\n"


def commit_drafts(
    api: GitHubApi,
    repository: str,
    pr: PullRequest,
    drafts: Sequence[Draft],
    *,
    push_api: GitHubApi | None = None,
) -> CommitOutcome:
    """Commit ``drafts`` on top of ``pr.head_sha`` and fast-forward the PR branch to it.

    ``push_api`` (the ``push-token`` input) makes the git writes; it is used for
    nothing else. Without it the job's token pushes, and the outcome says that
    checks will not re-run.
    """
    reason = refusal(pr, repository, drafts) or branch_refusal(api, repository, pr.head_ref)
    if reason is not None:
        return CommitOutcome(None, reason)
    pusher = push_api or api
    chosen = committable(drafts)
    ref_path = f"/repos/{repository}/git/refs/heads/{quote(pr.head_ref, safe='/')}"
    # The branch name is the PR's text (git allows backticks, "@", "<"): a code span.
    shown = code_span(pr.head_ref)
    moved = f"the branch {shown} moved since {pr.head_sha[:7]} was analysed; nothing was pushed"
    current = branch_sha(api, repository, pr.head_ref)
    if current != pr.head_sha:
        return CommitOutcome(None, moved)
    base = api.get(f"/repos/{repository}/git/commits/{pr.head_sha}")
    tree_entries = [
        {"path": d.path, "mode": "100644", "type": "blob", "content": d.proposed} for d in chosen
    ]
    # Trees and commits are content-addressed: retrying them cannot duplicate anything.
    tree = pusher.write(
        "POST",
        f"/repos/{repository}/git/trees",
        {"base_tree": base["tree"]["sha"], "tree": tree_entries},
    )
    commit = pusher.write(
        "POST",
        f"/repos/{repository}/git/commits",
        {"message": commit_message(chosen), "tree": tree["sha"], "parents": [pr.head_sha]},
    )
    new_sha = str(commit["sha"])

    def already_updated() -> Any | None:
        # A retried ref update must not fail as "not a fast-forward" on its own success.
        return (
            {"object": {"sha": new_sha}}
            if branch_sha(api, repository, pr.head_ref) == new_sha
            else None
        )

    try:
        pusher.write("PATCH", ref_path, {"sha": new_sha, "force": False}, recover=already_updated)
    except GitHubApiError as exc:
        if exc.status in (409, 422):
            return CommitOutcome(None, moved)
        raise
    return CommitOutcome(
        new_sha,
        f"committed {len(chosen)} draft(s) to {shown} as {new_sha[:7]}",
        () if push_api is not None else (NO_RERUN_NOTE,),
    )


def branch_sha(api: GitHubApi, repository: str, branch: str) -> str | None:
    """The commit ``branch`` points at, or None when there is no such branch (or no SHA)."""
    try:
        ref = api.get(f"/repos/{repository}/git/ref/heads/{quote(branch, safe='/')}")
    except GitHubApiError as exc:
        if exc.status == 404:
            return None
        raise
    obj = ref.get("object") if isinstance(ref, dict) else None
    return str(obj["sha"]) if isinstance(obj, dict) and "sha" in obj else None
