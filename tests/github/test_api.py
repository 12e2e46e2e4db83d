"""The GitHub client against a real HTTP server: pacing, rate limits, no duplicate writes."""

from __future__ import annotations

import pytest

from tests.github.conftest import Hub
from tests.support.fake_github import Fault, PullState, secondary_rate_limit
from tests.support.loopback import Reply
from ttabot.github.api import GitHubApi, GitHubApiError, rate_limit_wait
from ttabot.github.publish import reply, upsert_sticky
from ttabot.review.report import STICKY_MARKER

COMMENTS = r"/repos/octo/proj/issues/\d+/comments"


@pytest.mark.parametrize(
    ("status", "headers", "message", "wait"),
    [
        (403, {"retry-after": "7"}, "", 7.0),
        (429, {}, "", 60.0),
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1030"}, "", 30.0),
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "900"}, "", 1.0),
        (403, {}, "You have exceeded a secondary rate limit", 60.0),
        (403, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, "", 60.0),
        (403, {}, "Resource not accessible by integration", None),
        (404, {"retry-after": "3"}, "Not Found", None),
    ],
)
def test_rate_limit_wait(
    status: int, headers: dict[str, str], message: str, wait: float | None
) -> None:
    assert rate_limit_wait(status, headers, message, now=1000.0) == wait


def test_enterprise_base_url_with_path_prefix_is_honoured(hub: Hub) -> None:
    hub.fake.prefix = "/api/v3"
    hub.fake.add_comment(1, "hi")
    api = GitHubApi(hub.fake.token, hub.server.url + "/api/v3/", sleep=hub.sleeps.append)
    assert [c["body"] for c in api.get_all("/repos/octo/proj/issues/1/comments")] == ["hi"]
    api.close()
    assert hub.server.requests[-1].path == "/api/v3/repos/octo/proj/issues/1/comments"
    assert hub.server.requests[-1].headers["authorization"] == f"token {hub.fake.token}"


def test_get_all_follows_pages(hub: Hub) -> None:
    for n in range(230):
        hub.fake.add_comment(1, f"c{n}")
    bodies = [c["body"] for c in hub.api.get_all("/repos/octo/proj/issues/1/comments")]
    assert bodies == [f"c{n}" for n in range(230)]


def test_secondary_rate_limit_is_waited_out_and_written_once(hub: Hub) -> None:
    hub.fake.faults.append(Fault("POST", COMMENTS, secondary_rate_limit(retry_after=3)))
    url = upsert_sticky(hub.api, "octo/proj", 5, f"{STICKY_MARKER}\nreport")
    assert hub.sleeps == [3.0]
    assert len(hub.fake.sticky_comments(5)) == 1
    assert url.endswith(f"#issuecomment-{hub.fake.sticky_comments(5)[0]['id']}")


def test_lost_reply_does_not_duplicate_a_comment(hub: Hub) -> None:
    # The comment is created but the answer is a 502: the retry must find it, not post again.
    hub.fake.faults.append(
        Fault("POST", COMMENTS, Reply(502, {"message": "Bad Gateway"}), after=True)
    )
    upsert_sticky(hub.api, "octo/proj", 5, f"{STICKY_MARKER}\nreport")
    assert len(hub.fake.sticky_comments(5)) == 1
    assert [m for m, _ in hub.fake.writes] == ["POST"]

    hub.fake.faults.append(
        Fault("POST", COMMENTS, Reply(502, {"message": "Bad Gateway"}), after=True)
    )
    reply(hub.api, "octo/proj", 5, 77, "help text")
    replies = [c for c in hub.fake.comments[5] if "ttabot:reply 77" in c["body"]]
    assert len(replies) == 1


def test_sticky_is_edited_in_place(hub: Hub) -> None:
    first = upsert_sticky(hub.api, "octo/proj", 5, f"{STICKY_MARKER}\none")
    second = upsert_sticky(hub.api, "octo/proj", 5, f"{STICKY_MARKER}\ntwo")
    assert first == second
    (only,) = hub.fake.sticky_comments(5)
    assert only["body"].endswith("two")


def test_waits_beyond_the_cap_fail_cleanly(hub: Hub) -> None:
    api = GitHubApi(
        hub.fake.token, hub.server.url, write_interval=0.0, max_wait=10.0, sleep=hub.sleeps.append
    )
    hub.fake.faults.append(Fault("POST", COMMENTS, secondary_rate_limit(retry_after=600)))
    with pytest.raises(GitHubApiError, match="rate limited for longer than 10 s"):
        api.write("POST", "/repos/octo/proj/issues/1/comments", {"body": "x"})
    api.close()
    assert hub.sleeps == [] and hub.fake.comments == {}


def test_errors_name_status_not_token(hub: Hub) -> None:
    with pytest.raises(GitHubApiError) as info:
        hub.api.get("/repos/octo/proj/pulls/404")
    assert info.value.status == 404
    assert hub.fake.token not in str(info.value)
    bad = GitHubApi("ghs_wrong_secret", hub.server.url, sleep=hub.sleeps.append)
    with pytest.raises(GitHubApiError) as info:
        bad.get("/repos/octo/proj/pulls/1")
    bad.close()
    assert info.value.status == 401 and "ghs_wrong_secret" not in str(info.value)


def test_writes_are_paced(hub: Hub) -> None:
    now = [100.0]
    api = GitHubApi(
        hub.fake.token,
        hub.server.url,
        write_interval=1.0,
        sleep=hub.sleeps.append,
        clock=lambda: now[0],
    )
    hub.fake.add_pull(PullState(1, "a" * 40, "feat", "b" * 40))
    for n in range(3):
        api.write("POST", "/repos/octo/proj/issues/1/comments", {"body": f"{n}"})
    api.close()
    assert hub.sleeps == [1.0, 1.0]


def test_reads_wait_out_rate_limits_too(hub: Hub) -> None:
    hub.fake.add_comment(2, "hello")
    hub.fake.faults.append(
        Fault("GET", COMMENTS, Reply(429, {"message": "slow down"}, {"retry-after": "2"}))
    )
    assert [c["body"] for c in hub.api.get_all("/repos/octo/proj/issues/2/comments")] == ["hello"]
    assert hub.sleeps == [2.0]


def test_a_server_that_refuses_connections_is_retried_then_one_error() -> None:
    import socket

    # A port nothing listens on: the transport's connection error (an OSError) is
    # retried with backoff, then becomes one GitHubApiError, never a traceback.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    slept: list[float] = []
    api = GitHubApi("t", f"http://127.0.0.1:{port}", write_interval=0.0, sleep=slept.append)
    try:
        with pytest.raises(GitHubApiError) as caught:
            api.get("/repos/octo/proj")
    finally:
        api.close()
    assert caught.value.status == 0 and "network error" in str(caught.value)
    assert slept == [2.0**n for n in range(len(slept))] and slept
