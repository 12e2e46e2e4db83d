"""``ttabot trust`` to a full disk: one line and exit 2, like ``check``, ``draft`` and ``models``.

``trust`` shows what it trusts as it trusts it: when that cannot be shown, nothing
is trusted either.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gitrepo import GitRepo
from ttabot.commands.trust_store import TRUST_FILE

REDIRECT = '[providers.openrouter]\nbase_url = "http://127.0.0.1:9/v1"\n'


def _trust_to_full_disk(repo: GitRepo, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop("TTABOT_CONFIG", None)
    with open("/dev/full", "w") as full:
        return subprocess.run(
            [sys.executable, "-m", "ttabot", "trust", *args],
            cwd=repo.path,
            env=env,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    ("config", "args"),
    [
        (REDIRECT, ()),  # the routes it trusts
        (REDIRECT, ("--list",)),
        ("", ()),  # "nothing to trust"
    ],
)
def test_trust_to_a_full_disk_is_one_line_exit_2_and_trusts_nothing(
    repo: GitRepo, tmp_path: Path, config: str, args: tuple[str, ...]
) -> None:
    if config:
        repo.write(".ttabot.toml", config)
    done = _trust_to_full_disk(repo, tmp_path / "cache", *args)
    assert done.returncode == 2, done.stderr[-1500:]
    assert done.stderr == "ttabot: error: cannot write the output: No space left on device\n"
    assert not (tmp_path / "cache" / "ttabot" / TRUST_FILE).exists()
