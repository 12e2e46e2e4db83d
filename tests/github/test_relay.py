"""Fork PRs get one sticky comment through pull_request (artifact) + workflow_run (publish)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.github.test_action_run import (
    REPO,
    Run,
    Stage,
    stage,  # noqa: F401  (the fixture)
)
from ttabot.errors import TtabotError
from ttabot.github.artifact import MAX_BYTES, parse_report

FORK = "someone/proj"


def fork_run(st: Stage, report: Path) -> Run:
    st.pull.head_repo = FORK
    return st.run("pull_request", st.pr_event(head_repo=FORK), TTABOT_REPORT_PATH=str(report))


def workflow_run_event(st: Stage, head_sha: str | None = None) -> dict[str, Any]:
    return {
        "action": "completed",
        "workflow_run": {
            "id": 99,
            "event": "pull_request",
            "conclusion": "success",
            "head_sha": head_sha or st.pull.head_sha,
            "head_branch": st.pull.head_ref,
            "head_repository": {"full_name": FORK, "owner": {"login": "someone"}},
            "pull_requests": [],  # GitHub leaves this empty for forks
        },
        "repository": {"full_name": REPO},
    }


def publish(st: Stage, report: Path, **env: str) -> Run:
    # The privileged job checks nothing out: its workspace is an empty folder.
    empty = st.tmp / "workspace"
    empty.mkdir(exist_ok=True)
    (empty / ".ttabot.toml").write_text('[providers.x]\nbase_url = "http://evil"\n')
    return st.run(
        "workflow_run",
        workflow_run_event(st),
        GITHUB_WORKSPACE=str(empty),
        TTABOT_REPORT_PATH=str(report),
        **env,
    )


def test_a_fork_pr_gets_exactly_one_sticky_comment(stage: Stage) -> None:  # noqa: F811
    report = stage.tmp / "artifact" / "report.json"
    first = fork_run(stage, report)
    assert first.code == 0, first.stderr
    assert stage.fake.writes == [] and report.exists()
    for _ in range(2):
        done = publish(stage, report)
        assert done.code == 0, done.stderr
    (sticky,) = stage.fake.sticky_comments(7)
    link = f"https://github.com/{REPO}/blob/{stage.pull.head_sha}/pkg/core.py#L6"
    assert f"[`pkg/core.py:6`]({link}) `add`" in sticky["body"]
    assert "**Docs missing** (1)" in sticky["body"] and "**Tests needed** (1)" in sticky["body"]
    assert [m for m, _ in stage.fake.writes] == ["POST", "PATCH"]


def hostile(st: Stage, **changes: Any) -> bytes:
    doc: dict[str, Any] = {
        "version": 1,
        "pull_request": 7,
        "head_sha": st.pull.head_sha,
        "findings": [{"category": "docs-missing", "path": "a.py", "symbol": "f", "line": 3}],
        "warnings": [],
    }
    doc.update(changes)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"pull_request": 8}, "names PR #8"),
        ({"head_sha": "a" * 40}, "not the run's head commit"),
        ({"extra": 1}, "exactly"),
        ({"findings": [{"category": "pwn", "path": "a", "symbol": "f", "line": 1}]}, "category"),
        (
            {"findings": [{"category": "refactor", "path": "a", "symbol": "f", "line": 1, "x": 2}]},
            "exactly the keys",
        ),
        (
            {"findings": [{"category": "refactor", "path": "a\nb", "symbol": "f", "line": 1}]},
            "one line",
        ),
        (
            {"findings": [{"category": "refactor", "path": "a", "symbol": "f", "line": True}]},
            "line",
        ),
        (
            {"findings": [{"category": "refactor", "path": "../../x/y", "symbol": "f", "line": 1}]},
            "findings[0].path: expected a relative path",
        ),
    ],
)
def test_an_off_schema_artifact_publishes_nothing(
    stage: Stage,  # noqa: F811
    change: dict[str, Any],
    why: str,
) -> None:
    stage.pull.head_repo = FORK
    report = stage.tmp / "report.json"
    report.write_bytes(hostile(stage, **change))
    done = publish(stage, report)
    assert done.code == 2 and done.stderr.startswith("ttabot: error: report artifact rejected")
    assert why in done.stderr
    assert stage.fake.comments == {}


def test_artifact_text_is_shown_inert(stage: Stage) -> None:  # noqa: F811
    stage.pull.head_repo = FORK
    report = stage.tmp / "report.json"
    finding = {
        "category": "docs-missing",
        "path": "a`<!-- ttabot:sticky -->@octo/all ![x](https:evil.example/p.png)",
        "symbol": "f",
        "line": 3,
    }
    report.write_bytes(hostile(stage, findings=[finding]))
    done = publish(stage, report)
    assert done.code == 0, done.stderr
    (comment,) = stage.fake.comments[7]
    body = comment["body"]
    assert body.count("<!-- ttabot:sticky -->") == 1 and body.startswith("<!-- ttabot:sticky -->")
    assert "[``a`@octo/all ![x](https:evil.example/p.png):3``](" in body
    assert "/a%60%3C%21--%20ttabot%3Asticky%20--%3E%40octo/all%20%21%5Bx%5D" in body


def test_oversized_and_non_json_artifacts_are_rejected() -> None:
    with pytest.raises(TtabotError, match="larger than"):
        parse_report(b" " * (MAX_BYTES + 1))
    with pytest.raises(TtabotError, match="not UTF-8 JSON"):
        parse_report(b"[" * 100_000)
    with pytest.raises(TtabotError, match="not UTF-8 JSON"):
        parse_report(b"\xff")


def test_a_relayed_warning_does_not_say_a_linked_module_failed_to_parse() -> None:
    # A fork PR's artifact carries a warning's path only (its text is the fork's to
    # write); the relayed line must be true of every warning check gives: a file that
    # does not parse or decode, and a .py the change makes a symbolic link.
    from ttabot.github.artifact import to_json
    from ttabot.records import CheckResult, CheckWarning

    result = CheckResult(
        (),
        (
            CheckWarning("pkg/store.py", "is a symbolic link: what it points to is not checked"),
            CheckWarning("pkg/bad.py", "does not parse: invalid syntax (line 3)"),
        ),
    )
    report = parse_report(to_json(7, "a" * 40, result).encode())
    for warning in report.result.warnings:
        assert "not checked" in warning.message
        assert "symbolic link" in warning.message and "parse" in warning.message
