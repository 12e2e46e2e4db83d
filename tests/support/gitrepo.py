"""Real git repositories in temporary folders, for tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

#: An environment that makes git deterministic and independent of the user's config.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


class GitRepo:
    """A git repository in ``path`` with helpers to write, stage and commit files."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "commit.gpgsign", "false")
        self.git("config", "core.autocrlf", "false")

    def git(self, *args: str) -> str:
        """Run git in the repository and return its stdout."""
        env = {**os.environ, **GIT_ENV}
        done = subprocess.run(
            ["git", *args], cwd=self.path, env=env, check=True, capture_output=True, text=True
        )
        return done.stdout

    def write(self, rel: str, text: str | bytes) -> Path:
        """Write a file (creating folders) without staging it."""
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_bytes(text.encode())
        return target

    def stage(self, *rels: str) -> None:
        """``git add`` the given paths (all changes when none are given)."""
        self.git("add", "-A", *rels)

    def commit(self, message: str = "change", **files: str) -> str:
        """Write ``files`` (keyword = path with ``__`` for ``/``), stage all, commit; return SHA."""
        for rel, text in files.items():
            self.write(rel.replace("__", "/"), text)
        self.stage()
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.head()

    def head(self) -> str:
        """The SHA of HEAD."""
        return self.git("rev-parse", "HEAD").strip()
