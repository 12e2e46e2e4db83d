"""``ttabot draft`` writing to a full disk: one line and exit 2, not a traceback.

``ttabot check`` said "cannot write the report" when its output could not be
written (``> /dev/full``, a full disk); ``draft`` died in an OSError traceback
for the plan, the diff and the JSON alike.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.drafting.conftest import configure
from tests.drafting.test_draft_command import docstring_answer
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo


def _draft_to_full_disk(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    with open("/dev/full", "w") as full:
        return subprocess.run(
            [sys.executable, "-m", "ttabot", "draft", *args],
            cwd=repo.path,
            env={k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"},
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )


@pytest.mark.parametrize("fmt", ["diff", "json"])
def test_the_plan_to_a_full_disk_is_one_line(staged: GitRepo, fmt: str) -> None:
    done = _draft_to_full_disk(staged, "--dry-run", "--format", fmt)
    assert done.returncode == 2, done.stderr[-1500:]
    assert done.stderr == "ttabot: error: cannot write the output: No space left on device\n"


@pytest.mark.parametrize("fmt", ["diff", "json"])
def test_drafts_to_a_full_disk_are_one_line(staged: GitRepo, fake: FakeOpenAI, fmt: str) -> None:
    configure(staged, fake, docstring_answer)
    done = _draft_to_full_disk(staged, "--only", "docs-missing", "--format", fmt)
    assert done.returncode == 2, done.stderr[-1500:]
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        "ttabot: error: cannot write the output: No space left on device"
    )
