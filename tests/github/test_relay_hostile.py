"""A fork's report artifact written to hurt the publisher: one line, exit 2, nothing posted."""

from __future__ import annotations

import pytest

from tests.github.test_action_run import (
    REPO,
    Stage,
    stage,  # noqa: F401  (the fixture)
)
from tests.github.test_relay import FORK, hostile, publish, workflow_run_event
from tests.review.test_report_cut import outside_code_spans
from tests.support.fake_github import PullState
from ttabot.errors import TtabotError
from ttabot.github.artifact import parse_report

# Python refuses to turn more than 4,300 digits into an int (CVE-2020-10735), with a
# ValueError that is not a JSONDecodeError.
PAYLOAD = "@octo/everyone ![t](https://evil.example/t.png)"
HUGE_NUMBER = b'{"version": 1, "pull_request": ' + b"7" * 5000 + b"}"


def test_a_number_too_long_for_python_is_off_schema() -> None:
    with pytest.raises(TtabotError, match="not UTF-8 JSON"):
        parse_report(HUGE_NUMBER)


def test_the_publisher_says_one_line_for_it(stage: Stage) -> None:  # noqa: F811
    stage.pull.head_repo = FORK
    report = stage.tmp / "report.json"
    report.write_bytes(HUGE_NUMBER)
    done = publish(stage, report)
    assert done.code == 2, done.stderr
    assert done.stderr.startswith("ttabot: error: report artifact rejected")
    assert "Traceback" not in done.stderr
    assert stage.fake.comments == {}


def test_a_branch_with_two_prs_gets_each_report_on_its_own_pr(stage: Stage) -> None:  # noqa: F811
    # One fork branch, two open PRs (to main and to dev): both runs have the same head,
    # and each artifact names its own PR. Either may be listed first.
    stage.pull.head_repo = FORK
    second = PullState(
        8, stage.pull.head_sha, stage.pull.head_ref, stage.pull.base_sha, "dev", FORK
    )
    stage.fake.add_pull(second)
    for number in (8, 7):
        report = stage.tmp / f"report-{number}.json"
        report.write_bytes(hostile(stage, pull_request=number))
        done = publish(stage, report)
        assert done.code == 0, done.stderr
    assert len(stage.fake.sticky_comments(7)) == len(stage.fake.sticky_comments(8)) == 1


def test_an_artifact_cannot_name_another_head_s_pr(stage: Stage) -> None:  # noqa: F811
    # PR #9 is someone else's branch: the run's head is not its head.
    stage.pull.head_repo = FORK
    other = PullState(9, "b" * 40, "other", stage.pull.base_sha, "main", "mallory/proj")
    stage.fake.add_pull(other)
    report = stage.tmp / "report.json"
    report.write_bytes(hostile(stage, pull_request=9))
    done = publish(stage, report)
    assert done.code == 2 and "names PR #9" in done.stderr
    assert stage.fake.comments == {}


def test_a_same_repository_run_is_left_to_its_own_sticky(stage: Stage) -> None:  # noqa: F811
    # A hand-written report workflow without the example's `if:` also runs for a
    # same-repository PR, whose own run wrote a sticky with its drafts: the relay's
    # findings-only report ("a fork's PR: nothing is drafted") must not replace it.
    own = stage.run("pull_request", stage.pr_event())
    assert own.code == 0, own.stderr
    (sticky,) = stage.fake.sticky_comments(7)
    before = sticky["body"]
    report = stage.tmp / "report.json"
    report.write_bytes(hostile(stage))
    event = workflow_run_event(stage)
    event["workflow_run"]["head_repository"] = {"full_name": REPO, "owner": {"login": "octo"}}
    done = stage.run("workflow_run", event, TTABOT_REPORT_PATH=str(report))
    assert done.code == 0, done.stderr
    assert sticky["body"] == before and "same repository" in done.summary


def test_a_rejected_value_is_not_echoed_live_in_the_job_summary(stage: Stage) -> None:  # noqa: F811
    # The job summary is Markdown (an image in it loads for everyone who opens the run),
    # and the one-line error went there as it was, with the fork's value in it, uncapped.
    stage.pull.head_repo = FORK
    report = stage.tmp / "report.json"
    report.write_bytes(hostile(stage, version=PAYLOAD + " " + "x" * 500_000))
    done = publish(stage, report)
    assert done.code == 2 and done.stderr.startswith("ttabot: error: report artifact rejected")
    assert len(done.stderr) < 2_000
    live = [ln for ln in done.summary.splitlines() if "@octo" in outside_code_spans(ln)]
    assert live == []
