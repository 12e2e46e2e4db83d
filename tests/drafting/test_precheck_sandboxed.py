"""The interpreter pre-check runs the project's interpreter as generated code runs: sandboxed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.drafting.conftest import answer, configure
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.sandbox import needs_bwrap
from ttabot.cli import main


@needs_bwrap
def test_the_trees_own_interpreter_never_runs_outside_the_sandbox(
    repo: GitRepo, fake: FakeOpenAI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A repository (a stranger's PR checked out, a cloned project) may hold its own
    # `.venv/bin/python`: a script, since git keeps executable files. choose_python
    # takes it, and the pre-check ("can this interpreter import pytest?") ran it bare
    # on the host before any copy or sandbox: `ttabot draft` executed the tree's code
    # with the user's rights and network.
    marker = tmp_path / "ran-on-the-host"
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    venv = repo.path / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").write_text(
        f'#!/bin/sh\necho ran >> "{marker}"\nexec "{sys.executable}" "$@"\n'
    )
    (venv / "python").chmod(0o755)
    repo.write("pkg/calc.py", "def add(a, b):\n    return a + b\n")
    configure(
        repo, fake, lambda model, body: answer({"code": "def test_x():\n    pass\n"}), python=""
    )
    repo.stage("pkg", ".ttabot.toml")
    main(["draft", "--only", "tests-needed", "--format", "json"])
    capsys.readouterr()
    assert not marker.exists()
