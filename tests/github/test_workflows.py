"""action.yml and workflows/: the ecosystem's linters, and the rules they do not cover."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((ROOT / "workflows").glob("*.yml"))
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def tool(name: str) -> str:
    """The linter installed next to the test's Python; a missing one fails, never skips."""
    path = Path(sys.executable).parent / name
    found = str(path) if path.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]' provides it")
    return found


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def steps(doc: dict[Any, Any]) -> Iterator[dict[str, Any]]:
    if "runs" in doc:
        yield from doc["runs"].get("steps", [])
    for job in (doc.get("jobs") or {}).values():
        yield from job.get("steps", [])


def test_there_are_three_example_workflows() -> None:
    names = {p.name for p in WORKFLOWS}
    assert names == {"ttabot-pull-request.yml", "ttabot-commands.yml", "ttabot-issues.yml"}


def test_zizmor_offline_passes() -> None:
    done = subprocess.run(
        [tool("zizmor"), "--offline", "--no-progress", str(ACTION), *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("schema", "files"),
    [("vendor.github-actions", [ACTION]), ("vendor.github-workflows", WORKFLOWS)],
)
def test_check_jsonschema_passes(schema: str, files: list[Path]) -> None:
    done = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_no_expression_inside_run(path: Path) -> None:
    for step in steps(load(path)):
        if "run" in step:
            assert "${{" not in step["run"], f"{path.name}: {step.get('name')} interpolates in run:"


def test_every_input_referenced_in_the_action_exists() -> None:
    action = load(ACTION)
    declared = set(action["inputs"])
    used = set()
    for match in EXPRESSION.finditer(ACTION.read_text()):
        used.update(re.findall(r"inputs\.([\w-]+)", match.group(1)))
    assert used and used <= declared, used - declared
    assert declared <= used, f"declared but unused: {declared - used}"


def test_action_shape() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {
        "github-token",
        "openrouter-api-key",
        "mode",
        "categories",
        "fail-on",
        "config",
    }
    # The outputs are the names ttabot writes to GITHUB_OUTPUT.
    assert {k: v["value"] for k, v in action["outputs"].items()} == {
        name: f"${{{{ steps.run.outputs.{name} }}}}"
        for name in ("findings", "drafts", "comment-url")
    }
    steps = action["runs"]["steps"]
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    install = next(s for s in steps if s.get("name") == "Install ttabot")
    run = next(s for s in steps if s.get("id") == "run")
    # No generated code runs in the Action without bubblewrap: Linux runners get it.
    sandbox = next(s for s in steps if "bubblewrap" in s.get("name", ""))
    assert sandbox["if"] == "runner.os == 'Linux'"
    assert "apt-get install -y -qq bubblewrap" in sandbox["run"]
    assert steps.index(sandbox) < steps.index(run)
    assert setup["uses"].startswith("actions/setup-python@")
    assert setup["with"]["update-environment"] is False
    assert install["env"]["TTABOT_VENV"] == "${{ runner.temp }}/ttabot-venv"
    assert '"$GITHUB_ACTION_PATH"' in install["run"]
    assert run["id"] == "run"
    assert run["run"].strip() == 'exec "$TTABOT_VENV/bin/ttabot" action'
    env = run["env"]
    assert set(env) >= {
        "GITHUB_TOKEN",
        "OPENROUTER_API_KEY",
        "TTABOT_MODE",
        "TTABOT_CATEGORIES",
        "TTABOT_FAIL_ON",
        "TTABOT_CONFIG",
    }


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_third_party_actions_pinned_by_sha_with_version_comment(path: Path) -> None:
    lines = path.read_text().splitlines()
    uses = [line for line in lines if re.match(r"^\s*(- )?uses:", line)]
    assert uses
    for line in uses:
        ref, _, comment = line.split("uses:", 1)[1].partition("#")
        ref = ref.strip()
        if ref.startswith("./"):
            continue
        assert PINNED.match(ref), line
        assert re.search(r"v\d+\.\d+\.\d+", comment), f"no version comment: {line}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_grant_least_permissions(path: Path) -> None:
    doc = load(path)
    assert doc["permissions"] == {}, "top level grants nothing; jobs ask for what they need"
    action_inputs = set(load(ACTION)["inputs"])
    for job in doc["jobs"].values():
        perms = job["permissions"]
        assert all(level in ("read", "write") for level in perms.values())
        assert "write-all" not in str(perms) and "actions" not in perms
        for step in job["steps"]:
            if "ttabot/ttabot@" in str(step.get("uses", "")):
                assert set(step.get("with", {})) <= action_inputs
                assert (
                    "contents" not in perms
                    or perms["contents"] == "read"
                    or (path.name == "ttabot-commands.yml")
                ), "only the command workflow may push commits"
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
                assert step["with"]["fetch-depth"] == 0


def test_workflow_triggers() -> None:
    triggers = {p.name: load(p).get(True) or load(p).get("on") for p in WORKFLOWS}
    assert triggers["ttabot-pull-request.yml"]["pull_request"]["types"] == [
        "opened",
        "synchronize",
        "reopened",
        "ready_for_review",
    ]
    assert triggers["ttabot-commands.yml"]["issue_comment"]["types"] == ["created"]
    assert triggers["ttabot-issues.yml"]["issues"]["types"] == ["opened", "edited"]
