"""The Action's defaults: it reports and does not block; a clean PR stays quiet unless asked."""

from __future__ import annotations

from tests.github.test_action_run import (
    Stage,
    stage,  # noqa: F401  (the fixture)
)

CLEAN = "def old():\n    '''Old.'''\n    return 1\n"


def make_clean(st: Stage) -> None:
    st.repo.commit("fix", **{"pkg__core.py": CLEAN})
    st.pull.head_sha = st.repo.head()


def test_without_fail_on_findings_do_not_fail_the_job(stage: Stage) -> None:  # noqa: F811
    # The project's own default (docs-missing) would fail; the Action's default is none.
    run = stage.run("pull_request", stage.pr_event(), TTABOT_FAIL_ON="")
    assert run.code == 0, run.stderr
    assert run.outputs["findings"] == "2"


def test_fail_on_is_opt_in(stage: Stage) -> None:  # noqa: F811
    run = stage.run("pull_request", stage.pr_event(), TTABOT_FAIL_ON="tests-needed")
    assert run.code == 1


def test_a_clean_pr_stays_quiet(stage: Stage) -> None:  # noqa: F811
    make_clean(stage)
    run = stage.run("pull_request", stage.pr_event())
    assert run.code == 0, run.stderr
    assert stage.fake.comments == {}


def test_comment_when_clean_writes_one(stage: Stage) -> None:  # noqa: F811
    make_clean(stage)
    run = stage.run("pull_request", stage.pr_event(), TTABOT_COMMENT_WHEN_CLEAN="true")
    assert run.code == 0, run.stderr
    (sticky,) = stage.fake.sticky_comments(7)
    assert "nothing left undone" in sticky["body"]


def test_a_bad_comment_when_clean_is_one_line(stage: Stage) -> None:  # noqa: F811
    run = stage.run("pull_request", stage.pr_event(), TTABOT_COMMENT_WHEN_CLEAN="yes")
    assert run.code == 2 and run.stderr.startswith("ttabot: error: input comment-when-clean")


def test_draft_prs_are_skipped_until_ready(stage: Stage) -> None:  # noqa: F811
    event = stage.pr_event()
    event["pull_request"]["draft"] = True
    run = stage.run("pull_request", event)
    assert run.code == 0 and stage.fake.comments == {} and "draft pull request" in run.summary
    event["action"], event["pull_request"]["draft"] = "ready_for_review", False
    ready = stage.run("pull_request", event)
    assert ready.code == 0 and len(stage.fake.sticky_comments(7)) == 1
