"""The event GitHub hands the Action, parsed into frozen records.

GitHub writes the webhook payload to the file named by ``GITHUB_EVENT_PATH`` and
the event's name to ``GITHUB_EVENT_NAME``. Everything downstream reads these
records, never the raw JSON, so a payload shape change touches one module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ttabot.errors import TtabotError
from ttabot.review.records import Comment, Issue, PullRequest

__all__ = [
    "Comment",
    "Event",
    "Issue",
    "PullRequest",
    "WorkflowRun",
    "load_event",
    "parse_event",
    "parse_pull_request",
]


@dataclass(frozen=True)
class WorkflowRun:
    """The finished run a ``workflow_run`` event reports (GitHub's own fields, trusted)."""

    id: int
    event: str
    conclusion: str
    head_sha: str
    head_branch: str
    head_repo: str
    head_owner: str


@dataclass(frozen=True)
class Event:
    """One Action run's trigger."""

    name: str
    action: str
    repository: str
    pull_request: PullRequest | None = None
    issue: Issue | None = None
    comment: Comment | None = None
    inputs: Mapping[str, str] = field(default_factory=dict)
    workflow_run: WorkflowRun | None = None
    #: For ``edited`` events: the fields that changed (``title``, ``body``...).
    changes: frozenset[str] = frozenset()


def _dict(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise TtabotError(f"event payload: {where} is missing or not an object")
    return value


def _str(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise TtabotError(f"event payload: {where}.{key} is missing or not a string")
    return value


def _int(data: Mapping[str, Any], key: str, where: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TtabotError(f"event payload: {where}.{key} is missing or not a number")
    return value


def _repo_name(side: Mapping[str, Any]) -> str:
    repo = side.get("repo")
    # A deleted fork has ``repo: null``: treat it as "not this repository".
    if isinstance(repo, dict) and isinstance(repo.get("full_name"), str):
        return str(repo["full_name"])
    return ""


def parse_pull_request(data: Any) -> PullRequest:
    """Parse a pull request object (webhook payload or ``GET /pulls/N`` answer)."""
    pr = _dict(data, "pull_request")
    head = _dict(pr.get("head"), "pull_request.head")
    base = _dict(pr.get("base"), "pull_request.base")
    return PullRequest(
        number=_int(pr, "number", "pull_request"),
        head_sha=_str(head, "sha", "pull_request.head"),
        head_ref=_str(head, "ref", "pull_request.head"),
        head_repo=_repo_name(head),
        base_sha=_str(base, "sha", "pull_request.base"),
        base_ref=_str(base, "ref", "pull_request.base"),
        base_repo=_repo_name(base),
        draft=bool(pr.get("draft", False)),
        html_url=str(pr.get("html_url") or ""),
    )


def _comment(data: Any) -> Comment:
    c = _dict(data, "comment")
    user = _dict(c.get("user"), "comment.user")
    return Comment(
        id=_int(c, "id", "comment"),
        body=str(c.get("body") or ""),
        author=_str(user, "login", "comment.user"),
        author_type=str(user.get("type") or "User"),
        association=str(c.get("author_association") or "NONE"),
        html_url=str(c.get("html_url") or ""),
    )


def _issue(data: Any) -> Issue:
    i = _dict(data, "issue")
    labels = tuple(
        str(label["name"])
        for label in i.get("labels") or ()
        if isinstance(label, dict) and isinstance(label.get("name"), str)
    )
    user = i.get("user")
    return Issue(
        number=_int(i, "number", "issue"),
        title=str(i.get("title") or ""),
        body=str(i.get("body") or ""),
        is_pull_request=isinstance(i.get("pull_request"), dict),
        labels=labels,
        author=str(user.get("login") or "") if isinstance(user, dict) else "",
    )


def _workflow_run(data: Any) -> WorkflowRun:
    run = _dict(data, "workflow_run")
    head_repo = _dict(run.get("head_repository"), "workflow_run.head_repository")
    owner = _dict(head_repo.get("owner"), "workflow_run.head_repository.owner")
    return WorkflowRun(
        id=_int(run, "id", "workflow_run"),
        event=str(run.get("event") or ""),
        conclusion=str(run.get("conclusion") or ""),
        head_sha=_str(run, "head_sha", "workflow_run"),
        head_branch=_str(run, "head_branch", "workflow_run"),
        head_repo=_str(head_repo, "full_name", "workflow_run.head_repository"),
        head_owner=_str(owner, "login", "workflow_run.head_repository.owner"),
    )


def parse_event(name: str, payload: Any, repository: str = "") -> Event:
    """Build an :class:`Event` from the event name and its decoded payload."""
    data = _dict(payload, "payload")
    repo = data.get("repository")
    if isinstance(repo, dict) and isinstance(repo.get("full_name"), str):
        repository = str(repo["full_name"])
    if not repository:
        raise TtabotError(
            "cannot tell the repository: no payload.repository and no GITHUB_REPOSITORY"
        )
    action = str(data.get("action") or "")
    if name in ("pull_request", "pull_request_target"):
        return Event(
            name, action, repository, pull_request=parse_pull_request(data.get("pull_request"))
        )
    if name == "issue_comment":
        return Event(
            name,
            action,
            repository,
            issue=_issue(data.get("issue")),
            comment=_comment(data.get("comment")),
        )
    if name == "issues":
        changes = data.get("changes")
        changed = frozenset(str(k) for k in changes) if isinstance(changes, dict) else frozenset()
        return Event(name, action, repository, issue=_issue(data.get("issue")), changes=changed)
    if name == "workflow_run":
        return Event(name, action, repository, workflow_run=_workflow_run(data.get("workflow_run")))
    inputs = data.get("inputs")
    clean = {str(k): str(v) for k, v in inputs.items()} if isinstance(inputs, dict) else {}
    return Event(name, action, repository, inputs=clean)


def load_event(environ: Mapping[str, str]) -> Event:
    """Read ``GITHUB_EVENT_NAME`` and the payload file at ``GITHUB_EVENT_PATH``."""
    name = environ.get("GITHUB_EVENT_NAME", "")
    path = environ.get("GITHUB_EVENT_PATH", "")
    if not name or not path:
        raise TtabotError(
            "ttabot action runs inside GitHub Actions: "
            "GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set"
        )
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise TtabotError(f"cannot read the event payload {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise TtabotError(f"event payload {path} is not JSON: {exc.msg}") from None
    return parse_event(name, payload, environ.get("GITHUB_REPOSITORY", ""))
