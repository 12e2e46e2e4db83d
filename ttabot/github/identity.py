"""Who ttabot is on GitHub: the account its token writes as, and what that account wrote.

ttabot finds its own earlier writes (the sticky comment, a reply, its triage mark, its
review and inline suggestions) by a hidden marker or their text, but anyone can type
those. What a stranger cannot forge is the author: a comment or review counts as
ttabot's only when GitHub says the token's own account wrote it. The job's
``GITHUB_TOKEN`` writes as ``github-actions[bot]`` (a Bot); a GitHub App's token writes
as ``APP-SLUG[bot]`` (a Bot) and a personal token as its person (a User): the
``bot-login`` input (``TTABOT_BOT_LOGIN``) names the account then.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ttabot.errors import TtabotError

#: The account ``GITHUB_TOKEN`` writes as, on github.com and on GitHub Enterprise Server.
DEFAULT_BOT_LOGIN = "github-actions[bot]"
#: The Action input naming the token's account when it is not ``GITHUB_TOKEN``'s.
BOT_LOGIN_INPUT = "TTABOT_BOT_LOGIN"

# GitHub logins: letters, digits and single inner hyphens, up to 39; Apps add "[bot]".
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?")


def bot_login(environ: Mapping[str, str]) -> str:
    """The login the token writes as: the ``bot-login`` input, else ``github-actions[bot]``."""
    raw = environ.get(BOT_LOGIN_INPUT, "").strip()
    if not raw:
        return DEFAULT_BOT_LOGIN
    if not _LOGIN.fullmatch(raw):
        raise TtabotError(
            f"input bot-login {raw!r}: expected a GitHub login such as my-app[bot] or octocat"
        )
    return raw


def written_by(item: Mapping[str, Any], login: str) -> bool:
    """Whether GitHub names ``login`` as the author (``user``) of a comment or reaction."""
    return is_account(item.get("user"), login)


def is_account(user: Any, login: str) -> bool:
    """Whether a GitHub user object (``user``, ``actor``) is the account ``login``.

    Logins compare without letter case, as GitHub's do; an ``…[bot]`` login must also
    be a Bot account and any other a User, as GitHub reports them.
    """
    if not isinstance(user, Mapping):
        return False
    name, kind = user.get("login"), user.get("type")
    if not isinstance(name, str) or name.casefold() != login.casefold():
        return False
    return kind == ("Bot" if login.endswith("[bot]") else "User")
