"""Slash commands in comments: ``/ttabot VERB [PATH[::SYMBOL]]``.

Parsing and the decision whether to obey are pure functions, so the rules that
keep strangers and bots from driving the bot are tested as plain tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ttabot.categories import VERB_CATEGORY as CATEGORY_FOR_VERB
from ttabot.review.records import Comment
from ttabot.review.shown import text_lines

#: Verbs that make sense on a pull request's conversation.
PR_VERBS = ("help", "check", "docs", "tests", "refactor")
#: Verbs that make sense on an issue.
ISSUE_VERBS = ("help", "triage", "implement")

#: Which finding category each PR verb drafts (``check`` reports all of them).
VERB_CATEGORY = CATEGORY_FOR_VERB

#: Every comment ttabot writes carries a marker like this, so it never obeys itself.
OWN_MARKER = "<!-- ttabot:"

_COMMAND = re.compile(
    r"^[ \t]*/ttabot(?!\S)(?:[ \t]+(?P<verb>\S+))?(?:[ \t]+(?P<target>\S+))?", re.MULTILINE
)


@dataclass(frozen=True)
class Command:
    """A parsed command. ``verb`` is lower-case; ``path``/``symbol`` narrow it."""

    verb: str
    path: str | None = None
    symbol: str | None = None


def parse_command(body: str) -> Command | None:
    """The first ``/ttabot`` line of a comment, or None if there is none.

    A bare ``/ttabot`` means ``help``. Lines GitHub shows as code (fenced or indented
    code blocks, see :mod:`ttabot.review.shown`), inside HTML comments and quoted lines
    (``>``, or a lazy line continuing a quoted paragraph) are not commands (people quote
    and paste them in discussions).
    """
    for shown, quoted in text_lines(body):
        if quoted:
            continue
        match = _COMMAND.match(shown)
        if match is None:
            continue
        verb = (match.group("verb") or "help").lower()
        target = match.group("target")
        path, symbol = None, None
        if target:
            path, _, sym = target.partition("::")
            path = path.removeprefix("./") or None
            symbol = sym or None
        return Command(verb, path, symbol)
    return None


@dataclass(frozen=True)
class Verdict:
    """Whether to obey a comment, and why not."""

    obey: bool
    reason: str


def judge(comment: Comment, allowed: Iterable[str]) -> Verdict:
    """Decide whether ``comment``'s author may command the bot.

    Bots never may (including ttabot itself, whose comments carry a marker);
    people only when their ``author_association`` is in ``allowed``.
    """
    if comment.by_bot:
        return Verdict(False, f"comment by bot {comment.author}")
    if OWN_MARKER in comment.body:
        return Verdict(False, "comment written by ttabot")
    allowed_set = {a.upper() for a in allowed}
    if comment.association.upper() not in allowed_set:
        return Verdict(
            False,
            f"{comment.author} is {comment.association}; commands are taken from "
            + ", ".join(sorted(allowed_set)),
        )
    return Verdict(True, "")


def valid_verbs(on_pull_request: bool) -> tuple[str, ...]:
    """The verbs accepted where the comment was made."""
    return PR_VERBS if on_pull_request else ISSUE_VERBS


def help_text(on_pull_request: bool) -> str:
    """Markdown listing what can be asked here."""
    if on_pull_request:
        lines = [
            "`/ttabot check` - report what this PR leaves undone (tests, docs, refactors)",
            "`/ttabot docs [PATH[::SYMBOL]]` - draft missing docstrings",
            "`/ttabot tests [PATH[::SYMBOL]]` - draft missing unit tests",
            "`/ttabot refactor [PATH[::SYMBOL]]` - draft refactors of complex functions",
            "`/ttabot help` - this list",
        ]
    else:
        lines = [
            "`/ttabot triage` - label this issue (tests, docs, refactor, bug, feature)",
            "`/ttabot implement` - draft code for this issue and open a pull request",
            "`/ttabot help` - this list",
        ]
    return "ttabot commands here:\n\n" + "\n".join(f"- {line}" for line in lines)
