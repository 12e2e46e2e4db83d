"""Reviews and labels against the fake GitHub: limits, duplicates, 422 fallback."""

from __future__ import annotations

from tests.github.conftest import Hub
from tests.support.fake_github import Fault, PullState
from tests.support.loopback import Reply
from ttabot.github.publish import add_labels, find_sticky, post_review, react
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


def test_find_sticky_prefers_bot_comments() -> None:
    comments = [
        {"id": 1, "body": "hello", "user": {"type": "User"}},
        {"id": 2, "body": f"quoting {STICKY_MARKER}", "user": {"type": "User"}},
        {"id": 3, "body": f"{STICKY_MARKER}\nby a token of a person", "user": {"type": "User"}},
        {"id": 4, "body": f"{STICKY_MARKER}\nreport", "user": {"type": "Bot"}},
    ]
    found = find_sticky(comments)
    assert found is not None and found["id"] == 4
    found = find_sticky(comments[:3])
    assert found is not None and found["id"] == 3
    assert find_sticky(comments[:2]) is None
