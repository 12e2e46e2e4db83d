"""Triage in the Action: configurable labels, removals respected, edits bounded."""

from __future__ import annotations

import time
from typing import Any

from tests.github.test_action_run import (
    REPO,
    Stage,
    stage,  # noqa: F401  (fixture)
)
from ttabot.github.timeline import TRIAGE_REACTION
from ttabot.review.labels import label_names


def issue_event(action: str = "opened", number: int = 21, **extra: Any) -> dict[str, Any]:
    return {
        "action": action,
        "issue": {
            "number": number,
            "title": "Crash in parser, please add a feature to the docs",
            "body": "Traceback: ...",
            "labels": [],
            "user": {"login": "zed"},
        },
        "repository": {"full_name": REPO},
        **extra,
    }


def test_labels_default_to_githubs_own(stage: Stage) -> None:  # noqa: F811
    run = stage.run("issues", issue_event())
    assert run.code == 0, run.stderr
    assert stage.fake.labels[21] == ["bug", "enhancement", "documentation"]


def test_labels_are_configurable(stage: Stage) -> None:  # noqa: F811
    stage.trust('[github]\ntriage_labels = ["bug=type: bug", "docs=docs"]\n')
    run = stage.run("issues", issue_event())
    assert run.code == 0, run.stderr
    assert stage.fake.labels[21] == ["type: bug", "docs"]


def test_a_label_a_person_removed_is_never_added_again(stage: Stage) -> None:  # noqa: F811
    stage.fake.issue_events[21] = [
        {
            "event": "unlabeled",
            "actor": {"login": "maintainer", "type": "User"},
            "label": {"name": "Bug"},
            "created_at": "2026-01-01T00:00:00Z",
        }
    ]
    run = stage.run("issues", issue_event())
    assert run.code == 0, run.stderr
    assert stage.fake.labels[21] == ["enhancement", "documentation"]


def test_an_edit_that_changes_neither_title_nor_body_does_nothing(stage: Stage) -> None:  # noqa: F811
    run = stage.run("issues", issue_event("edited", changes={"labels": {}}))
    assert run.code == 0, run.stderr
    assert stage.fake.labels == {} and "neither its title nor its body" in run.summary


def test_edits_retriage_at_most_once_an_hour(stage: Stage) -> None:  # noqa: F811
    first = stage.run("issues", issue_event("edited", changes={"body": {"from": "x"}}))
    assert first.code == 0 and stage.fake.labels[21]
    stage.fake.labels[21] = []  # whatever happened since, a second edit waits an hour
    second = stage.run("issues", issue_event("edited", changes={"title": {"from": "y"}}))
    assert second.code == 0 and stage.fake.labels[21] == []
    assert "less than an hour ago" in second.summary
    # An hour later it may run again.
    for item in [*stage.fake.issue_events[21], *stage.fake.issue_reactions[21]]:
        item["created_at"] = hour_ago()
    third = stage.run("issues", issue_event("edited", changes={"body": {"from": "z"}}))
    assert third.code == 0 and stage.fake.labels[21]


def hour_ago() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3700))


def own_marks(stage: Stage, number: int = 21) -> list[dict[str, Any]]:  # noqa: F811
    return [
        r
        for r in stage.fake.issue_reactions.get(number, [])
        if r["user"]["login"] == stage.fake.login and r["content"] == TRIAGE_REACTION
    ]


def test_every_triage_leaves_one_fresh_mark(stage: Stage) -> None:  # noqa: F811
    # A triage that labels nothing still marks the issue; the mark is renewed, never doubled.
    event = issue_event("opened")
    event["issue"].update(title="Question", body="How do I configure this?")
    first = stage.run("issues", event)
    assert first.code == 0 and stage.fake.labels == {}
    (mark,) = own_marks(stage)
    mark["created_at"] = hour_ago()
    event["action"], event["changes"] = "edited", {"body": {"from": "x"}}
    again = stage.run("issues", event)
    assert again.code == 0 and "less than an hour" not in again.summary
    (renewed,) = own_marks(stage)
    assert renewed["id"] != mark["id"] and renewed["created_at"] != hour_ago()
    skipped = stage.run("issues", event)
    assert "triaged less than an hour ago" in skipped.summary


def test_only_ttabots_own_marks_count(stage: Stage) -> None:  # noqa: F811
    # A stranger's "eyes", or another bot's, must not silence triage.
    stage.fake.add_issue_reaction(21, TRIAGE_REACTION, "mallory")
    stage.fake.add_issue_reaction(21, TRIAGE_REACTION, "other-app[bot]", "Bot")
    run = stage.run("issues", issue_event("edited", changes={"body": {"from": "x"}}))
    assert run.code == 0 and stage.fake.labels[21], run.summary
    assert len(own_marks(stage)) == 1 and len(stage.fake.issue_reactions[21]) == 3


def test_label_names_drop_unmapped_kinds() -> None:
    mapping = ("bug=bug", "feature=enhancement", "tests=", "junk")
    assert label_names(("bug", "tests", "refactor", "feature"), mapping) == ("bug", "enhancement")
