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


_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)

#: A Markdown code fence line (CommonMark): up to 3 spaces, 3+ backticks or tildes, info.
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


@dataclass(frozen=True)
class Command:
    """A parsed command. ``verb`` is lower-case; ``path``/``symbol`` narrow it."""

    verb: str
    path: str | None = None
    symbol: str | None = None


def parse_command(body: str) -> Command | None:
    """The first ``/ttabot`` line of a comment, or None if there is none.

    A bare ``/ttabot`` means ``help``. Lines inside fenced code blocks (a fence closes
    only with its own character, at least as long), inside HTML comments and quoted
    lines are not commands (people quote and paste them in discussions).
    """
    fence: tuple[str, int] | None = None  # the open fence's character and length
    # An HTML comment hides what it spans wherever it opens (mid-line too, running on
    # over the next lines). Commands are looked for with every comment blanked, fences
    # in the text as written: a comment that Markdown would not take for one (opened
    # in a code block) can then only cost a command, never make one.
    visible = _HTML_COMMENT.sub(lambda m: _blank(m.group()), body)
    for line, shown in zip(body.splitlines(), visible.splitlines(), strict=True):
        stripped = shown.strip()
        opening = _FENCE.match(line)
        if fence is not None:
            # Closed only by the same character, at least as long, with nothing after it.
            if (
                opening is not None
                and opening.group(1)[0] == fence[0]
                and len(opening.group(1)) >= fence[1]
                and not opening.group(2).strip()
            ):
                fence = None
            continue
        if opening is not None and not (opening.group(1)[0] == "`" and "`" in opening.group(2)):
            fence = (opening.group(1)[0], len(opening.group(1)))
            continue
        if stripped.startswith(">"):
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


def _blank(text: str) -> str:
    """``text`` as spaces, keeping every line break ``str.splitlines`` knows (``\\r`` too)."""
    return "".join(ch if ch.splitlines() == [""] else " " for ch in text)


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
