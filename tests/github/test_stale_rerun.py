"""A re-run of an old PR run cannot put an old report over the current one.

"Re-run jobs" on a finished run (or a run queued behind a newer push) analyses the
head SHA its event carried. By then the PR's head has moved on and a newer run has
written the sticky comment for it; the old run rewrote it with old findings, and
posted suggestions against the old head. The relay for fork PRs already publishes
only when the run's head is the PR's head now; the PR flow did not.
"""

from __future__ import annotations

from tests.github.test_action_run import Stage, stage  # noqa: F401
from tests.support.fake_github import BOT_LOGIN

NEWER = "<!-- ttabot:sticky -->\n### ttabot @ c0ffee0: nothing left undone\n"


def test_an_old_runs_report_does_not_replace_the_newer_one(stage: Stage) -> None:  # noqa: F811
    event = stage.pr_event("synchronize")  # carries the head that was pushed then
    newer = stage.fake.add_comment(7, NEWER, BOT_LOGIN, "Bot")
    stage.pull.head_sha = "c0ffee0" + "0" * 33  # the PR's head now
    run = stage.run("pull_request", event, TTABOT_MODE="comment")
    assert run.code == 0, run.stderr
    assert newer["body"] == NEWER
    assert [c["body"] for c in stage.fake.sticky_comments(7)] == [NEWER]
    assert stage.fake.writes == []
    assert "moved on" in run.summary  # the job summary still has the old run's report
    assert "**Docs missing** (1)" in run.summary


def test_a_command_whose_pr_moved_on_while_it_ran_says_so(stage: Stage) -> None:  # noqa: F811
    event = stage.comment_event("/ttabot check")
    stage.fake.pushes = ["c0ffee0" + "0" * 33]  # pushed after the command read the PR
    run = stage.run("issue_comment", event)
    assert run.code == 0, run.stderr
    assert stage.fake.sticky_comments(7) == []
    (reply,) = [c["body"] for c in stage.fake.comments[7] if c["user"]["login"] == BOT_LOGIN]
    assert "moved on to c0ffee0" in reply and "Comment again" in reply
