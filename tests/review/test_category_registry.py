"""The review flow reads every category from the registry, and drafts on forks by allowlist.

Each coverage test iterates over :class:`Category`: a category added without
its label, verb or relayed message fails here, not in a PR comment.
"""

from __future__ import annotations

import pytest

from ttabot.categories import CATEGORIES, COMMENT_ORDER, TASK_FOR_CATEGORY
from ttabot.github.artifact import parse_report, to_json
from ttabot.records import Category, CheckResult, Finding
from ttabot.review import pull
from ttabot.review.pull import Ask, without_code_runs
from ttabot.review.report import ReviewReport, render_body
from ttabot.review.slash import VERB_CATEGORY, parse_command, valid_verbs

SHA = "a" * 40


def finding(category: Category, path: str = "pkg/mod.py") -> Finding:
    return Finding(category, path, "fn", 3, 5, TASK_FOR_CATEGORY[category], "m")


def test_the_sticky_comment_lists_every_category_under_its_label_in_order() -> None:
    result = CheckResult(tuple(finding(c) for c in Category), files_checked=1)
    body = render_body(ReviewReport(SHA, result))
    places = [body.index(f"**{CATEGORIES[c].label}** (1)") for c in COMMENT_ORDER]
    assert places == sorted(places)


@pytest.mark.parametrize("category", list(Category))
def test_the_relay_round_trips_every_category_with_the_registry_message(
    category: Category,
) -> None:
    result = CheckResult((finding(category),), files_checked=1)
    (read,) = parse_report(to_json(7, SHA, result).encode()).result.findings
    assert read.category is category
    assert read.task is TASK_FOR_CATEGORY[category]
    assert read.message == CATEGORIES[category].relayed_message


@pytest.mark.parametrize("category", list(Category))
def test_every_category_has_a_pr_verb_that_parses(category: Category) -> None:
    verb = CATEGORIES[category].verb
    assert verb in valid_verbs(on_pull_request=True)
    command = parse_command(f"/ttabot {verb} pkg/mod.py::fn")
    assert command is not None and VERB_CATEGORY[command.verb] is category


def test_fork_drafting_is_an_allowlist_a_category_not_on_it_is_never_drafted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = CheckResult(tuple(finding(c) for c in Category))
    assert [f.category for f in without_code_runs(result, Ask("suggest", None)).findings] == [
        Category.DOCS_MISSING
    ]
    # Default deny: with nothing known to be code-free, nothing is drafted on a fork.
    monkeypatch.setattr(pull, "CODE_FREE_CATEGORIES", frozenset())
    assert without_code_runs(result, Ask("suggest", None)).findings == ()
