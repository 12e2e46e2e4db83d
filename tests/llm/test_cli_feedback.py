"""What ``ask`` and ``models`` tell a person while and after they run (issue 14 item 5),
and that both read settings from the repository root like ``check`` and ``draft``."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.llm.conftest import FAKE_KEY
from tests.llm.test_cli import ask_docs, write_config
from tests.support.fake_openai import FakeOpenAI, ok, rate_limited
from ttabot.cli import main
from ttabot.commands import ask_run


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def config(fake: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FAKE_API_KEY", FAKE_KEY)
    monkeypatch.delenv("OTHER_API_KEY", raising=False)
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    return write_config(tmp_path, fake.base_url)


def test_ask_says_what_it_waits_for_on_a_terminal(
    fake: FakeOpenAI,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ask_run, "_stderr_is_terminal", lambda: True)
    monkeypatch.setattr(ask_run, "HEARTBEAT", 0.05)
    fake.responder = lambda model, body: ok("hi", delay=0.3)
    assert ask_docs(config, "Say hi") == 0
    out, err = capsys.readouterr()
    assert out == "hi\n"
    assert "ttabot: asking 1 prompt (documentation), waiting for models: fake:a, fake:b" in err
    assert "ttabot: still waiting for models (" in err


def test_ask_batch_reports_each_answer_as_it_arrives(
    fake: FakeOpenAI,
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ask_run, "_stderr_is_terminal", lambda: True)
    prompts = tmp_path / "p.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": f"p{i}"}) + "\n" for i in range(3)))
    assert ask_docs(config, "--batch", str(prompts), "--out", str(tmp_path / "r.jsonl")) == 0
    err = capsys.readouterr().err
    assert "ttabot: asking 3 prompts (documentation)" in err
    assert "[1/3] answered by fake:" in err and "[3/3] answered by fake:" in err


def test_ask_is_silent_on_stderr_when_piped(
    fake: FakeOpenAI, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ask_docs(config, "Say hi") == 0
    assert capsys.readouterr().err == ""


def test_probe_says_not_reachable_apart_from_cooling(
    fake: FakeOpenAI,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_API_KEY", FAKE_KEY)
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "c.toml"
    config.write_text(
        f"""
[providers.fake]
base_url = "{fake.base_url}"
api_key_env = "FAKE_API_KEY"
[providers.down]
base_url = "http://127.0.0.1:{closed_port()}/v1"
[chains]
documentation = ["fake:a", "down:m"]
[client]
attempt_timeout = 0.5
deadline = 1.0
backoff = [0.05]
state_dir = "{tmp_path / "state"}"
"""
    )
    fake.script("a", rate_limited(retry_after=300))
    assert main(["ask", "--task", "documentation", "--config", str(config), "hi"]) == 1
    capsys.readouterr()
    assert main(["models", "--config", str(config)]) == 0
    m = capsys.readouterr().out
    assert "fake:a  [cooling" in m, m
    assert "down:m  [not reachable: nothing listens at 127.0.0.1:" in m, m
    assert main(["models", "--config", str(config), "--probe"]) == 1
    out = capsys.readouterr().out
    assert "  fake:a  cooling: " in out
    assert len(fake.calls_for("a")) == 1  # the probe sent nothing to a cooling model
    assert "  down:m  not reachable: " in out and "is the server running?" in out


def test_probe_respects_the_providers_pacing(
    fake: FakeOpenAI,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_API_KEY", FAKE_KEY)
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "c.toml"
    config.write_text(
        f"""
[providers.fake]
base_url = "{fake.base_url}"
api_key_env = "FAKE_API_KEY"
rpm = 300
[chains]
documentation = ["fake:a", "fake:b", "fake:c"]
[client]
state_dir = "{tmp_path / "state"}"
"""
    )
    main(["models", "--config", str(config), "--probe"])  # other default chains have no key
    assert "  fake:c  ok " in capsys.readouterr().out
    arrivals = sorted(call.at for call in fake.calls)
    assert len(arrivals) == 3
    # 300 a minute is one every 0.2 s: the probes are spaced, not sent at once (unpaced,
    # all three arrive within milliseconds). Arrival times at the server jitter on a
    # loaded machine (one gap measured 0.12 s), so the span of both intervals (0.4 s
    # as sent) is judged, not each gap.
    assert arrivals[-1] - arrivals[0] >= 0.3, arrivals


def test_ask_and_models_read_the_repository_roots_config_from_a_subfolder(
    fake: FakeOpenAI,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_API_KEY", FAKE_KEY)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".ttabot.toml").write_text(write_config(tmp_path, fake.base_url).read_text())
    sub = tmp_path / "pkg" / "deep"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    # The project's file sends FAKE_API_KEY to a server it names: trusted from here too.
    assert main(["trust"]) == 0
    assert main(["models"]) == 0
    assert "1. fake:a" in capsys.readouterr().out
    assert main(["ask", "--task", "documentation", "hi"]) == 0
    assert capsys.readouterr().out == "answer from a\n"


def test_only_local_servers_are_checked_for_a_listener(fake: FakeOpenAI) -> None:
    from ttabot.commands.models import local_server_listens

    assert local_server_listens(fake.base_url) is True
    assert local_server_listens(f"http://127.0.0.1:{closed_port()}/v1") is False
    assert local_server_listens(f"http://localhost:{closed_port()}/v1") is False
    # Remote: never contacted by the listing (no connection is attempted at all).
    assert local_server_listens("https://openrouter.invalid/api/v1") is True
