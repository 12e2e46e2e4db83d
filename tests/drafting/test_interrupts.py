"""``ttabot draft`` under SIGTERM/SIGINT, and its process hygiene before any child starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.drafting.conftest import answer, configure
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GIT_ENV, GitRepo
from tests.support.loopback import Reply
from ttabot import git
from ttabot.cli import main


def test_draft_drops_secrets_before_the_first_git_call(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("pkg/calc.py", "def add(a, b):\n    return a + b\n")
    repo.stage()
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-do-not-inherit")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-do-not-inherit")
    seen: list[set[str]] = []
    real_run = git.run

    def spy(root: Path, *args: str, stdin: bytes | None = None) -> Any:
        seen.append(set(os.environ))
        return real_run(root, *args, stdin=stdin)

    monkeypatch.setattr(git, "run", spy)
    assert main(["draft", "--dry-run"]) == 0
    assert seen, "draft ran no git"
    assert all("OPENROUTER_API_KEY" not in names for names in seen)
    assert all("AWS_SECRET_ACCESS_KEY" not in names for names in seen)


def _gone(token: str) -> bool:
    """True once no live process holds ``token`` (the kernel kills a namespace's
    processes after its pid 1 dies, not at the instant ttabot exits)."""
    for _ in range(100):
        if not _processes_with(token):
            return True
        time.sleep(0.1)
    return False


def _processes_with(token: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
                if (
                    token.encode() in cmdline
                    and "\nState:\tZ" not in (entry / "status").read_text()
                ):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize(
    ("signum", "code", "line"),
    [
        (signal.SIGTERM, 143, "ttabot: terminated"),
        (signal.SIGINT, 130, "ttabot: interrupted"),
    ],
)
def test_a_signal_stops_the_sandbox_removes_the_copy_and_exits_with_one_line(
    repo: GitRepo, fake: FakeOpenAI, tmp_path: Path, signum: int, code: int, line: str
) -> None:
    token = f"ttabot-hang-{uuid.uuid4().hex}"
    hanging = (
        "import pathlib, subprocess, sys, time\n\nfrom pkg.calc import add\n\n\n"
        "def test_add():\n"
        f"    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', {token!r}])\n"
        "    pathlib.Path('started').touch()\n"
        "    time.sleep(600)\n"
        "    assert add\n"
    )

    def respond(model: str, body: Any) -> Reply:
        return answer({"code": hanging})

    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    repo.write("pkg/calc.py", "def add(a, b):\n    return a + b\n")
    configure(repo, fake, respond, **{"test-timeout": 300})
    repo.stage()
    status_before = repo.git("status", "--porcelain")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, **GIT_ENV, "TMPDIR": str(scratch)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ttabot", "draft", "--only", "tests-needed"],
        cwd=repo.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(1200):  # until the generated test runs (at most about 2 minutes)
            if list(scratch.glob("ttabot-*/project/started")) or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert list(scratch.glob("ttabot-*/project/started")), "the generated test never ran"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == code, err
    assert err.decode().strip().splitlines() == [line]
    assert list(scratch.iterdir()) == []  # the copy is gone
    assert _gone(token)
    assert repo.git("status", "--porcelain") == status_before
