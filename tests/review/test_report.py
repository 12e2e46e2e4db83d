"""The sticky comment's body and how the comment to edit is found."""

from __future__ import annotations

from ttabot.records import (
    Category,
    CheckResult,
    CheckWarning,
    Draft,
    Finding,
    TaskKind,
    ValidationStage,
)
from ttabot.review.report import (
    MAX_BODY,
    STICKY_MARKER,
    ReviewReport,
    render_body,
    render_metrics,
)
from ttabot.review.suggestions import Suggestion


def finding(category: Category, symbol: str, line: int = 3) -> Finding:
    return Finding(
        category,
        "pkg/m.py",
        symbol,
        line,
        line + 2,
        TaskKind.DOCUMENTATION,
        f"{symbol} needs attention",
    )


RESULT = CheckResult(
    (
        finding(Category.DOCS_MISSING, "f"),
        finding(Category.TESTS_NEEDED, "g", 9),
        finding(Category.DOCS_MISSING, "Cls.meth", 20),
    ),
    (CheckWarning("bad.py", "does not parse"),),
)


def test_body_groups_findings_by_category_with_marker() -> None:
    body = render_body(ReviewReport("0123456789", RESULT))
    assert body.startswith(STICKY_MARKER)
    assert "ttabot @ 0123456: 3 findings" in body
    assert "**Tests needed** (1)" in body and "**Docs missing** (2)" in body
    assert "**Refactor**" not in body
    assert body.index("Tests needed") < body.index("Docs missing")
    assert "`pkg/m.py:20` `Cls.meth`" in body
    assert "`bad.py`: `does not parse`" in body


def test_summary_version_has_no_marker() -> None:
    assert STICKY_MARKER not in render_body(ReviewReport("abc", RESULT), marker=False)


def test_drafts_notes_leftovers_and_metrics_are_shown() -> None:
    d = Draft(
        TaskKind.UNIT_TESTS,
        (RESULT.findings[1],),
        "tests/test_m.py",
        "",
        "x",
        False,
        (ValidationStage("parses", True), ValidationStage("passes", False, "1 failed")),
        "openrouter:m",
        2,
        reason="tests fail",
    )
    report = ReviewReport(
        "abc",
        RESULT,
        drafts=(d,),
        notes=("drafting skipped for refactor",),
        leftover=(Suggestion("pkg/m.py", 3, 4, "```\ncode\n", "n"),),
        metrics={"models": {"openrouter:m": {"requests": 2, "latency": 1.5}}},
    )
    body = render_body(report)
    assert "**rejected** by `openrouter:m` after 2 attempt(s)" in body
    assert "pass parses; FAIL passes (`1 failed`)" in body
    assert "drafting skipped for refactor" in body
    assert "<code>pkg/m.py:3-4</code>" in body and "````python\n```\ncode\n````" in body
    assert "| `openrouter:m` | 1.50 | 2 |" in body


def test_no_findings_says_so() -> None:
    assert "nothing left undone" in render_body(ReviewReport("abc", CheckResult(())))


def test_metrics_fallback_to_json() -> None:
    assert '"total": 3' in render_metrics({"total": 3})


def test_long_bodies_are_truncated() -> None:
    many = CheckResult(tuple(finding(Category.DOCS_MISSING, "x" * 200, n) for n in range(2000)))
    body = render_body(ReviewReport("abc", many))
    assert len(body) < MAX_BODY + 200 and "truncated" in body


def test_new_test_files_are_shown_as_code() -> None:
    d = Draft(
        TaskKind.UNIT_TESTS,
        (RESULT.findings[1],),
        "tests/test_m.py",
        "",
        "def test_g():\n    assert g() == 1\n",
        True,
        (ValidationStage("passes", True),),
        "openrouter:m",
        1,
    )
    body = render_body(ReviewReport("abc", RESULT, drafts=(d,)))
    assert "<summary>new file <code>tests/test_m.py</code></summary>" in body
    assert "```python\ndef test_g():\n    assert g() == 1\n```" in body


def test_long_categories_fold() -> None:
    many = CheckResult(tuple(finding(Category.REFACTOR, f"f{n}", n) for n in range(20)))
    body = render_body(ReviewReport("abc", many))
    assert "**Refactor** (20)" in body
    assert (
        body.index("`f14`") < body.index("<details><summary>5 more</summary>") < body.index("`f15`")
    )
