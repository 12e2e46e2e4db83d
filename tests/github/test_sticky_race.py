"""Two runs that each find no sticky comment must not leave two.

A fork PR's report job (``workflow_run``, concurrency group per fork branch; it cannot
know the PR number) and a ``/ttabot check`` on the same PR (group ``ttabot-pr-N``) run
at once; so do hand-written workflows without a group. Each lists the comments, finds
no sticky, and creates one: the PR keeps two reports, one never updated again.
"""

from __future__ import annotations

from tests.github.conftest import Hub
from tests.support.fake_github import BOT_LOGIN, Fault
from tests.support.loopback import Reply, Request
from ttabot.github.publish import upsert_sticky
from ttabot.review.report import STICKY_MARKER

COMMENTS = "/repos/octo/proj/issues/5/comments"


def other_run_posts_after_our_look(hub: Hub) -> None:
    looked: list[bool] = []

    def hook(request: Request) -> None:
        if request.method == "GET" and request.path == COMMENTS and not looked:
            looked.append(True)
            hub.fake.add_comment(5, f"{STICKY_MARKER}\nthe other run", BOT_LOGIN, "Bot")

    hub.fake.hooks.append(hook)


def test_a_race_leaves_one_sticky_the_oldest(hub: Hub) -> None:
    other_run_posts_after_our_look(hub)
    url = upsert_sticky(hub.api, "octo/proj", 5, f"{STICKY_MARKER}\nthis run")
    (sticky,) = hub.fake.sticky_comments(5)
    assert sticky["body"].endswith("this run")  # the last word is this run's report
    assert url == sticky["html_url"]
    # A later run edits that one in place.
    upsert_sticky(hub.api, "octo/proj", 5, f"{STICKY_MARKER}\nlater")
    (sticky,) = hub.fake.sticky_comments(5)
    assert sticky["body"].endswith("later")


def test_a_strangers_marked_comment_is_not_taken_for_a_racing_run(hub: Hub) -> None:
    hub.fake.add_comment(5, f"{STICKY_MARKER}\nmallory's", "mallory", "User")
    upsert_sticky(hub.api, "octo/proj", 5, f"{STICKY_MARKER}\nthis run")
    bodies = [c["body"] for c in hub.fake.comments[5]]
    assert bodies == [f"{STICKY_MARKER}\nmallory's", f"{STICKY_MARKER}\nthis run"]


def test_a_lost_reply_to_the_delete_is_not_an_error(hub: Hub) -> None:
    other_run_posts_after_our_look(hub)
    hub.fake.faults.append(
        Fault("DELETE", r"/repos/octo/proj/issues/comments/\d+", Reply(502, {}), after=True)
    )
    upsert_sticky(hub.api, "octo/proj", 5, f"{STICKY_MARKER}\nthis run")
    (sticky,) = hub.fake.sticky_comments(5)
    assert sticky["body"].endswith("this run")
