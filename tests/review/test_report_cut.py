"""A sticky comment cut to GitHub's size limit stays inert wherever the cut falls.

Paths and symbols are other people's text (a PR's file names; anything, in a fork's
report artifact) shown as inline code spans. Cutting the body mid-span leaves an
opening backtick with no closer, which Markdown shows as a plain backtick: the
rest of the span (a mention, a tracking image) would come alive.
"""

from __future__ import annotations

import re

from ttabot.records import Category, CheckResult, Finding, TaskKind
from ttabot.review.report import MAX_BODY, ReviewReport, render_body

HOSTILE = "@octo/everyone ![t](https://evil.example/t.png) "
_RUN = re.compile(r"(`+)")


def outside_code_spans(line: str) -> str:
    """``line`` with its CommonMark code spans removed (an unmatched backtick run stays)."""
    parts = _RUN.split(line)
    kept, i = [], 0
    while i < len(parts):
        part = parts[i]
        if part.startswith("`"):
            closer = next((j for j in range(i + 2, len(parts), 2) if parts[j] == part), None)
            if closer is not None:
                i = closer + 1
                continue
        kept.append(part)
        i += 1
    return "".join(kept)


def hostile_result(pad: int) -> CheckResult:
    symbol = (HOSTILE * 7)[:300]
    return CheckResult(
        tuple(
            Finding(
                Category.DOCS_MISSING,
                "pkg/m.py",
                symbol[: 300 - pad] if n == 0 else symbol,
                n + 1,
                n + 1,
                TaskKind.DOCUMENTATION,
                "no docstring",
            )
            for n in range(400)
        )
    )


def test_every_cut_position_leaves_the_spans_closed() -> None:
    # Shortening the first symbol one character at a time moves the cut through a
    # whole span of a later row: every position a hostile artifact could choose.
    for pad in range(0, 300, 5):
        body = render_body(ReviewReport("0" * 40, hostile_result(pad)))
        assert len(body) <= MAX_BODY + 200 and "truncated" in body
        live = [line for line in body.splitlines() if "@octo" in outside_code_spans(line)]
        assert live == [], f"pad {pad}: {live[0][-120:]!r}"


def test_the_job_summary_keeps_what_the_comment_cuts() -> None:
    # The cut comment says "the job summary has the full text": it must be true.
    result = hostile_result(0)
    comment = render_body(ReviewReport("0" * 40, result))
    summary = render_body(ReviewReport("0" * 40, result), marker=False)
    assert "truncated" in comment and len(summary) > MAX_BODY
    assert summary.count("- `pkg/m.py:") == len(result.findings)
