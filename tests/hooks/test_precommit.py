"""The ``ttabot-check`` pre-commit hook, run for real with ``pre-commit try-repo``.

pre-commit builds its own environment and installs ttabot into it from this
repository (dependencies from the package index), exactly as a user's hook
would. ``try-repo`` keeps that environment in a temporary store of its own, so
each call installs afresh (~20 s with a warm pip cache); PRE_COMMIT_HOME is
still pointed at a session folder so the user's cache and log stay untouched.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gitrepo import GIT_ENV, GitRepo

PROJECT = Path(__file__).resolve().parents[2]

CONFIG = """\
# What a user writes; try-repo stands in for it with this repository's working tree.
repos:
  - repo: https://github.com/ttabot/ttabot
    rev: v0.1.0
    hooks:
      - id: ttabot-check
"""

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit home for the session (try-repo's own store is temporary regardless)."""
    return tmp_path_factory.mktemp("pre-commit-home")


def hook_repo(tmp_path: Path, files: dict[str, str]) -> GitRepo:
    """A repository with a config, a first commit, and ``files`` staged."""
    repo = GitRepo(tmp_path / "user-repo")
    repo.write(".pre-commit-config.yaml", CONFIG)
    repo.write("README.md", "a project\n")
    repo.commit("base")
    for rel, text in files.items():
        repo.write(rel, text)
    repo.stage()
    return repo


def try_repo(repo: GitRepo, home: Path) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo <this project> ttabot-check`` in ``repo``."""
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(PROJECT), "ttabot-check"],
        cwd=repo.path,
        env=env,
        capture_output=True,
        text=True,
        timeout=840,
    )


def hook_status(output: str) -> str:
    """The result pre-commit printed for the hook: Passed, Failed or Skipped."""
    for line in output.splitlines():
        if line.startswith("ttabot check"):
            return line.rstrip().rsplit(".", 1)[-1].split(")")[-1]
    raise AssertionError(f"the hook did not run:\n{output}")


def test_hook_fails_on_an_undocumented_public_function(
    tmp_path: Path, pre_commit_home: Path
) -> None:
    repo = hook_repo(tmp_path, {"pkg/mod.py": "def greet(name):\n    return 'hi ' + name\n"})
    done = try_repo(repo, pre_commit_home)
    assert done.returncode == 1, done.stdout + done.stderr
    assert hook_status(done.stdout) == "Failed"
    assert "pkg/mod.py" in done.stdout
    assert "docs-missing" in done.stdout and "greet" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_hook_passes_on_a_documented_function(tmp_path: Path, pre_commit_home: Path) -> None:
    repo = hook_repo(
        tmp_path,
        {"pkg/mod.py": 'def greet(name):\n    """Say hi."""\n    return "hi " + name\n'},
    )
    done = try_repo(repo, pre_commit_home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert hook_status(done.stdout) == "Passed"
