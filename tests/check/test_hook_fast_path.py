"""The hook's fast path (ttabot.entry) against the click command: same options, same bytes.

``ttabot check`` as a pre-commit hook skips click (ttabot.entry); these tests
hold it to the click path's output and exit code, byte for byte, and hold its
few accepted options to the click command's, so the two cannot drift apart.
Speed is measured in bench/check_bench.py, never here.
"""

from __future__ import annotations

import gc
import io
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import click
import pytest

from tests.support.gitrepo import GitRepo
from ttabot import cli, entry
from ttabot.commands import check as check_module
from ttabot.commands import check_run
from ttabot.commands.check import command
from ttabot.commands.check_run import CheckOptions
from ttabot.entry import HOOK_OPTIONS, hook_options
from ttabot.errors import Stopped, TtabotError

PROJECT = Path(__file__).resolve().parents[2]
UNDOCUMENTED = "def greet(name):\n    return 'hi ' + name\n"

#: ``python -c`` programs: the console script (fast path when it can) and the click CLI alone.
ENTRY = "import sys; from ttabot.entry import script; script()"
CLICK = "import sys; from ttabot.cli import main; sys.exit(main(sys.argv[1:]))"


def hook_repo(repo: GitRepo) -> GitRepo:
    """A base commit, then staged: an undocumented module, a test, a config, a hostile name."""
    repo.write("README", "base\n")
    repo.commit("base")
    repo.write("pkg/mod.py", UNDOCUMENTED)
    repo.write("pkg/\x1b[31mred.py", UNDOCUMENTED)  # click strips ANSI from non-terminal output
    repo.write("tests/test_mod.py", "def test_x():\n    pass\n")
    repo.write("strict.toml", 'fail-on = ["all"]\n')
    repo.write("bad.toml", "fail-on = [\n")
    repo.write("lenient.toml", "fail-on = []\n")
    repo.write("caf\xe9.py", "def caf\xe9():\n    return 1\n")
    repo.stage()
    (repo.path / "confdir").mkdir()
    return repo


def run(program: str, args: list[str], cwd: Path, **env: str) -> tuple[int, bytes, bytes]:
    """Exit code, stdout and stderr of ``python -c program check ...`` in ``cwd``."""
    environ = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    environ.update(PYTHONPATH=str(PROJECT), **env)
    done = subprocess.run(
        [sys.executable, "-c", program, *args], cwd=cwd, env=environ, capture_output=True
    )
    return done.returncode, done.stdout, done.stderr


#: (arguments, whether the fast path takes them, extra environment)
CASES: list[tuple[list[str], bool, dict[str, str]]] = [
    (["check"], True, {}),
    (["check", "pkg"], True, {}),
    (["check", "pkg/mod.py", "tests"], True, {}),
    (["check", "nowhere"], True, {}),  # no changed file under it: a notice on stderr
    (["check", "/"], True, {}),  # outside the repository: one-line error, exit 2
    (["check", "--config", "strict.toml"], True, {}),
    (["check", "--config=strict.toml", "pkg"], True, {}),
    (["check", "--config", "bad.toml"], True, {}),  # a bad config: one-line error, exit 2
    (["check", "--config", "missing.toml"], True, {}),
    (["check"], True, {"FORCE_COLOR": "1"}),  # colour: renderers import click only then
    (["check"], True, {"PYTHONIOENCODING": "utf-8:surrogateescape"}),
    (["check", "--config", "confdir"], False, {}),  # click's "is a directory"
    (["check", "--config", "a.toml", "--config", "b.toml"], False, {}),
    (["check", "--config"], False, {}),
    (["check", "--format", "json"], False, {}),
    (["check", "-q"], False, {}),
    (["check", "--", "pkg"], False, {}),
    (["check", "--help"], False, {}),
    (["--version"], False, {}),
]


@pytest.mark.parametrize(("args", "fast", "env"), CASES, ids=lambda c: repr(c))
def test_fast_path_prints_and_exits_as_the_click_path_does(
    repo: GitRepo, args: list[str], fast: bool, env: dict[str, str]
) -> None:
    hook_repo(repo)
    assert (hook_options(args) is not None) is fast
    by_entry = run(ENTRY, args, repo.path, **env)
    by_click = run(CLICK, args, repo.path, **env)
    assert by_entry == by_click
    assert b"Traceback" not in by_entry[2]


def test_fast_path_outside_a_repository_fails_as_the_click_path_does(tmp_path: Path) -> None:
    by_entry = run(ENTRY, ["check"], tmp_path)
    assert by_entry == run(CLICK, ["check"], tmp_path)
    assert by_entry[0] == 2 and by_entry[2].startswith(b"ttabot: error: ")


def test_ascii_streams_go_to_click(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    """click rewraps an ASCII stream; the fast path steps aside instead of imitating it."""
    hook_repo(repo)
    assert run(ENTRY, ["check"], repo.path, PYTHONIOENCODING="ascii") == run(
        CLICK, ["check"], repo.path, PYTHONIOENCODING="ascii"
    )
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
    assert hook_options(["check"]) is None


def test_fast_path_imports_no_click(repo: GitRepo) -> None:
    """The guard behind the bench figure: the hook's ``ttabot check`` never imports click."""
    hook_repo(repo)
    probe = (
        "import sys\nfrom ttabot.entry import main\n"
        "code = main(['check', '--config', 'strict.toml'])\n"
        "print(code, [m for m in ('click', 'ttabot.cli', 'ttabot.commands.check') "
        "if m in sys.modules])\n"
    )
    _, out, err = run(probe, [], repo.path)
    assert out.decode().splitlines()[-1] == "1 []", out + err


def test_check_options_are_the_click_commands_defaults() -> None:
    """One source of truth: what click parses from no arguments is ``CheckOptions()``."""
    parsed = command.make_context("check", []).params
    assert parsed == CheckOptions()._asdict()


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["check", "a.py", "src"],
        ["check", "--config", "x.toml"],
        ["check", "src", "--config=x.toml", "b.py"],
    ],
)
def test_fast_path_parses_as_click_does(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fast = hook_options(args)
    assert fast is not None
    assert fast._asdict() == command.make_context("check", args[1:]).params


def test_every_hook_option_is_a_click_option_and_no_other_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    taken = {opt for p in command.params if isinstance(p, click.Option) for opt in p.opts}
    assert set(HOOK_OPTIONS) <= taken
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        for opt in [*param.opts, *param.secondary_opts]:
            if opt in HOOK_OPTIONS:
                continue
            value = [] if param.is_flag else ["text"]
            assert hook_options(["check", opt, *value]) is None, opt


def test_console_script_and_dash_m_use_the_entry() -> None:
    pyproject = (PROJECT / "pyproject.toml").read_text()
    assert 'ttabot = "ttabot.entry:script"' in pyproject
    assert "from ttabot.entry import main" in (PROJECT / "ttabot" / "__main__.py").read_text()


@pytest.mark.parametrize(
    "error",
    [TtabotError("bad input"), Stopped(signal.SIGTERM), KeyboardInterrupt(), EOFError()],
    ids=["input-error", "sigterm", "interrupt", "eof"],
)
def test_fast_path_turns_errors_into_the_click_paths_line_and_code(
    error: BaseException,
    repo: GitRepo,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hook_repo(repo)

    def fail(options: CheckOptions, echo: object) -> int:
        raise error

    monkeypatch.setattr(check_run, "run", fail)
    monkeypatch.setattr(check_module, "run", fail)
    assert hook_options(["check"]) is not None
    by_entry = (entry.main(["check"]), *capsys.readouterr())
    by_click = (cli.main(["check"]), *capsys.readouterr())
    assert by_entry == by_click
    assert by_entry[0] in (2, 130, 143) and "ttabot: " in by_entry[2]


def test_a_closed_stdout_ends_both_paths_alike(repo: GitRepo) -> None:
    """A reader that went away (``ttabot check | head -0``): exit 1, nothing on stderr.

    (No finding fails the run with lenient.toml, so 1 here is the broken pipe's.)
    """
    hook_repo(repo)
    results = []
    for program in (ENTRY, CLICK):
        read_end, write_end = os.pipe()
        os.close(read_end)  # closed before ttabot writes: a broken pipe, every time
        env = {**os.environ, "PYTHONPATH": str(PROJECT)}
        done = subprocess.run(
            [sys.executable, "-c", program, "check", "--config", "lenient.toml"],
            cwd=repo.path,
            env=env,
            stdout=write_end,
            stderr=subprocess.PIPE,
        )
        os.close(write_end)
        results.append((done.returncode, done.stderr))
    assert results[0] == results[1] == (1, b"")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_one_line_and_exit_2_on_both_paths(repo: GitRepo) -> None:
    """A report that cannot be written (ENOSPC) is one error line, not a traceback."""
    hook_repo(repo)
    results = []
    for program in (ENTRY, CLICK):
        with open("/dev/full", "wb") as full:
            env = {**os.environ, "PYTHONPATH": str(PROJECT)}
            done = subprocess.run(
                [sys.executable, "-c", program, "check"],
                cwd=repo.path,
                env=env,
                stdout=full,
                stderr=subprocess.PIPE,
            )
        results.append((done.returncode, done.stderr))
    line = b"ttabot: error: cannot write the report: No space left on device\n"
    assert results[0] == results[1] == (2, line)


def test_the_console_script_loses_no_output_when_it_skips_the_teardown(repo: GitRepo) -> None:
    """script() ends a hook run with os._exit: a report far over a pipe's buffer arrives whole."""
    repo.write("README", "base\n")
    repo.commit("base")
    repo.write("big.py", "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(3000)))
    repo.stage()
    by_entry = run(ENTRY, ["check"], repo.path)
    by_click = run(CLICK, ["check"], repo.path)
    assert by_entry == by_click
    assert by_entry[0] == 1 and len(by_entry[1]) > 256 * 1024
    assert by_entry[1].count(b"docs-missing") > 3000


def test_the_collector_is_off_only_for_the_fast_path(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """gc is off while the hook checks, on again after it and for every click command."""
    hook_repo(repo)
    during: list[bool] = []

    def record(options: CheckOptions, echo: object) -> int:
        during.append(gc.isenabled())
        return 0

    monkeypatch.setattr(check_run, "run", record)
    assert entry.main(["check"]) == 0
    assert during == [False] and gc.isenabled()

    def clicked(argv: Sequence[str] | None = None) -> int:
        during.append(gc.isenabled())
        return 0

    monkeypatch.setattr(cli, "main", clicked)
    assert entry.main(["check", "--format", "json"]) == 0
    assert during == [False, True] and gc.isenabled()


def test_the_click_types_are_the_ones_the_fast_path_assumes() -> None:
    """entry._click_takes mirrors click.Path for --config and PATHs; no envvar or callback."""
    params = {p.name: p for p in command.params}
    for param in command.params:
        assert param.envvar is None, param.name  # the fast path reads no environment
    expected_dir_ok = {"config": False, "paths": True}
    for name, dir_ok in expected_dir_ok.items():
        param = params[name]
        assert param.callback is None, name
        assert isinstance(param.type, click.Path), name
        kind = param.type
        assert (kind.exists, kind.readable, kind.dir_okay, kind.file_okay) == (
            False,
            True,
            dir_ok,
            True,
        ), name
        assert not (kind.writable or kind.executable or kind.resolve_path or kind.allow_dash)
