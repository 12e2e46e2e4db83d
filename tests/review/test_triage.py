"""Keyword triage rules and model answers."""

from __future__ import annotations

import pytest

from ttabot.review.triage import (
    keyword_labels,
    labels_from_model_answer,
    merge_labels,
    triage_prompt,
)


@pytest.mark.parametrize(
    ("title", "body", "labels"),
    [
        ("Crash when parsing empty file", "Traceback (most recent call last): ...", ("bug",)),
        ("Feature request: support for Python 3.14", "", ("feature",)),
        ("Add unit tests for the parser", "", ("tests",)),
        ("Typo in README", "", ("docs",)),
        ("Refactor the config loader", "it has grown too complex", ("refactor",)),
        ("Docstrings missing and tests flaky", "", ("tests", "docs")),
        ("Question about licensing", "Can I use this at work?", ()),
    ],
)
def test_keyword_labels(title: str, body: str, labels: tuple[str, ...]) -> None:
    assert keyword_labels(title, body) == labels


def test_pasted_code_does_not_count_except_for_bugs() -> None:
    body = "Something odd:\n```\nimport docs  # test\n```\n"
    assert keyword_labels("Hello", body) == ()
    assert keyword_labels("Hello", "```\nValueError: boom\nTraceback\n```") == ("bug",)


@pytest.mark.parametrize(
    ("content", "labels"),
    [
        ('{"labels": ["bug", "docs"]}', ("bug", "docs")),
        ('<think>hmm</think>```json\n{"labels": ["Feature"]}\n```', ("feature",)),
        ('{"labels": ["wontfix", "security"]}', ()),
        ("no json here", ()),
        ('{"labels": "bug"}', ()),
        ("{broken", ()),
        # Nested past json's recursion limit (a server ignoring max_tokens, or 200 tokens
        # of brackets): a RecursionError ended the triage run with a traceback.
        ('{"labels": ' + "[" * 100_000 + "]" * 100_000 + "}", ()),
        # A number over Python's 4,300-digit limit raises a ValueError that is not a
        # JSONDecodeError: the same traceback, from a 5,000-token answer.
        ('{"labels": ["bug"], "n": ' + "9" * 5000 + "}", ()),
    ],
)
def test_model_answers_restricted_to_known_labels(content: str, labels: tuple[str, ...]) -> None:
    assert labels_from_model_answer(content) == labels


def test_merge_keeps_canonical_order() -> None:
    assert merge_labels(["docs"], ["bug", "docs"]) == ("bug", "docs")


def test_prompt_is_the_template_filled() -> None:
    system, user = triage_prompt("Crash", "body text")
    assert system["role"] == "system" and "JSON" in system["content"]
    assert "bug, feature, tests, docs, refactor" in user["content"]
    assert "Title: Crash" in user["content"] and "body text" in user["content"]
