"""The top-level command: lazy subcommands and one-line errors."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import click
import pytest

from ttabot import cli as cli_module
from ttabot.cli import COMMANDS, main
from ttabot.errors import (
    EXIT_ASK_NO_ANSWER,
    EXIT_DRAFT_NO_ANSWER,
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    Stopped,
    TtabotError,
)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["check", "--max-complexity", "0"], "'--max-complexity': 0 is not in the range"),
        (["check", "--format", "xml"], "'xml' is not one of"),
        (["models", "extra"], "unexpected extra argument"),
        (["bogus"], "No such command 'bogus'"),
        (["ask", "hello"], "Missing option '--task'"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("ttabot: error: ")
    assert needle in err
    assert "--help" in err


def test_help_lists_every_command_without_importing_them() -> None:
    code = (
        "import sys; from ttabot.cli import main; rc = main(['--help']);"
        "print(sorted(m for m in sys.modules if m.startswith('ttabot.commands.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    for name in COMMANDS:
        assert f"  {name} " in done.stdout
    assert done.stdout.rstrip().endswith("[]")


def test_python_dash_m_and_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ttabot", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert "ttabot, version 0.1.0" in done.stdout


class Refused(TtabotError):
    """An error that carries its own exit code, as every ending exception does."""

    exit_code = 7


@pytest.mark.parametrize(
    ("raised", "code", "line"),
    [
        (TtabotError("bad input"), EXIT_USAGE, "ttabot: error: bad input\n"),
        (Refused("no"), 7, "ttabot: error: no\n"),
        (click.ClickException("broken  \n click"), 1, "ttabot: error: broken click\n"),
        (click.exceptions.Exit(3), 3, ""),
        (click.exceptions.Abort(), EXIT_INTERRUPTED, "ttabot: aborted\n"),
        (KeyboardInterrupt(), EXIT_INTERRUPTED, "ttabot: interrupted\n"),
        (Stopped(signal.SIGINT), 130, "ttabot: interrupted\n"),
        (Stopped(signal.SIGTERM), EXIT_TERMINATED, "ttabot: terminated\n"),
    ],
)
def test_one_handler_turns_each_ending_into_its_line_and_code(
    raised: BaseException,
    code: int,
    line: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def end(*args: object, **kwargs: object) -> None:
        raise raised

    monkeypatch.setattr(cli_module.cli, "main", end)
    assert main(["check"]) == code
    assert capsys.readouterr().err == line


def test_exit_codes_keep_their_documented_values() -> None:
    from ttabot.commands import ask
    from ttabot.drafting import output

    # docs/check.md, docs/draft.md, docs/models.md: ask's no-answer is 1, draft's is 2.
    assert (EXIT_OK, EXIT_FINDINGS, EXIT_USAGE) == (0, 1, 2)
    assert ask.EXIT_NO_ANSWER == EXIT_ASK_NO_ANSWER == 1
    assert output.EXIT_NO_ANSWER == EXIT_DRAFT_NO_ANSWER == 2
    assert (EXIT_INTERRUPTED, EXIT_TERMINATED) == (130, 143)
    assert Stopped(signal.SIGTERM).exit_code == 143 and Stopped().exit_code == 130


@pytest.mark.parametrize("entry", ["cli", "hook"])
def test_an_error_quoting_a_hostile_name_is_still_one_line_without_escapes(
    entry: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An error message may quote a path from the diff; git-quoted paths carry any byte.
    # "m\n\x1b[2Jz.py" split the one error line in two and sent an escape sequence
    # (here: clear the screen) to the terminal.
    from ttabot.entry import main as hook_main

    name = "m\n\x1b[2Jz.py"
    (tmp_path / name).write_text("x = 1\n")
    diff = tmp_path / "change.diff"
    diff.write_text('--- "a/m\\n\\033[2Jz.py"\n+++ "b/m\\n\\033[2Jz.py"\n@@ -0,0 +1 @@\n+y = 2\n')
    run = main if entry == "cli" else hook_main
    code = run(["check", "--diff", str(diff), "--root", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("ttabot: error: ")
    assert "\x1b" not in err
