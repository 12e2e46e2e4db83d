"""What a chat answer wraps a drafted docstring in: prose to the asker, Markdown, tags.

Part of :mod:`ttabot.drafting.gate`: a docstring never opens with an offer ("Sure! Here
is"), never speaks to whoever asked, and holds no ``<think>`` block or wrapping tag.
"""

from __future__ import annotations

import re

_OFFER = (
    r"here is|here's|here are|here you go|below is|of course|got it|no problem|"
    r"thank you|let me|let's|i'm|i've|i'll|i'd|as requested"
)
# An answer opening with an offer ("Here is", "Let me") or with an interjection set off
# by punctuation or followed by an offer ("Sure!", "OK, here", "Great. ", "Sure here is").
# Bare, those words start summaries too: "Great-circle distance", "OK responses are cached".
_PREAMBLE = re.compile(
    rf"^(({_OFFER})\b|(sure|certainly|absolutely|okay|ok|alright|hello|hi|thanks|great)"
    rf"([ \t]*([,!.:;?]|$)|[ \t]+({_OFFER}|this|the following|question|idea)\b))",
    re.IGNORECASE,
)
# The model speaking to whoever asked, anywhere in the text: a docstring never does.
_CHAT_VOICE = re.compile(
    r"\b(let me know|feel free to|hope (this|that|it) helps|happy to help|"
    r"I(?:'ve| have) (added|written|updated|included|kept)|I (added|wrote|updated)|"
    # talk about the answer itself: "This docstring follows ...", "a Google-style docstring"
    r"(this|the above|above|the updated|updated) docstring|"
    r"(google|numpy|sphinx|rest)[- ]style docstring)\b",
    re.IGNORECASE,
)
# Markdown a chat answer starts with: a heading or a bold label ("## Docstring", "**Docstring:**").
_MARKDOWN_START = re.compile(r"^(#{1,6}\s|\*\*[^*]+(:\*\*|\*\*:)$)")
#: A reasoning block's tags: <think>, </thinking>, <reasoning>, </reason>. (A placeholder
#: such as "<reason_phrase>" or "<reason>" in an HTTP status line is docstring text.) A tag's
#: attributes stop at the next "<": "[^>]*" alone searched to the end of the text from every
#: "<think" no ">" followed (quadratic on a hostile answer).
REASONING = re.compile(r"<(/?(think|thinking|reasoning)|/reason)\b[^<>]*>", re.IGNORECASE)
#: A tag that opens the answer and is closed later: <thinking>…</thinking>,
#: <docstring>…</docstring>. (A placeholder such as "<body>", a repr such as
#: "<enum 'Color'>" or an HTML example further down is docstring text.)
TAG_PAIR = re.compile(r"\A[ \t]*<([A-Za-z][\w-]*)>.*?</\1>", re.S)


def chat_problem(text: str) -> str | None:
    """Why ``text`` reads as a chat answer rather than docstring text, or None.

    Its first line opens with an offer or interjection, or introduces a docstring below
    it, or is a Markdown heading or bold label; or the text talks to whoever asked.
    """
    first = text.splitlines()[0].strip()
    paragraphs = re.split(r"\n[ \t]*\n", text.strip())
    if _PREAMBLE.match(first.replace("\u2019", "'")) or (
        # "The updated docstring:", "Docstring for `area`:" - a line introducing the rest
        len(paragraphs) > 1
        and "\n" not in paragraphs[0]
        and first.endswith(":")
        and "docstring" in first.lower()
    ):
        return f"the docstring starts with chat prose ({first[:60]!r}), not the summary line"
    if _MARKDOWN_START.match(first):
        return f"the docstring starts with Markdown ({first[:60]!r}), not the summary line"
    voice = _CHAT_VOICE.search(text.replace("\u2019", "'"))
    if voice is not None:
        return f"the docstring holds chat prose ({voice.group()!r}), not documentation"
    return None
