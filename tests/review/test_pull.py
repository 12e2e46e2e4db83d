"""The PR review's pure helpers: narrowing, what a fork may run, fetching commits."""

from __future__ import annotations

import pytest

from tests.support.gitrepo import GitRepo
from ttabot.errors import TtabotError
from ttabot.records import Category, CheckResult, Finding, TaskKind
from ttabot.review.pull import (
    Ask,
    describe,
    ensure_commit,
    may_run_pr_code,
    narrow,
    without_code_runs,
)
from ttabot.review.records import PullRequest


def test_missing_commit_is_explained(repo: GitRepo) -> None:
    repo.commit("one")
    ensure_commit(repo.path, repo.head(), "head")
    with pytest.raises(TtabotError, match="fetch-depth: 0"):
        ensure_commit(repo.path, "1" * 40, "base")


def f(category: Category, path: str, symbol: str) -> Finding:
    return Finding(category, path, symbol, 1, 2, TaskKind.DOCUMENTATION, "m")


def test_narrow_by_category_path_and_symbol() -> None:
    result = CheckResult(
        (
            f(Category.DOCS_MISSING, "a.py", "C.meth"),
            f(Category.DOCS_MISSING, "b.py", "meth"),
            f(Category.TESTS_NEEDED, "a.py", "C.meth"),
        )
    )
    kept = narrow(result, Ask("suggest", frozenset({Category.DOCS_MISSING}), "a.py", "meth"))
    assert [(x.path, x.category) for x in kept.findings] == [("a.py", Category.DOCS_MISSING)]
    assert narrow(result, Ask("comment")).findings == result.findings
    assert describe(Ask("suggest", frozenset({Category.DOCS_MISSING}), "a.py", "meth")) == (
        "docs-missing in `a.py` `meth`"
    )
    assert describe(Ask("comment")) == ""


def pull(head_repo: str) -> PullRequest:
    return PullRequest(7, "h" * 40, "feature", head_repo, "b" * 40, "main", "octo/proj")


@pytest.mark.parametrize(
    ("head_repo", "may_run"),
    [
        ("octo/proj", True),  # same repository: the PR's author can push here already
        ("someone/proj", False),  # a fork, whatever the event (private repos give forks secrets)
        ("", False),  # the fork was deleted
    ],
)
def test_who_may_run_the_prs_code(head_repo: str, may_run: bool) -> None:
    assert may_run_pr_code(pull(head_repo)) is may_run


def test_without_code_runs_keeps_only_docstrings() -> None:
    result = CheckResult(
        (
            f(Category.DOCS_MISSING, "a.py", "g"),
            f(Category.TESTS_NEEDED, "a.py", "g"),
            f(Category.REFACTOR, "a.py", "g"),
            f(Category.DOCS_MISSING, "b.py", "h"),
        )
    )
    kept = without_code_runs(result, Ask("suggest", None, "a.py"))
    assert [(x.path, x.category) for x in kept.findings] == [("a.py", Category.DOCS_MISSING)]
    asked = Ask("suggest", frozenset({Category.TESTS_NEEDED}))
    assert without_code_runs(result, asked).findings == ()


def test_the_scope_a_commenter_narrowed_to_is_inert_and_bounded_in_the_report() -> None:
    # `/ttabot check PATH::SYMBOL` needs no write permission (any org MEMBER may say
    # it), and the scope lands in the sticky comment: a target with its own backticks
    # broke out of the code span (a team ping, a remote image), a huge one filled the
    # comment.
    from ttabot.review.report import ReviewReport, render_body

    ask = Ask("comment", None, "a`@org/everyone`<img/src=//evil.example/t.png>", "b`@x`")
    body = render_body(ReviewReport("0" * 40, None, scope=describe(ask)))
    assert "_Scope: in ``a`@org/everyone`<img/src=//evil.example/t.png>`` `` b`@x` ``_" in body
    huge = describe(Ask("comment", None, "p" * 60_000, "s" * 60_000))
    assert len(huge) < 1_000
