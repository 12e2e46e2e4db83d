"""A closed stdout or stderr (``>&-``, ``2>&-``): the run goes on, no AttributeError.

Python sets a closed standard stream to None; asking it ``isatty()`` ended
``ttabot check >&-`` and ``ttabot draft 2>&-`` in a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.drafting.conftest import configure
from tests.drafting.test_draft_command import docstring_answer
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo


def _run(repo: GitRepo, args: list[str], close: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    kept = subprocess.PIPE
    return subprocess.run(
        [sys.executable, "-m", "ttabot", *args],
        cwd=repo.path,
        env=env,
        stdout=kept,
        stderr=kept,
        text=True,
        check=False,
        # Close the stream in the child only, as the shell's `>&-` does.
        preexec_fn=lambda: os.close(close),
    )


def test_check_with_stdout_closed_exits_by_its_findings(staged: GitRepo) -> None:
    done = _run(staged, ["check"], close=1)
    assert done.returncode == 1, done.stderr[-1500:]
    assert "Traceback" not in done.stderr


def test_draft_with_stderr_closed_prints_its_diff(staged: GitRepo, fake: FakeOpenAI) -> None:
    configure(staged, fake, docstring_answer)
    done = _run(staged, ["draft", "--only", "docs-missing"], close=2)
    assert done.returncode == 0
    assert '+    """Add two numbers.' in done.stdout
