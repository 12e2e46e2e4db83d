"""``ttabot draft`` plans once: it drafts the tasks it planned and sends their exact messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import ttabot.drafting
from tests.drafting.conftest import CHANGE, answer, configure, stage_module
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from ttabot.cli import main


def docstring(model: str, body: Any) -> Reply:
    doc = "Add two numbers.\n\nArgs:\n    a: First.\n    b: Second."
    return answer({"docstrings": [{"symbol": "add", "docstring": doc}]})


@pytest.fixture
def staged(repo: GitRepo, fake: FakeOpenAI) -> GitRepo:
    configure(stage_module(repo, CHANGE), fake, docstring)
    return repo


def test_the_messages_sent_are_the_messages_the_dry_run_shows(
    staged: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draft", "--dry-run", "--format", "json", "--only", "docs-missing"]) == 0
    (task,) = json.loads(capsys.readouterr().out)["tasks"]
    assert fake.calls == []
    assert main(["draft", "--format", "json", "--only", "docs-missing"]) == 0
    (call,) = fake.calls
    assert call.body["messages"] == task["messages"]
    # The plan holds the JSON instruction; the client does not add it a second time.
    assert call.body["messages"][0]["content"].count("It must match this JSON schema") == 1


def test_draft_walks_the_project_once(
    staged: GitRepo, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    walks: list[Path] = []
    walk: Callable[[Path], tuple[str, ...]] = ttabot.drafting.project_files

    def counted(root: Path) -> tuple[str, ...]:
        walks.append(root)
        return walk(root)

    monkeypatch.setattr(ttabot.drafting, "project_files", counted)
    assert main(["draft", "--only", "docs-missing"]) == 0
    assert len(fake.calls) == 1
    assert walks == [staged.path]
