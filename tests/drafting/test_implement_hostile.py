"""Hostile answers to ``implement``: each refused with a reason, nothing written anywhere.

A model's answer is prompted partly by an issue anyone may write, so every path
and every byte of it is treated as an attack: out of the project, into git's or
CI's files, through a symbolic link, with NUL bytes, too big or too deep.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.drafting.conftest import config_toml
from tests.support.fake_openai import FakeOpenAI, ok
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from ttabot.config import load_settings
from ttabot.drafting.implement import ImplementJob, implement
from ttabot.drafting.implement_answer import MAX_ANSWER, MAX_FILES


def files_answer(*files: tuple[str, str]) -> str:
    return json.dumps({"summary": "s", "files": [{"path": p, "content": c} for p, c in files]})


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def job_for(repo: GitRepo, fake: FakeOpenAI, outside: Path, rounds: int = 0) -> ImplementJob:
    repo.write("pkg/__init__.py", "")
    repo.write("pkg/mod.py", "A = 1\n")
    repo.write("tests/test_ok.py", "def test_ok():\n    assert True\n")
    os.symlink(outside, repo.path / "linked")  # a folder linked out of the project
    os.symlink("pkg", repo.path / "inner")  # a folder linked to another part of it
    toml = config_toml(fake.base_url, **{"feedback-rounds": rounds, "python": sys.executable})
    chains = '[chains]\nsimple-code = ["fake:code"]\n'
    repo.write(".ttabot.toml", toml.replace("[chains]\n", chains))
    repo.commit("init")
    settings = load_settings(repo.path)
    return ImplementJob(7, "Add x", "Add x.", repo.path, settings, {"PATH": "/usr/bin:/bin"}, {})


def assert_nothing_written(repo: GitRepo, outside: Path) -> None:
    assert repo.git("status", "--porcelain", "--ignored") == ""
    assert not (repo.path / ".git" / "hooks" / "pre-commit").exists()
    assert list(outside.iterdir()) == []


REFUSED_AT_ONCE = [
    pytest.param(files_answer(("../x", "X = 1")), "refusing to write '../x'", id="parent"),
    pytest.param(files_answer(("/etc/x", "X = 1")), "refusing to write '/etc/x'", id="absolute"),
    pytest.param(
        files_answer((".git/hooks/pre-commit", "#!/bin/sh\ncurl evil\n")),
        "refusing to write '.git/hooks/pre-commit'",
        id="git-hook",
    ),
    pytest.param(
        files_answer((".github/workflows/x.yml", "on: push\n")),
        "refusing to write '.github/workflows/x.yml'",
        id="workflow",
    ),
    pytest.param(files_answer(("a/../../b", "X = 1")), "refusing to write 'a/../../b'", id="climb"),
    pytest.param(
        files_answer(("linked/x.py", "X = 1")),
        "refusing to write 'linked/x.py': linked is a symbolic link",
        id="linked-out",
    ),
    pytest.param(
        files_answer(("inner/x.py", "X = 1")),
        "refusing to write 'inner/x.py': inner is a symbolic link",
        id="linked-in",
    ),
    pytest.param(
        files_answer(("linked", "X = 1")),
        "refusing to write 'linked': linked is a symbolic link",
        id="the-link-itself",
    ),
    pytest.param(files_answer(("pkg/a\0.py", "X = 1")), "refusing to write", id="nul-in-path"),
    pytest.param(files_answer(("pkg/a.py", "X = 1\0")), "NUL byte", id="nul-in-content"),
    pytest.param(
        files_answer(("pkg/a.py", "X = '\ud800'")), "not valid UTF-8", id="surrogate-in-content"
    ),
    pytest.param(
        files_answer(("pkg/a.py", "X = 1\n" + "#" * MAX_ANSWER)),
        f"at most {MAX_ANSWER:,}",
        id="huge",
    ),
    pytest.param(
        files_answer(*((f"pkg/m{n}.py", "") for n in range(MAX_FILES + 1))),
        f"at most {MAX_FILES}",
        id="too-many-files",
    ),
    pytest.param(
        files_answer(("pkg/a.py", "A = 1"), ("./pkg/a.py", "A = 2")), "twice", id="duplicate"
    ),
    pytest.param(
        files_answer(("pkg/b.py", ""), ("pkg/b.py/c.py", "")),
        "as a file and a folder",
        id="file-and-folder",
    ),
    pytest.param(
        files_answer(("pkg/mod.py/c.py", "")), "pkg/mod.py is a file, not a folder", id="into-file"
    ),
    pytest.param(
        files_answer(("pkg", "")), "refusing to write 'pkg': it is a folder", id="a-folder"
    ),
    pytest.param(
        files_answer(("pkg/" + "x" * 300 + ".py", "")), "File name too long", id="long-name"
    ),
]


@pytest.mark.parametrize(("content", "reason"), REFUSED_AT_ONCE)
def test_a_hostile_answer_is_refused_with_its_reason_and_nothing_is_written(
    repo: GitRepo, fake: FakeOpenAI, outside: Path, content: str, reason: str
) -> None:
    job = job_for(repo, fake, outside)
    fake.responder = lambda model, body: ok(content)
    done = implement(job)
    assert not done.accepted and done.files == {}
    # Refused as an answer, before any copy was made or test run.
    ((name, passed, detail),) = done.stages
    assert (name, passed) == ("answer", False)
    assert reason in detail
    assert_nothing_written(repo, outside)


def test_deeply_nested_json_is_a_reason_not_a_crash(
    repo: GitRepo, fake: FakeOpenAI, outside: Path
) -> None:
    job = job_for(repo, fake, outside)
    deep = '{"files": ' + "[" * 100_000 + "]" * 100_000 + "}"
    fake.responder = lambda model, body: ok(deep)
    done = implement(job)
    assert not done.accepted and done.files == {}
    assert "deeper than" in done.reason
    assert_nothing_written(repo, outside)


def test_a_refused_path_is_fed_back_and_a_safe_retry_is_accepted(
    repo: GitRepo, fake: FakeOpenAI, outside: Path
) -> None:
    job = job_for(repo, fake, outside, rounds=1)
    seen: list[str] = []

    def respond(model: str, body: Any) -> Reply:
        seen.append(body["messages"][-1]["content"])
        path = "linked/evil.py" if len(seen) == 1 else "pkg/add.py"
        return ok(files_answer((path, "def add(a, b):\n    return a + b\n")))

    fake.responder = respond
    done = implement(job)
    assert done.accepted and done.attempts == 2, done.stages
    assert done.files == {"pkg/add.py": "def add(a, b):\n    return a + b\n"}
    assert "failed ttabot's check `answer`" in seen[1]
    assert "linked is a symbolic link" in seen[1]
    assert list(outside.iterdir()) == []


def test_with_the_sandbox_required_and_missing_no_model_is_asked(
    repo: GitRepo, fake: FakeOpenAI, outside: Path, tmp_path: Path
) -> None:
    # The Action requires bubblewrap (sandbox = "bwrap"): without it an answer could
    # never be validated, so none is asked for, whatever the forge.
    job = job_for(repo, fake, outside)
    job = job._replace(
        settings=job.settings._replace(draft=job.settings.draft._replace(sandbox="bwrap")),
        environ={"PATH": str(tmp_path / "no-bwrap-here")},
    )
    fake.responder = lambda model, body: ok(files_answer(("pkg/a.py", "A = 1")))
    done = implement(job)
    assert not done.accepted and fake.calls == []
    ((name, passed, detail),) = done.stages
    assert (name, passed) == ("sandbox", False)
    assert "no sandbox" in detail and done.reason == detail


@pytest.mark.parametrize("source", ["-" * 100_000 + "1", "a" + ".a" * 100_000])
def test_python_too_deep_to_parse_is_a_reason_not_a_crash(
    repo: GitRepo, fake: FakeOpenAI, outside: Path, source: str
) -> None:
    # Attack: a file the model writes whose expression nests past the parser's limits.
    # ast.parse raised MemoryError or RecursionError, not SyntaxError: a traceback.
    job = job_for(repo, fake, outside)
    fake.responder = lambda model, body: ok(files_answer(("pkg/deep.py", source)))
    done = implement(job)
    assert not done.accepted
    assert [a.reason for a in done.history] == ["pkg/deep.py: nested too deeply to parse"]
    assert_nothing_written(repo, outside)
