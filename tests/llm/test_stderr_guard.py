"""Every line ttabot writes on stderr is shown, never obeyed (ttabot.escaping.HumanStream).

Before one guard held stderr, each message escaped what its own author thought of:
``ask`` printed its chain's model refs (a cloned project's ``.ttabot.toml`` or a
``--config`` file chooses them) and the models that answered raw, so an OSC 52 in a
ref wrote the clipboard of whoever ran ``ttabot ask`` in that folder; error lines
escaped control characters but not workflow commands, so in a CI log a quoted
``##[add-mask]…`` or ``##[stop-commands]…`` was obeyed by the runner.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.llm.conftest import FAKE_KEY
from tests.llm.test_cli import ask_docs, write_config
from tests.support.fake_openai import FakeOpenAI
from tests.support.workflow_commands import workflow_commands
from ttabot.cli import main
from ttabot.commands import ask_run

OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"


def test_ask_progress_shows_a_hostile_model_ref_as_text(
    fake: FakeOpenAI,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_API_KEY", FAKE_KEY)
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(ask_run, "_stderr_is_terminal", lambda: True)
    refs = [f"fake:a{OSC52}", "fake:b\r##[add-mask]ttabot"]
    config = write_config(tmp_path, fake.base_url, chain=json.dumps(refs))
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"prompt": "one"}\n{"prompt": "two"}\n')
    assert ask_docs(config, "--batch", str(prompts), "--out", str(tmp_path / "r.jsonl")) == 0
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\r" not in err
    shown = "fake:a\\x1b]52;c;cm0gLXJmIH4=\\x07, fake:b\\r\\x23#[add-mask]"
    assert f"waiting for models: {shown}" in err
    assert "[2/2] answered by fake:a\\x1b]52;" in err
    assert workflow_commands(err) == []


@pytest.mark.parametrize(
    "path", ["x ##[stop-commands]t0k3n", "::add-mask::ttabot", f"a{OSC52}\n::error::b"]
)
def test_an_error_line_quoting_a_hostile_name_gives_no_command(
    path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--diff", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ttabot: error: ") and err.count("\n") == 1
    assert "\x1b" not in err and workflow_commands(err) == []


def test_the_hooks_fast_path_guards_stderr_as_the_cli_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `ttabot check PATH` from pre-commit runs without click (ttabot.entry); its lines
    # on stderr must be the bytes the click path writes.
    from tests.support.gitrepo import GitRepo
    from ttabot import entry

    repo = GitRepo(tmp_path / "r")
    repo.commit("init", **{"a.py": "X = 1\n"})
    monkeypatch.chdir(repo.path)
    path = f"x ##[stop-commands]t0k3n{OSC52}"
    fast = entry.main(["check", path])
    fast_err = capsys.readouterr().err
    slow = main(["check", path])
    assert (fast, fast_err) == (slow, capsys.readouterr().err)
    assert "\x1b" not in fast_err and workflow_commands(fast_err) == []
    assert "x \\x23#[stop-commands]t0k3n\\x1b]52;" in fast_err


def test_a_probe_line_is_one_line_whatever_the_provider_answers(
    fake: FakeOpenAI,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A provider's error message is printed in `models --probe`: a line break in it
    # forged probe lines ("fake:b  ok 0.01s") for models that never answered.
    from tests.support.fake_openai import bad_request

    monkeypatch.setenv("FAKE_API_KEY", FAKE_KEY)
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    config = write_config(tmp_path, fake.base_url, chain='["fake:a"]')
    fake.responder = lambda model, body: bad_request("no\n  fake:b  ok 0.01s\r  fake:c  ok")
    assert main(["models", "--config", str(config), "--probe"]) == 1
    out = capsys.readouterr().out
    probe = [line for line in out[out.index("probe:") :].splitlines() if "fake:" in line]
    assert len(probe) == 1 and probe[0].startswith("  fake:a  failed: "), probe


def test_a_chain_ref_is_listed_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cloned project's files choose the chain: a line break in a ref forged entries
    # of `ttabot models` ("2. openrouter:...  [ready]") that no chain holds.
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    ref = "openrouter:m\n  2. openrouter:trusted-model  [ready]"
    config = write_config(tmp_path, "http://127.0.0.1:9/v1", chain=json.dumps([ref]))
    assert main(["models", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "\n  2. openrouter:trusted-model" not in out
    assert "  1. openrouter:m\\n  2. openrouter:trusted-model  [ready]  [key missing" in out
