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
decides what else to skip. The raw HTML rules live in :mod:`ttabot.review.hidden_html`,
the block rules in :mod:`ttabot.review.md_blocks`; this module reads a comment with them.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import NamedTuple

from ttabot.review.hidden_html import hide_html, masked
from ttabot.review.md_blocks import Blocks
from ttabot.review.spans import spans_over_lines

#: What ends a line in Markdown: LF, CRLF or a lone CR. ``str.splitlines`` also splits at
#: a form feed, U+0085, U+2028 and others, which GitHub shows inside one line.
_LINE_END = re.compile(r"\r\n|\r|\n")


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
    blocks = Blocks()
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
        masked(line, opaque.get(n, ())) + end
        for n, (line, end) in enumerate(zip(lines, ends, strict=True))
    )
    visible = hide_html(scan)
    blocks = Blocks()
    out: list[TextLine | None] = []
    fenced: set[int] = set()
    for number, (line, shown) in enumerate(zip(lines, _LINE_END.split(visible), strict=True)):
        text = blocks.is_text(line, shown)
        out.append(TextLine(shown, blocks.line_quoted) if text else None)
        if blocks.in_sure_fence:
            fenced.add(number)
    return out, frozenset(fenced)
