"""The ``ttabot-check`` pre-commit hook, run for real by ``pre-commit run``.

pre-commit builds its own environment and installs ttabot into it from this
repository's working tree (dependencies from the package index), exactly as a
user's hook would; the user's config names a clone of that working tree (see
``tests/support/precommit.py``). The environment is built once per test run (~20 s
with a warm pip cache) in the run's shared ``PRE_COMMIT_HOME``, away from the
user's cache and log, and every hook test after the first reuses it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gitrepo import GIT_ENV, GitRepo
from tests.support.precommit import HookRepository, config, run_hook

PROJECT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(900)


def hook_repo(tmp_path: Path, hooks: HookRepository, files: dict[str, str]) -> GitRepo:
    """A repository using the ``ttabot-check`` hook, with a first commit and ``files`` staged."""
    repo = GitRepo(tmp_path / "user-repo")
    repo.write(".pre-commit-config.yaml", config(hooks, "ttabot-check"))
    repo.write("README.md", "a project\n")
    repo.commit("base")
    for rel, text in files.items():
        repo.write(rel, text)
    repo.stage()
    return repo


def hook_status(output: str) -> str:
    """The result pre-commit printed for the hook: Passed, Failed or Skipped."""
    for line in output.splitlines():
        if line.startswith("ttabot check"):
            return line.rstrip().rsplit(".", 1)[-1].split(")")[-1]
    raise AssertionError(f"the hook did not run:\n{output}")


def test_hook_fails_on_an_undocumented_public_function(
    tmp_path: Path, hook_repository: HookRepository, pre_commit_home: Path
) -> None:
    repo = hook_repo(
        tmp_path, hook_repository, {"pkg/mod.py": "def greet(name):\n    return 'hi ' + name\n"}
    )
    done = run_hook(repo, "ttabot-check", pre_commit_home)
    assert done.returncode == 1, done.stdout + done.stderr
    assert hook_status(done.stdout) == "Failed"
    assert "pkg/mod.py" in done.stdout
    assert "docs-missing" in done.stdout and "greet" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_hook_passes_on_a_documented_function(
    tmp_path: Path, hook_repository: HookRepository, pre_commit_home: Path
) -> None:
    repo = hook_repo(
        tmp_path,
        hook_repository,
        {"pkg/mod.py": 'def greet(name):\n    """Say hi."""\n    return "hi " + name\n'},
    )
    done = run_hook(repo, "ttabot-check", pre_commit_home)
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
