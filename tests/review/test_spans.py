"""Code spans over several lines of a paragraph: only the sure ones are given."""

from __future__ import annotations

import pytest

from ttabot.review.spans import spans_over_lines


@pytest.mark.parametrize(
    ("paragraph", "spans"),
    [
        ("a `b\nc` d", ["`b\nc`"]),
        ("``a\n` b``", ["``a\n` b``"]),
        ("`a` `b\nc`", ["`b\nc`"]),  # the one-line span before it is passed over
        ("`a\nb` `c\nd`", ["`a\nb`", "`c\nd`"]),
        ("``a\n`b` c``", ["``a\n`b` c``"]),  # a shorter run inside is text
        ("`a` b", []),  # on one line: the line-by-line reading sees it
        ("`a\nb", []),  # no closing run: text
        ("``a\nb`", []),  # a closing run of another length is none
        ("\\`a\nb`", []),  # escaped
        # An escaped backslash escapes nothing; an escape takes one backtick of a run.
        ("\\\\`a\nb`", ["`a\nb`"]),
        ("\\\\\\`a\nb`", []),
        ("\\``a\nb`", ["`a\nb`"]),
        ("\\``a\nb``", []),
        ("<b>x</b> `a\nb`", []),  # after a tag a backtick may be in one: none is sure
        ('<a title="`">\nb`', []),
        ("x <!-- `a\nb` -->", []),
        ("`a\nb` <b> `c\nd`", ["`a\nb`"]),  # the tag opens after the first span
        ("a < b `c\nd`", ["`c\nd`"]),  # "< " opens no tag
    ],
)
def test_spans_over_lines(paragraph: str, spans: list[str]) -> None:
    assert [paragraph[a:b] for a, b in spans_over_lines(paragraph)] == spans


def test_many_unmatched_runs_are_read_in_one_pass() -> None:
    # Runs of every length with no partner: each finds (or misses) its closer by lookup.
    paragraph = "\n".join("`" * n + " x" for n in range(1, 1000))
    assert spans_over_lines(paragraph) == []
    assert spans_over_lines(paragraph + "\n" + "`" * 999) != []
