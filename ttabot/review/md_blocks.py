"""The Markdown block structure of a comment, one line at a time.

Part of :mod:`ttabot.review.shown`'s reading (its docstring gives the rules): which
fence, raw HTML block, paragraph, list items and block quote are open after each line,
and so whether the next line is shown as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ttabot.review.hidden_html import HTML_BLOCK_6, MAY_OPEN_HTML, raw_html_block

#: A fence line once its indentation is gone: 3+ backticks or tildes, then the info.
_FENCE = re.compile(r"(`{3,}|~{3,})(.*)$")
_LIST_MARKER = re.compile(r"([-+*]|(\d{1,9})[.)])([ \t]+|$)")
_THEMATIC_BREAK = re.compile(r"(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")
#: A setext heading's underline: it turns the paragraph above into a heading and ends it.
_SETEXT = re.compile(r"(?:=+|-+)[ \t]*$")


def opens_fence(rest: str) -> re.Match[str] | None:
    """The fence ``rest`` opens, if any (a backtick fence's info has no backtick)."""
    fence = _FENCE.match(rest)
    if fence is None or (fence.group(1)[0] == "`" and "`" in fence.group(2)):
        return None
    return fence


def columns(line: str, start: int = 0) -> tuple[int, str]:
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
class Fence:
    """An open fenced code block: its character, its length, where it opened."""

    char: str
    length: int
    base: int  # the content column of the container it opened in
    #: GitHub surely takes it for a fence: its line shown as written (no HTML hid it or
    #: opened on it) and no HTML block possibly open (since the last blank line).
    sure: bool = False


@dataclass
class Blocks:
    """What is open after the lines seen so far."""

    fence: Fence | None = None
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
        indent, rest = columns(line)
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
        elif MAY_OPEN_HTML.match(rest):
            self.html_maybe = True
        if not shown.strip():
            if not rest:
                self.paragraph = False  # a blank line
                if empty_item:
                    self.items.pop()  # an item holds at most one blank line before content
            elif indent - self._base() <= 3 and opens_fence(rest):
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
        fence = opens_fence(rest)
        if fence is not None:
            sure = self.plain and not self.html_maybe
            self.fence = Fence(fence.group(1)[0], len(fence.group(1)), self._base(), sure)
            self.paragraph = False
            return False
        raw_html = raw_html_block(rest)
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
        gap = columns(marker.group(3), column + width)[0] if content else 1
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
        if opens_fence(rest) or _THEMATIC_BREAK.match(rest) or _HEADING.match(rest):
            return True
        if rest.startswith(">") or raw_html_block(rest):
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
    indent, rest = columns(quoted, column)
    while True:
        if indent >= 5:
            return False  # indented code: a lazy line cannot continue it
        if rest.startswith(">"):
            column += indent + 1
            indent, rest = columns(rest[1:], column)
            continue
        marker = _LIST_MARKER.match(rest)
        if marker is None or _THEMATIC_BREAK.match(rest):
            break
        rest, indent = rest[marker.end() :], 0
    holds_no_paragraph = (
        opens_fence(rest)
        or _THEMATIC_BREAK.match(rest)
        or _HEADING.match(rest)
        # An HTML block (kinds 1-6; a comment is kind 2) is no paragraph either.
        or HTML_BLOCK_6.match(rest)
        or raw_html_block(rest)
        or rest.startswith("<!--")
    )
    return bool(rest) and not holds_no_paragraph
