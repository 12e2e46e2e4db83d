"""The free tier's daily quota: read, shared, obeyed, said once, shown in ``ttabot models``."""

from __future__ import annotations

import asyncio
import datetime
import time
from pathlib import Path

import pytest

from tests.llm.conftest import FAKE_KEY, KIND, make_settings
from tests.support.fake_openai import FakeOpenAI, ok, rate_limited
from tests.support.loopback import Reply
from ttabot.config import Settings
from ttabot.llm import RotatingClient
from ttabot.llm.quota import next_utc_midnight, read_daily_quota, used_up_message
from ttabot.llm.state import DailyQuota

NOW = 1_750_000_000.0  # 2025-06-15 15:06:40 UTC
MIDNIGHT = next_utc_midnight(NOW)
PER_DAY = (
    "Rate limit exceeded: free-models-per-day. "
    "Add 10 credits to unlock 1000 free model requests per day"
)
PROMPT = [{"role": "user", "content": "hi"}]


def test_next_midnight_is_00_00_utc_the_next_day() -> None:
    moment = datetime.datetime.fromtimestamp(MIDNIGHT, datetime.timezone.utc)
    assert (moment.hour, moment.minute, moment.day) == (0, 0, 16)


@pytest.mark.parametrize(
    ("status", "headers", "message", "expected"),
    [
        # OpenRouter's free tier used up: headers and body agree.
        (
            429,
            {
                "X-RateLimit-Limit": "50",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(MIDNIGHT * 1000)),
            },
            PER_DAY,
            DailyQuota(50, 0, MIDNIGHT),
        ),
        # The body alone: 50 a day, reset at midnight UTC.
        (429, {}, PER_DAY, DailyQuota(50, 0, MIDNIGHT)),
        # Hostile headers on a per-day 429: the body still counts, the values do not.
        (
            429,
            {"X-RateLimit-Limit": "9" * 400, "X-RateLimit-Reset": "1e26"},
            PER_DAY,
            DailyQuota(50, 0, MIDNIGHT),
        ),
        # A success telling what is left of a daily window (reset hours away).
        (
            200,
            {
                "x-ratelimit-limit": "1000",
                "x-ratelimit-remaining": "990",
                "x-ratelimit-reset": str(int((NOW + 5 * 3600) * 1000)),
            },
            "",
            DailyQuota(1000, 990, NOW + 5 * 3600),
        ),
        # The per-minute limit uses the same headers: not a daily quota.
        (
            429,
            {
                "X-RateLimit-Limit": "20",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int((NOW + 40) * 1000)),
            },
            "HTTP 429: Rate limit exceeded: free-models-per-min.",
            None,
        ),
        (200, {}, "", None),
        # A reset beyond 25 h, or a limit that is not a number, describes nothing.
        (
            200,
            {
                "x-ratelimit-limit": "50",
                "x-ratelimit-remaining": "3",
                "x-ratelimit-reset": str(NOW + 400 * 24 * 3600),
            },
            "",
            None,
        ),
        (
            200,
            {
                "x-ratelimit-limit": "lots",
                "x-ratelimit-remaining": "3",
                "x-ratelimit-reset": "7200",
            },
            "",
            None,
        ),
    ],
)
def test_read_daily_quota(
    status: int, headers: dict[str, str], message: str, expected: DailyQuota | None
) -> None:
    assert read_daily_quota(status, headers, message, NOW) == expected


def test_the_message_says_what_to_do() -> None:
    assert used_up_message("openrouter", DailyQuota(50, 0, MIDNIGHT)) == (
        "OpenRouter free quota for today used (50/day); resets 00:00 UTC; "
        "add credits or a local provider"
    )


def quota_used_up() -> Reply:
    reset = next_utc_midnight(time.time())
    headers = {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(int(reset * 1000)),
    }
    return Reply(429, {"error": {"code": 429, "message": PER_DAY}}, headers)


def free_chain(base_url: str, state_dir: Path) -> Settings:
    return make_settings(base_url, state_dir, chain=("a:free", "b:free", "c"))


def ask(settings: Settings, n: int = 1) -> list[str | None]:
    async def main() -> list[str | None]:
        async with RotatingClient(settings, environ={"FAKE_API_KEY": FAKE_KEY}) as client:
            return [(await client.complete(KIND, PROMPT)).model for _ in range(n)]

    return asyncio.run(main())


def test_a_used_up_quota_skips_every_free_model_until_reset_across_processes(
    fake: FakeOpenAI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script("a:free", quota_used_up())
    settings = free_chain(fake.base_url, tmp_path)
    assert ask(settings, n=3) == ["fake:c"] * 3
    assert ask(settings, n=2) == ["fake:c"] * 2  # a new client, as the next run would be
    assert len(fake.calls_for("a:free")) == 1
    assert fake.calls_for("b:free") == []  # the provider's other free model: never asked
    err = capsys.readouterr().err
    assert err.count("fake free quota for today used (50/day); resets 00:00 UTC") == 2
    assert "add credits or a local provider" in err


def test_with_only_free_models_the_request_says_why(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.script("a:free", quota_used_up())
    settings = make_settings(fake.base_url, tmp_path, chain=("a:free", "b:free"))

    async def main() -> str | None:
        async with RotatingClient(settings, environ={"FAKE_API_KEY": FAKE_KEY}) as client:
            return (await client.complete(KIND, PROMPT)).error

    error = asyncio.run(main()) or ""
    assert "free quota for today used up" in error
    assert fake.calls_for("b:free") == []


def test_a_success_teaches_what_is_left_and_models_shows_it(
    fake: FakeOpenAI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reset = time.time() + 5 * 3600
    left = {
        "X-RateLimit-Limit": "1000",
        "X-RateLimit-Remaining": "987",
        "X-RateLimit-Reset": str(int(reset * 1000)),
    }
    base = ok("hello")
    fake.script("a:free", Reply(base.status, base.body, left))
    assert ask(free_chain(fake.base_url, tmp_path)) == ["fake:a:free"]
    config = tmp_path / "ttabot.toml"
    config.write_text(
        f'[providers.fake]\nbase_url = "{fake.base_url}"\napi_key_env = "FAKE_API_KEY"\n'
        f'[chains]\ndocumentation = ["fake:a:free", "fake:c"]\n'
        f'[client]\nstate-dir = "{tmp_path}"\n'
    )
    monkeypatch.setenv("FAKE_API_KEY", "k")
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    from ttabot.cli import main

    assert main(["models", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "fake:free: 987/1000 requests left today" in out


def test_models_marks_free_models_whose_quota_is_used(
    fake: FakeOpenAI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake.script("a:free", quota_used_up())
    assert ask(free_chain(fake.base_url, tmp_path)) == ["fake:c"]
    config = tmp_path / "ttabot.toml"
    config.write_text(
        f'[providers.fake]\nbase_url = "{fake.base_url}"\napi_key_env = "FAKE_API_KEY"\n'
        f'[chains]\ndocumentation = ["fake:b:free", "fake:c"]\n'
        f'[client]\nstate-dir = "{tmp_path}"\n'
    )
    monkeypatch.setenv("FAKE_API_KEY", "k")
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    capsys.readouterr()
    from ttabot.cli import main

    assert main(["models", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "fake:b:free  [free quota used up until" in out
    assert "fake:free: 0/50 requests left today" in out


def test_the_per_minute_limit_is_not_mistaken_for_the_daily_quota(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    fake.script("a:free", rate_limited(retry_after=30))
    assert ask(free_chain(fake.base_url, tmp_path)) == ["fake:b:free"]


def test_a_probe_does_not_spend_a_used_up_quota(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.script("a:free", quota_used_up())
    settings = free_chain(fake.base_url, tmp_path)
    assert ask(settings) == ["fake:c"]

    async def main() -> str | None:
        async with RotatingClient(settings, environ={"FAKE_API_KEY": FAKE_KEY}) as client:
            return (await client.probe("fake:b:free")).error

    assert asyncio.run(main()) == "fake:b:free: free quota for today used up"
    assert fake.calls_for("b:free") == []
