"""Raw HTML in a comment that GitHub does not show as text, and the HTML blocks a line opens.

Part of :mod:`ttabot.review.shown`'s reading (its docstring gives the rules): HTML
comments, elements drawn as code or hidden (``<pre>``, ``<script>``, ...), processing
instructions, declarations and CDATA are masked wherever they open, a code span on one
line left as it is; and a line's opening tells which HTML block it may start.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: A code span on one line: a run of backticks (not escaped) to the next run of the same
#: length. What it holds is shown as it is, ``<pre>`` or ``<!--`` too; matched first where
#: it opens first, it leaves what it holds out of the HTML looked for below (a span over
#: several lines is masked before, by
#: :func:`ttabot.review.shown.text_lines`).
_CODE_SPAN = r"(?P<span>(?<![`\\])(?P<ticks>`+)(?!`)[^\r\n]*?(?<!`)(?P=ticks)(?!`))|"
_HTML_COMMENT = re.compile(_CODE_SPAN + r"<!--.*?(?:-->|\Z)", re.DOTALL)
#: Raw HTML not shown as text, wherever it opens: an element drawn as code or hidden, to
#: its own closing tag (a browser reads a <script> to its </script>, whatever the block
#: rules say) after its whole start tag (a "</pre>" in a quoted value or before the
#: tag's ">" is an attribute); a processing instruction, CDATA, a declaration.
_UNSHOWN_HTML = re.compile(
    _CODE_SPAN + r"<(?P<tag>pre|code|samp|kbd|tt|script|style|textarea)(?=[\s/>]|\Z)"
    r"(?:\"[^\"]*\"|'[^']*'|[^\"'>])*.*?(?:</(?P=tag)[ \t]*>|\Z)"
    r"|<\?.*?(?:\?>|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<![A-Za-z].*?(?:>|\Z)",
    re.DOTALL | re.IGNORECASE,
)
#: What masks unshown HTML: not a space, so what follows it on its line is not a line start.
_MASK = "\N{REPLACEMENT CHARACTER}"
#: HTML blocks that end at a marker, not a blank line (GFM kinds 1, 3, 4, 5; comments,
#: kind 2, are blanked beforehand): how the line opens, what ends the block.
_RAW_HTML_BLOCKS = (
    (
        re.compile(r"<(?:pre|script|style|textarea)(?:[ \t>]|$)", re.IGNORECASE),
        re.compile(r"</(?:pre|script|style|textarea)>", re.IGNORECASE),
    ),
    (re.compile(r"<\?"), re.compile(r"\?>")),
    (re.compile(r"<![A-Za-z]"), re.compile(">")),
    (re.compile(r"<!\[CDATA\["), re.compile(r"\]\]>")),
)
#: An HTML block of kind 6 opens with one of these tags (the tag names GFM's and today's
#: CommonMark spec share), and ends at a blank line.
_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|"
    "details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|"
    "h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|"
    "optgroup|option|p|param|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul"
)
#: A line opening an HTML block of kind 6 (one of those tags, open or closing).
HTML_BLOCK_6 = re.compile(rf"</?(?:{_BLOCK_TAGS})(?:[ \t>]|/>|$)", re.IGNORECASE)
#: A line that may open an HTML block: a tag, comment, declaration or processing
#: instruction first, after any quote markers, list markers and indentation.
MAY_OPEN_HTML = re.compile(r"(?:[ \t>]|(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$))*<[A-Za-z/!?]")


def hide_html(text: str) -> str:
    """``text`` with HTML comments blanked and other unshown HTML masked (:data:`_MASK`).

    Line ends are kept, so the result splits into the same lines; a code span on one
    line is left as it is, and what it holds opens nothing.
    """
    visible = _HTML_COMMENT.sub(lambda m: _hidden(m, " "), text)
    return _UNSHOWN_HTML.sub(lambda m: _hidden(m, _MASK), visible)


def masked(line: str, ranges: Iterable[tuple[int, int]]) -> str:
    """``line`` with each ``(start, end)`` range as :data:`_MASK` (read as opaque)."""
    chars = list(line)
    for start, end in ranges:
        chars[start:end] = _MASK * (end - start)
    return "".join(chars)


def _hidden(match: re.Match[str], fill: str) -> str:
    """A match of :data:`_HTML_COMMENT` or :data:`_UNSHOWN_HTML` as shown: a code span as
    it is, the HTML as ``fill``."""
    return match.group() if match.group("span") else _blank(match.group(), fill)


def _blank(text: str, fill: str = " ") -> str:
    """``text`` as ``fill``, keeping its line ends (CR and LF, what ends a Markdown line)."""
    return "".join(ch if ch in "\r\n" else fill for ch in text)


def raw_html_block(rest: str) -> tuple[re.Pattern[str], bool] | None:
    """The end of the kind 1, 3, 4 or 5 HTML block ``rest`` opens, and whether it ends there."""
    for start, end in _RAW_HTML_BLOCKS:
        opening = start.match(rest)
        if opening is not None:
            return end, end.search(rest, opening.end()) is not None
    return None
