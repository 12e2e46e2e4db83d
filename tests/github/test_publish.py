"""Reviews and labels against the fake GitHub: limits, duplicates, 422 fallback."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from tests.github.conftest import Hub
from tests.support.fake_github import Fault, PullState
from tests.support.loopback import Reply
from ttabot.config import Settings
from ttabot.github.context import Context
from ttabot.github.forge import GitHubForge
from ttabot.github.publish import (
    add_labels,
    find_sticky,
    post_review,
    react,
    reply,
    upsert_sticky,
)
from ttabot.review.report import STICKY_MARKER
from ttabot.review.suggestions import Suggestion

HEAD = "a" * 40
PATCH = "@@ -0,0 +1,40 @@\n" + "".join(f"+line {n}\n" for n in range(1, 41))


def suggestions(lines: range, path: str = "m.py") -> list[Suggestion]:
    return [Suggestion(path, n, n, f"better {n}\n", "note") for n in lines]


def setup(hub: Hub) -> None:
    hub.fake.add_pull(PullState(3, HEAD, "feature", "b" * 40, patches={"m.py": PATCH}))


def test_at_most_limit_inline_and_rerun_posts_nothing_twice(hub: Hub) -> None:
    setup(hub)
    wanted = suggestions(range(1, 36)) + suggestions(range(50, 52))  # two lines outside the diff
    outcome = post_review(hub.api, "octo/proj", 3, HEAD, wanted, limit=30)
    assert outcome.posted == 30
    assert [s.line for s in outcome.leftover] == [31, 32, 33, 34, 35, 50, 51]
    (review,) = hub.fake.reviews[3]
    assert review["commit_id"] == HEAD
    assert len(hub.fake.review_comments[3]) == 30

    again = post_review(hub.api, "octo/proj", 3, HEAD, wanted, limit=30)
    assert again.posted == 5  # only the ones not yet posted
    bodies = [(c["path"], c["line"], c["body"]) for c in hub.fake.review_comments[3]]
    assert len(bodies) == len(set(bodies)) == 35


def test_review_refused_with_422_falls_back_to_the_sticky_comment(hub: Hub) -> None:
    setup(hub)
    hub.fake.faults.append(
        Fault(
            "POST",
            r"/repos/octo/proj/pulls/3/reviews",
            Reply(
                422, {"message": "Unprocessable Entity", "errors": ["Line could not be resolved"]}
            ),
        )
    )
    outcome = post_review(hub.api, "octo/proj", 3, HEAD, suggestions(range(1, 4)), limit=30)
    assert outcome.posted == 0 and len(outcome.leftover) == 3
    assert "refused" in outcome.note
    assert 3 not in hub.fake.reviews


def test_lost_review_reply_is_not_posted_twice(hub: Hub) -> None:
    setup(hub)
    hub.fake.faults.append(
        Fault(
            "POST",
            r"/repos/octo/proj/pulls/3/reviews",
            Reply(504, {"message": "timeout"}),
            after=True,
        )
    )
    outcome = post_review(hub.api, "octo/proj", 3, HEAD, suggestions(range(1, 3)), limit=30)
    assert outcome.posted == 2
    assert len(hub.fake.reviews[3]) == 1 and len(hub.fake.review_comments[3]) == 2


def test_labels_only_missing_ones_added(hub: Hub) -> None:
    added = add_labels(hub.api, "octo/proj", 9, ("bug", "docs"), present=["Bug"])
    assert added == ("docs",)
    assert hub.fake.labels[9] == ["docs"]
    assert add_labels(hub.api, "octo/proj", 9, ("docs",), present=["docs"]) == ()
    assert len(hub.fake.writes) == 1


def test_reaction(hub: Hub) -> None:
    react(hub.api, "octo/proj", 55, "eyes")
    assert hub.fake.reactions == [(55, "eyes")]


def test_find_sticky_adopts_only_ttabots_own_comment() -> None:
    def by(login: str, kind: str, body: str = f"{STICKY_MARKER}\nreport") -> dict[str, Any]:
        return {"body": body, "user": {"login": login, "type": kind}}

    mine = by("github-actions[bot]", "Bot")
    strangers = [
        by("mallory", "User"),
        by("dependabot[bot]", "Bot"),
        by("github-actions[bot]", "User"),  # not how GitHub shows the bot: not it
        {"body": f"{STICKY_MARKER}\nno author"},
        by("github-actions[bot]", "Bot", f"quoting {STICKY_MARKER}"),
    ]
    assert find_sticky(strangers) is None
    assert find_sticky([*strangers, mine]) is mine
    assert find_sticky([by("GitHub-Actions[bot]", "Bot")]) is not None  # logins ignore case
    # An App token or a personal token writes as its own account: bot-login names it.
    app, person = by("ttabot-app[bot]", "Bot"), by("octocat", "User")
    assert find_sticky([mine, app, person], "ttabot-app[bot]") is app
    assert find_sticky([mine, app, person], "octocat") is person
    assert find_sticky([by("octocat", "Bot")], "octocat") is None


def test_a_strangers_marker_does_not_pass_for_ttabots_reply(hub: Hub) -> None:
    # The first POST fails before GitHub stores it; the retry asks "did it land?" first.
    hub.fake.add_comment(5, "<!-- ttabot:reply 77 -->\nalready answered", "mallory")
    hub.fake.faults.append(Fault("POST", r"/repos/octo/proj/issues/5/comments", Reply(502, {})))
    reply(hub.api, "octo/proj", 5, 77, "help text")
    answers = [c for c in hub.fake.comments[5] if c["user"]["login"] == "github-actions[bot]"]
    assert len(answers) == 1 and answers[0]["body"].endswith("help text")


def test_the_sticky_of_an_app_token_is_found_by_its_login(hub: Hub) -> None:
    hub.fake.login = "ttabot-app[bot]"
    first = upsert_sticky(hub.api, "octo/proj", 5, f"{STICKY_MARKER}\none", author=hub.fake.login)
    second = upsert_sticky(hub.api, "octo/proj", 5, f"{STICKY_MARKER}\ntwo", author=hub.fake.login)
    assert first == second and [m for m, _ in hub.fake.writes] == ["POST", "PATCH"]
    # With the default (GITHUB_TOKEN's) login it would not recognise its own: a new one.
    upsert_sticky(hub.api, "octo/proj", 5, f"{STICKY_MARKER}\nthree")
    assert [c["body"][-3:] for c in hub.fake.sticky_comments(5)] == ["two", "ree"]


def strangers_copy_of_the_review(hub: Hub, wanted: list[Suggestion]) -> None:
    """A user posts a review (and its inline comments) quoting ttabot's, marker and all."""
    hub.fake.login, hub.fake.login_type = "mallory", "User"
    post_review(hub.api, "octo/proj", 3, HEAD, wanted, limit=30)
    hub.fake.login, hub.fake.login_type = "github-actions[bot]", "Bot"


def test_a_strangers_review_with_the_marker_does_not_pass_for_ttabots(hub: Hub) -> None:
    # The stranger's review carries the marker in its body but no inline comments.
    setup(hub)
    wanted = suggestions(range(1, 3))
    strangers_copy_of_the_review(hub, wanted)
    hub.fake.review_comments.pop(3)
    # The first POST fails before GitHub stores it; the retry asks "did it land?" first.
    hub.fake.faults.append(Fault("POST", r"/repos/octo/proj/pulls/3/reviews", Reply(502, {})))
    outcome = post_review(hub.api, "octo/proj", 3, HEAD, wanted, limit=30)
    assert outcome.posted == 2
    mine = [r for r in hub.fake.reviews[3] if r["user"]["login"] == "github-actions[bot]"]
    assert len(mine) == 1
    assert [c["line"] for c in hub.fake.review_comments[3]] == [1, 2]


def test_a_strangers_copy_of_a_suggestion_does_not_pass_for_ttabots(hub: Hub) -> None:
    setup(hub)
    wanted = suggestions(range(1, 3))
    strangers_copy_of_the_review(hub, wanted)
    outcome = post_review(hub.api, "octo/proj", 3, HEAD, wanted, limit=30)
    assert outcome.posted == 2
    ours = [c for c in hub.fake.review_comments[3] if c["user"]["login"] == "github-actions[bot]"]
    assert [c["line"] for c in ours] == [1, 2]
    # ttabot's own earlier suggestions still count: a rerun posts nothing twice.
    assert post_review(hub.api, "octo/proj", 3, HEAD, wanted, limit=30).posted == 0


def test_an_app_tokens_review_is_recognised_by_its_login(hub: Hub) -> None:
    setup(hub)
    hub.fake.login = "ttabot-app[bot]"
    wanted = suggestions(range(1, 3))
    hub.fake.faults.append(
        Fault("POST", r"/repos/octo/proj/pulls/3/reviews", Reply(504, {}), after=True)
    )
    outcome = post_review(hub.api, "octo/proj", 3, HEAD, wanted, limit=30, author=hub.fake.login)
    assert outcome.posted == 2 and len(hub.fake.reviews[3]) == 1
    again = post_review(hub.api, "octo/proj", 3, HEAD, wanted, limit=30, author=hub.fake.login)
    assert again.posted == 0 and len(hub.fake.reviews[3]) == 1


def test_the_forge_knows_its_review_by_the_bot_login(hub: Hub, tmp_path: Path) -> None:
    setup(hub)
    hub.fake.login = "ttabot-app[bot]"
    ctx = Context({}, tmp_path, Settings(), "octo/proj", "suggest", hub.api)
    forge = GitHubForge(dataclasses.replace(ctx, bot_login="ttabot-app[bot]"))
    pr = forge.pull(3)
    wanted = suggestions(range(1, 3))
    assert forge.post_suggestions(pr, wanted, 30).posted == 2
    assert forge.post_suggestions(pr, wanted, 30).posted == 0
    assert len(hub.fake.reviews[3]) == 1
