"""The ``ttabot-docstrings`` hook for real: ``pre-commit run`` with a fake model.

pre-commit installs ttabot from this repository's working tree into its own
environment (about 30 s, once per test run: see ``tests/support/precommit.py``),
runs the hook on the staged change, and fails the commit because the hook changed
files — pre-commit's convention for fixers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.drafting.conftest import answer, config_toml
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from tests.support.loopback import Reply
from tests.support.precommit import HookRepository, config, run_hook

pytestmark = pytest.mark.timeout(900)


def test_docstrings_hook_inserts_and_pre_commit_fails_on_modified_files(
    tmp_path: Path, fake: FakeOpenAI, hook_repository: HookRepository, pre_commit_home: Path
) -> None:
    def respond(model: str, body: Any) -> Reply:
        doc = "Greet someone.\n\nArgs:\n    name: Who."
        return answer({"docstrings": [{"symbol": "greet", "docstring": doc}]})

    fake.responder = respond
    repo = GitRepo(tmp_path / "user-repo")
    repo.write(".ttabot.toml", config_toml(fake.base_url))
    repo.write(".pre-commit-config.yaml", config(hook_repository, "ttabot-docstrings"))
    repo.commit("base")
    repo.write("pkg/mod.py", "def greet(name):\n    return 'hi ' + name\n")
    repo.stage()
    done = run_hook(repo, "ttabot-docstrings", pre_commit_home)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "ttabot docstrings" in output and "files were modified by this hook" in output
    text = (repo.path / "pkg/mod.py").read_text()
    assert text.startswith(
        'def greet(name):\n    """Greet someone.\n\n    Args:\n        name: Who.\n'
    )
    assert {c.model for c in fake.calls} == {"docs"}
