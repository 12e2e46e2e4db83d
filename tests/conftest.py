"""Shared fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import precommit
from tests.support.gitrepo import GIT_ENV, GitRepo


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep the model client's shared cooldown file out of the real user cache.

    Every test (and every subprocess it starts) sees its own XDG cache folder, so
    a cooldown one test teaches the client cannot leak into another test or into
    the developer's own ~/.cache/ttabot.
    """
    # pip (run by pre-commit in the hook tests) keeps its warm download cache.
    real_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    monkeypatch.setenv("PIP_CACHE_DIR", os.environ.get("PIP_CACHE_DIR") or str(real_cache / "pip"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """An empty git repository; the test's working directory is its root."""
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    r = GitRepo(tmp_path / "repo")
    monkeypatch.chdir(r.path)
    return r


@pytest.fixture(scope="session")
def hook_repository(tmp_path_factory: pytest.TempPathFactory) -> precommit.HookRepository:
    """This project's working tree as a hook repository pre-commit can install from."""
    return precommit.hook_repository(tmp_path_factory)


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit store for the run, so ttabot's hook environment is installed once."""
    return precommit.pre_commit_home(tmp_path_factory)
