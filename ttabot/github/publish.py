"""The writes ttabot makes on GitHub, each safe to retry without duplicating anything.

Every create here passes ``recover`` to :meth:`GitHubApi.write`: before a retry,
it looks for what the first attempt may already have created.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ttabot.github.api import GitHubApi, GitHubApiError
from ttabot.github.identity import DEFAULT_BOT_LOGIN, written_by
from ttabot.review.forge import SuggestionsPosted
from ttabot.review.inert import cap
from ttabot.review.report import STICKY_MARKER
from ttabot.review.suggestions import (
    Placement,
    Suggestion,
    commentable_lines,
    place,
    review_payload,
)


def find_sticky(
    comments: Iterable[Mapping[str, Any]], author: str = DEFAULT_BOT_LOGIN
) -> Mapping[str, Any] | None:
    """The first comment by ``author`` (ttabot's account) that starts with the marker, or None.

    Anyone can type :data:`STICKY_MARKER`: another account's comment is never adopted
    (the token may edit it, but the report would then be theirs to rewrite).
    "Starts with": a quote of the report in ttabot's own reply is not the report.
    """
    for comment in comments:
        body = str(comment.get("body") or "")
        if body.lstrip().startswith(STICKY_MARKER) and written_by(comment, author):
            return comment
    return None


def upsert_sticky(
    api: GitHubApi,
    repository: str,
    number: int,
    body: str,
    *,
    create: bool = True,
    author: str = DEFAULT_BOT_LOGIN,
) -> str:
    """Edit ttabot's sticky comment in place, or create it (if ``create``); return its URL.

    ``author`` is the login the token writes as (see :mod:`ttabot.github.identity`).
    """
    assert STICKY_MARKER in body
    path = f"/repos/{repository}/issues/{number}/comments"
    existing = find_sticky(api.get_all(path), author)
    if existing is not None:
        updated = api.write(
            "PATCH", f"/repos/{repository}/issues/comments/{existing['id']}", {"body": body}
        )
        return str(updated.get("html_url") or "")
    if not create:
        return ""
    created = api.write(
        "POST", path, {"body": body}, recover=lambda: find_sticky(api.get_all(path), author)
    )
    # Another run may have created its own since the look above (a fork PR's report job
    # and a command on that PR are in different concurrency groups): the oldest stays.
    oldest = find_sticky(api.get_all(path), author)
    if oldest is None or oldest.get("id") == created.get("id"):
        return str(created.get("html_url") or "")
    mine = created["id"]

    def deleted() -> Any | None:
        gone = all(c.get("id") != mine for c in api.get_all(path) if isinstance(c, dict))
        return {} if gone else None

    api.write("DELETE", f"/repos/{repository}/issues/comments/{mine}", recover=deleted)
    updated = api.write(
        "PATCH", f"/repos/{repository}/issues/comments/{oldest['id']}", {"body": body}
    )
    return str(updated.get("html_url") or "")


#: Replies stay well under GitHub's 65,536-character limit for a comment body.
MAX_REPLY = 60_000


def reply(
    api: GitHubApi,
    repository: str,
    number: int,
    comment_id: int,
    text: str,
    *,
    author: str = DEFAULT_BOT_LOGIN,
) -> str:
    """Answer a command comment once (a retry finds ``author``'s earlier answer by its marker).

    Only ``author``'s own comment counts: a stranger who posts the marker first cannot
    make ttabot take their comment for its answer and stay silent.
    """
    marker = f"<!-- ttabot:reply {comment_id} -->"
    path = f"/repos/{repository}/issues/{number}/comments"
    created = api.write(
        "POST",
        path,
        {"body": f"{marker}\n{cap(text, MAX_REPLY)}"},
        recover=lambda: earlier_reply(api, repository, number, comment_id, author=author),
    )
    return str(created.get("html_url") or "")


def earlier_reply(
    api: GitHubApi, repository: str, number: int, comment_id: int, *, author: str
) -> Mapping[str, Any] | None:
    """``author``'s answer to command ``comment_id`` on issue ``number``, if one was posted."""
    marker = f"<!-- ttabot:reply {comment_id} -->"
    for c in api.get_all(f"/repos/{repository}/issues/{number}/comments"):
        body = str(c.get("body") or "") if isinstance(c, dict) else ""
        if isinstance(c, dict) and body.startswith(marker) and written_by(c, author):
            return c
    return None


def react(api: GitHubApi, repository: str, comment_id: int, content: str) -> None:
    """Add a reaction (GitHub answers 200 for one that already exists, so retries are safe)."""
    api.write(
        "POST", f"/repos/{repository}/issues/comments/{comment_id}/reactions", {"content": content}
    )


def add_labels(
    api: GitHubApi, repository: str, number: int, labels: Sequence[str], present: Iterable[str]
) -> tuple[str, ...]:
    """Add the labels the issue lacks; return those added. Adding a label twice is harmless."""
    have = {label.lower() for label in present}
    missing = tuple(label for label in labels if label.lower() not in have)
    if missing:
        api.write("POST", f"/repos/{repository}/issues/{number}/labels", {"labels": list(missing)})
    return missing


def post_review(
    api: GitHubApi,
    repository: str,
    number: int,
    head_sha: str,
    suggestions: Sequence[Suggestion],
    limit: int,
    *,
    author: str = DEFAULT_BOT_LOGIN,
) -> SuggestionsPosted:
    """Post one review with the suggestions that fit in the diff; return the rest.

    What was posted before is known by ``author`` (ttabot's account), as the sticky
    comment is: only ``author``'s inline comments count as suggestions already made,
    and only ``author``'s review starting with the marker as a write that landed. A
    stranger quoting the review cannot make ttabot believe it posted and stay silent.
    """
    if not suggestions:
        return SuggestionsPosted(0, ())
    files = api.get_all(f"/repos/{repository}/pulls/{number}/files")
    commentable = {
        str(f["filename"]): commentable_lines(str(f.get("patch") or ""))
        for f in files
        if isinstance(f, dict)
    }
    existing = [
        (str(c.get("path")), int(c.get("line") or 0), str(c.get("body") or ""))
        for c in api.get_all(f"/repos/{repository}/pulls/{number}/comments")
        if isinstance(c, dict) and written_by(c, author)
    ]
    placement: Placement = place(suggestions, commentable, existing, limit)
    if not placement.inline:
        return SuggestionsPosted(0, placement.leftover)
    digest = hashlib.sha256(
        "\n".join(f"{s.path}:{s.line}:{s.body}" for s in placement.inline).encode()
    ).hexdigest()[:12]
    marker = f"<!-- ttabot:review {head_sha} {digest} -->"
    reviews_path = f"/repos/{repository}/pulls/{number}/reviews"

    def earlier() -> Mapping[str, Any] | None:
        for review in api.get_all(reviews_path):
            if not isinstance(review, dict):
                continue
            body = str(review.get("body") or "")
            if body.startswith(marker) and written_by(review, author):
                return dict(review)
        return None

    try:
        api.write(
            "POST",
            reviews_path,
            review_payload(head_sha, placement.inline, marker),
            recover=earlier,
        )
    except GitHubApiError as exc:
        if exc.status != 422:
            raise
        # GitHub could not resolve a line (the diff changed under us): keep them all visible.
        return SuggestionsPosted(
            0,
            placement.inline + placement.leftover,
            "GitHub refused the inline review (a line outside the diff); "
            "the suggestions are listed below instead",
        )
    return SuggestionsPosted(len(placement.inline), placement.leftover)
