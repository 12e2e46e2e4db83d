"""What an issue's event timeline says: labels people removed, and when a bot last labelled it."""

from __future__ import annotations

from ttabot.github.api import GitHubApi
from ttabot.github.context import Context
from ttabot.review.records import Issue


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


def recently_triaged(ctx: Context, issue: Issue, now: float, window: float = 3600.0) -> bool:
    """Whether a bot labelled the issue less than ``window`` seconds ago (edit spam guard)."""
    if ctx.api is None:
        return False
    from datetime import datetime

    events = ctx.api.get_all(f"/repos/{ctx.repository}/issues/{issue.number}/events")
    for item in events:
        actor = item.get("actor") if isinstance(item, dict) else None
        if item.get("event") != "labeled" or not isinstance(actor, dict):
            continue
        if actor.get("type") != "Bot" and not str(actor.get("login", "")).endswith("[bot]"):
            continue
        try:
            at = datetime.fromisoformat(str(item.get("created_at")).replace("Z", "+00:00"))
        except ValueError:
            continue
        if now - at.timestamp() < window:
            return True
    return False
