"""``ttabot draft``'s options and exit codes: no model, no answer, ``--dry-run``, ``--apply``,
``--root``, the pre-commit hook mode, and lazy imports."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.drafting.conftest import CHANGE, answer, config_toml, configure
from tests.support.fake_openai import FakeOpenAI, server_error
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from ttabot.cli import main
from ttabot.records import Category, Draft


def test_dry_run_without_a_model_prints_tasks_chains_and_exact_prompts(
    staged: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draft", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "=== task 1: documentation -> pkg/calc.py" in out
    assert "=== task 2: unit-tests -> tests/test_calc.py" in out
    assert "chain: openrouter:mistralai/mistral-small-3.2-24b-instruct:free (no key)" in out
    assert "docs-missing pkg/calc.py:1 add" in out
    # The exact messages: our template and the client's JSON instruction.
    assert "Write pytest tests for the code below from `pkg/calc.py`" in out
    assert "    return a + b  # changed" in out
    assert "It must match this JSON schema" in out
    assert "set OPENROUTER_API_KEY" in out


def test_draft_without_a_model_says_how_to_configure_one(
    staged: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draft"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "OPENROUTER_API_KEY" in lines[0]


def test_hook_without_a_model_passes_with_one_line(
    staged: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draft", "--hook"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ttabot-docstrings: skipped")
    assert (staged.path / "pkg/calc.py").read_text() == CHANGE
    # Said once: the next commits pass quietly, and nothing lands in the work tree.
    assert main(["draft", "--hook"]) == 0
    assert capsys.readouterr().err == ""
    assert "hook-skipped" not in staged.git("status", "--porcelain", "--untracked-files=all")


def test_hook_with_a_model_inserts_docstrings_into_the_work_tree(
    staged: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    def respond(model: str, body: Any) -> Reply:
        doc = "Add two numbers.\n\nArgs:\n    a: First.\n    b: Second."
        return answer({"docstrings": [{"symbol": "add", "docstring": doc}]})

    configure(staged, fake, respond)
    assert main(["draft", "--hook"]) == 0
    text = (staged.path / "pkg/calc.py").read_text()
    assert text.startswith('def add(a, b):\n    """Add two numbers.\n\n    Args:\n')
    assert text.endswith('    """\n    return a + b\n')
    # Only the documentation chain was asked: the hook drafts docstrings only.
    assert {c.model for c in fake.calls} == {"docs"}


def test_nothing_to_draft_exits_0(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("notes.txt", "hello\n")
    repo.stage()
    assert main(["draft"]) == 0
    assert "nothing to draft" in capsys.readouterr().err


def test_check_never_imports_libcst_or_drafting() -> None:
    code = (
        "import sys, ttabot.cli, ttabot.commands.check, ttabot.check\n"
        "bad = [m for m in ('libcst', 'ttabot.drafting', 'ttabot.commands.draft') "
        "if m in sys.modules]\n"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_dry_run_takes_a_diff_and_root_like_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    root = tmp_path / "tree"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "calc.py").write_text(CHANGE)
    patch = tmp_path / "change.diff"
    patch.write_text(
        "--- /dev/null\n+++ b/pkg/calc.py\n@@ -0,0 +1,2 @@\n+def add(a, b):\n+    return a + b\n"
    )
    assert main(["draft", "--dry-run", "--diff", str(patch), "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "documentation -> pkg/calc.py" in out and "unit-tests -> tests/test_calc.py" in out


def test_the_api_reports_progress_per_task(staged: GitRepo, fake: FakeOpenAI) -> None:
    from ttabot.check import run_check
    from ttabot.config import load_settings
    from ttabot.drafting import draft_findings
    from ttabot.llm import RotatingClient
    from ttabot.sources import select_change

    def respond(model: str, body: Any) -> Reply:
        doc = "Add.\n\nArgs:\n    a: A.\n    b: B."
        return answer({"docstrings": [{"symbol": "add", "docstring": doc}]})

    configure(staged, fake, respond)
    selection = select_change(staged.path)
    settings = load_settings(selection.root)
    settings = settings._replace(
        check=settings.check._replace(categories=frozenset({Category.DOCS_MISSING})),
    )
    result = run_check(selection, settings)
    lines: list[str] = []

    async def go() -> list[Draft]:
        async with RotatingClient(settings) as client:
            return await draft_findings(selection, result, settings, client, progress=lines.append)

    (draft,) = asyncio.run(go())
    assert draft.accepted and draft.path == "pkg/calc.py"
    assert lines == ["[1/1] documentation pkg/calc.py: accepted"]


def test_dry_run_json_is_the_plan_as_json(
    staged: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draft", "--dry-run", "--format", "json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert [(t["kind"], t["path"]) for t in doc["tasks"]] == [
        ("documentation", "pkg/calc.py"),
        ("unit-tests", "tests/test_calc.py"),
    ]
    docs = doc["tasks"][0]
    assert docs["findings"] == [
        {"category": "docs-missing", "path": "pkg/calc.py", "symbol": "add", "line": 1}
    ]
    assert docs["chain"][0] == {
        "model": "openrouter:mistralai/mistral-small-3.2-24b-instruct:free",
        "usable": False,
    }
    assert [m["role"] for m in docs["messages"]] == ["system", "user"]
    assert "It must match this JSON schema" in docs["messages"][0]["content"]
    assert doc["model_configured"] is False
    assert "OPENROUTER_API_KEY" in captured.err  # the hint stays off stdout


def test_dry_run_with_apply_is_a_usage_error(
    staged: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draft", "--dry-run", "--apply"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("ttabot: error: --dry-run and --apply cannot be used together")
    assert len(captured.err.strip().splitlines()) == 1


def docstring_answer(model: str, body: Any) -> Reply:
    doc = "Add two numbers.\n\nArgs:\n    a: First.\n    b: Second."
    return answer({"docstrings": [{"symbol": "add", "docstring": doc}]})


def test_apply_that_skips_a_changed_file_exits_1(
    staged: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(staged, fake, docstring_answer)
    staged.write("pkg/calc.py", CHANGE + "# edited after staging\n")  # differs from the index
    assert main(["draft", "--only", "docs-missing", "--apply"]) == 1
    err = capsys.readouterr().err
    assert "ttabot: skipped pkg/calc.py: the file differs" in err
    assert (staged.path / "pkg/calc.py").read_text() == CHANGE + "# edited after staging\n"


def test_root_without_diff_selects_the_repository_like_check(
    staged: GitRepo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["draft", "--dry-run", "--root", str(staged.path)]) == 0
    assert "=== task 1: documentation -> pkg/calc.py" in capsys.readouterr().out


def test_the_no_model_line_says_what_to_configure_and_help_explains_it(
    staged: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draft"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "set OPENROUTER_API_KEY" in line
    assert "[tool.ttabot.providers.NAME] in pyproject.toml" in line
    assert "[providers.NAME] in .ttabot.toml" in line
    assert "'ttabot draft --help'" in line and "docs/" not in line
    assert main(["draft", "--help"]) == 0
    help_text = capsys.readouterr().out
    assert "[tool.ttabot.providers.local]" in help_text
    assert 'base_url = "http://127.0.0.1:11434/v1"' in help_text
    assert 'documentation = ["local:qwen2.5-coder"]' in help_text
    assert "no-answer" in help_text and "--apply skipped a file" in help_text


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_no_model_answering_is_no_answer_and_exits_2_not_rejected(
    staged: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    staged.write(".ttabot.toml", config_toml(f"http://127.0.0.1:{closed_port()}/v1"))
    assert main(["draft", "--only", "docs-missing", "--format", "json"]) == 2
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    (draft,) = doc["drafts"]
    assert draft["status"] == "no-answer" and not draft["accepted"]
    assert draft["stages"][0]["name"] == "model" and draft["reason"]
    assert doc["counts"]["no-answer"] == 1 and doc["counts"]["rejected"] == 0
    assert "no-answer  documentation pkg/calc.py (add)" in captured.err
    assert "ttabot: no model answered" in captured.err
    assert "waiting for models" not in captured.err  # stderr is not a terminal here


def test_on_a_terminal_it_says_it_is_waiting_for_models(
    staged: GitRepo,
    fake: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ttabot.commands import draft_progress

    monkeypatch.setattr(draft_progress, "_stderr_is_terminal", lambda: True)
    monkeypatch.setattr(draft_progress, "HEARTBEAT", 0.1)
    configure(staged, fake, lambda model, body: replace(docstring_answer(model, body), delay=0.5))
    assert main(["draft", "--only", "docs-missing"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "ttabot: drafting 1 task(s), waiting for models: fake:docs"
    assert any(line.startswith("ttabot: still waiting for models (") for line in err)
    assert "[1/1] documentation pkg/calc.py: accepted" in err


def test_a_retry_that_gets_no_answer_keeps_the_check_that_failed(
    staged: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    def respond(model: str, body: Any) -> Reply:
        if len(body["messages"]) > 2:  # the retry, with the failure fed back
            return server_error(503, "overloaded")
        doc = "Add.\n\nArgs:\n    a: First.\n    c: Not a parameter."
        return answer({"docstrings": [{"symbol": "add", "docstring": doc}]})

    configure(staged, fake, respond, **{"feedback-rounds": 1})
    assert main(["draft", "--only", "docs-missing", "--format", "json"]) == 1
    (draft,) = json.loads(capsys.readouterr().out)["drafts"]
    assert draft["status"] == "rejected"
    assert draft["stages"][0]["name"] == "params-match"
