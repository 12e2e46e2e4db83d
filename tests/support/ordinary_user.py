"""Run a Python script as an ordinary user: file modes only bind someone who is not root."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent


def run_as_ordinary_user(script: str, *args: str, timeout: float = 60) -> str:
    """What ``script`` prints on stdout, run with this checkout's interpreter and packages.

    As root: as ``nobody`` through ``setpriv`` (skips when that cannot run this
    checkout). The script fails the test by exiting non-zero (its stderr is shown).
    """
    prefix = [sys.executable]
    if os.getuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: file modes cannot be tried")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable]
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO)}
    probe = subprocess.run(
        [*prefix, "-c", "import ttabot.llm.state_file, filelock"],
        env=env,
        cwd="/",
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip(f"an ordinary user cannot run this checkout: {probe.stderr.decode()[-200:]}")
    done = subprocess.run(
        [*prefix, "-c", script, *args],
        env=env,
        cwd="/",
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
