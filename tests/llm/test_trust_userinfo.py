"""``ttabot trust`` shows where a key goes, never a password written into the URL.

A provider behind an authenticating proxy is configured as
``base_url = "https://user:PASSWORD@proxy/v1"`` (httpx sends it as Basic auth).
``trust`` and ``trust --list`` printed that URL whole, so the password reached the
terminal, a shared screen or a CI log of whoever reviewed the route. What a route
sends, and to which host, is all a person needs to judge it.
"""

from __future__ import annotations

import pytest

from tests.support.gitrepo import GitRepo
from ttabot.cli import main
from ttabot.config.routes import Route, route_line

PASSWORD = "sk-or-v1-" + "5ec7" * 16


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            f"http://user:{PASSWORD}@127.0.0.1:9/v1",
            "http://user:***@127.0.0.1:9/v1 (host 127.0.0.1)",
        ),
        (f"http://{PASSWORD}@127.0.0.1:9/v1", "http://***@127.0.0.1:9/v1 (host 127.0.0.1)"),
        ("http://user:@127.0.0.1:9/v1", "http://user:@127.0.0.1:9/v1 (host 127.0.0.1)"),
        (
            "https://openrouter.ai:443@evil.example/v1",
            "https://openrouter.ai:***@evil.example/v1 (host evil.example)",
        ),
        ("http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1"),
    ],
)
def test_route_line_hides_the_password(url: str, shown: str) -> None:
    assert route_line(Route("p", url, "P_KEY")) == f"  p: P_KEY -> {shown}"


def test_trust_never_prints_a_password_in_a_base_url(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        ".ttabot.toml",
        f'[providers.proxy]\nbase_url = "http://me:{PASSWORD}@127.0.0.1:9/v1"\n'
        'api_key_env = "PROXY_KEY"\n[chains]\ndocumentation = ["proxy:m"]\n',
    )
    assert main(["trust"]) == 0
    assert main(["trust", "--list"]) == 0
    printed = capsys.readouterr()
    assert "proxy: PROXY_KEY -> http://me:***@127.0.0.1:9/v1" in printed.out
    assert PASSWORD[9:] not in printed.out + printed.err
