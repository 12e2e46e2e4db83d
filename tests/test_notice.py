"""``say_once``: a hook's reason for skipping, said on the first commit and when it changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo
from ttabot.commands.notice import say_once

PROJECT = Path(__file__).resolve().parents[1]


def test_said_once_then_again_only_when_the_reason_changes(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert say_once(repo.path, "k", "no model") is True
    assert "no model" in capsys.readouterr().err
    assert say_once(repo.path, "k", "no model") is False
    assert capsys.readouterr().err == ""
    assert say_once(repo.path, "k", "another reason") is True
    assert say_once(repo.path, "other-key", "no model") is True
    # Kept in the git folder, never in the work tree.
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""


def test_the_docstrings_hook_is_verbose_so_pre_commit_shows_the_reason() -> None:
    manifest = (PROJECT / ".pre-commit-hooks.yaml").read_text()
    block = manifest.split("- id: ttabot-docstrings", 1)[1].split("- id:", 1)[0]
    assert "\n  verbose: true\n" in block
