"""Run from a folder that was deleted under the shell: one line and exit 2, no traceback.

A terminal left in a folder that a branch switch or a clean removed: every
command died in a FileNotFoundError traceback from ``Path.cwd()``.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = [
    ["check"],
    ["check", "pkg"],
    ["draft", "--dry-run"],
    ["models"],
    ["ask", "--task", "documentation", "hello"],
    ["trust", "--list"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_a_deleted_working_folder_is_one_line(args: list[str], tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    command = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "ttabot", *args])
    script = f"cd {shlex.quote(str(gone))} && rmdir {shlex.quote(str(gone))} && exec {command}"
    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    env["XDG_CACHE_HOME"] = env["XDG_CONFIG_HOME"] = str(tmp_path / "home")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    done = subprocess.run(
        ["sh", "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2, done.stderr[-1500:]
    assert done.stderr == (
        "ttabot: error: the current folder no longer exists (deleted or moved): "
        "cd into the project again\n"
    )
