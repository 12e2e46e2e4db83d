"""ttabot's own process: secrets dropped and non-dumpable before any child starts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ttabot.process import drop_secrets, is_secret_name


@pytest.mark.parametrize(
    "name",
    [
        "OPENROUTER_API_KEY",
        "GITHUB_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "DB_PASSWORD",
        "ACTIONS_RUNTIME_TOKEN",
        "INPUT_GITHUB-TOKEN",
        "SSH_AUTH_SOCK",
    ],
)
def test_secret_names_are_recognised(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["PATH", "HOME", "LANG", "GIT_AUTHOR_NAME", "TZ", "VIRTUAL_ENV"])
def test_ordinary_names_are_kept(name: str) -> None:
    assert not is_secret_name(name)


def test_drop_secrets_also_drops_the_named_provider_keys() -> None:
    env = {"PATH": "/bin", "MY_LLM": "s3cret", "OPENROUTER_API_KEY": "k"}
    assert drop_secrets(env, ["MY_LLM"]) == ["MY_LLM", "OPENROUTER_API_KEY"]
    assert env == {"PATH": "/bin"}


PROBE = """
import ctypes, os, subprocess, sys
from ttabot.process import PR_GET_DUMPABLE, protect
before = protect()
libc = ctypes.CDLL(None)
child = subprocess.run([sys.executable, "-c", "import os; print(sorted(os.environ))"],
                       capture_output=True, text=True).stdout
print(libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), "OPENROUTER_API_KEY" in before,
      "OPENROUTER_API_KEY" in child, "AWS_SECRET_ACCESS_KEY" in child)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux only")
def test_protect_makes_the_process_non_dumpable_and_children_see_no_secret() -> None:
    env = {"PATH": "/usr/bin:/bin", "OPENROUTER_API_KEY": "k", "AWS_SECRET_ACCESS_KEY": "a"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["0", "True", "False", "False"]
