"""``draft --apply --format json`` says which files were written and which skipped.

The JSON went out before the files were written: a script reading it saw an
accepted draft of a file ``--apply`` then skipped (edited since) and could not
tell it from one that landed.
"""

from __future__ import annotations

import errno
import json
import os

import pytest

from tests.drafting.conftest import CHANGE, configure, stage_module
from tests.drafting.test_draft_command import docstring_answer
from tests.support.fake_openai import FakeOpenAI
from tests.support.gitrepo import GitRepo
from ttabot.cli import main


@pytest.fixture
def staged(repo: GitRepo, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    configure(stage_module(repo, CHANGE), fake, docstring_answer)
    return repo


def test_json_lists_the_files_apply_wrote(
    staged: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draft", "--only", "docs-missing", "--apply", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["applied"] == {"written": ["pkg/calc.py"], "skipped": []}
    assert '"""Add two numbers.' in (staged.path / "pkg/calc.py").read_text()


def test_json_lists_the_files_apply_skipped(
    staged: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    staged.write("pkg/calc.py", CHANGE + "# edited after staging\n")
    assert main(["draft", "--only", "docs-missing", "--apply", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["drafts"][0]["status"] == "accepted"
    assert document["applied"] == {
        "written": [],
        "skipped": ["pkg/calc.py: the file differs from the version drafted against"],
    }


def test_json_without_apply_has_no_applied_key(
    staged: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draft", "--only", "docs-missing", "--format", "json"]) == 0
    assert "applied" not in json.loads(capsys.readouterr().out)


def test_json_is_printed_when_apply_fails_and_says_why(
    staged: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Printed only after the writes, the drafts (and the requests they cost) were
    # lost with a full disk: the run ended on apply's error line, stdout empty.
    real_fdopen = os.fdopen

    def fdopen(fd: int, mode: str = "r", *args: object, **kwargs: object) -> object:
        if mode == "wb":  # the writer's temporary file: the disk is full
            os.close(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fdopen(fd, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "fdopen", fdopen)
    assert main(["draft", "--only", "docs-missing", "--apply", "--format", "json"]) == 2
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["drafts"][0]["status"] == "accepted"
    assert document["applied"]["written"] == [] and document["applied"]["skipped"] == []
    assert document["applied"]["error"].startswith("nothing applied, every file left as it was")
    assert captured.err.splitlines()[-1].startswith("ttabot: error: nothing applied")
