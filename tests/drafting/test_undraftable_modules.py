"""A module ``check`` reads but drafting cannot is named, not passed over in silence.

``check`` decodes a module as Python does (a byte order mark, a coding
declaration); drafting reads UTF-8 only. Such a module's docs-missing finding
failed the ``ttabot-check`` hook, while ``ttabot draft`` said "nothing to draft"
and exited 0.
"""

from __future__ import annotations

import pytest

from tests.drafting.conftest import configure
from tests.drafting.test_draft_command import docstring_answer
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from ttabot.cli import main

MODULES = {
    "bom": b"\xef\xbb\xbfdef add(a, b):\n    return a + b\n",
    "latin-1": b"# -*- coding: latin-1 -*-\n# caf\xe9\ndef add(a, b):\n    return a + b\n",
}


@pytest.fixture(params=list(MODULES))
def encoded(
    request: pytest.FixtureRequest, repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> bytes:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    repo.write("pkg/__init__.py", "")
    repo.commit("init")
    data = MODULES[request.param]
    repo.write("pkg/calc.py", data)
    repo.stage()
    return data


def test_draft_names_the_module_it_cannot_draft_and_exits_1(
    encoded: bytes, repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(repo, fake, docstring_answer)
    assert main(["draft", "--only", "docs-missing", "--apply"]) == 1
    err = capsys.readouterr().err
    assert "ttabot: warning: pkg/calc.py: not drafted: " in err
    assert "nothing to draft" not in err
    assert (repo.path / "pkg/calc.py").read_bytes() == encoded  # untouched
    assert fake.calls == []


def test_dry_run_names_it_too(encoded: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draft", "--dry-run"]) == 0
    assert "ttabot: warning: pkg/calc.py: not drafted: " in capsys.readouterr().err


def test_the_hook_names_it_and_passes(
    encoded: bytes, repo: GitRepo, fake: FakeOpenAI, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(repo, fake, docstring_answer)
    assert main(["draft", "--hook"]) == 0
    assert "ttabot: warning: pkg/calc.py: not drafted: " in capsys.readouterr().err
