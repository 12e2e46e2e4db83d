"""Who may make ttabot draft, commit or implement: repository permission, not association.

``author_association`` is what GitHub shows next to a comment; an organisation
member with ``read`` access is a ``MEMBER`` too. Commands that spend model calls
and run or push code need ``write``, ``maintain`` or ``admin`` on the repository,
asked of ``GET /repos/{owner}/{repo}/collaborators/{user}/permission``.
"""

from __future__ import annotations

from urllib.parse import quote

from ttabot.github.api import GitHubApi, GitHubApiError

#: Verbs that draft, commit or implement (``check``, ``help`` and ``triage`` do not).
PRIVILEGED_VERBS = frozenset({"docs", "tests", "refactor", "implement"})

#: Roles that may give them. ``permission`` says ``write`` for ``maintain``; ``role_name`` tells.
WRITE_ROLES = frozenset({"admin", "maintain", "write"})


def repository_role(api: GitHubApi, repository: str, login: str) -> str:
    """The user's role on the repository (``read`` and ``none`` included); ``none`` if unknown."""
    try:
        data = api.get(f"/repos/{repository}/collaborators/{quote(login, safe='')}/permission")
    except GitHubApiError as exc:
        if exc.status in (403, 404):  # not a collaborator, or the token may not ask
            return "none"
        raise
    if not isinstance(data, dict):
        return "none"
    for key in ("role_name", "permission"):
        value = data.get(key)
        if isinstance(value, str) and value.lower() in WRITE_ROLES:
            return value.lower()
    value = data.get("permission")
    return value.lower() if isinstance(value, str) else "none"


def may_command(api: GitHubApi, repository: str, login: str, verb: str) -> tuple[bool, str]:
    """``(allowed, why-not)`` for ``login`` giving ``verb``."""
    if verb not in PRIVILEGED_VERBS:
        return True, ""
    role = repository_role(api, repository, login)
    if role in WRITE_ROLES:
        return True, ""
    return False, (
        f"`/ttabot {verb}` needs write, maintain or admin permission on this repository; "
        f"@{login} has {role}"
    )
