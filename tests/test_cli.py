"""The top-level command: lazy subcommands and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ttabot.cli import COMMANDS, main


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
