"""``ttabot ask`` and ``ttabot models`` end to end, against the fake server."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.llm.conftest import FAKE_KEY
from tests.support.fake_openai import (
    FakeOpenAI,
    bad_request,
    free_model,
    hang,
    last_prompt,
    ok,
    paid_model,
    rate_limited,
    server_error,
    unauthorized,
)
from ttabot.cli import main


def write_config(tmp_path: Path, base_url: str, chain: str = '["fake:a", "fake:b"]') -> Path:
    path = tmp_path / "ttabot.toml"
    path.write_text(
        f"""
[providers.fake]
base_url = "{base_url}"
api_key_env = "FAKE_API_KEY"

[chains]
documentation = {chain}
unit-tests = ["fake:a", "other:x"]

[providers.other]
base_url = "{base_url}"
api_key_env = "OTHER_API_KEY"

[client]
attempt_timeout = 0.5
deadline = 3.0
backoff = [0.05, 0.1]
max-attempts = 4
state_dir = "{tmp_path / "state"}"
"""
    )
    return path


def ask_docs(config: Path, *args: str) -> int:
    """``ttabot ask --task documentation --config CONFIG ARGS…``, returning its exit code."""
    return main(["ask", "--task", "documentation", "--config", str(config), *args])


@pytest.fixture
def config(fake: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FAKE_API_KEY", FAKE_KEY)
    monkeypatch.delenv("OTHER_API_KEY", raising=False)
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)  # never reach the real service
    monkeypatch.chdir(tmp_path)
    return write_config(tmp_path, fake.base_url)


def test_ask_prints_the_answer(
    fake: FakeOpenAI, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script("a", rate_limited(retry_after=30))
    code = ask_docs(config, "Say hi")
    assert (code, capsys.readouterr().out) == (0, "answer from b\n")
    assert fake.calls[0].prompt == "Say hi"


HOSTILE_ANSWER = "hi\x1b]52;c;ZXZpbA==\x07 there\x1b[2J\r\nline two\tend"


@pytest.mark.parametrize(
    ("tty", "shown"),
    [
        # A terminal sees the escapes as text: no clipboard write, no cleared screen.
        (True, "hi\\x1b]52;c;ZXZpbA==\\x07 there\\x1b[2J\\r\nline two\tend\n"),
        # A pipe or a file gets the answer as it came (click drops colour codes only).
        (False, "hi\x1b]52;c;ZXZpbA==\x07 there\r\nline two\tend\n"),
    ],
)
def test_a_model_answer_cannot_drive_the_terminal(
    fake: FakeOpenAI,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tty: bool,
    shown: str,
) -> None:
    fake.script("a", ok(HOSTILE_ANSWER))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: tty)
    code = ask_docs(config, "Say hi")
    assert (code, capsys.readouterr().out) == (0, shown)


def test_ask_model_override(
    fake: FakeOpenAI, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = ask_docs(config, "--model", "fake:vendor/m:free", "hi")
    assert (code, capsys.readouterr().out) == (0, "answer from vendor/m:free\n")


def test_ask_without_a_key_names_the_variable(
    fake: FakeOpenAI,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FAKE_API_KEY")
    code = ask_docs(config, "hi")
    err = capsys.readouterr().err
    assert code == 2
    assert err == "ttabot: error: no API key for the documentation models: set FAKE_API_KEY\n"
    assert fake.calls == []


def test_ask_failure_is_one_line_and_never_shows_the_key(
    fake: FakeOpenAI, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.responder = lambda model, body: (
        unauthorized() if model == "a" else server_error(500, f"upstream saw {FAKE_KEY}")
    )
    code = ask_docs(config, "hi")
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("ttabot: error: gave up after 4 attempts")
    assert "upstream saw ***" in err and FAKE_KEY not in err


def test_batch_keeps_input_order_and_shares_rotation(
    fake: FakeOpenAI, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The 429 leaves after the whole first wave has arrived, and a's other answers take
    # longer still, so whatever the load, the client has read the 429 before any of its
    # tasks is free to send again: a later request to a is a failure to share the cooldown.
    fake.script("a", rate_limited(retry_after=30, delay=0.3))
    fake.responder = lambda model, body: ok(
        f"{model} says {last_prompt(body)}",
        delay=0.6 if model == "a" else 0.01 * (hash(last_prompt(body)) % 5),
    )
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"prompt": f"p{i}"}) + "\n" for i in range(12)))
    out, metrics = tmp_path / "results.jsonl", tmp_path / "metrics.json"
    code = ask_docs(
        config,
        "--batch",
        str(prompts),
        "--concurrency",
        "4",
        "--out",
        str(out),
        "--metrics",
        str(metrics),
    )
    assert code == 0, capsys.readouterr().err
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(results) == 12
    for i, result in enumerate(results):
        assert result["ok"] is True and result["error"] is None
        assert result["content"].endswith(f"says p{i}")
        assert result["model"] in ("fake:a", "fake:b") and result["attempts"] >= 1
    assert len(fake.calls_for("a")) <= 4  # at most the first wave, before the 429 was read
    data = json.loads(metrics.read_text())
    assert data["completions_ok"] == 12 and "sends_held_back" in data
    assert fake.violations() == []


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ('{"prompt": "ok"}\nnot json\n', 2),
        ('{"prompt": "ok"}\n\n{"text": "x"}\n', 3),
        ('{"prompt": 5}\n', 1),
        # nested past json's recursion limit: a RecursionError traceback, not this line
        ('{"prompt": "ok"}\n{"prompt": ' + "[" * 100_000 + "]" * 100_000 + "}\n", 2),
    ],
)
def test_bad_batch_line_exits_2_naming_it_and_writes_nothing(
    fake: FakeOpenAI,
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    line: int,
) -> None:
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(content)
    out = tmp_path / "results.jsonl"
    out.write_text("previous results\n")
    code = ask_docs(config, "--batch", str(prompts), "--out", str(out))
    err = capsys.readouterr().err
    assert code == 2 and f"prompts.jsonl:{line}:" in err and err.count("\n") == 1
    assert out.read_text() == "previous results\n"
    assert fake.calls == []
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_batch_with_failures_exits_1_and_still_writes_every_line(
    fake: FakeOpenAI, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.responder = lambda model, body: (
        unauthorized()
        if "bad" in last_prompt(body) and model == "b"
        else server_error(400 if "bad" in last_prompt(body) else 200, "bad prompt")
        if "bad" in last_prompt(body)
        else ok("fine")
    )
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('{"prompt": "good"}\n{"prompt": "bad"}\n{"prompt": "good"}\n')
    out = tmp_path / "results.jsonl"
    code = ask_docs(config, "--batch", str(prompts), "--out", str(out))
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert code == 1
    assert [r["ok"] for r in results] == [True, False, True]
    assert results[1]["error"] == "fake:a: HTTP 400: bad prompt" and results[1]["model"] is None


def test_models_shows_chains_and_state(
    fake: FakeOpenAI, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script("a", rate_limited(retry_after=300))
    assert ask_docs(config, "hi") == 0
    capsys.readouterr()
    assert main(["models", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "documentation:\n  1. fake:a  [cooling until " in out
    assert "  2. fake:b  [ready]" in out
    assert "  2. other:x  [key missing: set OTHER_API_KEY]" in out


def test_models_free_lists_zero_priced_models_with_context(
    fake: FakeOpenAI, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.catalog = [free_model("z/b:free", 8192), paid_model("p/q"), free_model("a", 131072)]
    assert main(["models", "--config", str(config), "--free", "--provider", "fake"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2 free models at ")
    assert out[1:] == ["    131072  fake:a  (in a chain)", "      8192  fake:z/b:free"]


def test_models_probe_reports_each_model(
    fake: FakeOpenAI,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTHER_API_KEY", "k2")
    fake.responder = lambda model, body: (
        unauthorized()
        if model == "x"
        else ok(
            "",
        )
    )
    code = main(["models", "--config", str(config), "--probe"])
    out = capsys.readouterr().out
    assert code == 1
    assert "  fake:a  ok " in out and "  fake:b  ok " in out
    assert "  other:x  failed: other:x: HTTP 401: No auth credentials found" in out
    assert all(call.body["max_tokens"] == 1 for call in fake.calls)


def test_probe_without_any_key_is_one_line(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAKE_API_KEY")
    assert main(["models", "--config", str(config), "--probe"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ttabot: error: no API key to probe with: ")
    assert err.endswith("set OPENROUTER_API_KEY or FAKE_API_KEY or OTHER_API_KEY\n")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--out", "nodir/res.jsonl"], "--out nodir/res.jsonl: folder nodir does not exist"),
        (
            ["--out", "res.jsonl", "--metrics", "nodir/m.json"],
            "--metrics nodir/m.json: folder nodir does not exist",
        ),
        (
            ["--out", "prompts.jsonl/res.jsonl"],
            "--out prompts.jsonl/res.jsonl: folder prompts.jsonl is not a folder",
        ),
    ],
)
def test_batch_destination_is_checked_before_any_request(
    fake: FakeOpenAI,
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    options: list[str],
    message: str,
) -> None:
    (tmp_path / "prompts.jsonl").write_text('{"prompt": "p1"}\n{"prompt": "p2"}\n')
    code = ask_docs(config, "--batch", "prompts.jsonl", *options)
    err = capsys.readouterr().err
    assert (code, err) == (2, f"ttabot: error: {message}\n")
    assert len(fake.calls) == 0
    assert not (tmp_path / "res.jsonl").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_single_prompt_metrics_destination_is_checked_first(
    fake: FakeOpenAI, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = ask_docs(config, "--metrics", "nodir/m.json", "hi")
    assert code == 2
    assert capsys.readouterr().err.startswith("ttabot: error: --metrics nodir/m.json: ")
    assert len(fake.calls) == 0


@pytest.mark.parametrize(
    ("command", "codes"),
    [
        ("ask", ("0  answered", "1  no model could answer", "2  usage or input error")),
        ("models", ("0  listed", "1  --probe: some chain model", "2  usage or input error")),
        ("action", ("0  done", "1  a pull request has findings in a fail-on", "2  could not")),
    ],
)
def test_help_gives_exit_codes_and_examples(
    command: str, codes: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    exits = out[out.index("Exit codes:") : out.index("Examples:")]
    assert [line.split()[0] for line in exits.splitlines()[1:] if line[:5].strip().isdigit()] == [
        "0",
        "1",
        "2",
    ]
    for code in codes:
        assert f"\n    {code}" in exits
    examples = out[out.index("Examples:") :]
    assert examples.count(f"ttabot {command}") >= 2


def test_batch_lines_carry_latency_s_and_model(
    fake: FakeOpenAI, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.responder = lambda model, body: (
        bad_request("no") if "bad" in last_prompt(body) else ok("fine")
    )
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('{"prompt": "good"}\n{"prompt": "bad"}\n')
    out = tmp_path / "results.jsonl"
    assert ask_docs(config, "--batch", str(prompts), "--out", str(out)) == 1
    good, bad = (json.loads(line) for line in out.read_text().splitlines())
    assert good["model"] == "fake:a" and bad["model"] is None
    for line in (good, bad):
        assert isinstance(line["latency_s"], float) and line["latency_s"] >= 0


def test_deadline_bounds_each_request(
    fake: FakeOpenAI, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.responder = lambda model, body: hang(30)
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('{"prompt": "one"}\n{"prompt": "two"}\n')
    out = tmp_path / "results.jsonl"
    code = ask_docs(config, "--batch", str(prompts), "--out", str(out), "--deadline", "0.3")
    assert code == 1
    for line in out.read_text().splitlines():
        result = json.loads(line)
        # The 0.5 s attempt timeout of the config was cut to the request's 0.3 s.
        assert "within 0.3s" in result["error"], result


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_a_deadline_that_is_no_duration_is_one_line(
    config: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    assert ask_docs(config, "--deadline", value, "hi") == 2
    err = capsys.readouterr().err
    assert err.startswith("ttabot: error: --deadline") and err.count("\n") == 1
