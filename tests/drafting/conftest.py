"""Fixtures for drafting tests: a fake model server and settings that point at it."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.fake_openai import FakeOpenAI, fake_openai, ok
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply

#: Small numbers keep the suite fast; tests about reruns or feedback set their own.
#: Generated tests run with this interpreter, which has pytest and coverage.
DRAFT_SETTINGS = {"reruns": 2, "feedback-rounds": 0, "test-timeout": 20, "python": sys.executable}


def config_toml(base_url: str, **draft: Any) -> str:
    """A ``.ttabot.toml`` sending every task kind to the fake server (no API key needed)."""
    values = {**DRAFT_SETTINGS, **draft}
    lines = [
        "[providers.fake]",
        f'base_url = "{base_url}"',
        "[chains]",
        'documentation = ["fake:docs"]',
        'unit-tests = ["fake:tests"]',
        'refactoring = ["fake:refactor"]',
        "[client]",
        "shared-state = false",
        "deadline = 30.0",
        "attempt-timeout = 15.0",
        "backoff = [0.05]",
        "[draft]",
        *(f"{key} = {json.dumps(value)}" for key, value in values.items()),
    ]
    return "\n".join(lines) + "\n"


def answer(data: Any, *, prose: str = "") -> Reply:
    """A model reply holding ``data`` as JSON, optionally wrapped in prose."""
    text = json.dumps(data)
    return ok(f"{prose}\n{text}\n" if prose else text, prompt_tokens=100, completion_tokens=50)


def user_prompt(body: Any) -> str:
    """The first user message of a request: the task's prompt (not feedback)."""
    content = next(m["content"] for m in body["messages"] if m["role"] == "user")
    assert isinstance(content, str)
    return content


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    """A running fake model server."""
    with fake_openai() as server:
        yield server


Responder = Callable[[str, Any], Reply]

#: The change most draft tests stage: a new function in ``pkg/calc.py``, with no docstring.
CHANGE = "def add(a, b):\n    return a + b\n"


def stage_module(repo: GitRepo, source: str) -> GitRepo:
    """``repo`` with an empty package ``pkg`` committed, then ``pkg/calc.py`` holding
    ``source`` staged: the change a draft test drafts for."""
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    repo.write("pkg/calc.py", source)
    repo.stage()
    return repo


@pytest.fixture
def staged(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """:data:`CHANGE` staged, and no provider key from the machine's environment."""
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    return stage_module(repo, CHANGE)


def configure(repo: GitRepo, fake: FakeOpenAI, responder: Responder, **draft: Any) -> None:
    """Point ``repo``'s ttabot settings at ``fake`` answering with ``responder``."""
    fake.responder = responder
    repo.write(".ttabot.toml", config_toml(fake.base_url, **draft))
