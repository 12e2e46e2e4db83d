"""The ``ttabot-check`` pre-commit hook, run for real with ``pre-commit try-repo``.

pre-commit builds its own environment and installs ttabot into it from this
repository (dependencies from the package index), exactly as a user's hook
would. ``try-repo`` keeps that environment in a temporary store of its own, so
each call installs afresh (~20 s with a warm pip cache); PRE_COMMIT_HOME is
still pointed at a session folder so the user's cache and log stay untouched.
"""

from __future__ import annotations

import os
import shlex
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


def test_installed_hook_checks_exactly_what_is_being_committed(
    tmp_path: Path, pre_commit_home: Path
) -> None:
    """``pre-commit install`` + ``git commit``: partial commits use a temporary index.

    A ``system`` hook running this interpreter's ttabot (no environment to
    build), so the real git -> pre-commit -> ttabot path runs in seconds.
    """
    repo = GitRepo(tmp_path / "committer")
    entry = f"{shlex.quote(sys.executable)} -m ttabot check"
    repo.write(
        ".pre-commit-config.yaml",
        "repos:\n  - repo: local\n    hooks:\n      - id: ttabot-check\n"
        f"        name: ttabot check\n        entry: {entry}\n        language: system\n"
        "        pass_filenames: false\n        types: [python]\n        require_serial: true\n",
    )
    repo.write("a.py", 'def f():\n    """Doc."""\n    return 1\n')
    repo.write("b.py", 'def g():\n    """Doc."""\n    return 1\n')
    base = repo.commit("base")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(pre_commit_home)}
    env["PYTHONPATH"] = str(PROJECT)
    env["PRE_COMMIT_COLOR"] = "never"
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=repo.path, env=env, check=True
    )
    repo.write("a.py", 'def f():\n    """Doc."""\n    return 1\n\n\ndef bare():\n    return 2\n')
    repo.write("b.py", 'def g():\n    """Doc."""\n    return 1\n\n\ndef ok():\n    """Doc."""\n')

    def commit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "commit", "-m", "change", *args],
            cwd=repo.path,
            env=env,
            capture_output=True,
            text=True,
        )

    only_b = commit("b.py")  # a.py's undocumented function is not part of this commit
    assert only_b.returncode == 0, only_b.stdout + only_b.stderr
    assert hook_status(only_b.stdout + only_b.stderr) == "Passed"
    after_b = repo.head()
    assert after_b != base

    everything = commit("-a")
    output = everything.stdout + everything.stderr
    assert everything.returncode == 1, output
    assert hook_status(output) == "Failed"
    assert "a.py" in output and "bare" in output and "docs-missing" in output
    assert repo.head() == after_b  # the commit was refused
