"""``implement`` drafts through the same refine loop, failures fed back the shared way."""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.drafting.conftest import config_toml
from tests.support.fake_openai import FakeOpenAI, ok
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from ttabot.config import load_settings
from ttabot.drafting.implement import ImplementJob, implement


def test_a_broken_answer_is_fed_back_through_the_refine_loop_and_fixed(
    repo: GitRepo, fake: FakeOpenAI
) -> None:
    repo.write("pkg/__init__.py", "")
    repo.write("tests/test_ok.py", "def test_ok():\n    assert True\n")
    toml = config_toml(fake.base_url, **{"feedback-rounds": 1, "python": sys.executable})
    repo.write(
        ".ttabot.toml",
        toml.replace("[chains]\n", '[chains]\nsimple-code = ["fake:code"]\n'),
    )
    repo.commit("init")
    seen: list[str] = []

    def respond(model: str, body: Any) -> Reply:
        seen.append(body["messages"][-1]["content"])
        content = "def add(a, b):\n    return a + b\n" if len(seen) > 1 else "def add(:\n"
        files = [{"path": "pkg/add.py", "content": content}]
        return ok(json.dumps({"summary": "Adds add().", "files": files}))

    fake.responder = respond
    settings = load_settings(repo.path)
    environ = {"PATH": "/usr/bin:/bin"}
    job = ImplementJob(5, "Add add", "Add an add function.", repo.path, settings, environ, {})
    done = implement(job)
    assert done.accepted and done.attempts == 2, done.stages
    assert len(seen) == 2
    assert "failed ttabot's check `parses`" in seen[1] and "pkg/add.py:1" in seen[1]


def test_every_round_is_recorded_and_reported_to_the_learning_chains(
    repo: GitRepo, fake: FakeOpenAI
) -> None:
    """history lists each round; the chains hear each round and the final verdict."""
    import asyncio

    from ttabot.drafting.implement import draft_implementation
    from ttabot.llm import RotatingClient
    from ttabot.records import DraftStatus

    repo.write("pkg/__init__.py", "")
    toml = config_toml(fake.base_url, **{"feedback-rounds": 2, "python": sys.executable})
    chain = '[chains]\nsimple-code = ["fake:code"]\n'
    repo.write(".ttabot.toml", toml.replace("[chains]\n", chain))
    repo.commit("init")
    answers = iter(["def add(:\n", "def add(a, b):\n    return a + b\n"])

    def respond(model: str, body: Any) -> Reply:
        files = [{"path": "pkg/add.py", "content": next(answers)}]
        return ok(json.dumps({"summary": "Adds add().", "files": files}))

    fake.responder = respond
    settings = load_settings(repo.path)
    job = ImplementJob(5, "Add add", "Add an add function.", repo.path, settings, {}, {})
    heard: list[tuple[str, object]] = []

    class Listening(RotatingClient):
        async def complete_draft(self, task: object, *args: Any, **kwargs: Any) -> Any:
            heard.append(("asked", task))
            return await super().complete_draft(task, *args, **kwargs)

        def report_verdict(self, task: object, accepted: bool) -> None:
            heard.append((f"verdict {accepted}", task))
            super().report_verdict(task, accepted)

    async def go() -> Any:
        async with Listening(settings, environ={}) as client:
            return await draft_implementation(job, client)

    done = asyncio.run(go())
    assert done.status is DraftStatus.ACCEPTED
    assert [(a.model, a.stage, a.ok) for a in done.history] == [
        ("fake:code", "parses", False),
        ("fake:code", "passes", True),
    ]
    assert [what for what, _ in heard] == ["asked", "asked", "verdict True"]
    assert len({id(task) for _, task in heard}) == 1


def test_no_answer_at_all_is_its_own_status(repo: GitRepo, fake: FakeOpenAI) -> None:
    from ttabot.records import DraftStatus

    repo.write("pkg/__init__.py", "")
    toml = config_toml(fake.base_url, **{"feedback-rounds": 1, "python": sys.executable})
    chain = '[chains]\nsimple-code = ["fake:code"]\n'
    repo.write(".ttabot.toml", toml.replace("[chains]\n", chain))
    repo.commit("init")
    fake.responder = lambda model, body: Reply(401, {"error": {"message": "no key"}})
    settings = load_settings(repo.path)
    done = implement(ImplementJob(5, "Add add", "Add it.", repo.path, settings, {}, {}))
    assert done.status is DraftStatus.NO_ANSWER and not done.files
    assert [(a.stage, a.ok) for a in done.history] == [("model", False)]
