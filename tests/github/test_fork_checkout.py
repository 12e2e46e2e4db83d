"""A fork PR's checkout is the working directory of every `run:` step in the commands job.

Found by an outside review; kept as the regression tests of the fix (python -I everywhere).


`python -m X` and `python -c ...` put the current directory first on sys.path, so a fork
that commits `pip/__main__.py`, `venv/__main__.py` or `ttabot/llm/state.py` at its root
gets its code run in ttabot-commands.yml's job (contents/pull-requests/issues: write, the
OpenRouter secret given to the next step) as soon as a maintainer comments `/ttabot check`
or `/ttabot docs` on its PR -- the commands docs/github.md calls safe on forks. From there
it can rewrite $RUNNER_TEMP/ttabot-venv, which the next step runs with GITHUB_TOKEN and
the provider key. docs/github.md: "A fork's code never runs in a job that holds secrets."
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [ROOT / "action.yml", *sorted((ROOT / "workflows").glob("*.yml"))]


def fork_checkout(tmp_path: Path) -> tuple[Path, Path]:
    """A PR head checkout that plants modules shadowing pip, venv and ttabot."""
    checkout, marker = tmp_path / "workspace", tmp_path / "pwned"
    payload = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    for mod in ("pip", "venv"):
        (checkout / mod).mkdir(parents=True)
        (checkout / mod / "__init__.py").write_text("")
        (checkout / mod / "__main__.py").write_text(payload)
    (checkout / "ttabot" / "llm").mkdir(parents=True)
    (checkout / "ttabot" / "__init__.py").write_text("")
    (checkout / "ttabot" / "llm" / "__init__.py").write_text("")
    (checkout / "ttabot" / "llm" / "state.py").write_text(
        payload + "def default_state_dir():\n    return '/tmp/state'\n"
    )
    return checkout, marker


def step_script(doc: dict[str, Any], name: str) -> str:
    for step in doc["runs"]["steps"]:
        if step.get("name") == name:
            return str(step["run"])
    raise AssertionError(name)


def test_action_state_step_imports_the_fork_s_ttabot(tmp_path: Path) -> None:
    checkout, marker = fork_checkout(tmp_path)
    venv = tmp_path / "ttabot-venv"
    (venv / "bin").mkdir(parents=True)
    # The action's venv has ttabot installed (non-editable); ours is the dev venv.
    (venv / "bin" / "python").symlink_to(sys.executable)
    script = step_script(
        yaml.safe_load((ROOT / "action.yml").read_text()),
        "Find ttabot's state folder and today's cache key",
    )
    env = {**os.environ, "TTABOT_VENV": str(venv), "GITHUB_OUTPUT": str(tmp_path / "out")}
    # Composite run steps default to GITHUB_WORKSPACE: the PR head checkout.
    subprocess.run(["bash", "-e", "-c", script], cwd=checkout, env=env, check=True)
    assert not marker.exists(), f"fork code ran in the privileged job: {marker.read_text()!r}"


def test_commands_workflow_pip_step_runs_the_fork_s_pip(tmp_path: Path) -> None:
    checkout, marker = fork_checkout(tmp_path)
    doc = yaml.safe_load((ROOT / "workflows" / "ttabot-commands.yml").read_text())
    script = next(s["run"] for s in doc["jobs"]["command"]["steps"] if "run" in s)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "python").symlink_to(sys.executable)
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}
    subprocess.run(["bash", "-e", "-c", script], cwd=checkout, env=env, check=False)
    assert not marker.exists(), f"fork code ran in the privileged job: {marker.read_text()!r}"


def run_scripts(doc: object) -> list[str]:
    """Every `run:` script in an action or workflow file."""
    found: list[str] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key == "run" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(run_scripts(value))
    elif isinstance(doc, list):
        for item in doc:
            found.extend(run_scripts(item))
    return found


PYTHON_CALL = re.compile(r"""(?:^|[\s;&|(`$"'])(?:"?\$\w+(?:/bin/python)?"?|python3?)\s+(-\S+)""")


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_every_python_in_a_run_step_is_isolated(path: Path) -> None:
    # `python -m X` / `python -c` put the working directory (the PR's checkout) first on
    # sys.path; -I keeps it (and PYTHON* variables) out.
    calls = [
        m.group(1)
        for script in run_scripts(yaml.safe_load(path.read_text()))
        for m in PYTHON_CALL.finditer(script)
    ]
    assert all(flag == "-I" for flag in calls), calls
