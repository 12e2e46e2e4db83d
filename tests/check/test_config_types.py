"""A config value of the wrong type is one line naming its key, never a traceback.

``[client] backoff = ["x"]`` ended ``ttabot check`` with a ValueError traceback
(``float("x")``), and ``backoff = [true]`` or ``["2"]`` were taken as numbers.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.check.conftest import RunCli
from tests.support.gitrepo import GitRepo
from ttabot.config import settings_from_table
from ttabot.errors import TtabotError


@pytest.mark.parametrize("steps", ['["x"]', '["2"]', "[true]", '[1, "nan"]'])
def test_backoff_steps_must_be_numbers(steps: str, repo: GitRepo, run_cli: RunCli) -> None:
    repo.write(".ttabot.toml", f"[client]\nbackoff = {steps}\n")
    repo.write("m.py", "def f():\n    return 1\n")
    repo.stage()
    result = run_cli(["check"])
    assert result.code == 2, result.err
    assert result.err.startswith("ttabot: error: ") and len(result.err.splitlines()) == 1
    assert "backoff" in result.err and "expected a list of numbers" in result.err


def test_numeric_backoff_steps_are_read(tmp_path: Path) -> None:
    settings = settings_from_table({"client": {"backoff": [0.5, 2]}}, "t")
    assert settings.client.backoff == (0.5, 2.0)
    with pytest.raises(TtabotError, match="backoff"):
        settings_from_table({"client": {"backoff": [0.5, "2"]}}, "t")


@pytest.mark.parametrize("special", ["/dev/null", "/dev/zero", "fifo"])
def test_a_config_that_is_no_regular_file_says_so(
    special: str, repo: GitRepo, run_cli: RunCli
) -> None:
    # It said "does not exist" of a path that plainly does.
    if special == "fifo":
        os.mkfifo(repo.path / "fifo")
    repo.write("m.py", "def f():\n    return 1\n")
    repo.stage()
    result = run_cli(["check", "--config", special])
    assert result.code == 2
    assert result.err == (
        f"ttabot: error: config file {special} (named by --config) is not a regular file\n"
    )


@pytest.mark.parametrize("url", ["redis://u:s3cret@[::1/0", "redis://[::1/0?db=1"])
def test_a_state_url_that_does_not_split_is_one_line_without_its_password(
    url: str, repo: GitRepo, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    # urlsplit's "Invalid IPv6 URL" ended check with a ValueError traceback.
    repo.write("m.py", "def f():\n    return 1\n")
    repo.stage()
    for how in ("file", "environment"):
        if how == "file":
            repo.write(".ttabot.toml", f'[state]\nurl = "{url}"\n')
        else:
            (repo.path / ".ttabot.toml").unlink()
            monkeypatch.setenv("TTABOT_STATE_URL", url)
        result = run_cli(["check"])
        assert result.code == 2, (how, result)
        assert result.err.startswith("ttabot: error: ") and len(result.err.splitlines()) == 1
        assert "state.url: not a URL" in result.err and "s3cret" not in result.err


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://u:s3cret@[::1/v1", "Invalid IPv6 URL"),
        ("http://u:s3cret@host:99999/v1", "out of range"),
        ("ftp://u:s3cret@host/v1", "http:// or https://"),
        ("u:s3cret@host/v1", "http:// or https://"),
        ("http:///v1", "no host"),
    ],
)
def test_a_provider_base_url_that_is_no_http_url_is_one_line(
    url: str, why: str, repo: GitRepo, run_cli: RunCli
) -> None:
    # "http://[::1" passed the config and ended `ttabot draft` (and `trust`) in a
    # ValueError traceback where the URL was split; the others failed every request.
    repo.write(".ttabot.toml", f'[providers.x]\nbase_url = "{url}"\n')
    repo.write("m.py", "def f():\n    return 1\n")
    repo.stage()
    result = run_cli(["check"])
    assert result.code == 2, result
    assert result.err.startswith("ttabot: error: ") and len(result.err.splitlines()) == 1
    assert "providers.x.base_url: expected an http:// or https:// URL" in result.err
    assert why in result.err and "s3cret" not in result.err


def test_a_provider_base_url_may_be_an_ipv6_loopback_with_a_port() -> None:
    table = {"providers": {"x": {"base_url": "http://[::1]:8080/v1"}}}
    assert settings_from_table(table, "t").providers["x"].base_url == "http://[::1]:8080/v1"


@pytest.mark.parametrize("text", ['[tool]\nttabot = "max-params = 3"\n', "[tool]\nttabot = [1]\n"])
def test_a_tool_ttabot_that_is_no_table_is_an_error_not_ignored(
    text: str, repo: GitRepo, run_cli: RunCli
) -> None:
    # The settings were dropped without a word: the run used the defaults.
    repo.write("pyproject.toml", text)
    repo.write("m.py", "def f():\n    return 1\n")
    repo.stage()
    result = run_cli(["check"])
    assert result.code == 2, result
    assert result.err.startswith("ttabot: error: ") and len(result.err.splitlines()) == 1
    assert "[tool.ttabot]" in result.err and "expected a table" in result.err
    explicit = run_cli(["check", "--config", "pyproject.toml"])
    assert explicit.code == 2 and "expected a table" in explicit.err
