"""The finding-category registry: every category has an entry, and every renderer uses it.

Each test iterates over :class:`Category`, so a category added to the enum
without its texts fails here (and at import), not in a user's report.
"""

from __future__ import annotations

import enum
import json

import click
import pytest

from ttabot.categories import (
    CATEGORIES,
    COMMENT_ORDER,
    TASK_FOR_CATEGORY,
    VERB_CATEGORY,
    complete,
)
from ttabot.records import Category, CheckResult, Finding, TaskKind
from ttabot.report import Report, concise, json_report, sarif, text


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


def finding(category: Category) -> Finding:
    return Finding(
        category, "pkg/mod.py", "fn", 3, 5, TASK_FOR_CATEGORY[category], f"`fn` {category.value}"
    )


def report(*categories: Category, contract: int = 2, color: bool = False) -> Report:
    result = CheckResult(tuple(finding(c) for c in categories), files_checked=1)
    return Report(result, frozenset({Category.DOCS_MISSING}), color=color, contract=contract)


def test_a_registry_missing_a_member_is_a_key_error_naming_it() -> None:
    with pytest.raises(KeyError, match="TABLE has no entry for green"):
        complete(Colour, {Colour.RED: 1}, "TABLE")
    assert dict(complete(Colour, {Colour.GREEN: 2, Colour.RED: 1}, "TABLE")) == {
        Colour.RED: 1,
        Colour.GREEN: 2,
    }


def test_the_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        CATEGORIES[Category.REFACTOR] = CATEGORIES[Category.DOCS_MISSING]  # type: ignore[index]


@pytest.mark.parametrize("category", list(Category))
def test_every_category_has_its_texts_and_kind(category: Category) -> None:
    info = CATEGORIES[category]
    assert isinstance(info.task, TaskKind)
    assert TASK_FOR_CATEGORY[category] is info.task
    assert VERB_CATEGORY[info.verb] is category
    assert info.label and info.relayed_message and info.color
    for rule in (info.sarif, info.sarif_v1):
        assert rule.name.isidentifier() and rule.short and rule.full


def test_verbs_labels_and_comment_order_are_one_per_category() -> None:
    assert len(VERB_CATEGORY) == len(Category)
    assert len({info.label for info in CATEGORIES.values()}) == len(Category)
    assert sorted(COMMENT_ORDER) == sorted(Category)
    # The order PR comments have always used: what to write first.
    assert COMMENT_ORDER == (Category.TESTS_NEEDED, Category.DOCS_MISSING, Category.REFACTOR)


@pytest.mark.parametrize("category", list(Category))
def test_the_text_report_colours_every_category_from_the_registry(category: Category) -> None:
    out = text.render(report(category, color=True))
    assert click.style(f"{category.value:<12}", fg=CATEGORIES[category].color) in out


@pytest.mark.parametrize("contract", [1, 2])
def test_sarif_has_one_rule_per_category_with_the_registry_texts(contract: int) -> None:
    log = sarif.as_sarif(report(*Category, contract=contract))
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert list(rules) == [c.value for c in Category]
    for category in Category:
        info = CATEGORIES[category]
        texts = info.sarif_v1 if contract == 1 else info.sarif
        rule = rules[category.value]
        assert (rule["name"], rule["shortDescription"]["text"]) == (texts.name, texts.short)
        assert rule["fullDescription"]["text"] == texts.full
    assert [r["ruleId"] for r in run["results"]] == [c.value for c in Category]


def test_the_contract_1_rules_keep_their_own_texts() -> None:
    tests = CATEGORIES[Category.TESTS_NEEDED]
    assert tests.sarif_v1.short != tests.sarif.short


@pytest.mark.parametrize("category", list(Category))
def test_machine_formats_name_every_category(category: Category) -> None:
    doc = json.loads(json_report.render(report(category)))
    assert doc["findings"][0]["category"] == category.value
    assert category.value in concise.render(report(category))
