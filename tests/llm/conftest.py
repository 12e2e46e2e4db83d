"""Fixtures for the model client: settings pointed at a scripted fake server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_openai import FakeOpenAI, fake_openai
from ttabot.config import ClientSettings, Provider, Settings
from ttabot.records import TaskKind

#: A recognisable fake key: tests grep every output for it.
FAKE_KEY = "sk-fake-SECRET-3f9a1c77"
KIND = TaskKind.DOCUMENTATION


def make_settings(
    base_url: str,
    state_dir: Path,
    chain: tuple[str, ...] = ("a", "b", "c"),
    **client: object,
) -> Settings:
    """Settings with one provider ``fake`` at ``base_url`` and a short, fast client."""
    fast = ClientSettings(
        attempt_timeout=0.4,
        deadline=5.0,
        backoff=(0.05, 0.1, 0.2),
        max_attempts=8,
        state_dir=str(state_dir),
    )
    provider = Provider(name="fake", base_url=base_url, api_key_env="FAKE_API_KEY")
    return Settings(
        providers={"fake": provider},
        chains={KIND: tuple(f"fake:{m}" for m in chain)},
        client=fast._replace(**client),  # type: ignore[arg-type]
    )


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    """A running fake OpenAI-compatible server."""
    with fake_openai() as server:
        yield server


@pytest.fixture
def environ() -> dict[str, str]:
    """An environment holding the fake key."""
    return {"FAKE_API_KEY": FAKE_KEY}


@pytest.fixture
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free 127.0.0.1 port for one test (skips if not installed)."""
    from tests.support.redis_server import redis_available, redis_server

    if not redis_available():
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url
