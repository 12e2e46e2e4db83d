"""action.yml and workflows/: the ecosystem's linters, and the rules they do not cover."""

from __future__ import annotations

import json
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


def triggers_of(doc: dict[Any, Any]) -> dict[str, Any]:
    """A workflow's ``on:`` table (YAML 1.1 reads the bare key ``on`` as ``True``)."""
    on = doc.get(True) or doc.get("on")
    assert isinstance(on, dict)
    return on


def steps(doc: dict[Any, Any]) -> Iterator[dict[str, Any]]:
    if "runs" in doc:
        yield from doc["runs"].get("steps", [])
    for job in (doc.get("jobs") or {}).values():
        yield from job.get("steps", [])


def test_there_are_four_example_workflows() -> None:
    names = {p.name for p in WORKFLOWS}
    assert names == {
        "ttabot-pull-request.yml",
        "ttabot-commands.yml",
        "ttabot-issues.yml",
        "ttabot-report.yml",
    }


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
    # -I: the workspace may be a fork's checkout; nothing there may shadow ttabot.
    assert run["run"].strip() == 'exec "$TTABOT_VENV/bin/python" -I -m ttabot action'
    env = run["env"]
    assert set(env) >= {
        "GITHUB_TOKEN",
        "OPENROUTER_API_KEY",
        "TTABOT_MODE",
        "TTABOT_CATEGORIES",
        "TTABOT_FAIL_ON",
        "TTABOT_CONFIG",
    }


def test_action_restores_and_saves_the_state_per_repository_and_day() -> None:
    steps = load(ACTION)["runs"]["steps"]
    names = [step.get("id") or step.get("name") for step in steps]
    restore = next(s for s in steps if s.get("uses", "").startswith("actions/cache/restore@"))
    save = next(s for s in steps if s.get("uses", "").startswith("actions/cache/save@"))
    state = next(s for s in steps if s.get("id") == "state")
    assert names.index("state") < steps.index(restore) < names.index("run") < steps.index(save)
    assert "default_state_dir()" in state["run"] and "date -u" in state["run"]
    for step in (restore, save):
        assert step["with"]["path"] == "${{ steps.state.outputs.dir }}"
        assert "${{ github.repository }}-${{ steps.state.outputs.day }}-" in step["with"]["key"]
    assert restore["with"]["key"] == save["with"]["key"]  # this run's own entry
    assert save["with"]["key"].startswith(restore["with"]["restore-keys"])  # today's latest
    assert save["if"].startswith("always()")  # a failed run's cooldowns are worth keeping too


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
        assert "write-all" not in str(perms)
        # Only the fork-report publisher reads another run's artifact.
        assert "actions" not in perms or (
            path.name == "ttabot-report.yml" and perms["actions"] == "read"
        )
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


def checkouts(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout@")]


@pytest.mark.parametrize(
    ("name", "depth_step", "base", "head"),
    [
        (
            "ttabot-pull-request.yml",
            "history",
            "${{ github.event.pull_request.base.sha }}",
            "${{ github.event.pull_request.head.sha }}",
        ),
        (
            "ttabot-commands.yml",
            "pr",
            "${{ steps.pr.outputs.base }}",
            "${{ steps.pr.outputs.head }}",
        ),
    ],
)
def test_checkouts_fetch_only_the_history_the_merge_base_needs(
    name: str, depth_step: str, base: str, head: str
) -> None:
    # The base commit at depth 1 (ttabot reads its settings there), then, in the same
    # folder, the head with the PR's commit count + 1: enough to reach the merge base,
    # which ttabot then asks GitHub for (ttabot/github/pull.py, tests/github/test_shallow.py).
    (job,) = load(ROOT / "workflows" / name)["jobs"].values()
    steps = job["steps"]
    first, second = checkouts(job)
    depth = next(s for s in steps if s.get("id") == depth_step)
    assert steps.index(depth) < steps.index(first) < steps.index(second)
    assert first["with"] == {"ref": base, "fetch-depth": 1, "persist-credentials": False}
    assert second["with"]["ref"] == head
    assert str(second["with"]["fetch-depth"]).startswith(f"${{{{ steps.{depth_step}.outputs.depth")
    assert "path" not in first["with"] and "path" not in second["with"]
    if name == "ttabot-pull-request.yml":
        assert depth["env"] == {"PR_COMMITS": "${{ github.event.pull_request.commits }}"}
        assert depth["run"].strip() == 'echo "depth=$((PR_COMMITS + 1))" >> "$GITHUB_OUTPUT"'
    else:
        assert "depth=\\(.commits + 1)" in depth["run"] and "base=\\(.base.sha)" in depth["run"]
        assert first["if"] == depth["if"] == "github.event.issue.pull_request"
    for path in WORKFLOWS:
        assert "fetch-depth: 0" not in path.read_text(), path.name


def test_workflow_triggers() -> None:
    triggers = {p.name: triggers_of(load(p)) for p in WORKFLOWS}
    assert triggers["ttabot-pull-request.yml"]["pull_request"]["types"] == [
        "opened",
        "synchronize",
        "reopened",
        "ready_for_review",
    ]
    assert triggers["ttabot-commands.yml"]["issue_comment"]["types"] == ["created"]
    assert triggers["ttabot-issues.yml"]["issues"]["types"] == ["opened", "edited"]


def jobs_of(path: Path) -> list[dict[str, Any]]:
    return list(load(path)["jobs"].values())


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_job_has_a_timeout_and_job_level_concurrency(path: Path) -> None:
    doc = load(path)
    # Workflow-level concurrency is joined before a job's if: (any comment would join
    # and cancel a queued command), so it lives on the job.
    assert "concurrency" not in doc
    for job in jobs_of(path):
        assert 0 < job["timeout-minutes"] <= 60
        assert job["concurrency"]["cancel-in-progress"] in (True, False)


def test_pr_runs_and_commands_share_one_group_per_pr() -> None:
    pr = jobs_of(ROOT / "workflows" / "ttabot-pull-request.yml")[0]
    command = jobs_of(ROOT / "workflows" / "ttabot-commands.yml")[0]
    assert pr["concurrency"]["group"] == "ttabot-pr-${{ github.event.pull_request.number }}"
    assert command["concurrency"]["group"] == "ttabot-pr-${{ github.event.issue.number }}"
    assert pr["concurrency"]["cancel-in-progress"] is False
    assert command["concurrency"]["cancel-in-progress"] is False
    assert pr["if"] == "${{ !github.event.pull_request.draft }}"


@pytest.mark.parametrize(
    "name", ["ttabot-pull-request.yml", "ttabot-commands.yml"], ids=lambda n: n
)
def test_test_dependencies_are_installed_before_ttabot_without_secrets(name: str) -> None:
    job_steps = jobs_of(ROOT / "workflows" / name)[0]["steps"]
    install = next(i for i, s in enumerate(job_steps) if "pip install" in s.get("run", ""))
    bot = next(i for i, s in enumerate(job_steps) if "ttabot/ttabot@" in s.get("uses", ""))
    assert install < bot
    assert "pytest" in job_steps[install]["run"] and "-e ." not in job_steps[install]["run"]
    assert "secrets." not in json.dumps(job_steps[install])


def test_the_fork_report_publisher_runs_nothing_from_the_pr() -> None:
    path = ROOT / "workflows" / "ttabot-report.yml"
    doc = load(path)
    trigger = triggers_of(doc)["workflow_run"]
    assert trigger["workflows"] == [load(ROOT / "workflows" / "ttabot-pull-request.yml")["name"]]
    (job,) = jobs_of(path)
    assert "head_repository.full_name != github.repository" in job["if"]
    assert "workflow_run.event == 'pull_request'" in job["if"]
    for step in job["steps"]:
        assert "run" not in step, "no shell step: nothing of the PR is executed"
        assert not str(step.get("uses", "")).startswith("actions/checkout@")
    assert "secrets." not in path.read_text()
    bot = job["steps"][-1]
    assert set(bot["with"]) == {"report-path"}
    pr_job = jobs_of(ROOT / "workflows" / "ttabot-pull-request.yml")[0]
    upload = next(s for s in pr_job["steps"] if "upload-artifact@" in s.get("uses", ""))
    ttabot = next(s for s in pr_job["steps"] if "ttabot/ttabot@" in s.get("uses", ""))
    assert upload["with"]["path"] == ttabot["with"]["report-path"]
    download = job["steps"][0]
    assert download["with"]["name"] == upload["with"]["name"]
    assert bot["with"]["report-path"].startswith(download["with"]["path"])


def test_the_action_reports_without_blocking_by_default() -> None:
    assert load(ACTION)["inputs"]["fail-on"]["default"] == "none"
