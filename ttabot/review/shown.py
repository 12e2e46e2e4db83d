"""Which lines of a comment GitHub shows as text, not as code or hidden.

A pure, line-by-line reading of the GitHub Flavored Markdown block rules that
decide it, close enough for telling a typed ``/ttabot`` line from a pasted one:

* a line ends at LF, CRLF or CR, nothing else (a form feed or U+2028 is inside one);
* a code span on one line (`` `<pre>` ``), or over several lines of one paragraph
  (:mod:`ttabot.review.spans`; paragraphs read from the lines as written, since Markdown
  finds blocks before inline HTML), shows what it holds as it is: HTML in it opens
  nothing, and a line inside it is no line start;
* HTML comments hide what they span, wherever they open;
* so do, wherever they open, raw HTML elements GitHub draws as code (``<pre>``,
  ``<code>``, ``<samp>``, ``<kbd>``, ``<tt>``) or not as text (``<script>``, ``<style>``,
  ``<textarea>``), up to their own closing tag after their whole start tag (a
  ``</pre>`` in a quoted value, or before the tag's ``>``, is an attribute), and
  processing instructions, declarations and CDATA; what they span is not blank but
  masked, so a line after one does not start with what follows it;
* but not from inside a fence GitHub surely takes (its line shown as written, and no
  line since the last blank one opening with a tag, which may have opened an HTML block
  that holds the fence line): there HTML is code, opening and closing nothing;
* an HTML block of kind 1 (a line opening with ``<pre``, ``<script``, ``<style`` or
  ``<textarea``), 3 (``<?``), 4 (``<!`` and a letter) or 5 (``<![CDATA[``) runs to
  the line holding its end (a closing tag of any of the four, ``?>``, ``>``, ``]]>``),
  over blank lines; it interrupts a paragraph and leaves none open. Kinds 6 and 7
  (``<details>``, ``<div>``, a tag alone on its line) hold raw HTML shown as text:
  their lines are read like paragraph lines (a fence or ``>`` in one can cost a
  command, never make one);
* a fence (3+ backticks or tildes, indented at most 3 columns) runs to a closing
  fence of the same character, at least as long, with nothing after it; or to
  the end of the list item it opened in; or to the end of the comment;
* a line indented 4+ columns (a tab stops every 4) is an indented code block
  where no paragraph is open (at the start, after a blank line, a heading (ATX
  or setext), a fence, a thematic break or an HTML block); it cannot interrupt
  a paragraph;
* inside a list item those columns count from the item's content column (the
  marker's width plus the 1-4 columns after it), and an item ends at a line
  indented less than that column (a paragraph's lazy continuation line apart, but
  not a list marker there, which opens an item of an outer list even where it could
  not interrupt a paragraph: ``2)``, an empty ``-``), or, if it opened empty, at a
  blank line;
* a block quote's line starts with ``>``; a line without one is still in the quote
  (a lazy continuation line) while a paragraph is open in it and the line does not
  interrupt that paragraph (a heading, fence, thematic break, HTML block of kind 1-5,
  or a list item that may interrupt one); a blank line ends the quote. (A kind 6 block,
  ``<div>``, interrupts it too; read as lazy, its lines can only cost a command.) A quote
  line whose content opens an HTML block of kinds 1-6 (``> <details>``, ``> <!-- x -->``)
  leaves no paragraph open: the next line without ``>`` is outside the quote. (Kind 7, a
  lone ``<span>``, is read as a paragraph: that can only cost a command.)

Quoted lines are text marked ``quoted``; tables and the rest are text here: the caller
decides what else to skip.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from ttabot.review.spans import spans_over_lines

#: A code span on one line: a run of backticks (not escaped) to the next run of the same
#: length. What it holds is shown as it is, ``<pre>`` or ``<!--`` too; matched first where
#: it opens first, it leaves what it holds out of the HTML looked for below (a span over
#: several lines is masked before, by :func:`_spans_over_lines`).
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
_HTML_BLOCK_6 = re.compile(rf"</?(?:{_BLOCK_TAGS})(?:[ \t>]|/>|$)", re.IGNORECASE)
#: A line that may open an HTML block: a tag, comment, declaration or processing
#: instruction first, after any quote markers, list markers and indentation.
_MAY_OPEN_HTML = re.compile(r"(?:[ \t>]|(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$))*<[A-Za-z/!?]")
#: What ends a line in Markdown: LF, CRLF or a lone CR. ``str.splitlines`` also splits at
#: a form feed, U+0085, U+2028 and others, which GitHub shows inside one line.
_LINE_END = re.compile(r"\r\n|\r|\n")
#: A fence line once its indentation is gone: 3+ backticks or tildes, then the info.
_FENCE = re.compile(r"(`{3,}|~{3,})(.*)$")
_LIST_MARKER = re.compile(r"([-+*]|(\d{1,9})[.)])([ \t]+|$)")
_THEMATIC_BREAK = re.compile(r"(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")
#: A setext heading's underline: it turns the paragraph above into a heading and ends it.
_SETEXT = re.compile(r"(?:=+|-+)[ \t]*$")


class TextLine(NamedTuple):
    """A line GitHub shows as text, and whether it shows inside a block quote."""

    text: str
    quoted: bool


def text_lines(body: str) -> Iterator[TextLine]:
    """Each line of ``body`` shown as text, HTML comments blanked out, in order.

    Lines in fenced or indented code blocks are left out; so are lines an HTML
    comment hides (they come out blank). A line in a block quote is ``quoted``,
    whether it starts with ``>`` or continues a quoted paragraph lazily.
    """
    lines = _LINE_END.split(body)
    ends = [*_LINE_END.findall(body), ""]
    # A code span over several lines of a paragraph shows what it holds as it is.
    opaque = _spans_over_lines(lines)
    shown, code = _read(lines, ends, opaque)
    if code:
        # HTML in a fence GitHub surely takes is code: it opens (and closes) nothing.
        # Read again without it; what the fence holds stays code whatever that reading.
        for number in code:
            opaque[number] = [(0, len(lines[number]))]
        shown, _ = _read(lines, ends, opaque)
    for number, line in enumerate(shown):
        if line is not None and number not in code:
            yield line


#: Line number -> the ``(start, end)`` ranges of it read as opaque (what they hold shows
#: as it is, and opens or closes no HTML).
Opaque = dict[int, list[tuple[int, int]]]


def _spans_over_lines(lines: list[str]) -> Opaque:
    """The parts of ``lines`` inside code spans that run over lines of one paragraph.

    Paragraphs are read from the lines as written: in Markdown the blocks come first,
    and inline HTML, which masking models, does not change them. A paragraph line that
    may hold an HTML block (a tag opened a line since the last blank one) or a quoted
    line is no part of such a paragraph; nor is a line from the first ``|`` on (a table's
    rows are lines of their own).
    """
    blocks = _Blocks()
    groups: list[list[int]] = []
    last: int | None = None
    tables: set[int] = set()  # paragraphs that may have turned into a table
    for number, line in enumerate(lines):
        blocks.is_text(line, line)
        paragraph = blocks.line_paragraph
        if paragraph is not None and "|" in line:
            tables.add(paragraph)
        if paragraph is None or paragraph in tables or blocks.line_quoted or blocks.html_maybe:
            last = None
            continue
        if paragraph != last:
            groups.append([])
        groups[-1].append(number)
        last = paragraph
    opaque: Opaque = {}
    for group in groups:
        if len(group) < 2:
            continue
        starts = [0]
        for number in group:
            starts.append(starts[-1] + len(lines[number]) + 1)
        for start, end in spans_over_lines("\n".join(lines[n] for n in group)):
            at = bisect.bisect_right(starts, start) - 1  # the line the span opens on
            while at < len(group) and starts[at] < end:
                left, right = max(start, starts[at]), min(end, starts[at + 1] - 1)
                if left < right:
                    opaque.setdefault(group[at], []).append((left - starts[at], right - starts[at]))
                at += 1
    return opaque


def _read(
    lines: list[str], ends: list[str], opaque: Opaque
) -> tuple[list[TextLine | None], frozenset[int]]:
    """Each line as text (None: not shown as text), with the ``opaque`` parts masked
    before any HTML is looked for; and the lines inside fences GitHub surely takes."""
    # Comments are blanked before anything else, fences looked for in the text as
    # written: a comment Markdown would not take for one (opened in a code block) can
    # then only cost a command, never make one.
    scan = "".join(
        _masked(line, opaque.get(n, ())) + end
        for n, (line, end) in enumerate(zip(lines, ends, strict=True))
    )
    visible = _HTML_COMMENT.sub(lambda m: _hidden(m, " "), scan)
    visible = _UNSHOWN_HTML.sub(lambda m: _hidden(m, _MASK), visible)
    blocks = _Blocks()
    out: list[TextLine | None] = []
    fenced: set[int] = set()
    for number, (line, shown) in enumerate(zip(lines, _LINE_END.split(visible), strict=True)):
        text = blocks.is_text(line, shown)
        out.append(TextLine(shown, blocks.line_quoted) if text else None)
        if blocks.in_sure_fence:
            fenced.add(number)
    return out, frozenset(fenced)


def _masked(line: str, ranges: Iterable[tuple[int, int]]) -> str:
    """``line`` with each ``(start, end)`` range as :data:`_MASK`."""
    chars = list(line)
    for start, end in ranges:
        chars[start:end] = _MASK * (end - start)
    return "".join(chars)


def _hidden(match: re.Match[str], fill: str) -> str:
    """A match of :data:`_HTML_COMMENT` or :data:`_UNSHOWN_HTML` as shown: a code span as
    it is, the HTML as ``fill``."""
    return match.group() if match.group("span") else _blank(match.group(), fill)


def _blank(text: str, fill: str = " ") -> str:
    """``text`` as ``fill``, keeping its line ends (:data:`_LINE_END`'s characters)."""
    return "".join(ch if ch in "\r\n" else fill for ch in text)


def _raw_html_block(rest: str) -> tuple[re.Pattern[str], bool] | None:
    """The end of the kind 1, 3, 4 or 5 HTML block ``rest`` opens, and whether it ends there."""
    for start, end in _RAW_HTML_BLOCKS:
        opening = start.match(rest)
        if opening is not None:
            return end, end.search(rest, opening.end()) is not None
    return None


def _opens_fence(rest: str) -> re.Match[str] | None:
    """The fence ``rest`` opens, if any (a backtick fence's info has no backtick)."""
    fence = _FENCE.match(rest)
    if fence is None or (fence.group(1)[0] == "`" and "`" in fence.group(2)):
        return None
    return fence


def _columns(line: str, start: int = 0) -> tuple[int, str]:
    """The indentation of ``line`` in columns (tabs to the next multiple of 4), and the rest.

    ``start``: the column ``line`` starts at, which decides how far its tabs reach.
    """
    width = start
    for at, ch in enumerate(line):
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            return width - start, line[at:]
    return width - start, ""


@dataclass
class _Fence:
    char: str
    length: int
    base: int  # the content column of the container it opened in
    #: GitHub surely takes it for a fence: its line shown as written (no HTML hid it or
    #: opened on it) and no HTML block possibly open (since the last blank line).
    sure: bool = False


@dataclass
class _Blocks:
    """What is open after the lines seen so far."""

    fence: _Fence | None = None
    raw_html_end: re.Pattern[str] | None = None  # what ends the open kind 1, 3, 4, 5 HTML block
    paragraph: bool = False  # a paragraph is open: the next line may continue it
    quoted: bool = False  # the open paragraph is a quote's: lazy lines go on in it
    line_quoted: bool = False  # the line just taken shows inside a block quote
    empty_item: bool = False  # the last line opened a list item with nothing in it
    items: list[int] = field(default_factory=list)  # open list items' content columns
    #: A line since the last blank one opened with a tag (in a quote or an item too):
    #: an HTML block (kinds 6 and 7 run to a blank line) may be open, holding a fence line.
    html_maybe: bool = False
    in_sure_fence: bool = False  # the line just taken is inside a fence that is ``sure``
    plain: bool = False  # the line just taken is shown as written
    paragraphs: int = 0  # paragraphs opened so far
    line_paragraph: int | None = None  # the paragraph the line just taken is a line of

    def is_text(self, line: str, shown: str) -> bool:
        """Take the next line (as written, and with comments blanked); whether it is text."""
        indent, rest = _columns(line)
        empty_item, self.empty_item = self.empty_item, False
        self.line_quoted = self.in_sure_fence = False
        self.line_paragraph = None
        self.plain = shown == line
        if self.fence is not None:
            if not rest or indent >= self.fence.base:
                self._inside_fence(indent - self.fence.base, rest)
                self.in_sure_fence = self.fence is not None and self.fence.sure
                return False
            self.fence = None  # a line less indented than its list item ends both
        if self.raw_html_end is not None:
            if self.raw_html_end.search(line):
                self.raw_html_end = None
            return False
        if not rest:
            self.html_maybe = False
        elif _MAY_OPEN_HTML.match(rest):
            self.html_maybe = True
        if not shown.strip():
            if not rest:
                self.paragraph = False  # a blank line
                if empty_item:
                    self.items.pop()  # an item holds at most one blank line before content
            elif indent - self._base() <= 3 and _opens_fence(rest):
                self._content(indent, rest)  # hidden, yet Markdown takes the fence
            elif indent - self._base() <= 3 and rest.startswith("<!--"):
                self.paragraph = False  # an HTML block: it ends a paragraph too
            return False
        return self._block_start(indent, rest)

    def _inside_fence(self, relative: int, rest: str) -> None:
        assert self.fence is not None
        closing = _FENCE.match(rest)
        if (
            closing is not None
            and relative <= 3
            and closing.group(1)[0] == self.fence.char
            and len(closing.group(1)) >= self.fence.length
            and not closing.group(2).strip()
        ):
            self.fence = None

    def _base(self) -> int:
        return self.items[-1] if self.items else 0

    def _block_start(self, indent: int, rest: str) -> bool:
        # Below an item's column a list marker opens an item of an outer list even where
        # it could not interrupt a paragraph of its own container ("2)", an empty "-").
        below_item = bool(self.items) and indent < self._base()
        if (
            self.paragraph
            and indent < self._base()
            and not self._interrupts(rest)
            and not (below_item and _LIST_MARKER.match(rest))
        ):
            # A lazy continuation line: the paragraph (and its item, its quote) go on.
            self.line_quoted = self.quoted
            self.line_paragraph = self.paragraphs
            return True
        while self.items and indent < self.items[-1]:
            self.items.pop()
            self.paragraph = False  # the item's paragraph ends with it
        relative = indent - self._base()
        if relative >= 4:
            # Code, unless it continues a paragraph (indented code cannot interrupt one).
            self.line_quoted = self.paragraph and self.quoted
            self.line_paragraph = self.paragraphs if self.paragraph else None
            return self.paragraph
        return self._content(indent, rest)

    def _content(self, column: int, rest: str) -> bool:
        """The block that ``rest``, starting at ``column``, opens or continues."""
        fence = _opens_fence(rest)
        if fence is not None:
            sure = self.plain and not self.html_maybe
            self.fence = _Fence(fence.group(1)[0], len(fence.group(1)), self._base(), sure)
            self.paragraph = False
            return False
        raw_html = _raw_html_block(rest)
        if raw_html is not None:
            end, ends_here = raw_html
            self.raw_html_end = None if ends_here else end
            self.paragraph = False
            return False
        if self.paragraph and not self.quoted and _SETEXT.match(rest):
            self.paragraph = False  # the paragraph above is a heading now
            return True
        if _THEMATIC_BREAK.match(rest) or _HEADING.match(rest):
            self.paragraph = False
            return True
        marker = _LIST_MARKER.match(rest)
        if marker is not None and (not self.paragraph or self._interrupts(rest)):
            return self._list_item(column, rest, marker)
        if rest.startswith(">"):
            self.paragraph = _opens_paragraph(rest[1:])  # a quote's paragraph runs on lazily
            self.quoted = self.line_quoted = True
            return True
        if not self.paragraph:
            self.quoted = False
            self.paragraphs += 1
        self.line_quoted = self.quoted  # in a quote's paragraph: a lazy line of it
        self.line_paragraph = self.paragraphs
        self.paragraph = True
        return True

    def _list_item(self, column: int, rest: str, marker: re.Match[str]) -> bool:
        width = len(marker.group(1))
        content = rest[marker.end() :]
        gap = _columns(marker.group(3), column + width)[0] if content else 1
        # 1-4 spaces after the marker set the content column; 5+ mean the item opens with
        # indented code, and its content column is one past the marker.
        self.items.append(column + width + (gap if 1 <= gap <= 4 else 1))
        self.paragraph = False
        if not content:
            self.empty_item = True
            return False
        if gap > 4:
            return False  # the item's first line is indented code
        return self._content(self.items[-1], content)

    def _interrupts(self, rest: str) -> bool:
        """Whether ``rest`` starts a block that may interrupt an open paragraph."""
        if _opens_fence(rest) or _THEMATIC_BREAK.match(rest) or _HEADING.match(rest):
            return True
        if rest.startswith(">") or _raw_html_block(rest):
            return True
        marker = _LIST_MARKER.match(rest)
        if marker is None:
            return False
        # An empty item, or an ordered one not starting at 1, cannot interrupt a paragraph.
        number = marker.group(2)
        return bool(rest[marker.end() :].strip()) and (number is None or int(number) == 1)


def _opens_paragraph(quoted: str) -> bool:
    """Whether a quote line's content (after ``>``) leaves a paragraph open in the quote.

    Nested quotes and list items count by what they hold; a blank line, a heading, a
    thematic break, a fence, an HTML block of kinds 1-6 (``<details>``, ``<div>``, a
    comment) or indented code (4 columns past the space after ``>``) hold no paragraph,
    so the next line without ``>`` ends the quote.
    """
    column = 1  # just past the ">"
    indent, rest = _columns(quoted, column)
    while True:
        if indent >= 5:
            return False  # indented code: a lazy line cannot continue it
        if rest.startswith(">"):
            column += indent + 1
            indent, rest = _columns(rest[1:], column)
            continue
        marker = _LIST_MARKER.match(rest)
        if marker is None or _THEMATIC_BREAK.match(rest):
            break
        rest, indent = rest[marker.end() :], 0
    holds_no_paragraph = (
        _opens_fence(rest)
        or _THEMATIC_BREAK.match(rest)
        or _HEADING.match(rest)
        # An HTML block (kinds 1-6; a comment is kind 2) is no paragraph either.
        or _HTML_BLOCK_6.match(rest)
        or _raw_html_block(rest)
        or rest.startswith("<!--")
    )
    return bool(rest) and not holds_no_paragraph
