"""Event payloads, shaped like GitHub's webhook documentation, into records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ttabot.errors import TtabotError
from ttabot.github.event import load_event, parse_event


def pr_payload(head_repo: str = "octo/proj", action: str = "opened") -> dict[str, Any]:
    return {
        "action": action,
        "number": 7,
        "pull_request": {
            "number": 7,
            "draft": False,
            "html_url": "https://github.com/octo/proj/pull/7",
            "head": {"ref": "feature", "sha": "a" * 40, "repo": {"full_name": head_repo}},
            "base": {"ref": "main", "sha": "b" * 40, "repo": {"full_name": "octo/proj"}},
        },
        "repository": {"full_name": "octo/proj"},
        "sender": {"login": "alice", "type": "User"},
    }


def test_pull_request_event_uses_head_sha_from_payload() -> None:
    event = parse_event("pull_request", pr_payload())
    assert event.repository == "octo/proj"
    assert event.action == "opened"
    pr = event.pull_request
    assert pr is not None
    assert (pr.number, pr.head_sha, pr.head_ref, pr.base_sha) == (7, "a" * 40, "feature", "b" * 40)
    assert not pr.is_fork


@pytest.mark.parametrize("head_repo", ["fork/proj", None])
def test_fork_or_deleted_head_repo_is_a_fork(head_repo: str | None) -> None:
    payload = pr_payload()
    payload["pull_request"]["head"]["repo"] = {"full_name": head_repo} if head_repo else None
    pr = parse_event("pull_request_target", payload).pull_request
    assert pr is not None and pr.is_fork


def test_issue_comment_on_pull_request() -> None:
    payload = {
        "action": "created",
        "issue": {
            "number": 7,
            "title": "T",
            "body": None,
            "pull_request": {"url": "x"},
            "labels": [{"name": "bug"}],
            "user": {"login": "bob"},
        },
        "comment": {
            "id": 99,
            "body": "/ttabot docs",
            "author_association": "MEMBER",
            "user": {"login": "dependabot[bot]", "type": "Bot"},
        },
        "repository": {"full_name": "octo/proj"},
    }
    event = parse_event("issue_comment", payload)
    assert event.issue is not None and event.comment is not None
    assert event.issue.is_pull_request and event.issue.labels == ("bug",)
    assert event.issue.body == ""
    assert event.comment.association == "MEMBER"
    assert event.comment.by_bot


@pytest.mark.parametrize(
    ("login", "user_type", "bot"),
    [("alice", "User", False), ("renovate[bot]", "User", True), ("ci", "Bot", True)],
)
def test_bot_detection(login: str, user_type: str, bot: bool) -> None:
    payload = {
        "issue": {"number": 1, "title": "", "body": ""},
        "comment": {"id": 1, "body": "", "user": {"login": login, "type": user_type}},
        "repository": {"full_name": "o/r"},
    }
    comment = parse_event("issue_comment", payload).comment
    assert comment is not None and comment.by_bot is bot


def test_missing_fields_are_one_line_errors() -> None:
    payload = pr_payload()
    del payload["pull_request"]["head"]["sha"]
    with pytest.raises(TtabotError, match=r"pull_request\.head\.sha"):
        parse_event("pull_request", payload)


def test_load_event_reads_the_payload_file(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"inputs": {"pull-request": "3"}}))
    env = {
        "GITHUB_EVENT_NAME": "workflow_dispatch",
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REPOSITORY": "octo/proj",
    }
    event = load_event(env)
    assert (event.name, event.repository, dict(event.inputs)) == (
        "workflow_dispatch",
        "octo/proj",
        {"pull-request": "3"},
    )


def test_load_event_outside_actions_says_so(tmp_path: Path) -> None:
    with pytest.raises(TtabotError, match="GITHUB_EVENT_NAME"):
        load_event({})
    bad = tmp_path / "e.json"
    bad.write_text("{not json")
    with pytest.raises(TtabotError, match="not JSON"):
        load_event({"GITHUB_EVENT_NAME": "issues", "GITHUB_EVENT_PATH": str(bad)})
