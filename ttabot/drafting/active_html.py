"""Active content in a drafted docstring: what documentation tools would run or read.

Part of :mod:`ttabot.drafting.gate`. Documentation tools pass HTML in a Markdown docstring
(mkdocstrings) and reStructuredText directives into the rendered pages: a script, an event
handler, a ``javascript:`` URL or a frame runs there for every reader, and an include
directive reads a file of the machine building the docs. Inline code shows escaped, so
it is left out of the search.
"""

from __future__ import annotations

import html
import re

# What documentation tools pass into the rendered page as it is: HTML in a Markdown docstring
# (mkdocstrings), Sphinx's raw directive. A script there runs for every reader of the docs;
# a frame, object or embed loads a page or plug-in through an attribute's value (after a
# space, a line break or a "/", as HTML reads a start tag): bare, as in rich's
# "inspect(<OBJECT>)" placeholder, a closing tag, or with attributes that have no value,
# as in Python's "<object object at 0x7f…>" repr, it loads nothing.
# Each "<" scans at most to the next "<" or ">": linear on a hostile answer.
_ACTIVE_HTML = re.compile(
    r"<[ \t]*/?[ \t]*script\b"
    r"|<[ \t]*(iframe|object|embed)[ \t\r\n\f/]+[^<>]*="
    r"|^[ \t]*\.\.[ \t]+raw[ \t]*::",
    re.IGNORECASE | re.MULTILINE,
)
# A start tag as HTML reads it: the name, then attributes to the ">" (a quoted value may
# hold ">", "<", a line break or a backtick). The alternatives start with different
# characters and nothing follows the loop that could fail, so a match never backtracks
# and each quote is scanned once: linear on a hostile answer.
_TAG = r"<[A-Za-z][^\s/>]*(?:\"[^\"]*\"|'[^']*'|[^\"'>])*>?"
_START_TAG = re.compile(_TAG)
# Attributes that run or load code in a tag: an event handler (after a space, a line
# break, a "/" or a quoted value, as HTML separates attributes), and a <base href>,
# which moves every relative URL after it (the theme's scripts too) to its host.
_HANDLER = re.compile(r"[\s/\"']on[a-z]+\s*=", re.IGNORECASE)
_LOADER = re.compile(r"<(?:iframe|object|embed)[\s/][^=]*=", re.IGNORECASE)
_BASE_URL = re.compile(r"<base(?=[\s/]).*?[\s/\"']href\s*=", re.IGNORECASE | re.DOTALL)
# A ``javascript:`` URL is active where a link takes it: after "(" (a Markdown link), "=" (an
# HTML attribute), "]:" (a Markdown reference), "<" (an autolink, a reStructuredText link)
# or in a reStructuredText target; the word before a colon in prose or an Args entry
# (``javascript: whether…``) is text. One start per context character, so still linear.
# Browsers read a URL's scheme after decoding character references in the attribute
# ("&#106;avascript:", "java&#x73;cript:", "javascript&colon;"; Markdown decodes them in a
# link destination too) and after dropping tabs and line breaks anywhere in it and
# controls and spaces before it: the search runs on text decoded that way (see
# :func:`_as_browsers_read`), where a control character may sit between the letters.
_IGNORED_IN_URL = "[\x00-\x1f]*"
_SCHEME = _IGNORED_IN_URL.join("javascript") + "[\x00-\x20]*:"
_JAVASCRIPT_URL = re.compile(
    rf"(?:\(|\]:|=)[\x00-\x20\"'<]*{_SCHEME}|<{_SCHEME}"
    rf"|^[ \t]*\.\.[ \t]+_[^:\n]*:[ \t]*{_SCHEME}"
    # reStructuredText links a URI of a scheme it knows ("javascript" is one) standing
    # alone in prose, and in an anonymous target ("__ javascript:…"); not "javascript:"
    # before a space, as in an Args entry.
    r"|(?<![A-Za-z0-9])javascript:(?=[^\s:])",
    re.IGNORECASE | re.MULTILINE,
)
# Directives that read a file of the machine building the docs into the page (its
# /proc/self/environ holds that build's secrets) or fetch one from a URL: include,
# Sphinx's literalinclude, raw, also in a substitution definition (".. |x| include::"),
# and any directive's ":file:" or ":url:" option (raw, csv-table; not Sphinx's
# ":file:`path`" role, which only names one).
_READS_FILES = re.compile(
    r"^[ \t]*\.\.[ \t]+(?:\|[^|\n]*\|[ \t]+)?(?:raw|include|literalinclude)[ \t]*::"
    r"|^[ \t]*:(?:file|url):[ \t]+[^\s`]"
    r"|^[ \t]*:{3,}[ \t]*\{(?:raw|include|literalinclude)\}",  # MyST's colon fence
    re.IGNORECASE | re.MULTILINE,
)
# docutils drops the line breaks and indentation inside a URI that runs on over lines (a
# target, a directive's ":target:" option): searched in the text with each line joined
# to the one before it, where an Args entry ("Args:" + "javascript: whether…") stays text.
_JOINED_LINES = re.compile(r"\n[ \t]*(?=\S)")
_JOINED_URL = re.compile(
    rf"(?:\(|\]:|=|<)[\x00-\x20\"'<]*{_SCHEME}|:[ \t]*javascript:(?=[^\s:])", re.IGNORECASE
)
# Inline code (``<script>``, `x`) is shown escaped by reStructuredText and Markdown alike;
# but `text <url>`_ is a reStructuredText link, its URL live. A tag that opens before a
# code span is read first (CommonMark reads raw HTML and code spans left to right):
# backticks in its quoted values are text, so they hide nothing of it.
# A backtick outside quotes is in no CommonMark tag: there the code span is read.
_INLINE_CODE = re.compile(
    r"(?P<tag><[A-Za-z][^\s/>`]*(?:\"[^\"]*\"|'[^']*'|[^\"'>`])*>?)|``[^`\n]*``|`[^`\n]*`(?!_)"
)


def active_html(text: str) -> re.Match[str] | None:
    """The first active HTML in ``text`` outside inline code, if any.

    A script, a raw directive, a start tag with an event handler, a base URL or a frame
    to load, or a ``javascript:`` URL where a link takes one (also over joined lines).
    """
    rendered = _INLINE_CODE.sub(lambda m: m.group("tag") or "", text)
    return (
        _ACTIVE_HTML.search(rendered)
        or _active_tag(rendered)
        or _JAVASCRIPT_URL.search(_as_browsers_read(rendered))
        or _JOINED_URL.search(_as_browsers_read(_JOINED_LINES.sub("", rendered)))
    )


def reads_files(text: str) -> re.Match[str] | None:
    """The first directive in ``text`` that reads a file or URL into the page, if any."""
    return _READS_FILES.search(text)


def _active_tag(text: str) -> re.Match[str] | None:
    """The first start tag in ``text`` with an event handler, a base URL or a frame,
    object or embed with an attribute's value to load, if any."""
    for tag in _START_TAG.finditer(text):
        found = tag.group()
        if _HANDLER.search(found) or _BASE_URL.match(found) or _LOADER.match(found):
            return tag
    return None


def _as_browsers_read(text: str) -> str:
    """``text`` with character references decoded once, as a browser does in an attribute.

    Only the ``javascript:`` search reads it: ``&lt;script&gt;`` is the text "<script>",
    never a tag, but ``href="&#106;avascript:…"`` is a link. A reference to NUL or a
    surrogate decodes to U+FFFD, which no scheme holds.
    """
    return html.unescape(text) if "&" in text else text
