"""What generated code runs with: only allowlisted variables, and the project's interpreter."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ttabot.drafting.environment import choose_python, scrubbed_env

#: ttabot's own environment: the keys and tokens in it must not reach generated code.
PARENT = {
    "PATH": os.environ["PATH"],
    "LANG": "C.UTF-8",
    "OPENROUTER_API_KEY": "sk-or-v1-secret",
    "GITHUB_TOKEN": "ghp_secret",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "SOME_NEW_VENDOR_KEY": "unknown-name-secret",  # an allowlist drops names nobody listed
    "HOME": "/home/someone",
}


def test_scrubbed_env_keeps_only_the_allowlist(tmp_path: Path) -> None:
    env = scrubbed_env(PARENT, tmp_path / "h", tmp_path / "t", "/p")
    assert set(env) >= {"PATH", "LANG", "HOME", "TMPDIR", "PYTHONPATH"}
    assert not any("secret" in value for value in env.values())
    assert env["HOME"] == str(tmp_path / "h")


def test_choose_python_prefers_configured_then_project_env_then_active_env(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    active = tmp_path / "active"
    (active / "bin").mkdir(parents=True)
    (active / "bin" / "python").write_text("")
    env = {"VIRTUAL_ENV": str(active)}
    assert choose_python(root, "/opt/py", env) == "/opt/py"
    assert choose_python(root, "", {}) == sys.executable
    assert choose_python(root, "", env) == str(active / "bin" / "python")
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "python").write_text("")
    assert choose_python(root, "", env) == str(root / ".venv" / "bin" / "python")
