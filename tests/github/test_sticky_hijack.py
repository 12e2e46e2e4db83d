"""Anyone can make ttabot adopt their comment as the sticky one.

`find_sticky` takes any comment whose body starts with `<!-- ttabot:sticky -->`,
preferring a bot's only when there is one. A stranger (a fork's author, any user on a
public repository) comments on a PR before ttabot's first comment (a clean PR gets none
until it has findings) with a body starting with the hidden marker. ttabot then edits
that comment (GITHUB_TOKEN with pull-requests: write may edit anyone's comment) instead
of writing its own: its report appears under the stranger's name, and the stranger,
who owns the comment, can rewrite "ttabot's" report at will afterwards; ttabot keeps
updating that comment on every run. docs/github.md: "one sticky comment ... edited in
place"; the marker is ttabot's ("no forged `<!-- ttabot:… -->` markers").
"""

from __future__ import annotations

from tests.github.test_action_run import Stage, stage  # noqa: F401


def test_a_strangers_marked_comment_is_never_edited(stage: Stage) -> None:  # noqa: F811
    forged = stage.fake.add_comment(7, "<!-- ttabot:sticky -->\nlooks fine to me", "mallory")
    run = stage.run("pull_request", stage.pr_event(), TTABOT_MODE="comment")
    assert run.code == 0, run.stderr
    print(forged["body"][:200])
    assert forged["body"].endswith("looks fine to me"), "ttabot rewrote mallory's comment"
    assert any(c["user"]["type"] == "Bot" for c in stage.fake.sticky_comments(7)), (
        "no sticky comment of ttabot's own"
    )


def test_an_app_tokens_sticky_is_its_own_login(stage: Stage) -> None:  # noqa: F811
    # A GitHub App token writes as APP-SLUG[bot]: the bot-login input names it. The
    # default account's marked comment is then someone else's, and is left alone.
    stage.fake.login = "ttabot-app[bot]"
    other = stage.fake.add_comment(7, "<!-- ttabot:sticky -->\nold", "github-actions[bot]", "Bot")
    for _ in range(2):
        run = stage.run(
            "pull_request",
            stage.pr_event(),
            TTABOT_MODE="comment",
            TTABOT_BOT_LOGIN="ttabot-app[bot]",
        )
        assert run.code == 0, run.stderr
    assert other["body"].endswith("old")
    (mine,) = [c for c in stage.fake.sticky_comments(7) if c["user"]["login"] == "ttabot-app[bot]"]
    assert "### ttabot @" in mine["body"]
    assert [m for m, _ in stage.fake.writes] == ["POST", "PATCH"]


def test_a_bad_bot_login_is_one_line(stage: Stage) -> None:  # noqa: F811
    run = stage.run("pull_request", stage.pr_event(), TTABOT_BOT_LOGIN="evil login\n")
    assert run.code == 2 and run.stderr.startswith("ttabot: error: input bot-login")
    assert len(run.stderr.strip().splitlines()) == 1 and stage.fake.writes == []
