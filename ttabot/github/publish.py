"""The writes ttabot makes on GitHub, each safe to retry without duplicating anything.

Every create here passes ``recover`` to :meth:`GitHubApi.write`: before a retry,
it looks for what the first attempt may already have created.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ttabot.github.api import GitHubApi, GitHubApiError
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


def find_sticky(comments: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The first comment that starts with :data:`STICKY_MARKER`, preferring a bot's, or None.

    "Starts with": a person quoting the report must not have their comment overwritten.
    """
    marked = [c for c in comments if str(c.get("body") or "").lstrip().startswith(STICKY_MARKER)]
    by_bot = [c for c in marked if (c.get("user") or {}).get("type") == "Bot"]
    chosen = by_bot or marked
    return chosen[0] if chosen else None


def upsert_sticky(
    api: GitHubApi, repository: str, number: int, body: str, *, create: bool = True
) -> str:
    """Edit the PR's sticky comment in place, or create it (if ``create``); return its URL."""
    assert STICKY_MARKER in body
    path = f"/repos/{repository}/issues/{number}/comments"
    existing = find_sticky(api.get_all(path))
    if existing is not None:
        updated = api.write(
            "PATCH", f"/repos/{repository}/issues/comments/{existing['id']}", {"body": body}
        )
        return str(updated.get("html_url") or "")
    if not create:
        return ""
    created = api.write(
        "POST", path, {"body": body}, recover=lambda: find_sticky(api.get_all(path))
    )
    return str(created.get("html_url") or "")


#: Replies stay well under GitHub's 65,536-character limit for a comment body.
MAX_REPLY = 60_000


def reply(api: GitHubApi, repository: str, number: int, comment_id: int, text: str) -> str:
    """Answer a command comment once (a retry finds the earlier answer by its marker)."""
    marker = f"<!-- ttabot:reply {comment_id} -->"
    path = f"/repos/{repository}/issues/{number}/comments"

    def earlier() -> Mapping[str, Any] | None:
        found = [c for c in api.get_all(path) if marker in str(c.get("body") or "")]
        return found[0] if found else None

    created = api.write(
        "POST", path, {"body": f"{marker}\n{cap(text, MAX_REPLY)}"}, recover=earlier
    )
    return str(created.get("html_url") or "")


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
) -> SuggestionsPosted:
    """Post one review with the suggestions that fit in the diff; return the rest."""
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
        if isinstance(c, dict)
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
        found = [r for r in api.get_all(reviews_path) if marker in str(r.get("body") or "")]
        return found[0] if found else None

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
