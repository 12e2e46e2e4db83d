"""Fixtures for the GitHub tests: a fake GitHub served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support.fake_github import FakeGitHub
from tests.support.loopback import LoopbackServer, serve
from ttabot.github.api import GitHubApi


@dataclass
class Hub:
    """The fake's state, its server, and an API client pointed at it."""

    fake: FakeGitHub
    server: LoopbackServer
    api: GitHubApi
    sleeps: list[float]


@pytest.fixture
def hub() -> Iterator[Hub]:
    fake = FakeGitHub()
    sleeps: list[float] = []
    with serve(fake) as server:
        # Recorded sleeps instead of real ones: waits are asserted, not endured.
        api = GitHubApi(fake.token, server.url, write_interval=0.0, sleep=sleeps.append)
        try:
            yield Hub(fake, server, api, sleeps)
        finally:
            api.close()
