"""Project files cannot choose where ttabot keeps its shared state until trusted.

A pull request checked out locally may set ``[state] url`` (ttabot would send its
cooldowns, quotas and learning stats to that Redis and believe what it reads
back) or ``[client] state-dir`` (ttabot would write files there). Until ``ttabot
trust``, such a location gets one warning and the user's cache folder is used.
The attacker's Redis is a real ``redis-server`` on loopback; every connection it
receives is counted.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_openai import FakeOpenAI, rate_limited
from tests.support.gitrepo import GitRepo
from ttabot.cli import main
from ttabot.commands.trust_store import trust_path
from ttabot.config import ClientSettings, Settings, StateSettings
from ttabot.config.locations import (
    STATE_DIR,
    STATE_URL,
    StateLocation,
    project_locations,
    with_default_state,
    without_password,
)
from ttabot.config.routes import Route
from ttabot.config.trust_file import Trusted, parse_trust, trust_document
from ttabot.llm.state import default_state_dir
from ttabot.llm.state_file import STATE_FILE

#: A keyless provider at the fake server: its route needs no trust, only the state does.
MODELS = (
    '[providers.local]\nbase_url = "{url}"\n'
    '[chains]\ndocumentation = ["local:a", "local:b"]\n'
    "[client]\nbackoff = [0.05]\n"
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TTABOT_CONFIG", "TTABOT_STATE_URL", "OPENROUTER_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def ask() -> int:
    return main(["ask", "--task", "documentation", "hi"])


def warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("ttabot: warning:")]


def cool_a(fake: FakeOpenAI) -> None:
    """The next request to ``local:a`` is a 429: the run publishes a cooldown to its state."""
    fake.script("a", rate_limited(retry_after=600))


class Redis:
    """What the loopback Redis saw: connections received and keys held."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, decode_responses=True)

    def connections(self) -> int:
        # This count includes the probe's own connection, made once for the client.
        return int(self.client.info("stats")["total_connections_received"])

    def stored(self) -> list[str]:
        return sorted(k if isinstance(k, str) else k.decode() for k in self.client.keys("*"))


@pytest.fixture
def attacker_redis(redis_url: str) -> Iterator[tuple[str, Redis]]:
    probe = Redis(redis_url)
    probe.connections()
    yield redis_url, probe
    probe.client.close()


def test_a_project_redis_gets_no_connection_until_trusted(
    repo: GitRepo,
    fake: FakeOpenAI,
    attacker_redis: tuple[str, Redis],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, redis = attacker_redis
    repo.write(".ttabot.toml", MODELS.format(url=fake.base_url) + f'[state]\nurl = "{url}"\n')
    before = redis.connections()
    cool_a(fake)
    assert ask() == 0
    err = capsys.readouterr().err
    (line,) = warnings(err)
    assert line == (
        f"ttabot: warning: .ttabot.toml keeps ttabot's shared state (cooldowns, quotas, "
        f"learning stats) in {url} ([state] url); not used until you run 'ttabot trust' in "
        f"this repository; using {default_state_dir()} instead"
    )
    assert redis.connections() == before  # not even a PING
    assert redis.stored() == []
    # The cooldown went where the user's state lives.
    cooled = json.loads((default_state_dir() / STATE_FILE).read_text())["cooldowns"]
    assert [key.rsplit(" ", 1)[1] for key in cooled] == ["a"]

    assert main(["trust"]) == 0
    out = capsys.readouterr().out
    assert f"  [state] url = {url}" in out
    cool_a(fake)
    assert ask() == 0
    assert warnings(capsys.readouterr().err) == []
    assert redis.connections() > before
    assert any(key.startswith("ttabot:") for key in redis.stored())

    # Another database on the same server is another value: untrusted again.
    moved = url.replace("/0", "/1")
    repo.write(".ttabot.toml", MODELS.format(url=fake.base_url) + f'[state]\nurl = "{moved}"\n')
    seen = redis.connections()
    assert ask() == 0
    (line,) = warnings(capsys.readouterr().err)
    assert f"in {moved} ([state] url)" in line
    assert redis.connections() == seen


def test_a_project_state_dir_gets_no_file_until_trusted(
    repo: GitRepo, fake: FakeOpenAI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    repo.write(".ttabot.toml", MODELS.format(url=fake.base_url) + f'state-dir = "{elsewhere}"\n')
    cool_a(fake)
    assert ask() == 0
    (line,) = warnings(capsys.readouterr().err)
    assert f"in {elsewhere} ([client] state-dir); not used until you run 'ttabot trust'" in line
    assert not elsewhere.exists()
    assert (default_state_dir() / STATE_FILE).is_file()

    assert main(["trust"]) == 0
    assert f"  [client] state-dir = {elsewhere}" in capsys.readouterr().out
    cool_a(fake)
    assert ask() == 0
    assert warnings(capsys.readouterr().err) == []
    assert (elsewhere / STATE_FILE).is_file()


def test_an_untrusted_unix_socket_is_never_connected(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    sock_path = repo.path.parent / "s.sock"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(sock_path))
        listener.listen(8)
        listener.setblocking(False)
        config = MODELS.format(url=fake.base_url) + f'[state]\nurl = "unix://{sock_path}"\n'
        repo.write(".ttabot.toml", config)
        assert ask() == 0
        assert main(["models"]) == 0
        assert main(["models", "--stats"]) == 0
        err = capsys.readouterr().err
        assert len(warnings(err)) == 3  # one a run
        assert f"in unix://{sock_path} ([state] url)" in warnings(err)[0]
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody ever connected


def test_the_draft_hook_writes_nothing_to_a_project_state_dir(
    repo: GitRepo, fake: FakeOpenAI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    repo.commit("init", pkg__calc_py='"""Sums."""\n')
    config = MODELS.format(url=fake.base_url) + f'state-dir = "{elsewhere}"\n'
    repo.write(".ttabot.toml", config + "[draft]\nfeedback-rounds = 0\n")
    repo.write("pkg/calc.py", '"""Sums."""\n\n\ndef add(a, b):\n    return a + b\n')
    repo.stage()
    cool_a(fake)
    assert main(["draft", "--hook", "--only", "docs-missing"]) in (0, 1)
    assert "([client] state-dir)" in "\n".join(warnings(capsys.readouterr().err))
    assert fake.calls  # the models were asked; only the state stayed home
    assert not elsewhere.exists()


def test_the_users_own_choices_need_no_trust(
    repo: GitRepo,
    fake: FakeOpenAI,
    tmp_path: Path,
    attacker_redis: tuple[str, Redis],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, redis = attacker_redis
    mine = tmp_path / "mine"
    config = tmp_path / "mine.toml"
    config.write_text(MODELS.format(url=fake.base_url) + f'state-dir = "{mine}"\n')
    cool_a(fake)
    assert main(["ask", "--task", "documentation", "--config", str(config), "hi"]) == 0
    assert (mine / STATE_FILE).is_file()
    # The environment's URL replaces the file's: the file's evil one is not used either.
    repo.write(".ttabot.toml", MODELS.format(url=fake.base_url) + '[state]\nurl = "redis://x:1"\n')
    monkeypatch.setenv("TTABOT_STATE_URL", url)
    before = redis.connections()
    cool_a(fake)
    assert ask() == 0
    assert warnings(capsys.readouterr().err) == []
    assert redis.connections() > before and redis.stored()
    assert not trust_path().exists()


def test_shared_state_off_needs_no_trust(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    config = MODELS.format(url=fake.base_url).replace(
        "[client]\n", "[client]\nshared-state = false\n"
    )
    repo.write(".ttabot.toml", config + '[state]\nurl = "redis://127.0.0.1:1/0"\n')
    assert ask() == 0
    assert warnings(capsys.readouterr().err) == []


def test_list_shows_state_locations_and_revoke_forgets_them(
    repo: GitRepo, fake: FakeOpenAI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".ttabot.toml", MODELS.format(url=fake.base_url) + f'state-dir = "{tmp_path}"\n')
    assert main(["trust", "--list"]) == 0
    assert f"  [client] state-dir = {tmp_path}  [not trusted]" in capsys.readouterr().out
    assert main(["trust"]) == 0
    assert main(["trust", "--list"]) == 0
    assert f"  [client] state-dir = {tmp_path}  [trusted]" in capsys.readouterr().out
    repo.write(".ttabot.toml", MODELS.format(url=fake.base_url))
    assert main(["trust", "--list"]) == 0
    out = capsys.readouterr().out
    assert "no state locations in .ttabot.toml" in out
    assert out.endswith(f"trusted, no longer asked for:\n  [client] state-dir = {tmp_path}\n")
    assert main(["trust", "--revoke"]) == 0
    assert parse_trust(json.loads(trust_path().read_text())) == {}


#: Attack: what 'ttabot trust' and the warning show hides where the state goes. The
#: carriage return lets a decoy overwrite the real URL; a bidi override reorders it.
SPOOF_URL = "redis://:hunter2@evil.example:6379/0\r  [state] url = redis://127.0.0.1:6379/0\u202e"
SPOOF_DIR = "/tmp/evil\x1b[2K\u2066x"


def test_state_locations_are_shown_without_control_or_bidi_characters_nor_password(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        ".ttabot.toml",
        MODELS.format(url=fake.base_url)
        + f"state-dir = {json.dumps(SPOOF_DIR)}\n[state]\nurl = {json.dumps(SPOOF_URL)}\n",
    )
    assert ask() == 0
    assert main(["trust", "--list"]) == 0
    assert main(["trust"]) == 0
    captured = capsys.readouterr()
    for text in (captured.out, captured.err):
        assert not {"\r", "\x1b", "\u202e", "\u2066"} & set(text)
        assert "hunter2" not in text
    shown_url = "redis://:***@evil.example:6379/0\\r  [state] url = redis://127.0.0.1:6379/0\\u202e"
    assert f"  [state] url = {shown_url}  [not trusted]" in captured.out
    assert "  [client] state-dir = /tmp/evil\\x1b[2K\\u2066x  [not trusted]" in captured.out
    (line,) = warnings(captured.err)
    assert (
        f"in {shown_url} ([state] url) and /tmp/evil\\x1b[2K\\u2066x ([client] state-dir)" in line
    )
    # What is trusted is the exact value, password and all, kept in the user's cache.
    table = parse_trust(json.loads(trust_path().read_text()))
    assert table is not None
    (trusted,) = table.values()
    assert StateLocation(STATE_URL, SPOOF_URL) in trusted.locations


# --- the trust file under two writers ---------------------------------------------

#: Runs 'ttabot trust' in argv[1]; before writing the trust file it waits until the
#: other run is about to write too (or 5 s pass). Without a lock both have read the
#: old file by then and the second rename drops the first one's repository; with the
#: lock the other run is held before it reads, so the wait runs out and both land.
_RACER = """
import pathlib, sys, time
import ttabot.fileio as fileio
here, other = pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
real = fileio.write_atomic
def write_atomic(path, text):
    here.touch()
    end = time.monotonic() + 5.0
    while not other.exists() and time.monotonic() < end:
        time.sleep(0.01)
    real(path, text)
fileio.write_atomic = write_atomic
import os
os.chdir(sys.argv[1])
from ttabot.entry import main
sys.exit(main(["trust"]))
"""


def test_two_trust_runs_at_once_keep_both_repositories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.gitrepo import GIT_ENV

    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    roots = []
    for name in ("one", "two"):
        r = GitRepo(tmp_path / name)
        r.write(".ttabot.toml", f'[client]\nstate-dir = "{tmp_path / name}-state"\n')
        roots.append(r.path)
    flags = [tmp_path / "one.writing", tmp_path / "two.writing"]
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(root), str(mine), str(theirs)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for root, mine, theirs in ((roots[0], *flags), (roots[1], *reversed(flags)))
    ]
    for run in runs:
        _out, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
    table = parse_trust(json.loads(trust_path().read_text()))
    assert table is not None
    assert set(table) == {str(root.resolve()) for root in roots}
    assert not list(trust_path().parent.glob(".*.ttabot"))  # no temporary file left


# --- the pure rules ----------------------------------------------------------------


def _settings(url: str = "", state_dir: str | None = None, shared: bool = True) -> Settings:
    client = ClientSettings(state_dir=state_dir, shared_state=shared)
    return Settings(client=client, state=StateSettings(url=url), source=".ttabot.toml")


@pytest.mark.parametrize(
    ("settings", "environ", "expected"),
    [
        (_settings(), {}, ()),
        (_settings(url="", state_dir=""), {}, ()),
        (_settings(url="redis://h/0"), {}, (StateLocation(STATE_URL, "redis://h/0"),)),
        (_settings(url="redis://h/0"), {"TTABOT_STATE_URL": "redis://h/0"}, ()),
        (
            _settings(url="redis://h/0"),
            {"TTABOT_STATE_URL": ""},
            (StateLocation(STATE_URL, "redis://h/0"),),
        ),
        (_settings(state_dir="s"), {}, (StateLocation(STATE_DIR, "s"),)),
        (_settings(url="redis://h/0", state_dir="s", shared=False), {}, ()),
        (
            _settings(url="unix:///s", state_dir="/d"),
            {},
            (StateLocation(STATE_URL, "unix:///s"), StateLocation(STATE_DIR, "/d")),
        ),
    ],
)
def test_project_locations(
    settings: Settings, environ: dict[str, str], expected: tuple[StateLocation, ...]
) -> None:
    assert project_locations(settings, environ) == expected


def test_with_default_state_resets_only_the_untrusted() -> None:
    settings = _settings(url="redis://h/0", state_dir="/d")
    reset = with_default_state(settings, [StateLocation(STATE_DIR, "/d")])
    assert (reset.state.url, reset.client.state_dir) == ("redis://h/0", None)
    reset = with_default_state(settings, [StateLocation(STATE_URL, "redis://h/0")])
    assert (reset.state.url, reset.client.state_dir) == ("", "/d")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://h:6379/0", "redis://h:6379/0"),
        ("redis://:pw@h:1/0", "redis://:***@h:1/0"),
        ("rediss://user:pw@h/0", "rediss://user:***@h/0"),
        ("redis://user@h/0", "redis://user@h/0"),
        ("redis://a:b@evil:1@good/0", "redis://a:***@good/0"),
        ("unix:///run/r.sock?db=1&password=pw", "unix:///run/r.sock?db=1&password=***"),
        ("redis://h/0\r  x", "redis://h/0\r  x"),
        ("redis://h/0?password=a#&password=b", "redis://h/0?password=***#&password=b"),
        # Attack: a "password=" in a socket's path hid the rest of the path, the part
        # that says which socket is connected to: only the query carries a password.
        (
            "unix:///run/redis&password=/../../home/me/proj/evil.sock",
            "unix:///run/redis&password=/../../home/me/proj/evil.sock",
        ),
        ("unix:///s&password=x?password=y", "unix:///s&password=x?password=***"),
    ],
)
def test_without_password(url: str, shown: str) -> None:
    assert without_password(url) == shown


def test_a_version_1_trust_file_still_trusts_its_routes() -> None:
    route = Route("p", "https://h/v1", "K")
    old = {"version": 1, "repositories": {"/r": [route._asdict()]}}
    assert parse_trust(old) == {"/r": Trusted(frozenset({route}))}


def test_a_trust_document_with_state_reads_back() -> None:
    trusted = Trusted(frozenset(), frozenset({StateLocation(STATE_URL, "redis://h/0")}))
    assert parse_trust(json.loads(json.dumps(trust_document({"/r": trusted})))) == {"/r": trusted}


def test_state_warnings_escape_the_folder_they_name(
    repo: GitRepo, fake: FakeOpenAI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder the user chose (here by --config) is still shown escaped when Redis is down."""
    from tests.support.redis_server import free_port

    folder = tmp_path / "st\x1b]0;owned\x07\u202eate"
    config = tmp_path / "mine.toml"
    config.write_text(
        MODELS.format(url=fake.base_url)
        + f"state-dir = {json.dumps(str(folder))}\n"
        + f'[state]\nurl = "redis://127.0.0.1:{free_port()}/0"\n'
    )
    assert main(["ask", "--task", "documentation", "--config", str(config), "hi"]) == 0
    (line,) = warnings(capsys.readouterr().err)
    assert "unreachable" in line and "st\\x1b]0;owned\\x07\\u202eate" in line
    assert not {"\x1b", "\x07", "\u202e"} & set(line)


def test_a_trust_file_locked_too_long_is_one_line_exit_2(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ttabot.fileio import locked

    monkeypatch.setattr("ttabot.commands.trust_store.TRUST_LOCK_TIMEOUT", 0.05)
    repo.write(".ttabot.toml", '[client]\nstate-dir = "/tmp/s"\n')
    trust_path().parent.mkdir(parents=True, exist_ok=True)
    with locked(trust_path(), 1.0):
        assert main(["trust"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ttabot: error: trust file ")
    assert "locked by another ttabot" in err
    assert not trust_path().exists()


def test_an_unwritable_trust_folder_is_one_line_exit_2(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".ttabot.toml", '[client]\nstate-dir = "/tmp/s"\n')
    trust_path().parent.parent.mkdir(parents=True, exist_ok=True)
    trust_path().parent.write_text("a file where the cache folder should be")
    assert main(["trust"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ttabot: error: cannot write trust file ")


#: Attack: state locations that look like others. A Cyrillic ie (U+0435) makes a look-alike
#: host; a line separator and an ideographic space hide the rest of a folder's path.
LOOKALIKE_URL = "redis://cach\u0435.internal:6379/0"
LOOKALIKE_DIR = "/srv/ttabot\u2028/home/you/.cache/ttabot\u3000\u00a0"


def test_state_locations_are_shown_so_lookalikes_and_invisible_characters_stand_out(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        ".ttabot.toml",
        MODELS.format(url=fake.base_url)
        + f"state-dir = {json.dumps(LOOKALIKE_DIR)}\n[state]\nurl = {json.dumps(LOOKALIKE_URL)}\n",
    )
    assert ask() == 0
    assert main(["trust"]) == 0
    captured = capsys.readouterr()
    for text in (captured.out, captured.err):
        assert not {"\u0435", "\u2028", "\u3000", "\u00a0"} & set(text)
    assert "  [state] url = redis://cach\\u0435.internal:6379/0\n" in captured.out
    dir_shown = "/srv/ttabot\\u2028/home/you/.cache/ttabot\\u3000\\u00a0"
    assert f"  [client] state-dir = {dir_shown}\n" in captured.out
    (line,) = warnings(captured.err)
    assert f"in redis://cach\\u0435.internal:6379/0 ([state] url) and {dir_shown} (" in line


def test_a_state_dir_keeps_its_letters_whatever_the_language(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".ttabot.toml", MODELS.format(url=fake.base_url) + 'state-dir = "/home/josé/état"\n')
    assert main(["trust"]) == 0
    assert "  [client] state-dir = /home/josé/état\n" in capsys.readouterr().out


def test_a_relative_state_dir_means_one_folder_wherever_ttabot_runs(
    repo: GitRepo,
    fake: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Attack: trust is per exact value, but "../st" named ../st wherever ttabot ran.
    # Trusted at the root (a folder beside the repository), a run from sub/ wrote into
    # the repository's own st/, a folder never shown nor trusted.
    repo.write(".ttabot.toml", MODELS.format(url=fake.base_url) + 'state-dir = "../st"\n')
    (repo.path / "sub").mkdir()
    shown = repo.path.resolve() / ".." / "st"
    assert main(["trust"]) == 0
    assert f"  [client] state-dir = {shown}\n" in capsys.readouterr().out
    monkeypatch.chdir(repo.path / "sub")
    cool_a(fake)
    assert ask() == 0
    assert warnings(capsys.readouterr().err) == []
    assert not (repo.path / "st").exists()
    assert (repo.path.parent / "st" / STATE_FILE).is_file()
    assert main(["trust", "--list"]) == 0
    assert f"  [client] state-dir = {shown}  [trusted]\n" in capsys.readouterr().out


@pytest.mark.parametrize(
    "spelled", ["st", "./st", "sub/../st", "../repo/st", "{root}/st", "{root}"]
)
def test_a_state_dir_inside_the_repository_is_never_used_even_when_trusted(
    repo: GitRepo,
    fake: FakeOpenAI,
    tmp_path: Path,
    spelled: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Attack: the user trusted st/ in the repository; the next pull request checks out
    # st as a symlink to a folder of its choosing (or plants lock files and hostile
    # state in it). What the repository's files hold is the pull request's to choose,
    # so ttabot never keeps its state there ("nothing is ever written into the project").
    value = spelled.format(root=repo.path)
    config = MODELS.format(url=fake.base_url) + f"state-dir = {json.dumps(value)}\n"
    repo.write(".ttabot.toml", config)
    assert main(["trust"]) == 0
    out = capsys.readouterr().out
    assert "  (inside the repository: never used)" in out
    assert parse_trust(json.loads(trust_path().read_text())) == {
        str(repo.path.resolve()): Trusted()
    }
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo.path / "st").symlink_to(elsewhere)  # what the next pull request checks out
    cool_a(fake)
    assert ask() == 0
    (line,) = warnings(capsys.readouterr().err)
    assert "([client] state-dir) inside the repository, whose files a pull request" in line
    assert list(elsewhere.iterdir()) == []
    assert not (repo.path / STATE_FILE).exists()
    assert (default_state_dir() / STATE_FILE).is_file()
    assert main(["trust", "--list"]) == 0
    assert "  [never used: inside the repository]\n" in capsys.readouterr().out


@pytest.mark.parametrize(
    "url",
    [
        # Attack: redis-py unquotes the host and a socket's path before it connects, so
        # what 'ttabot trust' shows is not where ttabot connects.
        "redis://%65%76%69%6c.example:6379/0",  # evil.example
        "redis://cache.internal%2eevil.example:6379/0",
        "rediss://u:p@%63ache.internal/0",
        "unix:///run/redis%2F..%2F..%2Ftmp%2Fevil.sock",
    ],
)
def test_a_state_url_spelling_its_host_or_socket_in_percent_escapes_is_refused(url: str) -> None:
    from ttabot.config import settings_from_table
    from ttabot.errors import TtabotError

    with pytest.raises(TtabotError, match=r"state\.url: .*percent"):
        settings_from_table({"state": {"url": url}}, "test")


def test_a_state_url_password_may_hold_percent_escapes() -> None:
    from ttabot.config import settings_from_table

    url = "redis://user:p%40ss%25@cache.internal:6379/0"
    assert settings_from_table({"state": {"url": url}}, "test").state.url == url


def test_a_state_url_whose_user_part_looks_like_a_host_shows_the_real_host(
    repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "redis://cache.internal:6379@evil.example/0"  # user "cache.internal", password "6379"
    repo.write(".ttabot.toml", MODELS.format(url=fake.base_url) + f'[state]\nurl = "{url}"\n')
    assert ask() == 0
    assert main(["trust"]) == 0
    captured = capsys.readouterr()
    shown = "redis://cache.internal:***@evil.example/0 (host evil.example)"
    assert f"  [state] url = {shown}\n" in captured.out
    assert f"in {shown} ([state] url)" in captured.err
