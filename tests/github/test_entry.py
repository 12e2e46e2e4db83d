"""The ``ttabot action`` command and the PR-run helpers that need no server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.gitrepo import GitRepo
from ttabot.commands import action
from ttabot.commands.action import command
from ttabot.errors import TtabotError
from ttabot.github import runner
from ttabot.github.context import action_settings
from ttabot.github.summary import append_file, render_outputs
from ttabot.records import Category


def test_token_is_taken_out_of_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake_run(environ: Mapping[str, str]) -> int:
        seen["inherited"] = "GITHUB_TOKEN" in os.environ
        seen["passed"] = environ.get("GITHUB_TOKEN")
        seen["key inherited"] = "OPENROUTER_API_KEY" in os.environ
        return 0

    # The runner is replaced: this test is about what subprocesses would inherit.
    monkeypatch.setattr(runner, "run", fake_run)
    # Hiding /proc/<pid>/environ is tested in a process of its own (it lasts for life).
    monkeypatch.setattr(action, "set_non_dumpable", lambda: True)
    result = CliRunner().invoke(
        command, [], env={"GITHUB_TOKEN": "ghs_x", "OPENROUTER_API_KEY": "sk-or-x"}
    )
    assert result.exit_code == 0, result.output
    assert seen == {"inherited": False, "passed": "ghs_x", "key inherited": False}


HIDDEN = """
import ctypes, os, subprocess, sys
from ttabot.commands.action import command
from ttabot.github import runner

def fake_run(environ):
    child = subprocess.run(
        [sys.executable, "-c", "import os; open(f'/proc/{os.getppid()}/environ', 'rb').read()"],
        capture_output=True,
    )
    print(ctypes.CDLL(None).prctl(3, 0, 0, 0, 0), child.returncode)  # 3: PR_GET_DUMPABLE
    return 0

runner.run = fake_run
command.main([], standalone_mode=False)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl are Linux's")
def test_the_initial_environment_is_hidden_from_child_processes() -> None:
    env = {**os.environ, "GITHUB_TOKEN": "ghs_x"}
    done = subprocess.run(
        [sys.executable, "-c", HIDDEN], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    dumpable, child_read = done.stdout.split()
    assert dumpable == "0"  # ttabot's /proc files now belong to root
    if os.geteuid() != 0:  # root reads them anyway (CAP_SYS_PTRACE)
        assert child_read != "0", "a child read ttabot's initial environment"


@pytest.mark.parametrize(
    ("env", "mode", "categories"),
    [
        ({}, "comment", frozenset(Category)),
        (
            {"TTABOT_MODE": "suggest", "TTABOT_CATEGORIES": "docs-missing"},
            "suggest",
            frozenset({Category.DOCS_MISSING}),
        ),
        ({"TTABOT_MODE": " ", "TTABOT_CATEGORIES": ""}, "comment", frozenset(Category)),
    ],
)
def test_action_inputs_become_settings(
    repo: GitRepo, env: dict[str, str], mode: str, categories: frozenset[Category]
) -> None:
    settings = action_settings(repo.path, env)
    assert settings.github.mode == mode
    assert settings.check.categories == categories


def test_bad_mode_is_a_user_error(repo: GitRepo) -> None:
    with pytest.raises(TtabotError, match="input mode 'push'"):
        action_settings(repo.path, {"TTABOT_MODE": "push"})


def test_outputs_syntax() -> None:
    text = render_outputs({"findings": "3", "comment-url": ""})
    assert text == "findings=3\ncomment-url=\n"
    multi = render_outputs({"x": "a\nb"})
    head, first, second, end = multi.strip().split("\n")
    assert head.startswith("x<<ghadelimiter_") and head[3:] == end
    assert (first, second) == ("a", "b")


def test_summary_is_appended(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    append_file(str(target), "one\n")
    append_file(str(target), "two\n")
    append_file(None, "nowhere")
    assert target.read_text() == "one\ntwo\n"


def test_generated_tests_use_the_jobs_python_not_the_actions_venv(
    repo: GitRepo, tmp_path: Path
) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    python = bindir / "python"
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    assert action_settings(repo.path, {"PATH": str(bindir)}).draft.python == str(python)
    (repo.path / ".venv").mkdir()
    assert action_settings(repo.path, {"PATH": str(bindir)}).draft.python == ""
