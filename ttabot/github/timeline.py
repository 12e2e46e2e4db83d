"""What an issue's timeline says: labels people removed, and when ttabot last triaged it.

Every triage leaves a durable, GitHub-visible mark whatever it decided: ttabot's own
:data:`TRIAGE_REACTION` on the issue, renewed each time, so its ``created_at`` is the
time of the last triage. An ``edited`` event re-triages only when that mark (or a label
ttabot added) is older than an hour: edit spam cannot buy a model call per edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ttabot.github.api import GitHubApi, GitHubApiError
from ttabot.github.context import Context
from ttabot.github.identity import is_account, written_by
from ttabot.review.records import Issue

#: The reaction ttabot leaves on an issue it triaged (GitHub's "eyes": seen).
TRIAGE_REACTION = "eyes"
#: Seconds an issue's triage holds before an edit may ask again.
TRIAGE_WINDOW = 3600.0


def removed_by_people(api: GitHubApi, repository: str, number: int) -> frozenset[str]:
    """Labels a person took off the issue: triage never puts them back."""
    events = api.get_all(f"/repos/{repository}/issues/{number}/events")
    removed = set()
    for item in events:
        actor = item.get("actor") if isinstance(item, dict) else None
        label = item.get("label") if isinstance(item, dict) else None
        by_bot = not isinstance(actor, dict) or (
            actor.get("type") == "Bot" or str(actor.get("login", "")).endswith("[bot]")
        )
        if item.get("event") == "unlabeled" and not by_bot and isinstance(label, dict):
            removed.add(str(label.get("name", "")).lower())
    return frozenset(removed)


def _reactions_path(repository: str, number: int) -> str:
    return f"/repos/{repository}/issues/{number}/reactions"


def _own_marks(api: GitHubApi, repository: str, number: int, login: str) -> list[Any]:
    found = api.get_all(_reactions_path(repository, number), {"content": TRIAGE_REACTION})
    return [
        r
        for r in found
        if isinstance(r, dict) and r.get("content") == TRIAGE_REACTION and written_by(r, login)
    ]


def mark_triaged(api: GitHubApi, repository: str, number: int, login: str) -> None:
    """Renew ttabot's :data:`TRIAGE_REACTION` on the issue: its time is now this triage's.

    GitHub keeps a reaction's first ``created_at`` when the same one is added again
    (it answers 200), so the old mark is deleted first. Both writes are safe to retry:
    a delete that already happened (404) is done, and adding an existing reaction is
    a no-op.
    """
    path = _reactions_path(repository, number)
    for old in _own_marks(api, repository, number, login):
        try:
            api.write("DELETE", f"{path}/{old['id']}")
        except GitHubApiError as exc:
            if exc.status != 404:
                raise
    api.write("POST", path, {"content": TRIAGE_REACTION})


def _at(stamp: object) -> float | None:
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _recent(stamps: Iterable[object], now: float, window: float) -> bool:
    return any(at is not None and now - at < window for at in map(_at, stamps))


def recently_triaged(ctx: Context, issue: Issue, now: float, window: float = TRIAGE_WINDOW) -> bool:
    """Whether ttabot triaged the issue less than ``window`` seconds ago (edit spam guard).

    ttabot's own mark (:func:`mark_triaged`) counts, and so does a label ttabot's account
    added (the only trace an older ttabot left). Other accounts' reactions never count.
    """
    if ctx.api is None:
        return False
    marks = _own_marks(ctx.api, ctx.repository, issue.number, ctx.bot_login)
    if _recent((m.get("created_at") for m in marks), now, window):
        return True
    events = ctx.api.get_all(f"/repos/{ctx.repository}/issues/{issue.number}/events")
    labelled = (
        e.get("created_at")
        for e in events
        if isinstance(e, Mapping)
        and e.get("event") == "labeled"
        and is_account(e.get("actor"), ctx.bot_login)
    )
    return _recent(labelled, now, window)
