"""``ttabot draft`` without a model, ``--dry-run``, the pre-commit hook mode, and lazy imports."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.drafting.conftest import answer, configure
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from ttabot.cli import main
from ttabot.records import Category, Draft

CHANGE = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def staged(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    repo.write("pkg/calc.py", CHANGE)
    repo.stage()
    return repo


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
