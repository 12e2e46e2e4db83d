"""Code spans that run over several lines of one paragraph, found as GitHub finds them. Pure.

A code span opens at a run of backticks and closes at the next run of exactly as many
(CommonMark, code spans); a line ending inside shows as a space, so a span may run over
the lines of one paragraph, and HTML in it is shown as it is, opening nothing. Only the
spans that are sure are given: once a ``<`` that may open a tag, comment or autolink has
been seen outside a span, a backtick after it may be inside one, and no more spans of
that paragraph are given; a backslash takes the backtick after it out of its run (a
backslash after another is escaped itself and takes none). Missing a span costs
a command at most (the HTML in it is then taken as real); taking one that is not there
could show code as text.
"""

from __future__ import annotations

import bisect
import re

_RUN = re.compile(r"`+")
_MAY_OPEN_TAG = re.compile(r"<[A-Za-z/!?]")


def spans_over_lines(paragraph: str) -> list[tuple[int, int]]:
    """The code spans of ``paragraph`` (its lines joined by LF) that hold a line ending,
    each from the start of its opening backticks to the end of its closing ones."""
    runs = list(_RUN.finditer(paragraph))
    by_length: dict[int, list[int]] = {}
    for index, run in enumerate(runs):
        by_length.setdefault(len(run.group()), []).append(index)
    found: list[tuple[int, int]] = []
    checked = 0  # the text outside spans before this holds no "<" that may open a tag
    index = 0
    while index < len(runs):
        run = runs[index]
        # Each stretch is searched once: spans and searched text only move it forward.
        if _MAY_OPEN_TAG.search(paragraph, checked, run.start()):
            break  # this backtick may be inside a tag: no span from here on is sure
        start, length = run.start(), len(run.group())
        slashes = start - len(paragraph[checked:start].rstrip("\\")) - checked
        checked = start
        if slashes % 2:
            # A backslash escapes the run's first backtick (an escaped backslash, none):
            # the rest of the run may still open a span.
            start, length = start + 1, length - 1
            if not length:
                index += 1
                continue
        same = by_length.get(length, [])
        after = bisect.bisect_right(same, index)
        if after == len(same):
            index += 1  # no closing run: the backticks are text
            continue
        closing = runs[same[after]]
        if "\n" in paragraph[start : closing.end()]:
            found.append((start, closing.end()))
        checked = closing.end()
        index = same[after] + 1
    return found
