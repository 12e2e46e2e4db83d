"""``ttabot draft`` without a model, ``--dry-run``, the pre-commit hook mode, and lazy imports."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from tests.drafting.conftest import answer, configure
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from ttabot.cli import main

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
