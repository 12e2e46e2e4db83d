"""Text that reaches GitHub is inert: fenced, no HTML comments, capped, secrets redacted.

Model answers, pytest output and file paths come from people and programs ttabot
does not trust. In a comment they could mention people, forge ttabot's hidden
markers (``<!-- ttabot:... -->``), break out of a code block with a longer
backtick run, or carry a key a generated test printed. Everything here is pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ttabot.redaction import KnownSecrets, redact_credentials, redact_cut_credential

_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_BACKTICKS = re.compile(r"`+")


#: Unicode's bidirectional controls: they reorder how the text around them is shown
#: (Trojan Source, CVE-2021-42574), so a file name could pass for another.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def show_bidi(text: str) -> str:
    """``text`` with each bidirectional control shown as its code point (``<U+202E>``)."""
    return _BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


#: A closing keyword right before an issue reference (``#N``, ``GH-N``,
#: ``owner/repo#N``, a URL): GitHub closes that issue when a commit or pull request
#: description saying so reaches the default branch.
_CLOSING = re.compile(
    r"\b(?P<first>[cfr])(?P<rest>(?:lose[sd]?|ix(?:e[sd])?|esolve[sd]?)\b:?\s*"
    r"(?:#\d|gh-\d|[\w.-]+/[\w.-]+#\d|https?://))",
    re.IGNORECASE,
)


def disarm_closing(text: str) -> str:
    """``text`` with each "fixes #12"-style phrase kept but no longer closing anything.

    A zero-width space goes after the keyword's first letter: the text reads the
    same, and GitHub no longer sees the keyword (for text from an issue or a model
    that ends up in a commit message, a squash merge's title or a PR description).
    """
    return _CLOSING.sub(lambda m: f"{m.group('first')}\u200b{m.group('rest')}", text)


def strip_html_comments(text: str) -> str:
    """``text`` without HTML comments (an unterminated one runs to the end)."""
    return _HTML_COMMENT.sub("", text)


#: A cut inside a word backs up to the word's start when the word is no longer than this.
_WORD = 400


#: What :func:`cap` writes where it cut a text.
TRUNCATED = " …(truncated)"
#: The word a cap cut (it stands right before the mark).
_CUT_WORD = re.compile(r"\S+(?=" + re.escape(TRUNCATED) + ")")


def cap(text: str, limit: int) -> str:
    """At most ``limit`` characters, saying so when cut; never cut inside a word.

    Text is capped when it is rendered and redacted when it is sent: a secret cut
    in two would leave a first half that no redaction recognises.
    """
    if len(text) <= limit:
        return text
    head = text[: max(0, limit - 14)]
    if not text[len(head)].isspace():
        # Back up to the start of the word the cut fell in, unless it is very long
        # or the whole text so far (then there would be nothing left to show).
        tail = head[-_WORD - 1 :]
        start = max((i for i, ch in enumerate(tail) if ch.isspace()), default=-1) + 1
        if start > 0:
            head = head[: len(head) - len(tail) + start]
    return head + TRUNCATED


def cap_lines(text: str, limit: int) -> str:
    """At most ``limit`` characters of Markdown, cut after a whole line, saying so when cut.

    A cut inside a line could leave an inline code span open: Markdown then shows
    its opening backticks as text and the rest of the span (a mention, an image,
    a link someone else wrote) comes alive. Spans never cross a line here
    (:func:`code_span` folds newlines), so a cut at a line break closes them all.
    """
    if len(text) <= limit:
        return text
    head = text[: max(0, limit - 60)]
    return head[: head.rfind("\n") + 1] + "\n_(truncated: the job summary has the full text)_\n"


def _longest_backticks(text: str) -> int:
    return max((len(m.group()) for m in _BACKTICKS.finditer(text)), default=0)


def fenced(text: str, info: str = "", limit: int = 20_000) -> str:
    """A fenced block showing ``text`` literally; the fence outruns any backticks inside."""
    body = cap(show_bidi(strip_html_comments(text)), limit).rstrip("\n")
    fence = "`" * max(3, _longest_backticks(body) + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def code_span(text: str, limit: int = 300) -> str:
    """One line of untrusted text as an inline code span (no mentions, links or HTML)."""
    line = cap(" ".join(show_bidi(strip_html_comments(text)).split()), limit)
    if not line:
        return ""
    ticks = "`" * (_longest_backticks(line) + 1)
    pad = " " if line.startswith("`") or line.endswith("`") else ""
    return f"{ticks}{pad}{line}{pad}{ticks}"


class Redactor:
    """Replaces each known secret value (and nothing shorter than
    :data:`~ttabot.redaction.MIN_SECRET`), and every credential of a known shape.

    A known value is found even with whitespace inside it (a tool that wrapped the
    line it printed), and credentials of a known shape are replaced whatever their
    value: a generated test or a model can print one ttabot was never given.
    :func:`cap` cuts inside no word of up to ``_WORD`` characters, but a longer one
    (minified JSON, a long URL) is cut where the cap falls: the word before its
    mark loses a start of a known value or of a credential it ends in.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = KnownSecrets(secrets)

    def __call__(self, text: str) -> str:
        """``text`` with every secret replaced by :data:`~ttabot.redaction.REDACTED`."""
        text = self.known(text)
        if TRUNCATED in text:
            text = _CUT_WORD.sub(self._cut, text)
        return redact_credentials(text)

    def _cut(self, word: re.Match[str]) -> str:
        return redact_cut_credential(self._secrets.redact_cut_end(word.group()))

    def known(self, text: str) -> str:
        """``text`` with the known secret values replaced (whitespace inside them too)."""
        return self._secrets.redact(text)

    def data(self, value: Any) -> Any:
        """A JSON-like value with every string redacted (for API request bodies).

        Code ttabot proposes to commit loses only the known values: a git tree entry's
        ``content`` (the project's file with a draft in it) and a review comment's
        ``body`` (a suggestion block, committed with one click). A token-shaped fixture
        there is the project's text, and rewriting it would corrupt the project's code.
        """
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            code = "content" if "content" in value else "body" if "path" in value else None
            return {
                k: self.known(v) if k == code and isinstance(v, str) else self.data(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.data(v) for v in value]
        return value


#: Environment variables whose values are secrets in ``ttabot action``.
SECRET_INPUTS = ("GITHUB_TOKEN", "OPENROUTER_API_KEY", "TTABOT_PUSH_TOKEN")


def action_redactor(environ: Mapping[str, str]) -> Redactor:
    """The redactor for an Action run: the token, the push token and every provider key."""
    values = [str(environ.get(name) or "") for name in SECRET_INPUTS]
    for line in str(environ.get("TTABOT_PROVIDER_KEYS") or "").splitlines():
        values.append(line.partition("=")[2])
        values.append(line)  # a malformed line is a key too
    return Redactor(values)
