"""``ttabot models`` to a full disk: one line and exit 2, like ``check`` and ``draft``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_models_to_a_full_disk_is_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "ttabot", "models"],
            cwd=tmp_path,
            env=env,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert done.returncode == 2, done.stderr[-1500:]
    assert done.stderr == "ttabot: error: cannot write the output: No space left on device\n"
