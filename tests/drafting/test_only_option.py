"""``draft --only ""`` is an error, as ``check --categories ""`` is, not "every category".

A script's ``--only "$CATEGORIES"`` with the variable empty drafted every
category (model requests and all) instead of saying the list was empty.
"""

from __future__ import annotations

import pytest

from tests.support.gitrepo import GitRepo
from ttabot.cli import main


@pytest.mark.parametrize("value", ["", " ", ","])
def test_an_empty_only_is_an_error_not_every_category(
    value: str, repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("pkg/calc.py", "def add(a, b):\n    return a + b\n")
    repo.stage()
    assert main(["draft", "--dry-run", "--only", value]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("ttabot: error: --only: ")
    assert len(captured.err.splitlines()) == 1
