"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.gitrepo import GIT_ENV, GitRepo


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """An empty git repository; the test's working directory is its root."""
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    r = GitRepo(tmp_path / "repo")
    monkeypatch.chdir(r.path)
    return r
