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
