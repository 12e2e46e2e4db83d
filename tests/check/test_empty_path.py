"""``ttabot check ""``: an empty PATH names nothing, so it is a usage error, not ``.``.

pathlib reads ``""`` as ``.``: the empty argument (an unset shell variable,
``ttabot check "$DIR"``) checked the whole change as if no path had been given.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.gitrepo import GitRepo
from ttabot.cli import main


@pytest.fixture
def staged(repo: GitRepo) -> GitRepo:
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    repo.write("pkg/calc.py", "def add(a, b):\n    return a + b\n")
    repo.stage()
    return repo


@pytest.mark.parametrize("args", [[""], ["pkg", ""], ["", "--config", "x.toml"]])
def test_an_empty_path_is_one_line_and_exit_2(
    staged: GitRepo, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("ttabot: error: ")
    assert "empty path" in captured.err


def test_the_console_script_says_the_same(staged: GitRepo) -> None:
    # The hook's fast path leaves an empty value to click: one answer either way.
    done = subprocess.run(
        [sys.executable, "-m", "ttabot", "check", ""],
        cwd=staged.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("ttabot: error: ") and "empty path" in done.stderr
    assert done.stderr.count("\n") == 1


def test_a_path_that_names_the_whole_repository_still_checks_it(
    staged: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "."]) == 1  # the missing docstring fails the run
    assert "pkg/calc.py" in capsys.readouterr().out
