"""ttabot's own pre-commit hooks, installed by pre-commit once per test run.

``pre-commit try-repo`` builds the hook's environment (a virtualenv with ttabot and
its dependencies installed from this repository) in a temporary store of its own,
so every call paid that install again (~20 s of pip each). Here the same two steps
``try-repo`` takes are split: this repository's working tree is committed into a
clone once per run (what ``try-repo`` does with uncommitted changes), and the tests
name that clone and commit in a real ``.pre-commit-config.yaml`` — what a user
writes — run with one ``PRE_COMMIT_HOME`` shared by the whole run. pre-commit
installs the environment on the first run and reuses it after, as it does for a
user; its store locks itself, so parallel test workers share it safely.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from filelock import FileLock

from tests.support.gitrepo import GIT_ENV, GitRepo

PROJECT = Path(__file__).resolve().parents[2]


class HookRepository(NamedTuple):
    """A clone of this project holding its working tree as one commit."""

    url: Path
    rev: str


def _git(*args: str, cwd: Path, **env: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV, **env},
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def snapshot(project: Path, into: Path) -> HookRepository:
    """Clone ``project`` into ``into`` and commit its staged and tracked changes there.

    The files are the ones ``pre-commit try-repo`` would install: tracked files as
    they are in the working tree, and staged new files; untracked files are left out.
    """
    _git("clone", "-q", str(project), str(into), cwd=project)
    shadow = {
        "GIT_INDEX_FILE": str(into / ".git" / "index"),
        "GIT_OBJECT_DIRECTORY": str(into / ".git" / "objects"),
    }
    staged = _git("diff", "--staged", "--name-only", "-z", cwd=project).split("\0")
    staged = [name for name in staged if name]
    if staged:
        _git("add", "--", *staged, cwd=project, **shadow)
    _git("add", "-u", cwd=project, **shadow)
    _git("commit", "-q", "--allow-empty", "-m", "the working tree under test", cwd=into)
    return HookRepository(into, _git("rev-parse", "HEAD", cwd=into).strip())


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the whole test run, shared by pytest-xdist's workers when there are any."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> HookRepository:
    """This project's hook repository for the run, made by whichever worker asks first."""
    root = run_folder(tmp_path_factory)
    clone, rev_file = root / "hook-repository", root / "hook-repository.rev"
    with FileLock(str(root / "hook-repository.lock")):
        if not rev_file.exists():
            shutil.rmtree(clone, ignore_errors=True)  # what a failed first try left
            made = snapshot(PROJECT, clone)
            rev_file.write_text(made.rev)
    return HookRepository(clone, rev_file.read_text())


def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's store for the run: the hook environment is built into it once."""
    home = run_folder(tmp_path_factory) / "pre-commit-home"
    home.mkdir(exist_ok=True)
    return home


def config(hooks: HookRepository, hook_id: str) -> str:
    """A ``.pre-commit-config.yaml`` using ``hook_id`` from ``hooks``."""
    return (
        f"repos:\n  - repo: {hooks.url}\n    rev: {hooks.rev}\n    hooks:\n      - id: {hook_id}\n"
    )


def run_hook(
    repo: GitRepo, hook_id: str, home: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    """``pre-commit run <hook_id>`` on what is staged in ``repo``, storing in ``home``."""
    environ = {
        **os.environ,
        **GIT_ENV,
        "PRE_COMMIT_HOME": str(home),
        "PRE_COMMIT_COLOR": "never",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", hook_id],
        cwd=repo.path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=840,
    )
