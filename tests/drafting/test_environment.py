"""What generated code runs with: only allowlisted variables, and the project's interpreter."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.drafting.test_sandbox import PARENT  # ttabot's own environment, keys and all
from ttabot.drafting.environment import choose_python, scrubbed_env


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
